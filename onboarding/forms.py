"""One form per wizard step. Forms clean and validate; they never call Adobe."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from connections import azure_names
from connections.models import Onboarding
from connections.services import CREDENTIAL_FIELDS, FIELDS_BY_AUTH, SECRET_FIELDS, Account, Credentials, Source

from . import secret_echo

AuthType = Onboarding.AuthType

AUTH_WHEN = {
    AuthType.STANDARD: _(
        "Pick this when you have a shared access policy on the whole namespace (for example "
        "RootManageSharedAccessKey). With Manage rights the app lists your event hubs for you."
    ),
    AuthType.SAS: _(
        "Pick this when your shared access policy belongs to one event hub: the connection is limited to it."
    ),
    AuthType.AAD: _(
        "Pick this when your organisation uses a Microsoft Entra ID app with a role on the namespace instead of keys."
    ),
    AuthType.SCOPED_AAD: _("Pick this when the Microsoft Entra ID app only has a role on one event hub."),
}
AUTH_TAB_LABELS = {
    AuthType.STANDARD: _("Standard"),
    AuthType.SAS: _("SAS"),
    AuthType.AAD: _("Azure Active Directory"),
    AuthType.SCOPED_AAD: _("Scoped Azure Active Directory"),
}
KEEP_STORED = _("A {what} is saved (set {when}). Leave this empty to keep it, or type a new one to replace it.")

# Each credential field's check, from Azure's naming rules.
VALIDATORS: dict[str, Callable[[str], str]] = {
    "namespace": azure_names.namespace,
    "sas_key_name": azure_names.policy_name,
    "sas_key": azure_names.sas_key,
    "auth_event_hub_name": azure_names.event_hub_name,
    "tenant_id": azure_names.tenant_id,
    "client_id": lambda value: azure_names.guid(value, what="client ID"),
    "client_secret_value": azure_names.client_secret,
}


def _password(autocomplete: str = "new-password") -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": autocomplete, "spellcheck": "false"})


def _text(**attrs: str) -> forms.TextInput:
    return forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none", **attrs})


class AccountForm(forms.Form):
    """Step 1: name the account, pick the AEP sandbox and give the Event Hubs credentials."""

    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("A name you will recognise, e.g. “Orders stream (production)”. AEP lists the account under it."),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: what this connection is for."),
    )
    sandbox_name = forms.CharField(
        label=_("AEP sandbox"),
        max_length=100,
        help_text=_("The Experience Platform sandbox to create the connections in, in lowercase (for example prod)."),
    )
    auth_type = forms.ChoiceField(choices=AuthType.choices, widget=forms.HiddenInput)
    creation_token = forms.CharField(required=False, widget=forms.HiddenInput)
    connection_string = forms.CharField(
        label=_("Connection string (optional)"),
        required=False,
        strip=False,
        widget=_password("off"),
        help_text=_(
            "Paste the policy's “Connection string–primary key” from the Azure portal to fill in the fields below."
        ),
    )
    namespace = forms.CharField(
        label=_("Event Hubs namespace"),
        required=False,
        max_length=300,
        widget=_text(),
        help_text=_(
            "The namespace name, e.g. contoso-events (Azure portal › Event Hubs › your namespace). Its host name "
            "contoso-events.servicebus.windows.net works too."
        ),
    )
    sas_key_name = forms.CharField(
        label=_("SAS key name"),
        required=False,
        max_length=100,
        widget=_text(),
        help_text=_(
            "The shared access policy's name, e.g. RootManageSharedAccessKey (your namespace › Settings › Shared "
            "access policies). With Manage rights the app can list your event hubs."
        ),
    )
    sas_key = forms.CharField(
        label=_("SAS key"),
        required=False,
        strip=False,
        widget=_password(),
        help_text=_(
            "The policy's Primary key: 44 characters ending in = (on the same Shared access policies page). "
            "It is stored encrypted and never shown again."
        ),
    )
    auth_event_hub_name = forms.CharField(
        label=_("Event hub name"),
        required=False,
        max_length=300,
        widget=_text(),
        help_text=_("The event hub these credentials belong to (your namespace › Entities › Event Hubs)."),
    )
    tenant_id = forms.CharField(
        label=_("Tenant ID"),
        required=False,
        max_length=300,
        widget=_text(),
        help_text=_("Microsoft Entra ID › Overview › Tenant ID (a GUID), or a domain like contoso.onmicrosoft.com."),
    )
    client_id = forms.CharField(
        label=_("Client ID"),
        required=False,
        max_length=100,
        widget=_text(),
        help_text=_("The app registration's Application (client) ID (App registrations › your app › Overview)."),
    )
    client_secret_value = forms.CharField(
        label=_("Client secret value"),
        required=False,
        strip=False,
        widget=_password(),
        help_text=_(
            "The secret's Value, not its Secret ID (App registrations › your app › Certificates & secrets). "
            "It is stored encrypted and never shown again."
        ),
    )

    def __init__(self, *args: Any, onboarding: Onboarding | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.onboarding = onboarding
        self.preserve(everything=False)
        for name in SECRET_FIELDS:
            if self.stored_secret(name):
                when = (
                    onboarding.secret_changed_at.strftime("%d %b %Y")
                    if onboarding and onboarding.secret_changed_at
                    else ""
                )
                what = _("key") if name == "sas_key" else _("secret")
                self.fields[name].help_text = KEEP_STORED.format(what=what, when=f"on {when}" if when else "")

    @property
    def offers_connection_string(self) -> bool:
        return self.selected_auth_type in (AuthType.STANDARD, AuthType.SAS)

    @property
    def visible_credentials(self) -> list[forms.BoundField]:
        return [self[name] for name in FIELDS_BY_AUTH[AuthType(self.selected_auth_type)]]

    @property
    def parked_credentials(self) -> list[forms.BoundField]:
        visible = set(FIELDS_BY_AUTH[AuthType(self.selected_auth_type)])
        parked = [name for name in CREDENTIAL_FIELDS if name not in visible]
        if not self.offers_connection_string:
            parked.append("connection_string")
        return [self[name] for name in parked]

    def preserve(self, *, everything: bool) -> None:
        """Mark inputs whose typed value the browser keeps when htmx swaps the fields.

        Secrets and parked fields are always kept (they are never sent back); on a tab switch,
        everything is, since nothing typed went to the server.
        """
        parked = {bound.name for bound in self.parked_credentials}
        for name in (*CREDENTIAL_FIELDS, "connection_string"):
            if everything or name in SECRET_FIELDS or name == "connection_string" or name in parked:
                self.fields[name].widget.attrs["hx-preserve"] = "true"

    @property
    def selected_auth_type(self) -> str:
        value = self.data.get("auth_type") if self.is_bound else None
        value = value or self.initial.get("auth_type") or AuthType.STANDARD
        return value if value in AuthType.values else AuthType.STANDARD

    def stored_secret(self, name: str) -> bool:
        """True when the onboarding holds this secret already (so leaving it empty keeps it)."""
        o = self.onboarding
        return bool(o and getattr(o, name) and o.uses_aad == (name == "client_secret_value"))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("auth_type"):
            return data
        self._fill_from_connection_string(data)
        for name in FIELDS_BY_AUTH[AuthType(data["auth_type"])]:
            value = data.get(name) or ""
            if not value.strip() and name in SECRET_FIELDS and self.stored_secret(name):
                data[name] = ""
                continue
            if not value.strip():
                self.add_error(name, _("This field is required."))
                continue
            try:
                data[name] = VALIDATORS[name](value)
            except ValueError as exc:
                self.add_error(name, str(exc))
        secret_echo.drop_secret_shaped(self)  # a key typed into a shown field is never echoed back
        return data

    def clean_creation_token(self) -> uuid.UUID | None:
        """The token that makes a double submit land on one onboarding; a broken one only disables that."""
        try:
            return uuid.UUID(str(self.cleaned_data.get("creation_token") or ""))
        except ValueError:
            return None

    def clean_sandbox_name(self) -> str:
        try:
            return azure_names.sandbox_name(self.cleaned_data["sandbox_name"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def _fill_from_connection_string(self, data: dict[str, Any]) -> None:
        """A pasted connection string (in its own field or in the key field) fills what is empty."""
        text = data.get("connection_string") or ""
        field = "connection_string"
        if not text and (data.get("sas_key") or "").strip().lower().startswith("endpoint="):
            text, field, data["sas_key"] = data["sas_key"], "sas_key", ""
        if not text.strip() or data.get("auth_type") not in (AuthType.STANDARD, AuthType.SAS):
            return
        try:
            parsed = azure_names.parse_connection_string(text)
        except ValueError as exc:
            self.add_error(field, str(exc))
            return
        for name, value in (
            ("namespace", parsed.namespace),
            ("sas_key_name", parsed.sas_key_name),
            ("sas_key", parsed.sas_key),
            ("auth_event_hub_name", parsed.event_hub_name),
        ):
            if value and not (data.get(name) or "").strip():
                data[name] = value
        if parsed.event_hub_name and data.get("auth_type") == AuthType.STANDARD:
            data["auth_type"] = AuthType.SAS  # an EntityPath means the policy belongs to one hub

    def account(self) -> Account:
        data = self.cleaned_data
        wanted = FIELDS_BY_AUTH[AuthType(data["auth_type"])]
        credentials = Credentials(auth_type=data["auth_type"], **{name: data.get(name) or "" for name in wanted})
        return Account(
            name=data["name"].strip(),
            description=data.get("description", "").strip(),
            sandbox_name=data["sandbox_name"],
            credentials=credentials,
        )

    @classmethod
    def initial_for(cls, onboarding: Onboarding | None) -> dict[str, Any]:
        """What the form shows: the onboarding's non-secret values, or fresh defaults."""
        if onboarding is None:
            return {"sandbox_name": settings.ADOBE_SANDBOX_NAME, "auth_type": AuthType.STANDARD}
        names = (
            "name",
            "description",
            "sandbox_name",
            "auth_type",
            "namespace",
            "sas_key_name",
            "auth_event_hub_name",
            "tenant_id",
            "client_id",
        )
        return {name: getattr(onboarding, name) for name in names}


