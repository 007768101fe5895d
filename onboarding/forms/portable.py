"""The import page's forms: the onboarding file (uploaded or pasted), and the target: a sandbox, an account
connected there (a file carries no credential) and, where the target must read with another consumer group, which."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from connections import azure_names
from connections.forms import NormalisingField
from connections.models import Onboarding, SandboxListing
from connections.services import Account
from connections.services.portable import FileProblems, origin_of, read_document

from .wizard import AccountForm, CredentialFieldsForm, SandboxChoiceField, offer_teams

MAX_FILE_BYTES = 2 * 1024 * 1024  # a file of a few dataflows, each with five sample events, is a few kilobytes


class AccountChoiceField(forms.ModelChoiceField[Onboarding]):
    def label_from_instance(self, obj: Onboarding) -> str:
        return f"{obj.name} (sandbox {obj.sandbox_name})"


class ImportTargetForm(forms.Form):
    """Where the file's dataflows are created; what Copy to another sandbox asks too."""

    sandbox = NormalisingField(
        normalise=azure_names.sandbox_name,
        label=_("Target sandbox"),
        max_length=100,
        help_text=_("The Experience Platform sandbox to create the dataflows in, in lowercase (for example prod)."),
    )
    account = AccountChoiceField(
        queryset=Onboarding.objects.none(),
        required=False,
        label=_("Account connected there"),
        empty_label=_("A new account: type its credentials below"),
        help_text=_(
            "A file carries no credential: its dataflows are created on an Event Hubs account connected in the "
            "target sandbox, whose credentials are reused, or on a new one whose credentials you type below."
        ),
    )
    consumer_groups = forms.CharField(
        label=_("Other consumer groups"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_(
            "Optional, one per line as EVENT-HUB=CONSUMER-GROUP (for example orders=aep-orders-prod): a consumer "
            "group serves one flow at a time, so a target reading the same event hub needs its own."
        ),
    )

    def __init__(
        self, *args: Any, user: Any, sandboxes: SandboxListing | None, copied: Onboarding | None = None, **kwargs: Any
    ) -> None:
        """`copied`: the onboarding Copy to another sandbox copies, which is no target of its own copy."""
        super().__init__(*args, **kwargs)
        self.user = user
        connected = Onboarding.objects.visible_to(user).filter(status=Onboarding.Status.SOURCE_CREATED)
        if copied is not None:
            connected = connected.exclude(pk=copied.pk)
        self.first_listed = ""
        if sandboxes is not None and sandboxes.sandboxes:
            self.first_listed = str(sandboxes.sandboxes[0]["name"])
            self.fields["sandbox"] = SandboxChoiceField(
                label=_("Target sandbox"),
                choices=[(s["name"], f"{s['title']} ({s['name']})") for s in sandboxes.sandboxes],
                help_text=_("The Experience Platform sandbox to create the dataflows in, as Adobe lists them."),
            )
        account = self.fields["account"]
        assert isinstance(account, AccountChoiceField)
        connected = connected.filter(archived_at=None).order_by("sandbox_name", "name")
        account.queryset = connected.filter(sandbox_name=self.chosen_sandbox) if self.chosen_sandbox else connected

    @property
    def chosen_sandbox(self) -> str:
        """The sandbox chosen (posted, or asked for when the page refreshes the accounts): only accounts
        connected there are offered; the first of Adobe's list before any choice."""
        raw = (self.data.get("sandbox") if self.is_bound else self.initial.get("sandbox")) or self.first_listed
        try:
            return azure_names.sandbox_name(str(raw or "")) if raw else ""
        except ValueError:
            return ""

    def clean_consumer_groups(self) -> dict[str, str]:
        groups = {}
        for line in str(self.cleaned_data.get("consumer_groups") or "").splitlines():
            if not line.strip():
                continue
            hub, sign, group = line.partition("=")
            try:
                if not sign:
                    raise ValueError("write each line as EVENT-HUB=CONSUMER-GROUP")
                groups[azure_names.event_hub_name(hub)] = azure_names.consumer_group(group)
            except ValueError as exc:
                raise forms.ValidationError(f"“{line.strip()}”: {exc}", code="invalid") from None
        return groups

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account, sandbox = data.get("account"), data.get("sandbox")
        if account is not None and sandbox and account.sandbox_name != sandbox:
            self.add_error(
                "account",
                f"{account.name} is connected in the sandbox {account.sandbox_name}, not {sandbox}: choose an "
                f"account connected in {sandbox}, or connect one there first.",
            )
        return data


class NewAccountForm(CredentialFieldsForm):
    """A new account for the import, when none is connected in the target sandbox: a name and the credential
    fields of the wizard's Account step (the sandbox is the import's target); the import run connects it."""

    name = AccountForm.base_fields["name"]
    creation_token = forms.CharField(required=False, widget=forms.HiddenInput)

    field_order = ["name", "team", "auth_type", "creation_token", "connection_string"]

    clean_creation_token = AccountForm.clean_creation_token

    def __init__(self, *args: Any, teams: QuerySet[Group] | None = None, **kwargs: Any) -> None:
        """`teams`: the person's teams: the new account, and the dataflows imported onto it, belong to the one
        they choose (or to them alone), as in the wizard."""
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name of the new account")
        offer_teams(self, teams)

    def account(self, sandbox: str) -> Account:
        data = self.cleaned_data
        return Account(
            name=data["name"].strip(),
            description="",
            sandbox_name=sandbox,
            credentials=self.credentials(),
            team=data.get("team"),
        )


class ImportForm(ImportTargetForm):
    """The import page: the file, uploaded or pasted, read and checked against the format before anything else."""

    file = forms.FileField(
        label=_("Onboarding file"),
        required=False,
        help_text=_("The JSON or YAML file an onboarding's page wrote (its Onboarding file button)."),
    )
    text = forms.CharField(
        label=_("Or paste it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_("The file's text, JSON or YAML."),
    )
    field_order = ["file", "text", "sandbox", "account", "consumer_groups"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        upload, text = data.get("file"), str(data.get("text") or "")
        if upload is None and not text.strip():
            self.add_error("file", "Choose the onboarding file, or paste its text below.")
            return data
        where, name = ("file", upload.name or "") if upload is not None else ("text", "")
        try:
            content = _read_upload(upload) if upload is not None else text
            data["document"] = read_document(content, as_yaml=_is_yaml(name, content))
        except FileProblems as problems:
            self.add_error(where, [problems.heading + ":", *problems.problems])
            return data
        if upload is not None and self.errors:
            # A browser cannot fill a file input again: a good file is shown pasted, not lost to another field's error.
            typed = self.data.dict() if isinstance(self.data, QueryDict) else dict(self.data)
            self.data = {**typed, "text": content}
        data["label"] = name or "the pasted file"
        data["origin"] = origin_of(data["document"], visible=Onboarding.objects.visible_to(self.user))
        return data


def _read_upload(upload: UploadedFile[bytes]) -> str:
    if (upload.size or 0) > MAX_FILE_BYTES:
        raise FileProblems(["An onboarding file is a few kilobytes; this one is over 2 MB."], heading="Too large")
    try:
        return bytes(upload.read()).decode("utf-8")
    except UnicodeDecodeError:
        raise FileProblems(["The file is not text in UTF-8."], heading="The file cannot be read") from None


def _is_yaml(name: str, content: str) -> bool:
    """YAML by its name's ending; pasted text that does not start as a JSON object is read as YAML."""
    if name:
        return name.lower().endswith((".yaml", ".yml"))
    return not content.lstrip().startswith("{")
