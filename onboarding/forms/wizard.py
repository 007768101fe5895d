"""One form per wizard step. Forms clean and validate; they never call Adobe."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.forms.boundfield import BoundField, BoundWidget
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from connections import azure_names
from connections.auth_types import FIELDS, SECRET_FIELDS, AuthType
from connections.forms import NormalisingField
from connections.models import Onboarding, SandboxListing
from connections.services import Account, Credentials, Source
from onboarding import secret_echo

NON_SECRET_FIELDS = tuple(name for name in FIELDS if name not in SECRET_FIELDS)
AUTH_TYPES = frozenset(AuthType.values)  # `AuthType.values` builds its list again on every call
KEEP_STORED = _("A {what} is saved (set {when}). Leave this empty to keep it, or type a new one to replace it.")


class SasKeyField(NormalisingField):
    """A SAS key; a whole connection string pasted here is left for the form to split."""

    def to_python(self, value: Any) -> str:
        if str(value or "").strip().lower().startswith("endpoint="):
            return str(value)
        return super().to_python(value)


class ExplainedChoices(BoundField):
    """A radio group whose choices each carry a one-line explanation (templates/onboarding/_choices.html)."""

    @property
    def template_name(self) -> str:
        return "onboarding/_choices.html"

    @property
    def options(self) -> list[tuple[BoundWidget, str | Promise]]:
        explanations: Mapping[str, str | Promise] = getattr(self.field, "explanations", {})
        return [(radio, explanations.get(radio.data["value"], "")) for radio in self]


class ExplainedChoiceField(forms.ChoiceField):
    """Radio buttons, each with a one-line explanation under its label: `{{ form.name.as_field_group }}`."""

    bound_field_class = ExplainedChoices

    def __init__(self, *, explanations: Mapping[str, str | Promise], **kwargs: Any) -> None:
        super().__init__(widget=forms.RadioSelect, **kwargs)
        self.explanations = explanations


def _credential(name: str, field_class: type[NormalisingField] = NormalisingField, **kwargs: Any) -> NormalisingField:
    return field_class(normalise=FIELDS[name].normalise, required=False, **kwargs)


def _password(autocomplete: str = "new-password") -> forms.PasswordInput:
    return forms.PasswordInput(render_value=False, attrs={"autocomplete": autocomplete, "spellcheck": "false"})


def _text(attrs_placeholder: str = "", **attrs: str) -> forms.TextInput:
    if attrs_placeholder:
        attrs["placeholder"] = attrs_placeholder
    return forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none", **attrs})


class CredentialFieldsForm(forms.Form):
    """The credential fields of every auth type, and the rules that pick and check the selected type's.

    Shared by the Account step and the credentials replacement, as Django's SetPasswordMixin is.
    """

    auth_type = forms.ChoiceField(choices=AuthType.choices, widget=forms.HiddenInput)
    connection_string = forms.CharField(
        label=_("Connection string (optional)"),
        required=False,
        strip=False,
        widget=_password("off"),
        help_text=_(
            "Paste the policy's “Connection string–primary key” from the Azure portal to fill in the fields below."
        ),
    )
    namespace = _credential(
        "namespace",
        label=_("Event Hubs namespace"),
        max_length=300,
        widget=_text(),
        help_text=_(
            "The namespace name, e.g. contoso-events (Azure portal › Event Hubs › your namespace). Its host name "
            "contoso-events.servicebus.windows.net works too."
        ),
    )
    sas_key_name = _credential(
        "sas_key_name",
        label=_("SAS key name"),
        max_length=100,
        widget=_text(),
        help_text=_(
            "The shared access policy's name, e.g. RootManageSharedAccessKey (your namespace › Settings › Shared "
            "access policies). With Manage rights the app can list your event hubs."
        ),
    )
    sas_key = _credential(
        "sas_key",
        SasKeyField,
        label=_("SAS key"),
        strip=False,
        widget=_password(),
        help_text=_(
            "The policy's Primary key: 44 characters ending in = (on the same Shared access policies page). "
            "It is stored encrypted and never shown again."
        ),
    )
    auth_event_hub_name = _credential(
        "auth_event_hub_name",
        label=_("Event hub name"),
        max_length=300,
        widget=_text(),
        help_text=_("The event hub these credentials belong to (your namespace › Entities › Event Hubs)."),
    )
    tenant_id = _credential(
        "tenant_id",
        label=_("Tenant ID"),
        max_length=300,
        widget=_text(),
        help_text=_(
            "The Directory (tenant) ID on your app registration's Overview page (Microsoft Entra ID › App "
            "registrations › your app), or a domain like contoso.onmicrosoft.com."
        ),
    )
    client_id = _credential(
        "client_id",
        label=_("Client ID"),
        max_length=100,
        widget=_text(),
        help_text=_("The app registration's Application (client) ID (App registrations › your app › Overview)."),
    )
    client_secret_value = _credential(
        "client_secret_value",
        label=_("Client secret value"),
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
        for name, text in self.selected.spec.help.items():
            self.fields[name].help_text = str(text)  # where Azure shows it for this tab
        for name in SECRET_FIELDS:
            if self.stored_secret(name):
                self.fields[name].help_text = KEEP_STORED.format(
                    what=FIELDS[name].noun, when=self._secret_changed_on(onboarding)
                )

    @staticmethod
    def _secret_changed_on(onboarding: Onboarding | None) -> str:
        changed = onboarding.secret_changed_at if onboarding else None
        return f"on {changed.strftime('%d %b %Y')}" if changed else ""

    @property
    def selected(self) -> AuthType:
        return AuthType(self.selected_auth_type)

    @property
    def selected_auth_type(self) -> str:
        value = self.data.get("auth_type") if self.is_bound else None
        value = value or self.initial.get("auth_type") or AuthType.STANDARD
        return value if value in AUTH_TYPES else AuthType.STANDARD

    @property
    def offers_connection_string(self) -> bool:
        return self.selected.takes_connection_string

    @property
    def visible_credentials(self) -> list[forms.BoundField]:
        return [self[name] for name in self.selected.field_names]

    @property
    def parked_credentials(self) -> list[forms.BoundField]:
        parked = [name for name in FIELDS if name not in self.selected.field_names]
        if not self.offers_connection_string:
            parked.append("connection_string")
        return [self[name] for name in parked]

    def preserve(self, *, everything: bool) -> None:
        """Mark inputs whose typed value the browser keeps when htmx swaps the fields.

        Secrets and parked fields are always kept (they are never sent back); on a tab switch,
        everything is, since nothing typed went to the server.
        """
        parked = {bound.name for bound in self.parked_credentials}
        for name in (*FIELDS, "connection_string"):
            if everything or name in SECRET_FIELDS or name == "connection_string" or name in parked:
                self.fields[name].widget.attrs["hx-preserve"] = "true"

    def stored_secret(self, name: str) -> bool:
        """True when the onboarding holds this secret already (so leaving it empty keeps it)."""
        o = self.onboarding
        return bool(o and getattr(o, name) and o.auth.secret.name == name)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("auth_type"):
            return data
        self._fill_from_connection_string(data)
        wanted = AuthType(data["auth_type"]).field_names
        for name in FIELDS:
            if name not in wanted:
                self.errors.pop(name, None)  # another tab's field: not sent by the page, not asked for
            elif not data.get(name) and name not in self.errors and not self.stored_secret(name):
                self.add_error(name, _("This field is required."))
        secret_echo.drop_secret_shaped(self)  # a key typed into a shown field is never echoed back
        return data

    def _fill_from_connection_string(self, data: dict[str, Any]) -> None:
        """A pasted connection string (in its own field or in the key field) fills what is empty."""
        text = data.get("connection_string") or ""
        field = "connection_string"
        if not text and (data.get("sas_key") or "").strip().lower().startswith("endpoint="):
            text, field, data["sas_key"] = data["sas_key"], "sas_key", ""
            self.errors.pop("sas_key", None)
        if not text.strip() or not AuthType(data["auth_type"]).takes_connection_string:
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
                self.errors.pop(name, None)
        if parsed.event_hub_name and data.get("auth_type") == AuthType.STANDARD:
            data["auth_type"] = AuthType.SAS  # an EntityPath means the policy belongs to one hub

    def credentials(self) -> Credentials:
        data = self.cleaned_data
        auth = AuthType(data["auth_type"])
        return Credentials(auth, {name: data.get(name) or "" for name in auth.field_names})


class SandboxChoiceField(forms.ChoiceField):
    """One of Adobe's sandboxes; a value that is no sandbox name at all gets the same message as when typed."""

    def to_python(self, value: Any) -> str:
        text = str(super().to_python(value))
        try:
            return azure_names.sandbox_name(text) if text else ""
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


