"""How remote work runs: claimed under the row lock in the request, then run by a background task.

A request never waits on Adobe. It claims the work (an onboarding or a dataflow moves to an in-flight status,
or a `RemoteAction` is recorded, under `SELECT ... FOR UPDATE`), hands it to a plain task function through
Django's Tasks framework (`django.tasks`) with `dispatch`, and shows progress; the task calls Adobe and
settles it. The tasks are the wizard's `create_in_adobe` (services/wizard.py), the dataflow's
`create_dataflow_objects` (services/dataflow.py) and one per remote action (services/actions.py).

The claimed row names its queued task (`task_id`); the task takes a lease on the work when it starts and
renews it before each call (services/lease.py). A task that dies (its worker killed) leaves its work in
flight; the sweep (services/sweep.py) settles it once its task cannot be running any more.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.db.models import QuerySet
from django.tasks import Task

from connections.models import Onboarding

from . import caps
from .lease import name_task


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


def dispatch(background: Task[..., Any], subject: models.Model, *args: str, actor: Any) -> None:
    """Hand `background(subject id, *args, actor id)` for this onboarding or dataflow to a task, in the claim's
    transaction.

    With django-tasks-db the task row commits (or rolls back) with the claim: never a claim without
    its task, never a task for a claim that did not happen. Other backends (RQ) write elsewhere at
    once, so they enqueue only once the claim has committed.
    """
    work = type(subject)._default_manager.filter(pk=subject.pk)
    actor_id = None if actor is None else str(actor.pk)
    task_id = enqueue_with_claim(caps.placed(background, actor), str(subject.pk), *args, actor_id, work=work)
    if task_id is not None:
        subject.task_id = task_id  # type: ignore[attr-defined]  # as stored: what a service returns is the row


def enqueue_with_claim(background: Task[..., Any], *args: str | None, work: QuerySet[Any]) -> str | None:
    """Enqueue `background(*args)` so that it exists exactly when the caller's transaction commits, and name
    it on its claimed `work` (the sweep asks the queue about it); its id, if it is known already."""
    if _stores_in_this_database():
        task_id = background.enqueue(*args).id
        name_task(work, task_id)
        _wake_the_worker()
        return task_id
    transaction.on_commit(functools.partial(_enqueue_and_name, background, args, work))
    return None


def _enqueue_and_name(background: Task[..., Any], args: tuple[str | None, ...], work: QuerySet[Any]) -> None:
    name_task(work, background.enqueue(*args).id)


# The channel a task worker on PostgreSQL listens on (run_tasks): a task is ready.
WAKE_CHANNEL = "eh_onboarding_tasks"


def _wake_the_worker() -> None:
    """On PostgreSQL, NOTIFY the task worker: it starts the task at once instead of at its next poll. PostgreSQL
    delivers a notification when the caller's transaction commits, with the task row, and never for one rolled
    back; SQLite has no such thing, and its worker polls."""
    if connection.vendor == "postgresql" and backend_path().startswith("django_tasks_db."):
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {WAKE_CHANNEL}")


def onboarding_and_actor(onboarding_id: str, actor_id: str | None) -> tuple[Onboarding, Any]:
    """A task's onboarding and the user it acts for. An owner acting on their own onboarding (nearly every task)
    is read with it, in one query instead of two; an owner cannot be removed while it owns one (PROTECT)."""
    onboarding = Onboarding.objects.select_related("owner").get(pk=int(onboarding_id))
    if actor_id is not None and str(onboarding.owner_id) == actor_id:
        return onboarding, onboarding.owner
    return onboarding, actor_of(actor_id)


def actor_of(actor_id: Any) -> Any:
    """The user a task acts for (None: the app itself, or a user since removed)."""
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
