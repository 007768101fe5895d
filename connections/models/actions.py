"""A remote action: one thing a user asked of Adobe (test, PATCH, delete, a dataflow read…), run by a task.

The request records the action and hands it to a background task (connections/services/actions.py); the
page shows its progress and then its result. What the task needs that is secret (typed credentials) is kept
encrypted in `payload` and wiped once the task has run; what the page shows afterwards is in `result`, read
through `RemoteAction.outcome` (an `ActionResult`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.encryption import EncryptedTextField
from connections.messages import Problem

from .dataflow import Dataflow
from .onboarding import Onboarding


@dataclass(frozen=True)
class ActionResult:
    """What a finished remote action left for its page, kept as JSON in `RemoteAction.result`."""

    notice: str = ""  # said as a success message where the result shows
    message: str = ""  # one line on how it went (a credentials replacement's outcome)
    problem: Problem | None = None  # why it failed (and the field it concerns); on a success, a warning
    stale: bool = False  # refused because Adobe's copy changed since it was read (a 412): the page offers a reload
    typed: dict[str, Any] = field(default_factory=dict)  # what the user typed (never a secret), shown again
    correction: bool = False  # the credentials were a correction on the Account step, not a replacement
    answer: dict[str, Any] = field(default_factory=dict)  # the rest: what a read or check answered

    @classmethod
    def from_json(cls, stored: dict[str, Any] | None) -> ActionResult:
        rest = dict(stored or {})
        problem = rest.pop("problem", None)
        return cls(
            notice=str(rest.pop("notice", "") or ""),
            message=str(rest.pop("message", "") or ""),
            problem=Problem(**problem) if problem else None,
            stale=bool(rest.pop("stale", False)),
            typed=dict(rest.pop("typed", None) or {}),
            correction=bool(rest.pop("correction", False)),
            answer=rest,
        )

    def as_json(self) -> dict[str, Any]:
        said = {"notice": self.notice, "message": self.message, "stale": self.stale, "typed": self.typed}
        stored = {**self.answer, **{key: value for key, value in said.items() if value}}
        if self.correction:
            stored["correction"] = True
        if self.problem is not None:
            stored["problem"] = self.problem.as_json()
        return stored


class RemoteActionQuerySet(models.QuerySet["RemoteAction"]):
    def pending(self) -> RemoteActionQuerySet:
        return self.filter(state__in=RemoteAction.PENDING)

    def of(self, onboarding: Onboarding, dataflow: Dataflow | None = None) -> RemoteActionQuerySet:
        return self.filter(onboarding=onboarding, dataflow=dataflow)


class RemoteAction(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Asking Adobe")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Kind(models.TextChoices):
        """What a user may ask of Adobe outside the wizard's creates; each label is what the page says meanwhile."""

        TEST = "test", _("Testing the connection")
        CREDENTIALS = "credentials", _("Saving and testing the new credentials")
        RELOAD = "reload", _("Reading the base connection")
        SOURCE = "source", _("Saving the source settings")
        SOURCE_RELOAD = "source_reload", _("Reading the source connection")
        DELETE = "delete", _("Deleting the account and its dataflows")
        PREVIEW = "dataflow preview", _("Previewing the event hub")
        CATALOGUE = "dataflow catalogue", _("Listing the datasets and schemas")
        DATASET_SEARCH = "dataflow dataset search", _("Searching the datasets")
        CHOOSE_DATASET = "dataflow dataset", _("Reading the dataset's schema")
        SCHEMA = "dataflow schema fields", _("Reading the schema's fields")
        MAPPING = "dataflow mapping", _("Checking the mapping with Data Prep")
        ACTIVITY = "dataflow activity", _("Reading the dataflow's activity")
        PAUSE = "dataflow pause", _("Pausing the dataflow")
        RESUME = "dataflow resume", _("Resuming the dataflow")
        EXPORT = "onboarding file", _("Writing the onboarding file")
        IMPORT_CHECK = "import check", _("Checking the target sandbox")
        IMPORT = "import", _("Importing the onboarding file")
        DELETE_DATAFLOW = "dataflow delete", _("Deleting the dataflow")

    PENDING = (State.QUEUED, State.RUNNING)
    # Reads change nothing in Adobe nor here: their finished actions may be pruned (their calls stay in the history).
    READS = frozenset({Kind.PREVIEW, Kind.CATALOGUE, Kind.DATASET_SEARCH, Kind.SCHEMA, Kind.ACTIVITY})
    # What changes the onboarding's objects in Adobe (or the app's copy of them): one at a time, and no test
    # meanwhile (its checks would describe a connection about to change).
    CHANGES_IN_ADOBE = (Kind.CREDENTIALS, Kind.RELOAD, Kind.SOURCE, Kind.SOURCE_RELOAD, Kind.DELETE)

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.PROTECT, related_name="actions", verbose_name=_("onboarding")
    )
    dataflow = models.ForeignKey(
        Dataflow,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("dataflow"),
    )
    kind = models.CharField(_("action"), max_length=40)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("asked by")
    )
    payload = EncryptedTextField(_("what the task needs"), blank=True)  # wiped once the task has run
    result = models.JSONField(_("result"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The running task's lease (services/lease.py) and the queued task's id.
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)

    objects = RemoteActionQuerySet.as_manager()

    class Meta:
        verbose_name = _("remote action")
        verbose_name_plural = _("remote actions")
        ordering = ["-created_at"]
        constraints = [
            # One of each kind at a time: a second press joins the first instead of calling Adobe twice.
            models.UniqueConstraint(
                fields=["onboarding", "kind"],
                condition=Q(state__in=["queued", "running"], dataflow__isnull=True),
                name="one_pending_action_per_onboarding",
            ),
            models.UniqueConstraint(
                fields=["dataflow", "kind"],
                condition=Q(state__in=["queued", "running"], dataflow__isnull=False),
                name="one_pending_action_per_dataflow",
            ),
        ]
        indexes = [models.Index(fields=["onboarding", "kind", "-created_at"], name="action_latest")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.get_state_display()})"

    @property
    def pending(self) -> bool:
        return self.state in self.PENDING

    @property
    def failed(self) -> bool:
        return self.state == self.State.FAILED

    @property
    def outcome(self) -> ActionResult:
        """What it left for the page once finished (empty while it runs)."""
        return ActionResult.from_json(self.result)
