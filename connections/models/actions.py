"""A remote action: one thing a user asked of Adobe (test, PATCH, delete, a dataflow read…), run by a task.

The request records the action and hands it to a background task (connections/services/actions.py); the
page shows its progress and then its result. What the task needs that is secret (typed credentials) is kept
encrypted in `payload` and wiped once the task has run; what the page shows afterwards is in `result`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.encryption import EncryptedTextField

from .dataflow import Dataflow
from .onboarding import Onboarding


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

    PENDING = (State.QUEUED, State.RUNNING)

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
