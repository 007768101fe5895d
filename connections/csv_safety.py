"""CSV cells a spreadsheet cannot run (OWASP's "CSV Injection").

A cell that starts with =, +, -, @, a tab or a carriage return is read by Excel, LibreOffice and
Google Sheets as a formula (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`). OWASP's guidance: prefix
such a cell with a single quote, which the spreadsheet shows as text. Only text is touched:
numbers the app writes (durations, HTTP statuses) are never formulas.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """The value as a CSV cell: None as empty, text that would start a formula prefixed with '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [cell(value) for value in values]
