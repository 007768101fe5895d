"""How often a page polls work in flight. Often just after the work started, so the page moves on as soon as a
quick step is done (most of Adobe's answers take well under a second); less often as the work goes on, so a slow
Adobe (timeouts, retries) does not bring on a flood of polls."""

from __future__ import annotations

import datetime

from django.utils import timezone

# (while the work is younger than this, poll this often), youngest first; then SLOWEST.
INTERVALS = (
    (datetime.timedelta(seconds=1), "100ms"),
    (datetime.timedelta(seconds=20), "300ms"),
)
SLOWEST = "1s"


def poll_every(started_at: datetime.datetime | None) -> str:
    """The interval (as htmx's `every` reads it) for work started at `started_at` (unknown: the middle one)."""
    if started_at is None:
        return INTERVALS[-1][1]
    age = timezone.now() - started_at
    return next((every for younger_than, every in INTERVALS if age < younger_than), SLOWEST)
