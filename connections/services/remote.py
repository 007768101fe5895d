"""How remote work runs: claimed under the row lock in the request, then run by a background task.

A request never waits on Adobe. It claims the step (the onboarding moves to the step's in-flight
status, under `SELECT ... FOR UPDATE`), hands the call to `run_remote` through Django's Tasks
framework (`django.tasks`), and shows progress; the task calls Adobe and settles the step.
Every `RemoteStep` registers itself here by its `what`, so a step declared anywhere runs the same way;
the dataflow's creates (services/dataflow.py) register here too, on a `Dataflow` instead of an onboarding.

A task that dies (its worker killed) leaves its step in flight; `sweep` settles it once it is older
than every call's timeouts: the object is adopted if Adobe has it, otherwise the step is failed.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.tasks import task
from django.utils import timezone

from connections.models import Onboarding

log = logging.getLogger(__name__)

# What a task runs: (subject, actor) -> the subject afterwards. The subject is the row whose status says the
# step is in flight (an Onboarding, or a Dataflow); it has `status` and `step_started_at`.
Operation = Callable[[Any, Any], Any]
OPERATIONS: dict[str, tuple[type[models.Model], Operation]] = {}  # by name: (the subject's model, what runs)
SETTLERS: dict[tuple[type[models.Model], str], Operation] = {}  # by (model, the in-flight status they settle)


def operation(
    name: str,
    perform: Operation,
    *,
    settle: tuple[str, Operation] | None = None,
    subject: type[models.Model] = Onboarding,
) -> None:
    """Make `perform` runnable by the task under `name`; `settle` (in-flight status, settler) for the sweep."""
    if OPERATIONS.get(name, (subject, perform))[1] is not perform:
        raise ValueError(f"Two remote operations are named {name!r}.")
    OPERATIONS[name] = (subject, perform)
    if settle:
        SETTLERS[(subject, settle[0])] = settle[1]


def backend_path() -> str:
    """The dotted path of the configured task backend."""
    default: Any = settings.TASKS["default"]
    return str(default["BACKEND"])


def runs_at_once() -> bool:
    """Whether `enqueue` runs the task before it returns (the immediate backend: tests, or no worker)."""
    return backend_path().startswith("django.tasks.backends.immediate.")


def _stores_in_this_database() -> bool:
    """Whether `enqueue` writes in the caller's transaction (django-tasks-db) or runs now (immediate)."""
    return backend_path().startswith(("django_tasks_db.", "django.tasks.backends.immediate."))


def dispatch(name: str, *, subject: models.Model, actor: Any) -> None:
    """Hand `name` for this subject (onboarding or dataflow) to a background task, inside the claim's transaction.

    With django-tasks-db the task row commits (or rolls back) with the claim: never a claim without
    its task, never a task for a claim that did not happen. Other backends (RQ) write elsewhere at
    once, so they enqueue only once the claim has committed.
    """
    if name not in OPERATIONS:
        raise ValueError(f"No remote operation is named {name!r}.")
    enqueue_with_claim(run_remote, name, str(subject.pk), None if actor is None else str(actor.pk))


def enqueue_with_claim(background: Any, *args: str | None) -> None:
    """Enqueue `background(*args)` so that it exists exactly when the caller's transaction commits."""
    if _stores_in_this_database():
        background.enqueue(*args)
        _wake_the_worker()
    else:
        transaction.on_commit(functools.partial(background.enqueue, *args))


# The channel a task worker on PostgreSQL listens on (run_tasks): a task is ready.
WAKE_CHANNEL = "eh_onboarding_tasks"


def _wake_the_worker() -> None:
    """On PostgreSQL, NOTIFY the task worker: it starts the task at once instead of at its next poll. PostgreSQL
    delivers a notification when the caller's transaction commits, with the task row, and never for one rolled
    back; SQLite has no such thing, and its worker polls."""
    if connection.vendor == "postgresql" and backend_path().startswith("django_tasks_db."):
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")


@task
def run_remote(name: str, subject_id: str, actor_id: str | None) -> str:
    """The background task: run one remote operation for one onboarding (or dataflow); returns its new status."""
    model, perform = OPERATIONS[name]
    return str(perform(*_subject_and_actor(model, subject_id, actor_id)).status)


def _subject_and_actor(model: type[models.Model], subject_id: str, actor_id: str | None) -> tuple[Any, Any]:
    """The task's subject and the user it acts for. An owner acting on their own onboarding (nearly every task)
    is read with it, in one query instead of two; an owner cannot be removed while it owns one (PROTECT)."""
    owned = any(field.name == "owner" for field in model._meta.concrete_fields)
    subjects = model._default_manager.select_related("owner") if owned else model._default_manager.all()
    subject: Any = subjects.get(pk=int(subject_id))
    if owned and actor_id is not None and str(subject.owner_id) == actor_id:
        return subject, subject.owner
    return subject, actor_of(actor_id)


def actor_of(actor_id: Any) -> Any:
    """The user a task acts for (None: the app itself, or a user since removed)."""
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None


def sweep(*, older_than: Any = None) -> int:
    """Settle every step in flight longer than any call can last; how many were settled."""
    from .transitions import stale_after  # one definition of "longer than any call can last"

    cutoff = timezone.now() - (older_than if older_than is not None else stale_after())
    settled = 0
    for (model, status), settle in SETTLERS.items():
        for subject in model._default_manager.filter(status=status, step_started_at__lt=cutoff):
            settle(subject, None)
            settled += 1
    if settled:
        log.warning("Settled %d step(s) a dead task had left in flight", settled)
    from .actions import sweep_actions  # actions enqueue through this module

    return settled + sweep_actions(older_than=older_than)
