"""Every Event Hubs auth type the app offers, declared once.

As Django's `contrib/auth/hashers.py` keeps each hasher behind one lookup, this module keeps,
for each auth type: the credential fields it asks for, which of them is the secret, the client's
typed auth (it carries Adobe's `specName` and builds the `auth.params` payload), the wizard's tab
and its help, and what follows from them (scoped to one event hub, lists the namespace's hubs,
takes a connection string). The model, the services, the forms, the views, the templates and the
admin read it; nothing else names an auth type or a credential field.

Adding an auth type: a member of `AuthType`, its `AuthTypeSpec` in `SPECS` (and a client auth
class if Adobe's payload is new), then `makemigrations` (the choices change) and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from connections import azure_names
from connections.flowservice import AadAuth, EventHubAuth, SasAuth, ScopedAadAuth, StandardAuth

ClientAuth = type[StandardAuth] | type[SasAuth] | type[AadAuth] | type[ScopedAadAuth]


@dataclass(frozen=True)
class CredentialField:
    """One credential input; the Onboarding attribute and the form field share its name."""

    name: str
    label: str | Promise  # as the summaries (the wizard's and the admin's) show it
    normalise: Callable[[str], str]  # Azure's naming rules; raises ValueError with a message for the user
    client_name: str  # the keyword of the client's auth dataclass
    secret: bool = False
    noun: str | Promise = ""  # "key" or "client secret": how the wizard names a secret in a sentence


FIELDS: dict[str, CredentialField] = {
    field.name: field
    for field in (
        CredentialField("namespace", _("Namespace"), azure_names.namespace, "namespace"),
        CredentialField("sas_key_name", _("SAS key name"), azure_names.policy_name, "sas_key_name"),
        CredentialField("sas_key", _("SAS key"), azure_names.sas_key, "sas_key", secret=True, noun=_("key")),
        CredentialField("auth_event_hub_name", _("Event hub"), azure_names.event_hub_name, "event_hub_name"),
        CredentialField("tenant_id", _("Tenant ID"), azure_names.tenant_id, "tenant_id"),
        CredentialField("client_id", _("Client ID"), azure_names.client_id, "client_id"),
        CredentialField(
            "client_secret_value",
            _("Client secret value"),
            azure_names.client_secret,
            "client_secret_value",
            secret=True,
            noun=_("client secret"),
        ),
    )
}
SCOPE_FIELD = "auth_event_hub_name"  # present in an auth type's fields: it opens one event hub only
SECRET_FIELDS = frozenset(name for name, field in FIELDS.items() if field.secret)


@dataclass(frozen=True)
class AuthTypeSpec:
    """What one auth type needs and how the app shows it."""

    fields: tuple[str, ...]  # in the order the form asks for them: namespace, event hub, then the credentials
    client_auth: ClientAuth
    when: str | Promise  # the tab's help: when to pick this type
    # Why Adobe's list of the namespace's event hubs may come back empty (types that can list them).
    empty_listing: str | Promise = ""
    # Where Azure shows each field for this type (a hub policy is not a namespace policy): the form's help.
    help: Mapping[str, str | Promise] = field(default_factory=dict)

    @property
    def secret(self) -> CredentialField:
        return next(FIELDS[name] for name in self.fields if FIELDS[name].secret)


class AuthType(models.TextChoices):
    """The auth types of Adobe's Event Hubs connection spec; the label is also the wizard's tab."""

    STANDARD = "standard", _("Standard")
    SAS = "sas", _("SAS")
    # Adobe's spec names say "Azure Active Directory" (its old name); the app says Microsoft Entra ID throughout.
    AAD = "aad", _("Microsoft Entra ID")
    SCOPED_AAD = "scoped_aad", _("Microsoft Entra ID, one event hub")

    @property
    def spec(self) -> AuthTypeSpec:
        return SPECS[self]

    @property
    def fields(self) -> tuple[CredentialField, ...]:
        return tuple(FIELDS[name] for name in self.spec.fields)

    @property
    def field_names(self) -> tuple[str, ...]:
        return self.spec.fields

    @property
    def secret(self) -> CredentialField:
        return self.spec.secret

    @property
    def summary_fields(self) -> tuple[CredentialField, ...]:
        """The non-secret fields as the summaries list them: the namespace first."""
        shown = [field for field in self.fields if not field.secret]
        return tuple(sorted(shown, key=lambda field: field.name != "namespace"))

    @property
    def spec_name(self) -> str:
        """Adobe's `auth.specName` for this type (Standard and SAS share one)."""
        return self.spec.client_auth.SPEC_NAME

    @property
    def is_scoped(self) -> bool:
        return SCOPE_FIELD in self.spec.fields

    @property
    def lists_event_hubs(self) -> bool:
        """Adobe's explore lists a namespace's hubs; scoped credentials cannot list them."""
        return not self.is_scoped

    @property
    def takes_connection_string(self) -> bool:
        """Azure's connection strings carry a SAS policy: only the SAS-key types can use one."""
        return self.secret.name == "sas_key"

    @property
    def when(self) -> str | Promise:
        return self.spec.when

    def same_secret_as(self, other: str) -> bool:
        """Whether `other` keeps the same kind of secret (so a blank secret may keep the stored one)."""
        return other in AuthType.values and AuthType(other).secret == self.secret

    def client_auth(self, values: Mapping[str, str]) -> EventHubAuth:
        """The client's typed auth built from the credential values (an Onboarding or cleaned data)."""
        return self.spec.client_auth(**{FIELDS[name].client_name: values[name] for name in self.spec.fields})


