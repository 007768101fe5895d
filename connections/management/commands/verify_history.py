"""Walk the keyed hash chain of every history table; name the first row changed, removed, forged or out of order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from connections import history_chain


class Command(BaseCommand):
    help = (
        "Check that no history row (Flow Service calls, state changes, dataflow changes) was changed, removed, "
        "forged or inserted out of order since it was written. Exits non-zero naming the first broken row. "
        "With --anchor FILE, also keeps each table's newest row in FILE (outside the database): the first run "
        "writes it, each later run checks the database still holds those rows unchanged, then moves it on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            type=Path,
            metavar="FILE",
            help="Where to keep each table's newest position and hash; keep it off the database's machine.",
        )

    def handle(self, *args: Any, anchor: Path | None = None, **options: Any) -> None:
        verdicts, broken = [], []
        for model in history_chain.history_models():
            verdict = history_chain.verify(model)
            verdicts.append(verdict)
            name = model._meta.verbose_name_plural
            if verdict.ok:
                self.stdout.write(f"{name}: {verdict.rows:,} rows intact and in order; newest hash {verdict.last_hash}")
                self.stdout.write(self._signers(model))
            else:
                broken.append(f"{name}: {verdict.problem}")
                self.stdout.write(f"{name}: BROKEN after {verdict.rows:,} intact rows: {verdict.problem}")
        if anchor is not None:
            broken += self._check_anchor(anchor)
        if broken:
            raise CommandError("History was tampered with. " + " ".join(broken))
        if anchor is not None:
            history_chain.write_anchor(anchor, verdicts)
            self.stdout.write(f"Anchor {anchor} now holds each table's newest row.")
        self.stdout.write(self.style.SUCCESS("History verified: nothing changed, removed, forged or out of order."))

    @staticmethod
    def _signers(model: Any) -> str:
        counts = history_chain.rows_by_key(model)
        signed = [f"key {kid}: {rows:,} rows" for kid, rows in counts.items() if kid]
        before = [f"plain SHA-256 (written before keys): {counts['']:,} rows"] if counts.get("") else []
        return "  signed by " + "; ".join(signed + before) if counts else "  (no rows yet)"

    def _check_anchor(self, anchor: Path) -> list[str]:
        if not anchor.exists():
            self.stdout.write(f"Anchor {anchor} does not exist yet: it will be written if the history is intact.")
            return []
        try:
            anchored = history_chain.read_anchor(anchor)
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CommandError(f"The anchor {anchor} cannot be read ({error}); it was left as it is.") from None
        problems = history_chain.anchor_problems(anchored)
        for problem in problems:
            self.stdout.write(f"Anchor: {problem}")
        if not problems:
            self.stdout.write(f"Anchor {anchor}: every anchored row is still there, unchanged.")
        return [f"against the anchor {anchor}: " + "; ".join(problems)] if problems else []
