"""The fields of sample events and of an XDM schema, and the mapping suggested between them (no Adobe, no Django)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from connections.flowservice.types import GENERATED_ID_MAPPING, scalar_type
from connections.safe_input import UnsafeJSON, load_json

MAX_SAMPLE_EVENTS = 100
# XDM's ExperienceEvent class requires `_id` and `timestamp` (Adobe's XDM documentation of the class); any
# other required field comes from the resolved schema's `required` lists.
EVENT_CLASS = "https://ns.adobe.com/xdm/context/experienceevent"
CLASS_REQUIRED = {EVENT_CLASS: ("_id", "timestamp")}
# Every XDM record has a unique `_id`. Events with no id of their own can have Data Prep generate one for each
# record: the row of GENERATED_ID_MAPPING (sourceType EXPRESSION), as the Mapping step holds it.
ID_FIELD = GENERATED_ID_MAPPING.destination_xdm_path
EXPRESSION = GENERATED_ID_MAPPING.source_type
GENERATED_ID = {"source": GENERATED_ID_MAPPING.source_attribute, "destination": ID_FIELD, "source_type": EXPRESSION}
# Which XDM types a JSON value of each kind can fill without Data Prep refusing it.
FITS = {
    "string": {"string", "date-time", "date", "uri", "email"},
    "integer": {"integer", "long", "number", "string"},
    "number": {"number", "string"},
    "boolean": {"boolean", "string"},
}


@dataclass(frozen=True)
class SampleField:
    """One field found in the sample events: its flattened path, JSON type and one value."""

    path: str
    type: str
    sample: str


@dataclass(frozen=True)
class SchemaField:
    """One leaf field of an XDM schema."""

    path: str
    type: str
    required: bool = False
    identity: bool = False


def parse_sample(text: str) -> list[dict[str, Any]]:
    """Events from pasted or uploaded text: one JSON object, a JSON array of them, or one object a line."""
    text = text.strip()
    if not text:
        raise ValueError("Paste or upload at least one event.")
    try:
        parsed: Any = load_json(text)
    except UnsafeJSON:
        raise
    except ValueError:
        try:
            parsed = [load_json(line) for line in text.splitlines() if line.strip()]
        except UnsafeJSON:
            raise
        except ValueError as exc:
            raise ValueError(f"This is not JSON: {exc}.") from None
    events = parsed if isinstance(parsed, list) else [parsed]
    if not events or not all(isinstance(e, dict) for e in events):
        raise ValueError("Each event must be a JSON object ({…}).")
    return events[:MAX_SAMPLE_EVENTS]


def json_type(value: Any) -> str:
    """A sample leaf's type as the mapping page shows it: an array is just "array", whatever it holds."""
    return "array" if isinstance(value, list) else scalar_type(value)


def sample_fields(events: list[dict[str, Any]]) -> list[SampleField]:
    """Every leaf field of the events, nested objects flattened to dotted paths, with the first value seen."""
    found: dict[str, SampleField] = {}
    for event in events:
        for path, value in _leaves(event, ""):
            if path not in found or found[path].type == "null":
                found[path] = SampleField(path, json_type(value), _shown(value))
    return list(found.values())


def _leaves(value: dict[str, Any], prefix: str) -> list[tuple[str, Any]]:
    leaves: list[tuple[str, Any]] = []
    for key, item in value.items():
        path = f"{prefix}{key}"
        leaves += _leaves(item, path + ".") if isinstance(item, dict) else [(path, item)]
    return leaves


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 60 else text[:59] + "…"


def schema_fields(schema: dict[str, Any]) -> list[SchemaField]:
    """The leaf fields of a resolved schema (`properties` tree), required ones flagged."""
    required = set(CLASS_REQUIRED.get(str(schema.get("meta:class", "")), ()))
    identities = _identity_paths(schema)
    leaves: list[SchemaField] = []

    def walk(node: dict[str, Any], prefix: str) -> None:
        required.update(prefix + name for name in node.get("required") or [] if isinstance(name, str))
        for name, field in (node.get("properties") or {}).items():
            if not isinstance(field, dict):
                continue
            if field.get("type") == "object" and "properties" in field:
                walk(field, f"{prefix}{name}.")
            else:
                path = prefix + name
                leaves.append(SchemaField(path, str(field.get("meta:xdmType") or field.get("type") or "string")))

    walk(schema, "")
    return [SchemaField(f.path, f.type, f.path in required, f.path in identities) for f in leaves]