SPECS: dict[AuthType, AuthTypeSpec] = {
    AuthType.STANDARD: AuthTypeSpec(
        fields=("namespace", "sas_key_name", "sas_key"),
        client_auth=StandardAuth,
        when=_(
            "Pick this when you have a shared access policy on the whole namespace (for example "
            "RootManageSharedAccessKey). With Manage rights the app lists your event hubs for you."
        ),
        empty_listing=_(
            "The event hub list is empty: the shared access policy needs Manage rights to list the namespace's "
            "event hubs. Type the event hub name."
        ),
        help={
            "sas_key_name": _(
                "The name of a shared access policy on the whole namespace, e.g. RootManageSharedAccessKey (your "
                "namespace › Settings › Shared access policies). With Manage rights the app can list your event hubs."
            ),
            "sas_key": _(
                "That namespace policy's Primary key: 44 characters ending in = (same page). Stored encrypted, "
                "never shown again."
            ),
        },
    ),
    AuthType.SAS: AuthTypeSpec(
        fields=("namespace", "auth_event_hub_name", "sas_key_name", "sas_key"),
        client_auth=SasAuth,
        when=_(
            "Pick this when your shared access policy belongs to one event hub (a connection string with "
            "EntityPath=): the connection is limited to that event hub."
        ),
        help={
            "auth_event_hub_name": _("The event hub the policy belongs to (your namespace › Entities › Event Hubs)."),
            "sas_key_name": _(
                "The name of the shared access policy on that event hub (your event hub › Settings › Shared access "
                "policies). A hub policy is not a namespace policy: namespace policies are on the Standard tab."
            ),
            "sas_key": _("That event hub policy's Primary key (same page). Stored encrypted, never shown again."),
        },
    ),
    AuthType.AAD: AuthTypeSpec(
        fields=("namespace", "tenant_id", "client_id", "client_secret_value"),
        client_auth=AadAuth,
        when=_(
            "Pick this when your organisation uses a Microsoft Entra ID app with a role on the namespace instead of "
            "keys."
        ),
        empty_listing=_(
            "The event hub list is empty: the Microsoft Entra ID app needs the Azure Event Hubs Data Owner role on the "
            "namespace to list its hubs. Type the event hub name."
        ),
    ),
    AuthType.SCOPED_AAD: AuthTypeSpec(
        fields=("namespace", "auth_event_hub_name", "tenant_id", "client_id", "client_secret_value"),
        client_auth=ScopedAadAuth,
        when=_("Pick this when the Microsoft Entra ID app only has a role on one event hub."),
        help={
            "auth_event_hub_name": _(
                "The event hub the app has its Azure role on (your namespace › Entities › Event Hubs)."
            ),
        },
    ),
}
