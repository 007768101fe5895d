"""Delete finished remote actions that only read from Adobe (previews, catalogues, activity), once old.

A watched dataflow asks Adobe for its activity up to twice a minute; each answer is a row here. The calls
themselves stay in the audited history (FlowServiceCall); actions that changed something are kept.
Run it from cron, e.g. daily: `python manage.py prune_remote_actions --min-age-days 7`.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from connections.services import actions


class Command(BaseCommand):
    help = "Delete finished read-only remote actions older than --min-age-days (default 7)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--min-age-days", type=int, default=7)

    def handle(self, *args: Any, min_age_days: int, **options: Any) -> None:
        deleted = actions.prune_reads(older_than=datetime.timedelta(days=max(0, min_age_days)))
        self.stdout.write(f"Deleted {deleted} finished read-only remote action(s) older than {min_age_days} days.")
