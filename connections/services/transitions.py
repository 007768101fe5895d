"""The only code that moves an onboarding from one status to another, each move recorded."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connections.models import Onboarding, StateChange

from .errors import OnboardingError, abandoned_record

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


def stale_after() -> datetime.timedelta:
    """How long an in-flight step may last before it is taken as abandoned (the app restarted)."""
    seconds = 2 * (settings.FLOW_SERVICE_CONNECT_TIMEOUT + settings.FLOW_SERVICE_READ_TIMEOUT)
    return datetime.timedelta(seconds=seconds + settings.FLOW_SERVICE_RETRY_BUDGET + 30)


def abandoned(onboarding: Onboarding) -> bool:
    """In flight longer than every timeout (the app restarted): read without a lock, decided under one."""
    started = onboarding.step_started_at
    return onboarding.is_in_flight and not (started and timezone.now() - started < stale_after())


def recover_if_abandoned(onboarding: Onboarding, actor: Any) -> bool:
    """Fail an in-flight step that outlived every timeout; True when it did."""
    if not abandoned(onboarding):
        return False
    failed = Status.BASE_FAILED if onboarding.is_creating_base else Status.SOURCE_FAILED
    move(onboarding, failed, actor=actor, reason="The previous attempt was abandoned; its outcome is unknown")
    onboarding.outcome_unknown = True
    onboarding.last_error = abandoned_record()
    onboarding.step_started_at = None
    return True


def recovered(onboarding: Onboarding, actor: Any) -> Onboarding:
    """The onboarding, locked and re-read, its abandoned step (if any) settled as failed."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if recover_if_abandoned(locked, actor):
            locked.save()
    return locked


def claim_step(
    onboarding: Onboarding,
    *,
    actor: Any,
    ready: set[str],
    to: str,
    reason: str,
    then: Callable[[Onboarding], None] | None = None,
) -> Onboarding | None:
    """Move to the in-flight state if the step may start; None when another request has it.

    `then` runs inside the claim's transaction (it hands the step to a background task)."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if recover_if_abandoned(locked, actor):
            locked.save()
        if locked.status not in ready:
            return None
        move(locked, to, actor=actor, reason=reason)
        locked.step_started_at = timezone.now()
        locked.save()
        if then is not None:
            then(locked)
    return locked


def settle_step(onboarding: Onboarding, *, actor: Any, to: str, reason: str, **changes: Any) -> Onboarding:
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        move(locked, to, actor=actor, reason=reason)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.step_started_at = None
        locked.save()
    return locked
