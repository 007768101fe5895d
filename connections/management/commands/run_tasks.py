"""Run the background tasks: several at once, in threads of one process (django-tasks-db, the default),
or RQ's worker pool when TASKS_BACKEND=rq.

django-tasks-db's own `db_worker` runs one task at a time per process. Remote steps spend their
time waiting on Adobe, so one process claims tasks with django-tasks-db's own claim and runs up to N
at once in a thread pool (each thread its own database connection, each task run by django-tasks-db's
Worker.run_task): N onboardings together for the memory of one process.
The sweep settles steps a dead task left in flight, at start and then every minute.
Idle, the loop polls every `--interval`; on PostgreSQL it also LISTENs, and an enqueue NOTIFYs it (services.remote),
so a task starts as soon as its claim commits.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, OperationalError, connection, connections
from django.utils.module_loading import import_string
from django_tasks.signals import task_finished, task_started
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from connections.services import remote
from connections.services.sweep import sweep

log = logging.getLogger(__name__)
SWEEP_EVERY = 60.0  # seconds
RELISTEN_AFTER = 5.0  # seconds


def _worker(number: int, *, interval: float, batch: bool) -> Worker:
    return Worker(
        queue_names=["default"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        # Unique across machines and restarts: django-tasks-db records it on every task it runs.
        worker_id=f"{os.uname().nodename}-{os.getpid()}-{number}"[-64:],
        excluded_queue_names=[],
    )


def _claim_one(worker: Worker) -> DBTaskResult[Any, Any] | None:
    """The next ready task, claimed for this worker (django-tasks-db's own claim: SKIP LOCKED, or SQLite's
    exclusive transaction); None when there is none or the database is busy."""
    ready = DBTaskResult.objects.ready().filter(backend_name="default", queue_name__in=["default"])
    if not ready.exists():
        # A plain read first: on SQLite the claim's exclusive transaction takes the database's write lock,
        # which an idle poll (every `interval`) must not hold against the web requests.
        return None
    with exclusive_transaction(ready.db):
        try:
            claimed = ready.get_locked()
            if claimed is not None:
                claimed.claim(worker.worker_id)
        except OperationalError as error:
            if not is_locked_database_exception(error):
                raise
            return None
    return claimed


def refresh_connections() -> None:
    """Close this thread's database connections that broke or outlived CONN_MAX_AGE, as Django does between
    requests; a SQLite connection is kept whatever CONN_MAX_AGE says (0 by default: one per request).

    A worker thread has no requests: with SQLite's default it reopened its connection for every task and the
    claim loop for every poll (20 a second), and opening one costs about 1.3 ms, more than the poll itself.
    """
    for each in connections.all(initialized_only=True):
        if each.vendor == "sqlite":
            each.close_at = None  # no maximum age; Django's checks for a broken connection still apply
        each.close_if_unusable_or_obsolete()


class Wakeup:
    """How the idle claim loop waits for its next poll: on PostgreSQL, LISTENing on its own connection, so a task
    enqueued (services.remote NOTIFYs with it) starts at once, not up to an interval later; elsewhere, or while
    that connection is down (it is opened again every RELISTEN_AFTER seconds), it sleeps the interval."""

    def __init__(self, stopping: threading.Event) -> None:
        self.stopping = stopping
        self.listening: Any = None
        self.listen_again_at = 0.0
        self.listen()

    def listen(self) -> None:
        if connection.vendor != "postgresql" or time.monotonic() < self.listen_again_at:
            return
        import psycopg  # PostgreSQL's driver

        self.listen_again_at = time.monotonic() + RELISTEN_AFTER
        try:
            self.listening = connection.get_new_connection(connection.get_connection_params())
            self.listening.autocommit = True
            self.listening.execute(f"LISTEN {remote.WAKE_CHANNEL}")
        except (psycopg.Error, OSError):
            log.exception("Could not listen for new tasks; polling for them")
            self.close()

    def wait(self, interval: float) -> None:
        if self.listening is None:
            self.stopping.wait(interval)
            self.listen()
            return
        import psycopg

        # In slices of a second at most: Ctrl-C does not interrupt psycopg's wait, and must not wait an interval.
        until = time.monotonic() + interval
        try:
            while not self.stopping.is_set() and (left := until - time.monotonic()) > 0:
                if any(True for _ in self.listening.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return
        except psycopg.Error:
            log.exception("Lost the connection that listens for new tasks; polling for them")
            self.close()

    def close(self) -> None:
        if self.listening is not None:
            self.listening.close()
            self.listening = None


def _run_one(worker: Worker, claimed: DBTaskResult[Any, Any], free: threading.Semaphore) -> None:
    try:
        refresh_connections()
        worker.run_task(claimed)
    finally:
        refresh_connections()
        free.release()


def _refresh_around_task(**kwargs: Any) -> None:
    """Before and after each task run in an RQ worker process, what Django does around a request."""
    refresh_connections()


def _sweep_every(seconds: float) -> None:
    """The sweep beside RQ's workers: several workers may sweep at once (each settle is decided under a lock)."""
    while True:
        time.sleep(seconds)
        try:
            refresh_connections()
            sweep()
        except DatabaseError:
            log.exception("Could not reach the database")
        finally:
            connections.close_all()


