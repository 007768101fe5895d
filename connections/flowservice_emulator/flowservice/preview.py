"""A preview of what an event hub carries. Adobe documents no explore or preview call for Event Hubs (its UI shows
up to 100 rows); the emulator answers in the form Adobe documents for JSON previews of REST sources:
`{"format": "hierarchical", "schema": <JSON Schema>, "data": [records]}`."""

from __future__ import annotations

import json
from typing import Any

ROWS = 100  # what Adobe's UI previews


def preview(bodies: list[str]) -> dict[str, Any]:
    """The newest events that are JSON objects (the malformed ones are left out), and a schema of their fields."""
    records = [r for r in (_parsed(b) for b in bodies[-ROWS * 2 :]) if isinstance(r, dict)][-ROWS:]
    properties: dict[str, Any] = {}
    for record in records:
        for key, value in record.items():
            properties.setdefault(key, _schema(value))
    return {"format": "hierarchical", "schema": {"type": "object", "properties": properties}, "data": records}


def _parsed(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _schema(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer", "minimum": -9007199254740992, "maximum": 9007199254740991}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, dict):
        return {"type": "object", "properties": {k: _schema(v) for k, v in value.items()}}
    return {"type": "string"}
