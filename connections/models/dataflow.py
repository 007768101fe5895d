"""A streaming dataflow of an onboarding: what the user chose and the objects Adobe created.

An onboarding (one connected account) may feed several dataflows: the first reads the onboarding's own source
connection; another ("Existing account") reads another event hub or consumer group through a source connection
of its own, on the same base connection, without the credentials being typed again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .onboarding import Onboarding, visible_to


class DataflowQuerySet(models.QuerySet["Dataflow"]):
    def visible_to(self, user: Any) -> DataflowQuerySet:
        """The dataflows of the onboardings the user may see."""
        return self.filter(visible_to(user, prefix="onboarding__"))


class Dataflow(models.Model):
    """One streaming dataflow from an event hub into a dataset, built step by step, then created in Adobe."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being set up")
        READY = "ready", _("Creating in Adobe")  # reviewed; the next remote step may start
        CREATING = "creating", _("Creating in Adobe")
        FAILED = "failed", _("Creation failed")
        CREATED = "created", _("Created")
        DELETED = "deleted", _("Deleted in Adobe")

    class Step(models.TextChoices):
        """The objects Finish creates, in order."""

        SOURCE = "source_connection", _("source connection")
        DATASET = "dataset", _("dataset")
        TARGET = "target_connection", _("target connection")
        MAPPING = "mapping_set", _("mapping")
        FLOW = "flow", _("dataflow")

    class DatasetChoice(models.TextChoices):
        EXISTING = "existing", _("An existing dataset")
        NEW = "new", _("A new dataset")

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.PROTECT, related_name="dataflows", verbose_name=_("onboarding")
    )
    name = models.CharField(_("dataflow name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    # What is read: the onboarding's own source, or (own_source) another hub or consumer group of the account.
    own_source = models.BooleanField(_("own source connection"), default=False)
    event_hub_name = models.CharField(_("event hub"), max_length=256)
    consumer_group = models.CharField(_("consumer group"), max_length=50, default="$Default")
    data_type = models.CharField(_("data type"), max_length=10, choices=Onboarding.DataType.choices)
    reset = models.CharField(_("start position"), max_length=10, choices=Onboarding.Reset.choices)
    sample = models.JSONField(_("sample events"), null=True, blank=True)
    sample_origin = models.CharField(_("sample from"), max_length=20, blank=True)

    # Where it goes
    dataset_choice = models.CharField(_("dataset"), max_length=10, choices=DatasetChoice.choices, blank=True)
    dataset_name = models.CharField(_("dataset name"), max_length=200, blank=True)
    schema_id = models.CharField(_("schema"), max_length=300, blank=True)
    schema_title = models.CharField(_("schema title"), max_length=200, blank=True)
    profile_enabled = models.BooleanField(_("enabled for Profile"), default=False)
    # Profile was asked for and Catalog's read-back did not confirm it: why, as the pages say it ("" otherwise).
    profile_unconfirmed = models.CharField(_("Profile not confirmed"), max_length=500, blank=True)
    mappings = models.JSONField(_("mapping"), null=True, blank=True)
    # A hub ticked with others whose dataset is the new one another dataflow creates: it is created with that
    # dataset, by itself, once it exists (services/dataflow.py).
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followers",
        verbose_name=_("waits for the dataset of"),
    )

    # What Adobe created
    source_connection_id = models.CharField(_("source connection ID"), max_length=64, blank=True)
    source_connection_etag = models.CharField(max_length=100, blank=True)
    dataset_id = models.CharField(_("dataset ID"), max_length=64, blank=True)
    target_connection_id = models.CharField(_("target connection ID"), max_length=64, blank=True)
    target_connection_etag = models.CharField(max_length=100, blank=True)
    mapping_set_id = models.CharField(_("mapping set ID"), max_length=64, blank=True)
    flow_id = models.CharField(_("dataflow ID"), max_length=64, blank=True)
    flow_etag = models.CharField(max_length=100, blank=True)
    flow_state = models.CharField(_("dataflow state"), max_length=20, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    removed_from_adobe_at = models.DateTimeField(_("deleted in Adobe"), null=True, blank=True)
    current_step = models.CharField(_("step"), max_length=20, choices=Step.choices, blank=True)
    last_error = models.JSONField(_("last error"), null=True, blank=True)
    outcome_unknown = models.BooleanField(_("outcome unknown"), default=False)
    step_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The running task's lease on the step in flight (services/lease.py) and the queued task's id.
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = DataflowQuerySet.as_manager()

    class Meta:
        verbose_name = _("dataflow")
        verbose_name_plural = _("dataflows")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["onboarding", "-created_at"], name="dataflow_onboarding_recent"),
            models.Index(fields=["flow_id"], name="dataflow_flow_id"),
            models.Index(fields=["event_hub_name", "consumer_group"], name="dataflow_slot"),
        ]
        constraints = [
            # The onboarding's own source connection (hence its consumer group) feeds one dataflow at a time.
            models.UniqueConstraint(
                fields=["onboarding"],
                condition=models.Q(own_source=False) & ~models.Q(status__in=["draft", "deleted"]),
                name="one_flow_on_onboarding_source",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def reference(self) -> str:
        return self.public_id.hex[:8]

    def remote_name(self, what: str = "") -> str:
        """The unique name of one of its objects in Adobe (commas would split Flow Service's name filter)."""
        label = self.name.replace(",", " ")
        return f"{label}{' ' + what if what else ''} (df-{self.reference})"

    @property
    def is_raw(self) -> bool:
        return self.data_type == Onboarding.DataType.RAW

    @property
    def is_in_flight(self) -> bool:
        return self.status == self.Status.CREATING

    @property
    def editable(self) -> bool:
        return self.status == self.Status.DRAFT

    @property
    def is_created(self) -> bool:
        return self.status == self.Status.CREATED

    @property
    def is_deleted(self) -> bool:
        return self.status == self.Status.DELETED

    @property
    def in_adobe(self) -> bool:
        """Whether Adobe may hold an object of it that deleting it removes (its flow or target connection, or
        the source connection it reads alone)."""
        own = self.own_source and bool(self.source_connection_id)
        return not self.is_deleted and (bool(self.flow_id or self.target_connection_id) or own or self.unanswered)

    @property
    def unanswered(self) -> bool:
        """Whether a create that deleting removes got no clear answer: its object may exist, unknown here."""
        return self.outcome_unknown and self.current_step in (self.Step.SOURCE, self.Step.TARGET, self.Step.FLOW)

    @property
    def paused(self) -> bool:
        return self.flow_state == "disabled"

    @property
    def state_label(self) -> str:
        """Where the dataflow stands, as a list of dataflows says it."""
        if self.is_created:
            return str(_("paused") if self.paused else _("running"))
        return str(_("deleted in Adobe") if self.is_deleted else self.get_status_display().lower())

    @property
    def new_dataset(self) -> bool:
        return self.dataset_choice == self.DatasetChoice.NEW
