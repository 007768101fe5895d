"""Walk the hash chain of every history table; name the first row changed, removed or out of order."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from connections import history_chain
from connections.models import FlowServiceCall, StateChange


class Command(BaseCommand):
    help = (
        "Check that no history row (Flow Service calls, state changes) was changed, removed or inserted out "
        "of order since it was written. Exits non-zero naming the first broken row. Prints each table's newest "
        "hash: keep it elsewhere to detect even a rewrite of the whole chain."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        broken = []
        for model in (FlowServiceCall, StateChange):
            verdict = history_chain.verify(model)
            name = model._meta.verbose_name_plural
            if verdict.ok:
                self.stdout.write(f"{name}: {verdict.rows:,} rows intact and in order; newest hash {verdict.last_hash}")
            else:
                broken.append(f"{name}: {verdict.problem}")
                self.stdout.write(f"{name}: BROKEN after {verdict.rows:,} intact rows: {verdict.problem}")
        if broken:
            raise CommandError("History was tampered with. " + " ".join(broken))
        self.stdout.write(self.style.SUCCESS("History verified: nothing changed, removed or out of order."))