def _identity_paths(schema: dict[str, Any]) -> set[str]:
    """Fields an identity descriptor marks, when the schema carries its descriptors.

    Adobe's documents are silent: on where descriptors sit in a schema read with descriptors included
    (`xed-full-desc+json`); a `meta:descriptors` list of `xdm:descriptorIdentity` entries is read if present.
    """
    descriptors = schema.get("meta:descriptors") or []
    return {
        str(d.get("xdm:sourceProperty", "")).strip("/").replace("/", ".")
        for d in descriptors
        if isinstance(d, dict) and d.get("@type") == "xdm:descriptorIdentity"
    }


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def suggest(fields: list[SampleField], targets: list[SchemaField]) -> list[dict[str, str]]:
    """A row for each sample field: the schema field whose last name matches (and whose type fits), or none (the
    person maps it or leaves it out). A required date-time field no name matched (the event class's `timestamp`)
    is suggested from the first field whose value reads as a time, as a row of its own."""
    rows = _by_name(fields, targets)
    mapped = {r["destination"] for r in rows}
    times = [f.path for f in fields if f.type == "string" and ISO_TIME.match(f.sample)]
    for target in targets:
        if target.required and target.type == "date-time" and target.path not in mapped and times:
            rows.append({"source": times[0], "destination": target.path})
    return rows


def completed(
    rows: list[dict[str, str]], fields: list[SampleField], targets: list[SchemaField], *, unmatched: bool
) -> list[dict[str, str]]:
    """The rows a mapping page shows: `rows` (once each), then (if `unmatched`) each sample field no row reads,
    to map or leave out, then each required schema field no row fills, to map."""
    shown: list[dict[str, str]] = []
    for row in rows:  # a row typed twice (or typed as suggested) is one row
        if not (row["source"] and row in shown):
            shown.append(row)
    if unmatched:
        read = {r["source"] for r in rows}
        shown += [{"source": f.path, "destination": ""} for f in fields if f.path not in read]
    filled = {r["destination"] for r in shown}
    shown += [{"source": "", "destination": t.path} for t in targets if t.required and t.path not in filled]
    return shown


def required_left_empty(rows: list[dict[str, str]], targets: list[SchemaField]) -> list[str]:
    """The schema's required fields that no row (with a field of the events) fills."""
    filled = {r["destination"] for r in rows if r["source"] and r["destination"]}
    return [t.path for t in targets if t.required and t.path not in filled]


def unmapped_required(rows: list[dict[str, str]], targets: list[SchemaField]) -> dict[int, str]:
    """Each row of a required schema field that no usable row fills, by index, with what to do."""
    empty = set(required_left_empty(rows, targets))
    return {
        index: f"{row['destination']} is required by the schema: choose the field of your events that fills it"
        + (", or generate a unique ID for each record." if row["destination"] == ID_FIELD else ".")
        for index, row in enumerate(rows)
        if row["destination"] in empty
    }


def is_generated(row: dict[str, str]) -> bool:
    """A row whose value Data Prep computes (an expression), not a field of the events."""
    return row.get("source_type") == EXPRESSION


def offers_generated_id(rows: list[dict[str, str]], targets: list[SchemaField]) -> bool:
    """The schema has `_id` and no row fills it, with a field of the events or with a generated id."""
    return any(t.path == ID_FIELD for t in targets) and not any(
        r["source"] and r["destination"] == ID_FIELD for r in rows
    )


def with_generated_id(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """`rows` with the generated id in place of the empty `_id` row (or after the others, if there is none)."""
    empty = [i for i, r in enumerate(rows) if r["destination"] == ID_FIELD and not r["source"]]
    kept = [r for i, r in enumerate(rows) if i not in empty]
    kept.insert(empty[0] if empty else len(kept), dict(GENERATED_ID))
    return kept


def _by_name(fields: list[SampleField], targets: list[SchemaField]) -> list[dict[str, str]]:
    suggestions = []
    taken: set[str] = set()
    for field in fields:
        match = next(
            (
                t
                for t in targets
                if t.path not in taken
                and _key(t.path.rsplit(".", 1)[-1]) == _key(field.path.rsplit(".", 1)[-1])
                and t.type in FITS.get(field.type, {"string"}) | {"string"}
            ),
            None,
        )
        if match:
            taken.add(match.path)
        suggestions.append({"source": field.path, "destination": match.path if match else ""})
    return suggestions
