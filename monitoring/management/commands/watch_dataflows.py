"""Enqueue a read of every dataflow due, once: for a scheduler (cron, a systemd timer) where `run_tasks` does not
loop itself (TASKS_BACKEND=rq)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from monitoring.tasks import enqueue_due


class Command(BaseCommand):
    help = "Enqueue a read of the runs (and a check of the alerts) of every dataflow whose interval has passed."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{enqueue_due()} dataflow(s) to read.")
