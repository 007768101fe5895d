"""My onboardings' rows, worked out and written in Python once: the template prints one value per row.

Each row used to ask the model the same questions twice (attention, done) and format two dates
twice through template filters; here every cell is computed once. The row's markup is written here
too (a template spends a few microseconds on each of a row's fifteen values, twenty rows a page):
templates/onboarding/_list_row.html is that markup as a template, and tests/test_listing.py
compares the two on every kind of row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, localtime

from connections.models import Onboarding

from .markup import KeptMarkup, escaped

# The columns the rows below read (and the properties they ask: attention, plain status, last test): a
# list reads these only, its other credentials stay encrypted and its other JSON unparsed.
COLUMNS = (
    "public_id",
    "name",
    "namespace",
    "event_hub_name",
    "status",
    "base_connection_id",
    "connection_test",
    "connection_tested_at",
    "went_on_anyway_at",
    "archived_at",
    "removed_from_adobe_at",
    "sandbox_name",
    "created_at",
)


@dataclass(frozen=True)
class When:
    """A moment as the list shows it: machine-readable and for people."""

    iso: str
    text: str

    @classmethod
    def of(cls, moment: datetime | None, *, year: bool) -> When | None:
        """The moment in the current time zone, as the date filter's "c" and "j M, H:i" ("j M Y, H:i" with
        the year) write it; written here, at a tenth of the filter's cost."""
        if moment is None:
            return None
        local = localtime(moment)
        day = f"{local.day} {str(MONTHS_3[local.month]).title()}"
        text = f"{day}{f' {local.year:04d}' if year else ''}, {local.hour:02d}:{local.minute:02d}"
        return cls(local.isoformat(), text)


@dataclass(frozen=True)
class Row:
    url: str
    name: str
    where: str
    badge: str  # the badge's modifier: "attention" or the status
    status: str
    last_test: str
    tested: When | None
    sandbox: str
    created: When | None
    action: str  # "View" a finished onboarding, "Continue" the others

    def __str__(self) -> SafeString:
        """The row as templates/onboarding/_list_row.html writes it (a template prints `{{ row }}` as is)."""
        e = escaped
        url, name, action = e(self.url), e(self.name), e(self.action)
        tested = ""
        if self.tested:
            tested = f'<span class="meta"> · <time datetime="{e(self.tested.iso)}">{e(self.tested.text)}</time></span>'
        created = (e(self.created.iso), e(self.created.text)) if self.created else ("", "")
        # Indented as the rows sit in list.html.
        return mark_safe(
            f'<tr>\n          <th scope="row"><a href="{url}">{name}</a></th>\n'
            f'          <td class="where">{e(self.where)}</td>\n'
            f'          <td><span class="badge badge--{e(self.badge)}">{e(self.status)}</span></td>\n'
            f"          <td>{e(self.last_test)}{tested}</td>\n"
            f'          <td class="optional"><code>{e(self.sandbox)}</code></td>\n'
            f'          <td class="optional"><time datetime="{created[0]}">{created[1]}</time></td>\n'
            f'          <td><a class="button small" href="{url}" aria-label="{action} {name}">{action}</a></td>\n'
            "        </tr>"
        )

    __html__ = __str__


def _where(onboarding: Onboarding) -> str:
    if not onboarding.namespace:
        return "—"
    hub = onboarding.event_hub_name
    return f"{onboarding.namespace} › {hub}" if hub else onboarding.namespace


def rows(onboardings: Iterable[Onboarding], prefix: str) -> list[Row]:
    """One row per onboarding; `prefix` is the list's URL, each row's page is under it."""
    return [
        Row(
            url=f"{prefix}{onboarding.public_id}/",
            name=onboarding.name,
            where=_where(onboarding),
            badge="attention" if onboarding.needs_attention else onboarding.status,
            status=onboarding.plain_status,
            last_test=onboarding.last_test_summary,
            tested=When.of(onboarding.connection_tested_at, year=False),
            sandbox=onboarding.sandbox_name,
            created=When.of(onboarding.created_at, year=True),
            action="View" if onboarding.is_done else "Continue",
        )
        for onboarding in onboardings
    ]


# A hundred pages of twenty rows, about 4 MB at most (a row and its key take about two kilobytes).
_KEPT_ROWS = KeptMarkup(limit=2048)


def page(
    stored: Sequence[tuple[Any, ...]], prefix: str, instances: Callable[[Sequence[tuple[Any, ...]]], list[Onboarding]]
) -> list[SafeString]:
    """Each row's markup, from the row as the database stores it (reads.listed_rows): written once per process
    for the same stored values and reused, so a list seen again makes, decrypts and formats only the rows that
    changed. `instances` turns stored rows into onboardings (reads.listed_instances). The key holds all a row's
    markup depends on: its stored values (the credentials as ciphertext), the list's URL and the time zone."""
    zone = get_current_timezone()
    keys: list[Hashable] = [(values, prefix, zone) for values in stored]
    found = {key: markup for key in keys if (markup := _KEPT_ROWS.get(key)) is not None}
    new = [(values, key) for values, key in zip(stored, keys, strict=True) if key not in found]
    if new:
        written = rows(instances([values for values, _key in new]), prefix)
        for (_values, key), row in zip(new, written, strict=True):
            found[key] = _KEPT_ROWS.keep(key, str(row))
    return [mark_safe(found[key]) for key in keys]