def offer_teams(form: forms.Form, teams: QuerySet[Group] | None) -> None:
    """The team a new account belongs to, chosen among the person's `teams` (a team of someone else's is no
    valid choice); none offered to a person in no team, whose account stays theirs alone. Everywhere a new
    account is typed (the wizard's Account step, the import page) asks it with this field."""
    first_two = list(teams[:2]) if teams is not None else []
    if not first_two:
        return
    form.fields["team"] = forms.ModelChoiceField(
        queryset=teams,
        required=False,
        empty_label=_("None: only me"),
        label=_("Team"),
        help_text=_("Everyone in the team can open it and do what you can; none keeps it yours alone."),
    )
    if len(first_two) == 1:
        form.fields["team"].initial = first_two[0]  # the only one: preselected
    form.order_fields(form.field_order)


def _sandbox_label(sandbox: dict[str, Any]) -> str:
    label = f"{sandbox['title']} ({sandbox['name']})"
    return f"{label}, production" if sandbox["production"] else label


class AccountForm(CredentialFieldsForm):
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
    sandbox_name = NormalisingField(
        normalise=azure_names.sandbox_name,
        label=_("AEP sandbox"),
        max_length=100,
        help_text=_("The Experience Platform sandbox to create the connections in, in lowercase (for example prod)."),
    )
    creation_token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["name", "description", "team", "sandbox_name", "auth_type", "creation_token", "connection_string"]

    def __init__(
        self, *args: Any, teams: QuerySet[Group] | None = None, sandboxes: SandboxListing | None = None, **kwargs: Any
    ) -> None:
        """`teams`: the person's teams, for a new onboarding: it belongs to the one they choose (or to them alone).
        `sandboxes`: Adobe's list, offered as a choice when it could be read."""
        super().__init__(*args, **kwargs)
        self._offer_sandboxes(sandboxes)
        if self.onboarding is None:  # a namespace already connected is offered as that account (htmx)
            self.fields["namespace"].widget.attrs.update(
                {
                    "hx-get": reverse("onboarding:existing_account"),
                    "hx-trigger": "input changed delay:500ms, change",
                    "hx-target": "#existing-account",
                    "hx-swap": "innerHTML",
                    "hx-sync": "this:replace",
                }
            )
        if self.onboarding is None:
            offer_teams(self, teams)

    def _offer_sandboxes(self, listing: SandboxListing | None) -> None:
        """A choice among Adobe's sandboxes (production marked); the typed name, with the reason, otherwise."""
        if listing is None or not listing.sandboxes:
            why = (
                f"Adobe's list of sandboxes could not be read ({listing.problem})"
                if listing is not None and listing.problem
                else "Adobe's list of sandboxes is being read"
            )
            self.fields["sandbox_name"].help_text = f"{why}: type the name, in lowercase (for example prod)."
            return
        choices = [(s["name"], _sandbox_label(s)) for s in listing.sandboxes]
        stored = self.onboarding.sandbox_name if self.onboarding is not None else None
        if stored and stored not in {name for name, _label in choices}:
            choices.append((stored, stored))  # kept, though Adobe no longer lists it for this credential
        self.fields["sandbox_name"] = SandboxChoiceField(
            label=_("AEP sandbox"),
            choices=choices,
            help_text=_("The Experience Platform sandbox to create the connections in, as Adobe lists them."),
        )

    @property
    def reference(self) -> str:
        """The reference Adobe's names will carry: the onboarding's, or the one its creation token will give."""
        if self.onboarding is not None:
            return self.onboarding.reference
        token = (self.data.get("creation_token") if self.is_bound else None) or self.initial.get("creation_token")
        try:
            return uuid.UUID(str(token)).hex[:8]
        except ValueError:
            return "…"

    @property
    def aep_account_name(self) -> str:
        """The account name Experience Platform will show (as `Onboarding.base_connection_name` builds it); "" until
        there is a name."""
        name = str((self.data.get("name") if self.is_bound else None) or self.initial.get("name") or "").strip()
        return f"{name.replace(',', ' ')} (eh-{self.reference})" if name else ""

    def clean_creation_token(self) -> uuid.UUID | None:
        """The token that makes a double submit land on one onboarding; a broken one only disables that."""
        try:
            return uuid.UUID(str(self.cleaned_data.get("creation_token") or ""))
        except ValueError:
            return None

    def account(self) -> Account:
        data = self.cleaned_data
        return Account(
            name=data["name"].strip(),
            description=data.get("description", "").strip(),
            sandbox_name=data["sandbox_name"],
            credentials=self.credentials(),
            team=data.get("team"),
        )

    @classmethod
    def initial_for(cls, onboarding: Onboarding | None) -> dict[str, Any]:
        """What the form shows: the onboarding's non-secret values, or fresh defaults."""
        if onboarding is None:
            return {"sandbox_name": settings.ADOBE_SANDBOX_NAME, "auth_type": AuthType.STANDARD}
        names = ("name", "description", "sandbox_name", "auth_type", *NON_SECRET_FIELDS)
        return {name: getattr(onboarding, name) for name in names}


