"""Print a new Fernet key for FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from connections.keys import generate_key


class Command(BaseCommand):
    help = "Print a new Fernet key. Put it first in FIELD_ENCRYPTION_KEYS to encrypt with it."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(generate_key())
