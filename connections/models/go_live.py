"""A go-live check: the contract check run from the admin against the configured organisation and one sandbox.

A superuser starts it (connections/services/go_live.py); a background task runs the app's journey in the sandbox,
records the shape of every answer, replays the journey against a fresh emulator and keeps, per guess of the
client's, whether Adobe confirmed or refuted it. What the task needs that is secret (Event Hubs credentials)
is kept encrypted in `payload` and wiped once the task has run; the recording holds shapes only.
"""

from __future__ import annotations

import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.encryption import EncryptedTextField


class GoLiveCheck(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RECORDING = "recording", _("Recording Adobe's answers")
        COMPARING = "comparing", _("Comparing with the emulator")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    PENDING = (State.QUEUED, State.RECORDING, State.COMPARING)

    public_id = models.UUIDField(_("reference"), default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("started by")
    )
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    sandbox_name = models.CharField(_("sandbox"), max_length=100)
    recorded_by = models.CharField(_("answered by"), max_length=40, blank=True)  # "Adobe" or "the local emulator"
    # What the objects it creates are called (never a secret): to delete them by hand if the check was interrupted.
    object_name = models.CharField(_("name of the objects it creates"), max_length=100, blank=True)
    payload = EncryptedTextField(_("what the task needs"), blank=True)  # wiped once the task has run
    steps_done = models.JSONField(_("steps recorded so far"), default=list, blank=True)  # [{step, status}]
    recording = models.TextField(_("recording (shapes only)"), blank=True)  # the file flowservice_check writes
    differences = models.JSONField(_("differences from the emulator"), default=list, blank=True)
    verdicts = models.JSONField(_("verdict per guess"), default=list, blank=True)  # [{guess, verdict, answered…}]
    problem = models.TextField(_("why it stopped"), blank=True)
    created_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The running task's lease (services/lease.py) and the queued task's id: a check whose task died is failed.
    lease_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    task_id = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("go-live check")
        verbose_name_plural = _("go-live checks")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"go-live check in {self.sandbox_name} ({self.get_state_display()})"

    @property
    def pending(self) -> bool:
        return self.state in self.PENDING

    def count(self, verdict: str) -> int:
        return sum(1 for row in self.verdicts if row.get("verdict") == verdict)

    @property
    def tally(self) -> dict[str, int]:
        """How many guesses each verdict has, for the lists."""
        return {verdict.replace(" ", "_"): self.count(verdict) for verdict in ("confirmed", "refuted", "not exercised")}

    @property
    def credentials(self) -> str:
        """Whether Adobe's test accepted the Event Hubs credentials ("working") or not ("refused"), as recorded."""
        return str(json.loads(self.recording).get("credentials", "")) if self.recording else ""

    @property
    def other_differences(self) -> list[str]:
        """The differences from the emulator that no guess's verdict names."""
        named = {difference for row in self.verdicts for difference in row.get("differences", [])}
        return [difference for difference in self.differences if difference not in named]
