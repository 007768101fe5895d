"""What one mapping writes for one record (help/data-prep/api/mapping-set.md, "Configuring mapping sources"):
an ATTRIBUTE reads the record's field at its path, a STATIC writes its source as it is, an EXPRESSION is a
function of help/data-prep/functions.md. No HTTP here; the ingestion of a dataflow's runs and the preview share it.

Adobe's documents are silent: on how much of the expression language an emulator needs. Only `uuid()` and its
alias `guid()` ("Generates a pseudo-random ID", a new one for each record) are evaluated; any other expression
writes nothing (the field stays empty), as a missing attribute does."""

from __future__ import annotations

import uuid
from typing import Any

Doc = dict[str, Any]
# A request's `sourceType` and how a stored mapping set reads it back (the tutorial's `text/x.schema-path`).
SOURCE_TYPES = {"ATTRIBUTE": "text/x.schema-path", "EXPRESSION": "text/x.aep-xl", "STATIC": "text/plain"}
KINDS = {stored: kind for kind, stored in SOURCE_TYPES.items()}
GENERATED_IDS = ("uuid()", "guid()")


def kind_of(mapping: Doc) -> str:
    """A mapping's source type in a request's words, whichever form it was written in (ATTRIBUTE if none)."""
    said = str(mapping.get("sourceType") or "ATTRIBUTE")
    return KINDS.get(said, said.upper())


def value(record: Doc, mapping: Doc) -> Any:
    """The value `mapping` (a request's or a stored mapping set's) writes for `record`; None writes nothing."""
    source = str(mapping.get("source", mapping.get("sourceAttribute")) or "")
    kind = kind_of(mapping)
    if kind == "STATIC":
        return source
    if kind == "EXPRESSION":
        return str(uuid.uuid4()) if source.strip() in GENERATED_IDS else None
    found: Any = record
    for part in source.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    return found


def destination(mapping: Doc) -> str:
    return str(mapping.get("destination", mapping.get("destinationXdmPath")) or "")


def mapped(record: Doc, mappings: list[Doc]) -> Doc:
    """The record as the mappings write it: each value at its destination's path (nothing for None)."""
    out: Doc = {}
    for mapping in mappings:
        written = value(record, mapping)
        if written is None:
            continue
        *parents, leaf = destination(mapping).split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = written
    return out
