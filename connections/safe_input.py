"""Values a user sends, checked before they reach the database or a recursive walk.

`str.isdigit()` accepts "²" (which `int()` refuses) and any number of digits (which SQLite's
64-bit OFFSET refuses), so numbers are read here: ASCII digits, within a sane range.
JSON a user pastes is read here too: no NaN or Infinity (not JSON, and refused by PostgreSQL's
jsonb), no NUL character (PostgreSQL refuses it in text and jsonb), and no deeper nesting than
events have (a deep one exhausts Python's recursion wherever it is walked, copied or shown).
"""

from __future__ import annotations

import json
from typing import Any

# Far beyond any real list (20 rows a page); small enough for every database's LIMIT/OFFSET.
MAX_PAGE = 10_000
# Events are a few levels deep; a value this deep is an attack on whatever walks it.
MAX_JSON_DEPTH = 32


def page_number(value: str | None) -> int | None:
    """The page asked for (1 when none is given), or None when the value is not a page number."""
    if value is None or value == "":
        return 1
    number = whole_number(value, MAX_PAGE)
    return number if number else None


def whole_number(value: str, maximum: int) -> int | None:
    """A number of ASCII digits from 0 to `maximum`, or None when the value is anything else."""
    if not (value.isascii() and value.isdecimal()) or len(value) > len(str(maximum)):
        return None
    number = int(value)
    return number if number <= maximum else None


class UnsafeJSON(ValueError):
    """JSON the app will not keep; the message says why, for the field."""


def _refuse_constant(name: str) -> Any:
    raise UnsafeJSON(f"{name} is not a JSON value; write a number, or null.")


def load_json(text: str) -> Any:
    """The value of a JSON text, or UnsafeJSON (a ValueError) when it could not be kept safely."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise UnsafeJSON(too_deep()) from None
    problem = json_problem(value)
    if problem:
        raise UnsafeJSON(problem)
    return value


def too_deep() -> str:
    return f"This is nested too deeply (more than {MAX_JSON_DEPTH} levels of objects and arrays)."


def json_problem(value: Any) -> str:
    """Why a decoded JSON value cannot be kept ("" when it can); walks without recursion."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return too_deep()
        if isinstance(item, dict):
            pending += [(key, depth) for key in item] + [(child, depth + 1) for child in item.values()]
        elif isinstance(item, list):
            pending += [(child, depth + 1) for child in item]
        elif isinstance(item, str) and "\x00" in item:
            return "This holds a NUL character (\\u0000), which cannot be stored; remove it."
    return ""
