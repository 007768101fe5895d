"""Catalog's state and rules for datasets: one per schema reference, kept per org and sandbox. No HTTP here."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.schemaregistry import SchemaRegistry
from connections.flowservice_emulator.schemaregistry.exceptions import SchemaNotFound as UnknownSchema
from connections.flowservice_emulator.store import Store

from . import exceptions as refused

Doc = dict[str, Any]
DATASETS = "dataSets"
DEFAULT_LIMIT, MAX_LIMIT = 20, 100  # help/catalog/api/filter-data.md


@dataclass(frozen=True)
class DatasetQuery:
    limit: int = DEFAULT_LIMIT
    start: int = 0
    properties: tuple[str, ...] = ()
    name: str | None = None
    order_by: str | None = None


class Catalog:
    def __init__(self, store: Store, schemas: SchemaRegistry) -> None:
        self.store = store
        self.schemas = schemas

    def create(self, caller: Caller, body: Any) -> str:
        """A new dataset's id, from a body naming an existing schema."""
        if not isinstance(body, dict):
            raise refused.InvalidDataset(reason="the body must be a JSON object.")
        name, ref = body.get("name"), body.get("schemaRef")
        if not isinstance(name, str) or not name.strip():
            raise refused.InvalidDataset(reason="name is required and must be a string.")
        if not isinstance(ref, dict) or not isinstance(ref.get("id"), str):
            raise refused.InvalidDataset(reason="schemaRef.id is required.")
        try:
            self.schemas.field_types(ref["id"])
        except UnknownSchema:
            raise refused.SchemaNotFound(schema_id=ref["id"]) from None
        tags = body.get("tags") or {}
        if not isinstance(tags, dict) or not all(isinstance(v, list) for v in tags.values()):
            raise refused.InvalidDataset(reason="tags must map names to lists of strings.")
        doc = _new_dataset(caller, name, body, ref, tags)
        self.store.insert(DATASETS, doc)
        return str(doc["id"])

    def get(self, caller: Caller, dataset_id: str, properties: tuple[str, ...] = ()) -> Doc:
        """`{<id>: dataset}`, as Catalog answers a read."""
        doc = self._stored(caller, dataset_id)
        return {dataset_id: _view(doc, properties)}

    def listed(self, caller: Caller, query: DatasetQuery) -> Doc:
        docs = self.store.all(DATASETS, caller.org, caller.sandbox)
        if query.name is not None:
            matches = name_filter(query.name)
            docs = [d for d in docs if matches(d["name"])]
        page = ordered(docs, query.order_by)[query.start : query.start + query.limit]
        return {d["id"]: _view(d, query.properties) for d in page}

    def delete(self, caller: Caller, dataset_id: str) -> None:
        self._stored(caller, dataset_id)
        self.store.delete(DATASETS, dataset_id)

    def schema_of(self, caller: Caller, dataset_id: str) -> str | None:
        """The schema `$id` of a dataset of the caller's sandbox, None when there is no such dataset."""
        doc = self.store.get(DATASETS, dataset_id, caller.org, caller.sandbox)
        return str(doc["schemaRef"]["id"]) if doc else None

    def counts(self) -> dict[str, int]:
        return {"dataSets": self.store.count(DATASETS)}

    def _stored(self, caller: Caller, dataset_id: str) -> Doc:
        doc = self.store.get(DATASETS, dataset_id, caller.org, caller.sandbox)
        if doc is None:
            raise refused.DatasetNotFound()
        return doc


def name_filter(raw: str) -> Callable[[str], bool]:
    """Catalog's simple filter (filter-data.md): a comma separates values any of which may match, a leading `!`
    inverts the whole list, `*` matches any characters (`**` is a literal asterisk: the guide's note on `name`)."""
    negated = raw.startswith("!")
    patterns = [_wildcard(value) for value in (raw[1:] if negated else raw).split(",")]
    return lambda name: any(p.fullmatch(name) for p in patterns) != negated


def _wildcard(value: str) -> re.Pattern[str]:
    literal_stars = value.split("**")
    return re.compile(r"\*".join(".*".join(map(re.escape, part.split("*"))) for part in literal_stars), re.DOTALL)


def ordered(docs: list[Doc], order_by: str | None) -> list[Doc]:
    """`orderBy=name,desc:updated`: each key `asc:` (the default) or `desc:`, the first one deciding first."""
    for key in reversed([k.strip() for k in (order_by or "").split(",") if k.strip()]):
        direction, _, field = key.rpartition(":")
        docs = sorted(docs, key=_sort_key(field), reverse=direction == "desc")
    return docs


def _sort_key(field: str) -> Callable[[Doc], tuple[bool, float, str]]:
    """Numbers by value, text without regard to case (Adobe's documents are silent on case), missing ones last."""

    def key(doc: Doc) -> tuple[bool, float, str]:
        value = doc.get(field)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return False, float(value), ""
        return value is None, 0.0, str(value or "").lower()

    return key


def _new_dataset(caller: Caller, name: str, body: Doc, ref: Doc, tags: Doc) -> Doc:
    dataset_id, now = secrets.token_hex(12), int(time.time() * 1000)  # Catalog ids: 24 hex characters
    return {
        "id": dataset_id,
        "imsOrgId": caller.org,
        "sandboxName": caller.sandbox,
        "name": name,
        "description": str(body.get("description") or ""),
        "version": "1.0.0",
        "imsOrg": caller.org,
        "created": now,
        "updated": now,
        "createdClient": caller.client_id,
        "createdUser": caller.user,
        "updatedUser": caller.user,
        "tags": tags,
        "viewId": secrets.token_hex(12),
        "files": f"@/dataSetFiles?dataSetId={dataset_id}",
        "schemaRef": {"id": ref["id"], "contentType": str(ref.get("contentType") or "")},
        "observableSchema": {},
    }


def _view(doc: Doc, properties: tuple[str, ...]) -> Doc:
    """The dataset as Catalog shows it; `properties` keeps only the named top-level fields."""
    shown = {k: v for k, v in doc.items() if k not in ("id", "imsOrgId", "sandboxName")}
    return {k: v for k, v in shown.items() if k in properties} if properties else shown
