"""Print a new secret key for HISTORY_HMAC_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from connections.keys import generate_history_key


class Command(BaseCommand):
    help = (
        "Print a new key for the history chain. Put it first in HISTORY_HMAC_KEYS to sign new history rows "
        "with it; keep the old keys after it, so the rows they signed still verify."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_history_key())
