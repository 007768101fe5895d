"""An onboarding: the wizard's memory of one Event Hubs account connected to AEP."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections import auth_types
from connections.diagnoses import Diagnosis
from connections.encryption import EncryptedTextField, blind_index
from connections.flowservice import EventHubAuth


class CheckState(models.TextChoices):
    PASSED = "passed", _("passed")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("not checked")
    UNVERIFIED = "unverified", _("not verified")


@dataclass(frozen=True)
class Check:
    """One named result of a connection test, as stored in `Onboarding.connection_test`."""

    key: str
    label: str
    state: CheckState
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.state == CheckState.PASSED

    @property
    def failed(self) -> bool:
        return self.state == CheckState.FAILED

    def as_json(self) -> dict[str, str]:
        return {"key": self.key, "label": self.label, "state": str(self.state), "detail": self.detail}


def visible_to(user: Any, prefix: str = "") -> models.Q:
    """Who may see what, in one place: the owner, and everyone in the onboarding's team."""
    return models.Q(**{f"{prefix}owner": user}) | models.Q(**{f"{prefix}team__in": user.groups.values("pk")})


class OnboardingQuerySet(models.QuerySet["Onboarding"]):
    """The reads the views and services make (selectors), named for what they ask."""

    def visible_to(self, user: Any) -> OnboardingQuerySet:
        """The onboardings the user may see and work on: their own and their teams'.

        Membership is read now, so a person who left a team (at their last sign-in) no longer sees its work."""
        return self.filter(visible_to(user))

    def listed(self) -> OnboardingQuerySet:
        """Not archived: archived onboardings are hidden from the lists and kept in the audit."""
        return self.filter(archived_at__isnull=True).in_lists()

    def in_lists(self) -> OnboardingQuerySet:
        """Without the accounts typed on the import page whose import has not connected them yet: such a draft
        is its import check's own (the check's pages reach it) until the import run starts connecting it, so a
        check the person never goes on from leaves nothing in My onboardings or the admin's list."""
        return self.exclude(typed_for_import=True, status=Onboarding.Status.DRAFT)

    def connected_to(self, namespace: str) -> OnboardingQuerySet:
        """Listed onboardings whose account in Adobe reads this namespace (found by its keyed hash), newest first."""
        found = self.listed().filter(namespace_fingerprint__in=blind_index(namespace), removed_from_adobe_at=None)
        return found.exclude(source_connection_id="").newest_first()

    def newest_first(self) -> OnboardingQuerySet:
        return self.order_by("-created_at", "-id")


