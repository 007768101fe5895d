"""Data Prep's state and rules: a mapping set maps source attributes of raw JSON onto leaf fields of an XDM
schema. Both documented request forms are taken (the streaming tutorial's `xdmSchema` + `destinationXdmPath` /
`sourceAttribute`, and Data Prep's own `outputSchema.schemaRef` + `source` / `destination`); reads answer with
both vocabularies, as Adobe's stored examples do. No HTTP here."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.schemaregistry import SchemaRegistry
from connections.flowservice_emulator.schemaregistry.exceptions import SchemaNotFound
from connections.flowservice_emulator.schemaregistry.models import Form
from connections.flowservice_emulator.store import Store

from . import exceptions as refused
from .values import SOURCE_TYPES, mapped

Doc = dict[str, Any]
MAPPING_SETS = "mappingSets"
FULL_SCHEMA = "application/vnd.adobe.xed-full+json;version=1"
# `orderBy`'s two documented fields, and the stored field each sorts on (`updatedDate` is the set's modifiedDate).
ORDER_FIELDS = {"createdDate": "createdDate", "updatedDate": "modifiedDate"}


@dataclass(frozen=True)
class MappingSetQuery:
    """`GET /mappingSets` (mapping-set.md, List mapping sets): `limit` and `start` (an offset) are required."""

    limit: int
    start: int
    name: str | None = None
    order_by: str = "-updatedDate"  # the guide's example lists "the last two" newest first; data-prep.yaml's
    # default is `lastUpdateDate`
    expand_schema: bool = False

    @property
    def descending(self) -> bool:
        return self.order_by.startswith("-")


@dataclass(frozen=True)
class Mapping:
    source: str
    destination: str
    source_type: str = "ATTRIBUTE"

    @classmethod
    def parse(cls, raw: Any) -> Mapping:
        if not isinstance(raw, dict):
            raise refused.InvalidMappingSet(reason="each mapping must be an object.")
        source = raw.get("source", raw.get("sourceAttribute"))
        destination = raw.get("destination", raw.get("destinationXdmPath"))
        source_type = str(raw.get("sourceType") or "ATTRIBUTE").upper()
        if not isinstance(source, str) or not source or not isinstance(destination, str) or not destination:
            raise refused.InvalidMappingSet(reason="each mapping needs a source and a destination (strings).")
        if source_type not in SOURCE_TYPES:
            raise refused.InvalidMappingSet(reason=f"sourceType {source_type} is not one of {', '.join(SOURCE_TYPES)}.")
        return cls(source, destination, source_type)

    def request_form(self) -> Doc:
        return {"sourceType": self.source_type, "source": self.source, "destination": self.destination}


class DataPrep:
    def __init__(self, store: Store, schemas: SchemaRegistry) -> None:
        self.store = store
        self.schemas = schemas

    def problems(self, body: Any) -> tuple[str, list[tuple[Mapping, str | None]]]:
        """The schema id and each mapping with what is wrong with it (None when it is right)."""
        named, mappings = _parse(body)
        try:
            fields = self.schemas.field_types(named)
            schema_id = str(self.schemas.lookup(named, Form.SUMMARY)["$id"])  # the tutorial names the meta:altId
        except SchemaNotFound:
            raise refused.InvalidMappingSet(reason=f"the schema {named} was not found.") from None
        return schema_id, [(m, _problem(m, fields)) for m in mappings]

    def create(self, caller: Caller, body: Any) -> Doc:
        schema_id, checked = self.problems(body)
        wrong = [problem for _, problem in checked if problem]
        if wrong:
            raise refused.InvalidMappingSet(reason=wrong[0])
        doc = _new_mapping_set(caller, schema_id, [m for m, _ in checked], _name(body))
        return self.store.insert(MAPPING_SETS, doc)

    def preview(self, body: Any) -> Doc:
        """`POST /mappingSets/preview` (data-prep.yaml): `data` run through `mappingSet`'s mappings, as mapped.

        Adobe's documents are silent: on several records (the example sends one object; here a list answers a list,
        each record mapped on its own, so each gets its own `uuid()`), and on a value that cannot convert (written
        as it is here; the runs report it). A mapping set the schema refuses is refused as at create."""
        if not isinstance(body, dict) or not isinstance(body.get("mappingSet"), dict):
            raise refused.InvalidMappingSet(reason="mappingSet (an object) and data are required.")
        _, checked = self.problems(body["mappingSet"])
        wrong = [problem for _, problem in checked if problem]
        if wrong:
            raise refused.InvalidMappingSet(reason=wrong[0])
        mappings = [m.request_form() for m, _ in checked]
        data = body.get("data")
        records: list[Any] = data if isinstance(data, list) else [data]
        objects = [r for r in records if isinstance(r, dict)]
        if len(objects) != len(records):
            raise refused.InvalidMappingSet(reason="data must be a JSON object or a list of them.")
        out = [mapped(r, mappings) for r in objects]
        return {"data": out if isinstance(data, list) else out[0], "errors": []}

    def get(self, caller: Caller, mapping_id: str, *, expand_schema: bool = False) -> Doc:
        doc = self.store.get(MAPPING_SETS, mapping_id, caller.org, caller.sandbox)
        if doc is None:
            raise refused.MappingSetNotFound(mapping_id=mapping_id)
        return self._expanded(doc) if expand_schema else doc

    def listed(self, caller: Caller, query: MappingSetQuery) -> Doc:
        """One page of the caller's sandbox's mapping sets, as mapping-set.md's example: `data` and `_page`.

        Adobe's documents are silent: on how `name` matches (here: the whole name, exactly, as Catalog's filter);
        on what `_page.count` counts (the guide's example shows 0 beside two sets; here: the sets on this page);
        and on `_links` (data-prep.yaml names it, the guide's example has none; none is given: a page shorter
        than `limit` is the last)."""
        docs = self.store.all(MAPPING_SETS, caller.org, caller.sandbox)
        if query.name is not None:
            docs = [d for d in docs if d["name"] == query.name]
        field = ORDER_FIELDS[query.order_by.lstrip("+-")]
        ranked = sorted(enumerate(docs), key=lambda pair: (pair[1][field], pair[0]), reverse=query.descending)
        page = [d for _, d in ranked[query.start : query.start + query.limit]]  # ties follow creation, the same way
        data = [self._expanded(d) if query.expand_schema else d for d in page]
        return {"data": data, "_page": {"count": len(data), "limit": query.limit}}

    def _expanded(self, doc: Doc) -> Doc:
        """`expandSchema=true`: the output schema resolved in `outputSchema.jsonSchema` (mapping-set.md, Look up)."""
        resolved = self.schemas.lookup(str(doc["xdmSchema"]), Form.RESOLVED)
        return {**doc, "outputSchema": {**doc["outputSchema"], "jsonSchema": resolved}}

    def mapping_of(self, caller: Caller, mapping_id: str) -> Doc | None:
        return self.store.get(MAPPING_SETS, mapping_id, caller.org, caller.sandbox)

    def schema_of(self, caller: Caller, mapping_id: str, version: int) -> str | None:
        """The schema `$id` of a mapping set at a version, None when there is no such mapping set."""
        doc = self.store.get(MAPPING_SETS, mapping_id, caller.org, caller.sandbox)
        return str(doc["xdmSchema"]) if doc and doc["version"] == version else None

    def counts(self) -> dict[str, int]:
        return {"mappingSets": self.store.count(MAPPING_SETS)}


def _parse(body: Any) -> tuple[str, list[Mapping]]:
    if not isinstance(body, dict):
        raise refused.InvalidMappingSet(reason="the body must be a JSON object.")
    output: Doc = body["outputSchema"] if isinstance(body.get("outputSchema"), dict) else {}
    ref: Doc = output["schemaRef"] if isinstance(output.get("schemaRef"), dict) else {}
    schema_id = body.get("xdmSchema") or ref.get("id")
    if not isinstance(schema_id, str) or not schema_id:
        raise refused.InvalidMappingSet(reason="xdmSchema (or outputSchema.schemaRef.id) is required.")
    mappings = body.get("mappings")
    if not isinstance(mappings, list) or not mappings:
        raise refused.InvalidMappingSet(reason="mappings must be a non-empty list.")
    return schema_id, [Mapping.parse(m) for m in mappings]


def _name(body: Doc) -> str:
    """Data Prep's optional `name` (mapping-set.md's update example), kept and read back.

    Adobe's documents are silent: on a name that is not a string (refused here) and on a set without one (an
    empty name here)."""
    name = body.get("name", "")
    if not isinstance(name, str):
        raise refused.InvalidMappingSet(reason="name must be a string.")
    return name


def _problem(mapping: Mapping, fields: dict[str, str]) -> str | None:
    """A destination must be a leaf field of the schema. Adobe's documents are silent on the messages.

    A destination that is an object of the schema is a type mismatch (one value cannot convert into an
    object; Adobe's UI guide counts "XDM data-type mismatch" among the mapper's errors), not a missing field."""
    if mapping.destination in fields:
        return None
    if any(path.startswith(mapping.destination + ".") for path in fields):
        return f"the source {mapping.source} cannot convert to {mapping.destination}, an object: map its fields."
    return f"the destination {mapping.destination} is not a field of the target schema."


def _new_mapping_set(caller: Caller, schema_id: str, mappings: list[Mapping], name: str) -> Doc:
    now = int(time.time() * 1000)
    audit = {"createdDate": now, "modifiedDate": now, "createdBy": caller.user, "modifiedBy": caller.user}
    return {
        "id": secrets.token_hex(16),  # Data Prep ids: 32 hex characters, no dashes
        "imsOrgId": caller.org,
        "sandboxName": caller.sandbox,
        "name": name,
        "version": 0,
        **audit,
        "xdmSchema": schema_id,
        "xdmVersion": "1.0",
        "outputSchema": {
            "schemaRef": {"id": schema_id, "contentType": "application/vnd.adobe.xed-full+json;version=1"}
        },
        "status": "PUBLISHED",
        "mappings": [_mapping_view(m, audit) for m in mappings],
    }


def _mapping_view(mapping: Mapping, audit: Doc) -> Doc:
    return {
        "id": secrets.token_hex(16),
        "version": 0,
        **audit,
        "sourceType": SOURCE_TYPES[mapping.source_type],
        "source": mapping.source,
        "destination": mapping.destination,
        "sourceAttribute": mapping.source,
        "destinationXdmPath": mapping.destination,
        "identity": False,
        "primaryIdentity": False,
    }