class SourceForm(forms.Form):
    """Step 2: which event hub to read, how, and with which consumer group."""

    event_hub_name = forms.CharField(
        label=_("Event hub"),
        max_length=300,
        widget=_text(),
        help_text=_("The event hub to read from (your namespace › Entities › Event Hubs)."),
    )
    data_type = forms.ChoiceField(
        label=_("Data type"),
        choices=Onboarding.DataType.choices,
        widget=forms.RadioSelect,
        initial=Onboarding.DataType.RAW,
    )
    reset = forms.ChoiceField(
        label=_("Start position"),
        choices=Onboarding.Reset.choices,
        widget=forms.RadioSelect,
        initial=Onboarding.Reset.EARLIEST,
    )
    consumer_group = forms.CharField(
        label=_("Consumer group"),
        max_length=100,
        initial="$Default",
        widget=_text(),
        help_text=_(
            "A consumer group feeds one flow at a time. $Default works if nothing else reads with it; a dedicated "
            "group for AEP is safer (event hub › Consumer groups in the Azure portal)."
        ),
    )

    DATA_TYPE_HELP = {
        Onboarding.DataType.RAW: _("Raw: any JSON. You map its fields to your XDM schema in the dataflow."),
        Onboarding.DataType.XDM: _("XDM: each event already follows your XDM schema; no mapping needed."),
    }
    RESET_HELP = {
        Onboarding.Reset.EARLIEST: _("Earliest (default): start with the oldest events the hub still keeps."),
        Onboarding.Reset.LATEST: _("Latest: only events that arrive from now on."),
    }

    def __init__(self, *args: Any, onboarding: Onboarding, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.onboarding = onboarding
        hubs = (onboarding.event_hubs or {}).get("hubs") or []
        field = self.fields["event_hub_name"]
        if onboarding.is_scoped:
            field.widget.attrs["readonly"] = "readonly"
            field.help_text = _("Your credentials open this event hub only.")
        elif hubs:
            field.widget = forms.RadioSelect(choices=[(hub, hub) for hub in hubs])
            field.help_text = _("The event hubs Adobe found in your namespace.")

    @property
    def data_type_options(self) -> list[tuple[forms.BoundField, str]]:
        return [(radio, self.DATA_TYPE_HELP.get(radio.data["value"], "")) for radio in self["data_type"]]

    @property
    def reset_options(self) -> list[tuple[forms.BoundField, str]]:
        return [(radio, self.RESET_HELP.get(radio.data["value"], "")) for radio in self["reset"]]

    def clean_event_hub_name(self) -> str:
        try:
            return azure_names.event_hub_name(self.cleaned_data["event_hub_name"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_consumer_group(self) -> str:
        try:
            return azure_names.consumer_group(self.cleaned_data["consumer_group"])
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def source(self) -> Source:
        data = self.cleaned_data
        return Source(data["event_hub_name"], data["data_type"], data["reset"], data["consumer_group"])

    @classmethod
    def initial_for(cls, onboarding: Onboarding) -> dict[str, Any]:
        hub = onboarding.event_hub_name or onboarding.auth_event_hub_name
        return {
            "event_hub_name": hub,
            "data_type": onboarding.data_type,
            "reset": onboarding.reset,
            "consumer_group": onboarding.consumer_group,
        }


class CredentialsForm(AccountForm):
    """New credentials for an existing base connection; its auth type cannot change."""

    def __init__(self, *args: Any, onboarding: Onboarding, **kwargs: Any) -> None:
        super().__init__(*args, onboarding=onboarding, **kwargs)
        for name in ("name", "description", "sandbox_name", "creation_token"):
            del self.fields[name]
        self.fields["auth_type"].required = False

    @property
    def selected_auth_type(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.auth_type

    def clean_auth_type(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.auth_type  # whatever was posted: the type is the connection's

    @property
    def secret_name(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.secret_field

    def credentials(self) -> Credentials:
        data = self.cleaned_data
        wanted = FIELDS_BY_AUTH[AuthType(data["auth_type"])]
        return Credentials(auth_type=data["auth_type"], **{name: data.get(name) or "" for name in wanted})
