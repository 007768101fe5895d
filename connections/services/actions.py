"""Remote actions: what a user asks of Adobe outside the wizard's creates runs as a background task.

A service calls `start(kind, background, ...)`: under the onboarding's row lock it records a `RemoteAction` of
that kind (`RemoteAction.Kind` declares them all, with what the page says meanwhile) and enqueues `background`,
the kind's task (with django-tasks-db, in the same transaction: never an action without its task). A second
press while one of the same kind is pending joins it, so nothing is asked twice; asking something else of that
kind meanwhile (other typed credentials) is refused, as is any kind the caller names in `apart_from` (no delete
while a PATCH runs). A task dying leaves its action pending; the sweep fails it once its task cannot be
running any more (its lease, taken when it starts, expired; or the queue no longer holds it: services/lease.py).

Each kind's task is a plain task function beside the service it runs, handing its handler to `run`:

    @task
    def test_in_background(action_id: str) -> str:
        return actions.run(action_id, _test)

`run` claims the action once (a task delivered twice runs it once), runs the handler, which talks to Adobe
through the same services as the wizard, and keeps the `ActionResult` it returns; it wipes the payload (typed
credentials) either way. An OnboardingError the handler raises becomes a failed action whose result carries
the Problem (and the field it concerns). What it puts in `run.keep` (what the user typed that is not secret,
for the page to show again) is kept in the result however it ends.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.tasks import Task
from django.utils import timezone

from connections.messages import Problem
from connections.models import ActionResult, Onboarding, RemoteAction

from . import caps
from .errors import OnboardingError, StaleConnectionError, abandoned_record
from .lease import Lease, kept_alive, stale_after, task_gone
from .remote import actor_of, enqueue_with_claim
from .transitions import lock_row

log = logging.getLogger(__name__)
State = RemoteAction.State

Handler = Callable[["ActionRun"], ActionResult]


@dataclass(frozen=True)
class ActionRun:
    """What a handler gets: the action, its onboarding (fresh), the actor and the decrypted payload."""

    action: RemoteAction
    onboarding: Onboarding
    actor: Any
    payload: dict[str, Any] = field(repr=False)  # typed credentials: never in a repr, a log or a traceback
    keep: dict[str, Any] = field(default_factory=dict)  # kept in `result` whether the handler returns or raises


def start(
    kind: str,
    background: Task[[str], str],
    *,
    onboarding: Onboarding,
    actor: Any,
    dataflow: Any = None,
    payload: dict[str, Any] | None = None,
    apart_from: Collection[str] = (),
    on_demand: bool = True,
) -> RemoteAction:
    """Record the action and hand it to a task; the pending one of the same kind if it asks the same.

    Refused (OnboardingError) while one of the same kind asks something else, or one of `apart_from` is pending;
    and, for what a person asks `on_demand`, beyond the caps of services/caps.py.
    """
    with transaction.atomic():
        lock_row(onboarding.pk)  # one writer at a time: the pending check and the insert are one step
        pending = RemoteAction.objects.of(onboarding, dataflow).pending()
        same = pending.filter(kind=kind).first()
        if same is not None and _payload(same) == (payload or {}):
            return same
        busy = same or pending.filter(kind__in=apart_from).first()
        if busy is not None:
            raise OnboardingError.refused(
                f"{doing(busy)} is still under way for this onboarding. Wait until it has finished, then try again."
            )
        if on_demand:  # a page's own reads are bounded by their freshness, and a page cannot be refused
            caps.refuse_beyond_ceiling(actor)
            caps.refuse_over_rate(actor)
        action = RemoteAction.objects.create(
            onboarding=onboarding,
            dataflow=dataflow,
            kind=kind,
            actor=actor,
            payload=json.dumps(payload) if payload else "",
        )
        work = RemoteAction.objects.filter(pk=action.pk)
        enqueue_with_claim(caps.placed(background, actor), str(action.pk), work=work)
    return RemoteAction.objects.get(pk=action.pk)  # settled already with the immediate backend


def _payload(action: RemoteAction) -> dict[str, Any]:
    return dict(json.loads(action.payload)) if action.payload else {}


def latest(kind: str, *, onboarding: Onboarding, dataflow: Any = None) -> RemoteAction | None:
    return RemoteAction.objects.of(onboarding, dataflow).filter(kind=kind).order_by("-created_at", "-pk").first()


def doing(action: RemoteAction) -> str:
    """What the page says while it runs ("Testing the connection")."""
    kinds = RemoteAction.Kind
    return str(kinds(action.kind).label) if action.kind in kinds.values else "Asking Adobe"


def problem_of(action: RemoteAction) -> Problem | None:
    """The Problem a failed action carries (None for one that did not fail)."""
    return action.outcome.problem if action.failed else None


def _claim(action_id: int) -> Lease | None:
    """QUEUED → RUNNING with its lease, once: a task delivered twice runs the action once."""
    claimed = RemoteAction.objects.filter(pk=action_id, state=State.QUEUED)
    now = timezone.now()
    expires_at = now + stale_after()
    if not claimed.update(state=State.RUNNING, started_at=now, lease_expires_at=expires_at):
        return None
    return Lease(RemoteAction.objects.filter(pk=action_id, state=State.RUNNING), expires_at)


def _finish(action_id: int, *, state: str, result: dict[str, Any]) -> None:
    RemoteAction.objects.filter(pk=action_id, state=State.RUNNING).update(
        state=state, result=result, payload="", finished_at=timezone.now(), lease_expires_at=None
    )


def _failure(error: OnboardingError) -> ActionResult:
    problem = dataclasses.replace(error.problem, field=error.field or error.problem.field)
    return ActionResult(problem=problem, stale=isinstance(error, StaleConnectionError))


def run(action_id: str, handler: Handler) -> str:
    """What a kind's task does: claim the action (once), run `handler`, keep its result; the final state."""
    pk = int(action_id)
    held = _claim(pk)
    if held is None:
        return str(RemoteAction.objects.values_list("state", flat=True).get(pk=pk))
    action = RemoteAction.objects.select_related("onboarding").get(pk=pk)
    running = ActionRun(action, action.onboarding, actor_of(action.actor_id), _payload(action))
    try:
        with kept_alive(held):  # a handler may call Adobe several times
            state, result = State.DONE, handler(running)
    except OnboardingError as error:
        state, result = State.FAILED, _failure(error)
    except Exception:
        log.exception("Remote action %s (%s) failed unexpectedly", action.public_id, action.kind)
        state, result = State.FAILED, _failure(_unexpected())
    _finish(pk, state=state, result={**running.keep, **result.as_json()})
    return str(state)


