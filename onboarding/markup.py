"""Escaping for the markup the app writes in Python (widgets, field groups, list rows), and the markup a
process keeps once written."""

from __future__ import annotations

import html
from collections.abc import Hashable
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver


def escaped(value: Any) -> str:
    """What Django's `conditional_escape` returns (the value's own HTML if it has some, else its text
    escaped), without the lazy-argument checks that cost it most of its time on a page of small values."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))


class KeptMarkup(dict[Hashable, str]):
    """Markup this process wrote once and serves again for the same key: the key must hold everything the
    markup depends on. Kept in the process, never in the shared cache, so markup from another release of the
    code is never served; forgotten whole when a setting changes (tests), and when it reaches `limit`
    entries (a bound on memory, not a policy: what is still asked for is written again)."""

    everyone: list[KeptMarkup] = []

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        KeptMarkup.everyone.append(self)

    def keep(self, key: Hashable, markup: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        self[key] = markup
        return markup


@receiver(setting_changed)
def _forget_what_settings_shaped(**kwargs: object) -> None:
    """A setting changed (tests): kept markup may show the old one (the default sandbox, the time zone)."""
    for kept in KeptMarkup.everyone:
        kept.clear()
