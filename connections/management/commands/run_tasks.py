"""Run the background tasks: several at once, in threads of one process (django-tasks-db, the default),
or RQ's worker pool when TASKS_BACKEND=rq.

django-tasks-db's own `db_worker` runs one task at a time per process. Remote steps spend their
time waiting on Adobe, so one process with N threads (each django-tasks-db's Worker loop, each with
its own database connection) runs N onboardings together for the memory of one process.
The sweep settles steps a dead task left in flight, at start and then every minute.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connection
from django_tasks_db.management.commands.db_worker import Worker

from connections.services import remote

log = logging.getLogger(__name__)
SWEEP_EVERY = 60.0  # seconds


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


def _in_thread(worker: Worker) -> None:
    try:
        worker.run()
    finally:
        connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = "Run background tasks (remote steps) from the database, N at once; Ctrl-C stops after the current ones."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=None, help="tasks run at once (TASKS_THREADS, 8)")
        parser.add_argument("--interval", type=float, default=0.2, help="seconds between polls when idle")
        parser.add_argument("--batch", action="store_true", help="sweep, run every task ready, then exit")

    def handle(self, *args: Any, threads: int | None, interval: float, batch: bool, **options: Any) -> None:
        count = threads or settings.TASKS_THREADS
        if settings.TASKS_BACKEND == "rq":
            # RQ's own pool of worker processes; the sweep runs once here, at start.
            remote.sweep()
            call_command("rqworker-pool", "default", num_workers=count, job_class="django_tasks_rq.Job", burst=batch)
            return
        if not remote.backend_path().startswith("django_tasks_db."):
            self.stdout.write("TASKS_BACKEND=immediate: remote steps run inside the requests; no worker needed.")
            return
        remote.sweep()
        if batch:
            # One loop in this thread until the queue is empty: deterministic, for tests and scripts.
            _worker(0, interval=0, batch=True).run()
            return
        self._run(count, interval)

    def _run(self, count: int, interval: float) -> None:
        workers = [_worker(number, interval=interval, batch=False) for number in range(count)]
        threads = [threading.Thread(target=_in_thread, args=(w,), name=f"task-{n}") for n, w in enumerate(workers)]
        stopping = threading.Event()

        def stop(signum: int, frame: FrameType | None) -> None:
            log.warning("Stopping after the tasks that are running")
            for worker in workers:
                worker.running = False
            stopping.set()

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        for thread in threads:
            thread.start()
        self.stdout.write(f"Running tasks, {count} at once (Ctrl-C stops)")
        while not stopping.wait(SWEEP_EVERY):
            close_old_connections()
            try:
                remote.sweep()
            except DatabaseError:  # the database restarting must not stop the tasks
                log.exception("The sweep failed; it runs again in a minute")
        for thread in threads:
            thread.join()
