"""Whether the task working on a step can still be running: its lease, or the task framework's own state.

Work handed to a task (a wizard step, a dataflow step, a remote action) is claimed in the request; the row
then names its queued task (`task_id`). The task, when it starts, takes a lease on the work
(`lease_expires_at`, one lease length ahead) and renews it before each call to Adobe, so a task that
holds no unexpired lease makes no call. Each call is bounded by the client's timeouts and retry budget,
which the lease outlasts (a remote action's handler, which may call several times, has it renewed from a
thread while it runs: `kept_alive`). So the work may be settled (the sweep, a page's recovery) only when its task
cannot be running any more:

- a lease was taken and has expired (the task died, or lost the lease and stops before its next call), or
- no lease was ever taken and the task framework says the task is gone: unknown to the queue, finished
  without taking it, or started long ago without taking it (killed at once). A task still waiting its
  turn is never taken for dead, however long the queue.

Times are the app's clock (`timezone.now()`) on whichever machine writes or reads them: the machines'
clocks must agree (NTP) to well within the lease's margin (docs/notes-queue.md).
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Q, QuerySet
from django.tasks import TaskResultStatus, default_task_backend
from django.tasks.exceptions import TaskResultDoesNotExist
from django.utils import timezone

log = logging.getLogger(__name__)


def stale_after() -> datetime.timedelta:
    """The lease's length: longer than any one call to Adobe can last, its retries included."""
    seconds = 2 * (settings.FLOW_SERVICE_CONNECT_TIMEOUT + settings.FLOW_SERVICE_READ_TIMEOUT)
    return datetime.timedelta(seconds=seconds + settings.FLOW_SERVICE_RETRY_BUDGET + settings.TASKS_LEASE_MARGIN)


@dataclass
class Lease:
    """A running task's hold on its work (`work`: the queryset that is that work while it is still this claim's)."""

    work: QuerySet[Any]
    expires_at: datetime.datetime
    _renewing: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def renew(self) -> bool:
        """Extend the lease before a call to Adobe; False when it was lost (the work was settled or taken over):
        the task must stop without calling."""
        with self._renewing:
            renewed = timezone.now() + stale_after()
            if not self.work.filter(lease_expires_at=self.expires_at).update(lease_expires_at=renewed):
                return False
            self.expires_at = renewed
            return True


@contextmanager
def kept_alive(held: Lease) -> Iterator[None]:
    """Renew `held` every third of its length while the block runs, from a thread of this process: work that
    makes several calls keeps its lease as long as its process lives, and loses it when the process dies.
    Nothing to keep inside a caller's transaction (the immediate backend): no one else sees the work there."""
    if connection.in_atomic_block:
        yield
        return
    done = threading.Event()

    def beat() -> None:
        try:
            while not done.wait(stale_after().total_seconds() / 3) and held.renew():
                pass
        finally:
            connections.close_all()

    beating = threading.Thread(target=beat, name="lease", daemon=True)
    beating.start()
    try:
        yield
    finally:
        done.set()
        beating.join()


def take(work: QuerySet[Any]) -> Lease | None:
    """The lease on `work` for the task starting it; None when another task holds it or the work was settled."""
    now = timezone.now()
    expires_at = now + stale_after()
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    if not work.filter(free).update(lease_expires_at=expires_at):
        return None
    return Lease(work, expires_at)


def cannot_be_running(row: Any, *, claimed_at: datetime.datetime | None) -> bool:
    """Whether the task of `row`'s work in flight (claimed at `claimed_at`) cannot be running any more."""
    now = timezone.now()
    if row.lease_expires_at is not None:
        return bool(row.lease_expires_at < now)
    if claimed_at is not None and now - claimed_at < stale_after():
        return False  # just queued: waiting for a worker
    return task_gone(row.task_id, now=now)


def maybe_abandoned(claimed_at: str = "step_started_at") -> Q:
    """The rows worth asking `cannot_be_running` about: an expired lease, or none taken since long ago."""
    now = timezone.now()
    expired = Q(lease_expires_at__lt=now)
    never_taken = Q(lease_expires_at__isnull=True) & (
        Q(**{f"{claimed_at}__isnull": True}) | Q(**{f"{claimed_at}__lt": now - stale_after()})
    )
    return expired | never_taken


def task_gone(task_id: str, *, now: datetime.datetime) -> bool:
    """Whether the queue no longer holds the task (or holds one that started long ago and never took its lease)."""
    if not task_id:
        return True  # never enqueued (or by an earlier version, before tasks were named on their work)
    if not default_task_backend.supports_get_result:
        return True  # the immediate backend: nothing waits in a queue
    try:
        result = default_task_backend.get_result(task_id)
    except TaskResultDoesNotExist:
        return True
    except Exception:
        log.exception("Could not ask the task queue about task %s; taking it as still queued", task_id)
        return False
    if result.status == TaskResultStatus.READY:
        return False
    if result.status == TaskResultStatus.RUNNING:
        started = result.started_at
        return started is None or now - started >= stale_after()
    return True  # finished without taking the lease: delivered after the work was settled


def name_task(work: QuerySet[Any], task_id: str) -> None:
    """Record the queued task's id on its claimed work (the claim cleared it)."""
    work.filter(task_id="").update(task_id=task_id)
