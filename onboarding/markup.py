"""Escaping for the markup the app writes in Python (widgets, field groups, list rows), and the markup a
process keeps once written."""

from __future__ import annotations

import html
from collections.abc import Hashable, Iterable
from typing import Any

from django.core.signals import setting_changed
from django.db.models import Model
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils.hashable import make_hashable
from django.utils.timezone import get_current_timezone_name

from connections.encryption import EncryptedTextField


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


def stored_key(page: str, stored: tuple[Any, ...], *related: Iterable[Model]) -> Hashable:
    """The key of a page's markup kept for what the database holds: the page, its row as stored
    (reads.page_onboarding_as_stored: the credentials as ciphertext), each related row it shows (its values as
    loaded; an encrypted column is left out, as no page shows one and nothing decrypted is a key), and what the
    markup takes from elsewhere: the site's URL prefix and the time zone."""
    return (
        page,
        stored,
        tuple(tuple(_shown_values(row) for row in rows) for rows in related),
        get_script_prefix(),
        get_current_timezone_name(),
    )


def _shown_values(row: Model) -> tuple[Any, ...]:
    shown = (field for field in row._meta.concrete_fields if not isinstance(field, EncryptedTextField))
    return tuple(make_hashable(field.value_from_object(row)) for field in shown)


@receiver(setting_changed)
def _forget_what_settings_shaped(**kwargs: object) -> None:
    """A setting changed (tests): kept markup may show the old one (the default sandbox, the time zone)."""
    for kept in KeptMarkup.everyone:
        kept.clear()
