"""Escaping for the markup the app writes in Python (widgets, field groups, list rows)."""

from __future__ import annotations

import html
from typing import Any


def escaped(value: Any) -> str:
    """What Django's `conditional_escape` returns (the value's own HTML if it has some, else its text
    escaped), without the lazy-argument checks that cost it most of its time on a page of small values."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
