"""The only code that moves an onboarding from one status to another, each move recorded."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from connections.models import Onboarding, StateChange

from .errors import OnboardingError, abandoned_record
from .lease import cannot_be_running

Status = Onboarding.Status


def move(onboarding: Onboarding, to: str, *, actor: Any, reason: str) -> None:
    if not onboarding.can_move_to(to):
        raise OnboardingError.refused(
            f"An onboarding cannot go from {onboarding.get_status_display()} to {Status(to).label}."
        )
    previous = onboarding.status
    onboarding.status = to
    StateChange.objects.record(onboarding=onboarding, actor=actor, from_status=previous, to_status=to, reason=reason)


def record_event(onboarding: Onboarding, *, actor: Any, reason: str) -> None:
    """An audited action that does not move the status (going on anyway, archiving, deleting in Adobe)."""
    StateChange.objects.record(
        onboarding=onboarding, actor=actor, from_status=onboarding.status, to_status=onboarding.status, reason=reason
    )


def lock_row(pk: int) -> Onboarding:
    return Onboarding.objects.select_for_update().get(pk=pk)


def abandoned(onboarding: Onboarding) -> bool:
    """In flight, and its task cannot be running any more (services/lease.py): read without a lock, decided
    again under one."""
    return onboarding.is_in_flight and cannot_be_running(onboarding, claimed_at=onboarding.step_started_at)


def step_work(onboarding: Onboarding) -> QuerySet[Onboarding]:
    """The onboarding's step while it is still the claim the task was started for (its lease's work)."""
    return Onboarding.objects.filter(
        pk=onboarding.pk, status=onboarding.status, step_started_at=onboarding.step_started_at
    )


# What a move writes (updated_at too: `onboarding_busy` reads it). A transition saves only these columns, so
# the credentials it never touched are neither re-encrypted nor written again.
STEP_FIELDS = frozenset({"status", "step_started_at", "lease_expires_at", "task_id", "updated_at"})
RECOVERY_FIELDS = STEP_FIELDS | {"outcome_unknown", "last_error"}


def recover_if_abandoned(onboarding: Onboarding, actor: Any) -> bool:
    """Fail an in-flight step that outlived every timeout (RECOVERY_FIELDS change); True when it did."""
    if not abandoned(onboarding):
        return False
    failed = Status.BASE_FAILED if onboarding.is_creating_base else Status.SOURCE_FAILED
    move(onboarding, failed, actor=actor, reason="The previous attempt was abandoned; its outcome is unknown")
    onboarding.outcome_unknown = True
    onboarding.last_error = abandoned_record()
    onboarding.step_started_at = onboarding.lease_expires_at = None
    return True


def recovered(onboarding: Onboarding, actor: Any) -> Onboarding:
    """The onboarding, locked and re-read, its abandoned step (if any) settled as failed."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if recover_if_abandoned(locked, actor):
            locked.save(update_fields=RECOVERY_FIELDS)
    return locked


def claim_locked(
    locked: Onboarding, *, actor: Any, ready: set[str], to: str, reason: str, changed: frozenset[str] = frozenset()
) -> bool:
    """Under the caller's lock on `locked` (just read): move to the in-flight state if the step may start;
    False when it may not. Saves the row once, with the columns the caller `changed` on it too."""
    fields = set(changed)
    if recover_if_abandoned(locked, actor):
        fields |= RECOVERY_FIELDS
    claimed = locked.status in ready
    if claimed:
        move(locked, to, actor=actor, reason=reason)
        locked.step_started_at = timezone.now()
        locked.lease_expires_at, locked.task_id = None, ""  # its task names itself, then takes the lease
        fields |= STEP_FIELDS
    if fields:
        locked.save(update_fields=fields | {"updated_at"})
    return claimed


def settle_step(onboarding: Onboarding, *, actor: Any, to: str, reason: str, **changes: Any) -> Onboarding:
    """Move an in-flight step to its outcome, with the columns `changes` names (ids, etags, the error).

    `onboarding` is the row as the task read it, in flight. One UPDATE writes the outcome only while the row
    is still in that status (on PostgreSQL it takes the row lock, as SELECT ... FOR UPDATE would; on SQLite
    the transaction holds the write lock), and the state change is recorded in the same transaction. A row
    that has moved on meanwhile (the sweep settled it) is refused, as `move` refuses it."""
    previous = onboarding.status
    values = {**changes, "status": to, "step_started_at": None, "lease_expires_at": None, "updated_at": timezone.now()}
    if onboarding.can_move_to(to):
        with transaction.atomic():
            if Onboarding.objects.filter(pk=onboarding.pk, status=previous).update(**values):
                StateChange.objects.record(
                    onboarding=onboarding, actor=actor, from_status=previous, to_status=to, reason=reason
                )
                for name, value in values.items():
                    setattr(onboarding, name, value)
                return onboarding
    now = Onboarding.objects.get(pk=onboarding.pk)
    raise OnboardingError.refused(f"An onboarding cannot go from {now.get_status_display()} to {Status(to).label}.")
