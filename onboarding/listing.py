"""My onboardings' rows, worked out in Python once: the template prints plain values.

Each row used to ask the model the same questions twice (attention, done) and format two dates
twice through template filters; here every cell is computed once, with the same filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.template.defaultfilters import date as date_filter
from django.utils.timezone import localtime

from connections.models import Onboarding

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
    def of(cls, moment: datetime | None, shown: str) -> When | None:
        if moment is None:
            return None
        local = localtime(moment)
        return cls(date_filter(local, "c"), date_filter(local, shown))


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
            tested=When.of(onboarding.connection_tested_at, "j M, H:i"),
            sandbox=onboarding.sandbox_name,
            created=When.of(onboarding.created_at, "j M Y, H:i"),
            action="View" if onboarding.is_done else "Continue",
        )
        for onboarding in onboardings
    ]
