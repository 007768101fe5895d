"""Remote actions: what a user asks of Adobe outside the wizard's creates runs as a background task.

A view calls `start(kind, ...)`: under the onboarding's row lock it records a `RemoteAction` and
enqueues `run_action` (with django-tasks-db, in the same transaction: never an action without its task).
A second press while one of the same kind is pending joins it, so nothing is asked twice; asking something
else of that kind meanwhile (other typed credentials) is refused, as is any kind the caller names in
`apart_from` (no delete while a PATCH runs). The task runs
the kind's handler, which talks to Adobe through the same services as before, and stores what the page
shows (`result`); it wipes the payload (typed credentials) either way. A task that dies leaves its action
pending; the sweep fails it once it is older than any call can last.

Handlers register with `@handles(kind, doing=...)`; `doing` is what the progress page says meanwhile.
A handler returns a JSON-able dict; an OnboardingError it raises becomes a failed action whose result
carries the Problem (and the field it concerns). What it puts in `run.keep` (what the user typed that is not
secret, for the page to show again) is kept in the result however it ends.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from connections.messages import Problem
from connections.models import Onboarding, RemoteAction

from .errors import OnboardingError, StaleConnectionError, abandoned_record
from .remote import actor_of, enqueue_with_claim
from .transitions import lock_row, stale_after

log = logging.getLogger(__name__)
State = RemoteAction.State

Handler = Callable[["ActionRun"], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    name: str
    doing: str  # "Testing the connection": what the progress page says while it runs
    handler: Handler
    read: bool = False  # changes nothing in Adobe nor here: its finished actions may be pruned


KINDS: dict[str, Kind] = {}
# The actions that change the onboarding's objects in Adobe (or the app's copy of them): one at a time, and
# no test meanwhile (its checks would describe a connection about to change).
CHANGES_IN_ADOBE = ("credentials", "reload", "source", "source_reload", "delete")


@dataclass(frozen=True)
class ActionRun:
    """What a handler gets: the action, its onboarding (fresh), the actor and the decrypted payload."""

    action: RemoteAction
    onboarding: Onboarding
    actor: Any
    payload: dict[str, Any] = field(repr=False)  # typed credentials: never in a repr, a log or a traceback
    keep: dict[str, Any] = field(default_factory=dict)  # kept in `result` whether the handler returns or raises


def handles(name: str, *, doing: str, read: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for the action kind `name` (`read`: it only asks, so old ones may be pruned)."""

    def register(handler: Handler) -> Handler:
        if name in KINDS and KINDS[name].handler is not handler:
            raise ValueError(f"Two remote actions are named {name!r}.")
        KINDS[name] = Kind(name, doing, handler, read)
        return handler

    return register


def start(
    kind: str,
    *,
    onboarding: Onboarding,
    actor: Any,
    dataflow: Any = None,
    payload: dict[str, Any] | None = None,
    apart_from: Collection[str] = (),
) -> RemoteAction:
    """Record the action and hand it to a task; the pending one of the same kind if it asks the same.

    Refused (OnboardingError) while one of the same kind asks something else, or one of `apart_from` is pending.
    """
    if kind not in KINDS:
        raise ValueError(f"No remote action is named {kind!r}.")
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
        action = RemoteAction.objects.create(
            onboarding=onboarding,
            dataflow=dataflow,
            kind=kind,
            actor=actor,
            payload=json.dumps(payload) if payload else "",
        )
        enqueue_with_claim(run_action, str(action.pk))
    return RemoteAction.objects.get(pk=action.pk)  # settled already with the immediate backend


def _payload(action: RemoteAction) -> dict[str, Any]:
    return dict(json.loads(action.payload)) if action.payload else {}


def latest(kind: str, *, onboarding: Onboarding, dataflow: Any = None) -> RemoteAction | None:
    return RemoteAction.objects.of(onboarding, dataflow).filter(kind=kind).order_by("-created_at", "-pk").first()


def doing(action: RemoteAction) -> str:
    kind = KINDS.get(action.kind)
    return kind.doing if kind else "Asking Adobe"


def problem_of(action: RemoteAction) -> Problem | None:
    """The Problem a failed action carries (None for one that did not fail)."""
    data = (action.result or {}).get("problem") if action.failed else None
    return Problem(**data) if data else None


def _claim(action_id: int) -> bool:
    """QUEUED → RUNNING, once: a task delivered twice runs the action once."""
    claimed = RemoteAction.objects.filter(pk=action_id, state=State.QUEUED)
    return bool(claimed.update(state=State.RUNNING, started_at=timezone.now()))


def _finish(action_id: int, *, state: str, result: dict[str, Any]) -> None:
    RemoteAction.objects.filter(pk=action_id, state=State.RUNNING).update(
        state=state, result=result, payload="", finished_at=timezone.now()
    )


def _failure(error: OnboardingError) -> dict[str, Any]:
    problem = error.problem.as_json()
    problem["field"] = error.field or problem.get("field")
    return {"problem": problem, "stale": isinstance(error, StaleConnectionError)}


@task
def run_action(action_id: str) -> str:
    """The background task: run one remote action and keep its result; returns its final state."""
    pk = int(action_id)
    if not _claim(pk):
        return str(RemoteAction.objects.values_list("state", flat=True).get(pk=pk))
    action = RemoteAction.objects.select_related("onboarding").get(pk=pk)
    run = ActionRun(action, action.onboarding, actor_of(action.actor_id), _payload(action))
    try:
        state, result = State.DONE, KINDS[action.kind].handler(run)
    except OnboardingError as error:
        state, result = State.FAILED, _failure(error)
    except Exception:
        log.exception("Remote action %s (%s) failed unexpectedly", action.public_id, action.kind)
        state, result = State.FAILED, _failure(_unexpected())
    _finish(pk, state=state, result={**run.keep, **result})
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
    """The action, failed first if it has been pending longer than any call can last (its task died)."""
    if action.pending and sweep_actions(pk=action.pk):
        return RemoteAction.objects.get(pk=action.pk)
    return action


def sweep_actions(*, older_than: Any = None, pk: int | None = None) -> int:
    """Fail every action pending longer than any call can last (its task died, or no worker ran it)."""
    cutoff = timezone.now() - (older_than if older_than is not None else stale_after())
    problem = abandoned_record()
    problem["message"] = "This stopped without an answer from Adobe (the app restarted). Try again."
    never_started = Q(state=State.QUEUED, created_at__lt=cutoff)
    stale = RemoteAction.objects.filter(never_started | Q(state=State.RUNNING, started_at__lt=cutoff))
    if pk is not None:
        stale = stale.filter(pk=pk)
    settled = stale.update(state=State.FAILED, result={"problem": problem}, payload="", finished_at=timezone.now())
    if settled:
        log.warning("Failed %d remote action(s) a dead task had left pending", settled)
    return settled


def prune_reads(*, older_than: datetime.timedelta) -> int:
    """Delete the finished reads older than `older_than` (their calls stay in the history); how many."""
    reads = [kind.name for kind in KINDS.values() if kind.read]
    old = RemoteAction.objects.exclude(state__in=RemoteAction.PENDING).filter(kind__in=reads)
    deleted, _ = old.filter(finished_at__lt=timezone.now() - older_than).delete()
    return deleted