def _unexpected() -> OnboardingError:
    return OnboardingError(
        Problem(
            title="Something went wrong here",
            message="The app stopped while doing this; nothing more is known. Try again; if it happens again, "
            "ask the app's administrator to look at its log.",
        )
    )


def recovered(action: RemoteAction) -> RemoteAction:
    """The action, failed first if its task cannot be running any more (it died, or the queue lost it)."""
    if action.pending and sweep_actions(pk=action.pk):
        return RemoteAction.objects.get(pk=action.pk)
    return action


def _dead_running(now: datetime.datetime) -> Q:
    """Running, and its lease expired (or, started by an earlier version without one, long ago)."""
    unleased = Q(lease_expires_at__isnull=True, started_at__lt=now - stale_after())
    return Q(state=State.RUNNING) & (Q(lease_expires_at__lt=now) | unleased)


def sweep_actions(*, pk: int | None = None) -> int:
    """Fail every pending action whose task cannot be running any more: its lease expired, or, never started,
    the queue no longer holds its task. One still waiting for a worker is left alone."""
    now = timezone.now()
    candidates = RemoteAction.objects.filter(
        _dead_running(now) | Q(state=State.QUEUED, created_at__lt=now - stale_after())
    )
    if pk is not None:
        candidates = candidates.filter(pk=pk)
    dead = [
        a.pk
        for a in candidates.only("pk", "state", "task_id")
        if a.state == State.RUNNING or task_gone(a.task_id, now=now)
    ]
    if not dead:
        return 0
    problem = abandoned_record()
    problem["message"] = "This stopped without an answer from Adobe (the app restarted). Try again."
    # Decided again in the UPDATE: a task that started or renewed meanwhile keeps its action.
    stale = RemoteAction.objects.filter(pk__in=dead).filter(_dead_running(now) | Q(state=State.QUEUED))
    settled = stale.update(
        state=State.FAILED, result={"problem": problem}, payload="", finished_at=now, lease_expires_at=None
    )
    if settled:
        log.warning("Failed %d remote action(s) a dead task had left pending", settled)
    return settled


def prune_reads(*, older_than: datetime.timedelta) -> int:
    """Delete the finished reads older than `older_than` (their calls stay in the history); how many."""
    old = RemoteAction.objects.exclude(state__in=RemoteAction.PENDING).filter(kind__in=RemoteAction.READS)
    deleted, _ = old.filter(finished_at__lt=timezone.now() - older_than).delete()
    return deleted