class SourceForm(forms.Form):
    """Step 2: which event hub to read, how, and with which consumer group."""

    event_hub_name = NormalisingField(
        normalise=azure_names.event_hub_name,
        label=_("Event hub"),
        max_length=300,
        widget=_text(),
        help_text=_("The event hub to read from (your namespace › Entities › Event Hubs)."),
    )
    data_type = ExplainedChoiceField(
        label=_("Data type"),
        choices=Onboarding.DataType.choices,
        initial=Onboarding.DataType.RAW,
        explanations={
            Onboarding.DataType.RAW: _("Raw: any JSON. You map its fields to your XDM schema in the dataflow."),
            Onboarding.DataType.XDM: _("XDM: each event already follows your XDM schema; no mapping needed."),
        },
    )
    reset = ExplainedChoiceField(
        label=_("Start position"),
        choices=Onboarding.Reset.choices,
        initial=Onboarding.Reset.EARLIEST,
        explanations={
            Onboarding.Reset.EARLIEST: _("Earliest (default): start with the oldest events the hub still keeps."),
            Onboarding.Reset.LATEST: _("Latest: only events that arrive from now on."),
        },
    )
    consumer_group = NormalisingField(
        normalise=azure_names.consumer_group,
        label=_("Consumer group"),
        max_length=100,
        widget=_text(attrs_placeholder="e.g. aep-orders"),
        help_text=_(
            "A consumer group feeds one flow at a time: create one for Experience Platform (your event hub › "
            "Consumer groups in the Azure portal) and type its name. $Default works only if nothing else reads "
            "with it."
        ),
    )

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
            # Shown as the same cards as the page's other choices.
            field.bound_field_class = ExplainedChoices
            field.help_text = _("The event hubs Adobe found in your namespace.")

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


