"""Query-string values checked before they reach the database: what is not a page is not a page.

`str.isdigit()` accepts "²" (which `int()` refuses) and any number of digits (which SQLite's
64-bit OFFSET refuses), so page numbers are read here: ASCII digits, within a sane range.
"""

from __future__ import annotations

# Far beyond any real list (20 rows a page); small enough for every database's LIMIT/OFFSET.
MAX_PAGE = 10_000


def page_number(value: str | None) -> int | None:
    """The page asked for (1 when none is given), or None when the value is not a page number."""
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdecimal()) or len(value) > len(str(MAX_PAGE)):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_PAGE else None