class Command(BaseCommand):
    help = "Run background tasks (remote steps) from the database, N at once; Ctrl-C stops after the current ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="tasks run at once (TASKS_THREADS, 8)")
        # Short: a task waits at most this long to start; an idle poll is one read (no lock).
        parser.add_argument("--interval", type=float, default=0.05, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="sweep, run every task ready, then exit")
        parser.add_argument("--sweep-every", type=float, default=None, help=f"seconds between sweeps ({SWEEP_EVERY:g})")

    def handle(self, *args: Any, threads: int | None, interval: float, batch: bool, **options: Any) -> None:
        count = threads or settings.TASKS_THREADS
        if settings.TASKS_BACKEND == "rq":
            self._run_rq(count, batch=batch, sweep_every=options.get("sweep_every") or SWEEP_EVERY)
            return
        if not remote.backend_path().startswith("django_tasks_db."):
            self.stdout.write("TASKS_BACKEND=immediate: remote steps run inside the requests; no worker needed.")
            return
        sweep()
        if batch:
            # One loop in this thread until the queue is empty: deterministic, for tests and scripts.
            _worker(0, interval=0, batch=True).run()
            return
        self._run(count, interval)

    def _run_rq(self, count: int, *, batch: bool, sweep_every: float) -> None:
        """RQ's workers, with the sweep at start and then every `sweep_every` seconds in a thread of this process.

        One worker runs its jobs in this process; several are RQ's pool of that many processes, forked once the
        first sweep has closed its connection (the pool starts a new one in place of one that died)."""
        sweep()
        connections.close_all()
        if not batch:
            threading.Thread(target=_sweep_every, args=(sweep_every,), name="sweep", daemon=True).start()
        # "behind" last: a person's tasks beyond their first few (connections/services/caps.py).
        queues, options = ("default", "behind"), {"job_class": "django_tasks_rq.Job", "burst": batch}
        # Each worker process runs its jobs itself (RQ's SimpleWorker), not in a process forked for each job: its
        # imports and its database connection stay warm from one job to the next (a forked job paid for both
        # again), and a process killed mid-task leaves nothing running behind it. Its connections are then
        # checked around each task as Django does around a request.
        task_started.connect(_refresh_around_task)
        task_finished.connect(_refresh_around_task)
        options["worker_class"] = "rq.worker.SimpleWorker"
        if count == 1:
            call_command("rqworker", *queues, **options)
        else:
            call_command("rqworker-pool", *queues, num_workers=count, **options)

    def _run(self, count: int, interval: float) -> None:
        """One loop claims, a pool of `count` threads runs: idle, the database sees one read per interval,
        not one per thread; busy, a task is claimed only when a thread is free to run it at once."""
        worker = _worker(0, interval=interval, batch=False)
        free = threading.Semaphore(count)
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            log.warning("Stopping after the tasks that are running")
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        wakeup = Wakeup(stopping)
        listens = " and listens for new ones" if wakeup.listening is not None else ""
        self.stdout.write(f"Running tasks, {count} at once{listens} (Ctrl-C stops)")
        self._swept = time.monotonic()
        self._periodic_at = {path: 0.0 for path, _ in settings.TASKS_PERIODIC}
        with ThreadPoolExecutor(max_workers=count, thread_name_prefix="task") as pool:
            while not stopping.is_set():
                if not free.acquire(timeout=interval):
                    continue  # every thread busy
                claimed = self._claim_or_sweep(worker)
                if claimed is None:
                    free.release()
                    wakeup.wait(interval)
                    continue
                pool.submit(_run_one, worker, claimed, free)
        wakeup.close()
        connection.close()

    def _run_periodic(self) -> None:
        """Call each of TASKS_PERIODIC when its seconds have passed (each enqueues its own tasks)."""
        for path, every in settings.TASKS_PERIODIC:
            if time.monotonic() >= self._periodic_at[path]:
                self._periodic_at[path] = time.monotonic() + every
                import_string(path)()

    def _claim_or_sweep(self, worker: Worker) -> DBTaskResult[Any, Any] | None:
        refresh_connections()
        try:
            if time.monotonic() - self._swept >= SWEEP_EVERY:
                self._swept = time.monotonic()
                sweep()
            self._run_periodic()
            return _claim_one(worker)
        except DatabaseError:  # the database restarting must not stop the worker: try again next poll
            log.exception("Could not reach the database")
            return None