def hub_policy_refusal(auth: AuthType, event_hub: str) -> str:
    """Why a connection string of one event hub's policy (it has an EntityPath) cannot serve an account whose
    type signs in to the whole namespace; "" when it can."""
    if not event_hub or "auth_event_hub_name" in auth.field_names:
        return ""
    return (
        f"This connection string is for a policy of the event hub {event_hub} only (it ends with "
        f"EntityPath={event_hub}), but this account signs in with {auth.label}, which needs a policy of the whole "
        "namespace. Copy the connection string of a policy under the namespace's Shared access policies, or "
        "start a new onboarding with SAS to use this one."
    )


class CredentialsForm(CredentialFieldsForm):
    """New credentials for an existing base connection; its auth type cannot change."""

    def __init__(self, *args: Any, onboarding: Onboarding, **kwargs: Any) -> None:
        super().__init__(*args, onboarding=onboarding, **kwargs)
        self.fields["auth_type"].required = False

    @property
    def selected_auth_type(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.auth_type

    def clean_auth_type(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.auth_type  # whatever was posted: the type is the connection's

    def _fill_from_connection_string(self, data: dict[str, Any]) -> None:
        assert self.onboarding is not None
        super()._fill_from_connection_string(data)
        if data.get("auth_type") != self.onboarding.auth_type:  # an EntityPath, on a namespace-wide account
            data["auth_type"] = self.onboarding.auth_type
            hub = data.pop("auth_event_hub_name", "")
            self.add_error("connection_string", hub_policy_refusal(self.onboarding.auth, hub))

    @property
    def secret_name(self) -> str:
        assert self.onboarding is not None
        return self.onboarding.auth.secret.name