class Onboarding(models.Model):
    """One Event Hubs account connected to AEP: the credentials, the choices, the remote ids."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        CREATING_BASE = "creating_base", _("Creating base connection")
        BASE_FAILED = "base_failed", _("Base connection failed")
        BASE_CREATED = "base_created", _("Base connection created")
        CREATING_SOURCE = "creating_source", _("Creating source connection")
        SOURCE_FAILED = "source_failed", _("Source connection failed")
        SOURCE_CREATED = "source_created", _("Done")

    AuthType = auth_types.AuthType  # declared with everything an auth type needs in connections.auth_types

    class DataType(models.TextChoices):
        RAW = "raw", _("Raw JSON")
        XDM = "xdm", _("XDM")

    class Reset(models.TextChoices):
        EARLIEST = "earliest", _("Earliest")
        LATEST = "latest", _("Latest")

    # The only moves a service may make; every other change of status is refused.
    ALLOWED_TRANSITIONS: dict[str | None, frozenset[str]] = {
        None: frozenset({Status.DRAFT}),
        Status.DRAFT: frozenset({Status.CREATING_BASE}),
        Status.CREATING_BASE: frozenset({Status.BASE_CREATED, Status.BASE_FAILED}),
        Status.BASE_FAILED: frozenset({Status.CREATING_BASE}),
        Status.BASE_CREATED: frozenset({Status.CREATING_SOURCE}),
        Status.CREATING_SOURCE: frozenset({Status.SOURCE_CREATED, Status.SOURCE_FAILED}),
        Status.SOURCE_FAILED: frozenset({Status.CREATING_SOURCE}),
        Status.SOURCE_CREATED: frozenset(),
    }
    IN_FLIGHT = frozenset({Status.CREATING_BASE, Status.CREATING_SOURCE})

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    creation_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="onboardings", verbose_name=_("owner")
    )
    # A team is a Django group the identity provider's groups mirror (identity.Team); its members share the work.
    team = models.ForeignKey(
        "auth.Group",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="onboardings",
        limit_choices_to={"team__isnull": False},
        verbose_name=_("team"),
        help_text=_("Everyone in the team may open and work on it; none means only the owner."),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    auth_type = models.CharField(_("authentication"), max_length=20, choices=auth_types.AuthType.choices)
    sandbox_name = models.CharField(_("AEP sandbox"), max_length=100)

    namespace = EncryptedTextField(_("namespace"), blank=True)
    namespace_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    sas_key_name = EncryptedTextField(_("SAS key name"), blank=True)
    sas_key = EncryptedTextField(_("SAS key"), blank=True)
    auth_event_hub_name = EncryptedTextField(_("event hub (credentials scope)"), blank=True)
    tenant_id = EncryptedTextField(_("tenant ID"), blank=True)
    client_id = EncryptedTextField(_("client ID"), blank=True)
    client_secret_value = EncryptedTextField(_("client secret value"), blank=True)
    secret_changed_at = models.DateTimeField(_("secret last changed"), null=True, blank=True)
    typed_for_import = models.BooleanField(
        _("typed for an import"),
        default=False,
        editable=False,
        help_text=_("Its credentials were typed on the import page: no list shows it before its import runs."),
    )

    event_hub_name = models.CharField(_("event hub"), max_length=256, blank=True)
    data_type = models.CharField(_("data type"), max_length=10, choices=DataType.choices, default=DataType.RAW)
    reset = models.CharField(_("start position"), max_length=10, choices=Reset.choices, default=Reset.EARLIEST)
    consumer_group = models.CharField(_("consumer group"), max_length=50, blank=True)

    base_connection_id = models.CharField(_("base connection ID"), max_length=64, blank=True)
    base_connection_etag = models.CharField(_("base connection etag"), max_length=100, blank=True)
    source_connection_id = models.CharField(_("source connection ID"), max_length=64, blank=True)
    source_connection_etag = models.CharField(_("source connection etag"), max_length=100, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    last_error = models.JSONField(_("last error"), null=True, blank=True)
    outcome_unknown = models.BooleanField(
        _("outcome unknown"),
        default=False,
        help_text=_("The last create got no clear answer: the object may exist in Adobe."),
    )
    step_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The running task's lease on the step in flight (services/lease.py) and the queued task's id.
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    connection_test = models.JSONField(_("last connection test"), null=True, blank=True)
    connection_tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    event_hubs = models.JSONField(_("event hubs found"), null=True, blank=True)
    went_on_anyway_at = models.DateTimeField(
        _("went on despite the test"),
        null=True,
        blank=True,
        help_text=_("The owner chose to go on although the connection test did not pass."),
    )
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    removed_from_adobe_at = models.DateTimeField(_("deleted in Adobe"), null=True, blank=True)
    # Deleting the account goes one object at a time; the source connection may be gone before the account.
    source_removed_at = models.DateTimeField(_("source connection deleted in Adobe"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="onboarding_owner_recent"),
            models.Index(fields=["-created_at", "-id"], name="onboarding_recent"),
            models.Index(fields=["status", "-created_at"], name="onboarding_status_recent"),
            models.Index(fields=["auth_type", "-created_at"], name="onboarding_auth_recent"),
            models.Index(fields=["sandbox_name", "-created_at"], name="onboarding_sandbox_recent"),
            models.Index(fields=["updated_at"], name="onboarding_updated"),
            models.Index(fields=["base_connection_id"], name="onboarding_base_id"),
            models.Index(fields=["source_connection_id"], name="onboarding_source_id"),
            models.Index(
                fields=["namespace_fingerprint", "event_hub_name", "consumer_group"], name="onboarding_flow_slot"
            ),
        ]

    objects = OnboardingQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        """A short id that makes the remote names unique to this onboarding."""
        return self.public_id.hex[:8]

    @property
    def base_connection_name(self) -> str:
        # Commas would split Flow Service's `property=name==...` filter, so they are left out.
        return f"{self.name.replace(',', ' ')} (eh-{self.reference})"

    @property
    def source_connection_name(self) -> str:
        return f"{self.name.replace(',', ' ')} source (eh-{self.reference})"

    @property
    def auth(self) -> auth_types.AuthType:
        """The auth type with everything it declares (fields, secret, Adobe spec name)."""
        return auth_types.AuthType(self.auth_type)

    @property
    def is_scoped(self) -> bool:
        return self.auth.is_scoped

    @property
    def credential_values(self) -> dict[str, str]:
        """The stored values of the auth type's credential fields."""
        return {name: getattr(self, name) for name in self.auth.field_names}

    @property
    def credential_summary(self) -> list[tuple[Any, str]]:
        """The non-secret credentials as the summaries show them: (label, value)."""
        return [(field.label, getattr(self, field.name)) for field in self.auth.summary_fields]

    def client_auth(self) -> EventHubAuth:
        """The client's typed auth for these credentials (Adobe's spec name and params)."""
        return self.auth.client_auth(self.credential_values)

    @property
    def is_in_flight(self) -> bool:
        return self.status in self.IN_FLIGHT

    @property
    def is_creating_base(self) -> bool:
        return self.status == self.Status.CREATING_BASE

    @property
    def base_failed(self) -> bool:
        return self.status == self.Status.BASE_FAILED

    @property
    def source_failed(self) -> bool:
        return self.status == self.Status.SOURCE_FAILED

    @property
    def is_done(self) -> bool:
        """Both connections exist in Adobe: the wizard has nothing left to do."""
        return self.status == self.Status.SOURCE_CREATED

    @property
    def checks(self) -> list[Check]:
        """The last connection test's checks, in the order they were made."""
        stored = (self.connection_test or {}).get("checks") or []
        return [Check(c["key"], c["label"], CheckState(c["state"]), c.get("detail", "")) for c in stored]

    @property
    def test_accepted(self) -> bool | None:
        """The last test's verdict: True passed, False failed, None not decided (or never run)."""
        accepted = (self.connection_test or {}).get("accepted")
        return accepted if isinstance(accepted, bool) else None

    @property
    def diagnosis(self) -> Diagnosis | None:
        """Why the last test did not pass (or a note about a passed one), if the app could tell."""
        return Diagnosis.from_json((self.connection_test or {}).get("diagnosis"))

    @property
    def unchecked_event_hub(self) -> Check | None:
        """The event hub check when the last test could not confirm the hub exists (its detail says why)."""
        return next((c for c in self.checks if c.key == "event_hub" and c.state == CheckState.UNVERIFIED), None)

    @property
    def account_gated(self) -> bool:
        """The base connection exists but its test has not passed, and the owner has not chosen to go on:
        the Account step is not finished."""
        return self.status == self.Status.BASE_CREATED and self.test_accepted is not True and not self.went_on_anyway_at

    @property
    def needs_attention(self) -> bool:
        """Past the Account step with a connection whose last test did not pass."""
        if self.removed_from_adobe_at or not self.base_connection_id or self.account_gated:
            return False
        return self.test_accepted is not True

    @property
    def plain_status(self) -> str:
        """The status as the lists say it to a person."""
        if self.removed_from_adobe_at:
            return str(_("Deleted in Adobe"))
        if self.archived_at:
            return str(_("Archived"))
        return self.plain_stage

    @property
    def plain_stage(self) -> str:
        """Where the onboarding stands, in the lists' words, archived or not."""
        if self.needs_attention:
            return str(_("Needs attention"))
        if self.account_gated:
            return str(_("Connection test failed") if self.test_accepted is False else _("Connection not tested"))
        return str(PLAIN_STATUS[self.Status(self.status)])

    @property
    def last_test_summary(self) -> str:
        if self.test_accepted is None:
            return str(_("Not tested") if not self.connection_test else _("Not decided"))
        return str(_("Passed") if self.test_accepted else _("Failed"))

    @property
    def credentials_replaceable(self) -> bool:
        """The base connection exists and no step is running: its credentials may be replaced."""
        return bool(self.base_connection_id) and not self.is_in_flight and not self.removed_from_adobe_at

    @property
    def source_changeable(self) -> bool:
        """The source connection exists in Adobe and no step is running: its settings may be changed."""
        return bool(self.source_connection_id) and not self.is_in_flight and not self.removed_from_adobe_at

    def dataflow_on_source(self) -> Any:
        """The dataflow created in Adobe on this onboarding's own source connection, if any (a Dataflow): Adobe
        does not carry later changes to the source connection into it."""
        return self.dataflows.filter(own_source=False).exclude(status__in=["draft", "deleted"]).first()

    def source_unread(self, dataflows: Any) -> bool:
        """Among its `dataflows`, none is on the onboarding's own source connection (none made yet, or only ones
        deleted in Adobe), and that source connection still exists: a dataflow may be set up on it."""
        gone = self.removed_from_adobe_at or self.source_removed_at or not self.source_connection_id
        return not gone and not any(not d.own_source and not d.is_deleted for d in dataflows)

    @property
    def account_editable(self) -> bool:
        """The account may change until the base connection exists (or may exist: an unknown outcome)."""
        return self.status in (self.Status.DRAFT, self.Status.BASE_FAILED) and not self.outcome_unknown

    @property
    def source_editable(self) -> bool:
        """The source parameters may change until the source connection exists (or may exist)."""
        return self.status in (self.Status.BASE_CREATED, self.Status.SOURCE_FAILED) and not self.outcome_unknown

    def can_move_to(self, status: str) -> bool:
        return status in self.ALLOWED_TRANSITIONS[self.status]


PLAIN_STATUS = {
    Onboarding.Status.DRAFT: _("Enter the account"),
    Onboarding.Status.CREATING_BASE: _("Connecting…"),
    Onboarding.Status.BASE_FAILED: _("Account not connected"),
    Onboarding.Status.BASE_CREATED: _("Choose the event hub"),
    Onboarding.Status.CREATING_SOURCE: _("Connecting the event hub…"),
    Onboarding.Status.SOURCE_FAILED: _("Event hub not connected"),
    Onboarding.Status.SOURCE_CREATED: _("Connected"),
}
