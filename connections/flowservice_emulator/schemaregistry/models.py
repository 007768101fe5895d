"""Schema Registry's state and rules: the tenant's schemas, found by `$id` or `meta:altId`, in raw or resolved
form. No HTTP here: the Accept header's meaning arrives as a `Form`."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from . import exceptions as refused
from .demo import CLASS_REQUIRED, DEMO_SCHEMAS, TENANT, TENANT_ID, TYPES

Doc = dict[str, Any]
__all__ = ["TENANT_ID", "Form", "Paging", "SchemaRegistry"]


class Form(enum.Enum):
    """What the Accept header asks for."""

    SUMMARY = "xed-id"  # lists: $id, meta:altId, version, title
    RAW = "xed"  # allOf of $refs, with titles and descriptions
    RESOLVED = "xed-full"  # the properties tree, with titles and descriptions
    RESOLVED_NO_TEXT = "xed-full-notext"
    RAW_NO_TEXT = "xed-notext"


def schema_id(hash_: str) -> str:
    return f"https://ns.adobe.com/{TENANT_ID}/schemas/{hash_}"


def alt_id(hash_: str) -> str:
    return f"_{TENANT_ID}.schemas.{hash_}"


class SchemaRegistry:
    def __init__(self) -> None:
        self.schemas = {schema_id(s["hash"]): s for s in DEMO_SCHEMAS}
        # Test control only (/__emulator__/schemas/fields): fields a sandbox's copy of a schema lacks, by sandbox
        # and schema `$id`. Every sandbox otherwise holds the same demo schemas.
        self.dropped: dict[str, dict[str, set[str]]] = {}

    def drop_field(self, *, sandbox: str, title: str, path: str) -> None:
        """The sandbox's schema titled `title` lacks the field `path` from now on (in Schema Registry's reads)."""
        found = next((wanted for wanted, s in self.schemas.items() if s["title"] == title), None)
        if found is None or path not in dict(self.schemas[found]["fields"]):
            raise KeyError(f"no schema titled {title!r} with a field {path!r}")
        self.dropped.setdefault(sandbox, {}).setdefault(found, set()).add(path)

    def restore(self) -> None:
        """Every sandbox holds the demo schemas whole again."""
        self.dropped.clear()

    def listed(self, form: Form, paging: Paging | None = None) -> Doc:
        """One page, as the appendix pages: sorted by `orderby` (`-` descending), from the first whose primary
        sort value is strictly past `start`, about `limit` long (a hint: the page never ends inside a run of
        equal values, so `start` stays reliable); `_page.next` is the `start` of the page after, null on the last."""
        paging = paging or Paging()
        field, descending = paging.orderby.lstrip("-+"), paging.orderby.startswith("-")
        rendered = sorted((self._render(s, form) for s in self.schemas.values()), key=lambda d: _value(d, field))
        rendered = rendered[::-1] if descending else rendered
        if paging.start is not None:
            start = paging.start
            rendered = [d for d in rendered if (_value(d, field) < start if descending else _value(d, field) > start)]
        page = rendered[: max(paging.limit, 1)]  # a hint: 0 still answers one, so `next` moves on
        while page and len(page) < len(rendered) and _value(rendered[len(page)], field) == _value(page[-1], field):
            page = rendered[: len(page) + 1]
        following = _value(page[-1], field) if len(page) < len(rendered) else None
        return {
            "results": page,
            "_page": {"orderby": paging.orderby, "next": following, "count": len(page)},
            "_links": {},
        }

    def lookup(self, wanted: str, form: Form, *, sandbox: str = "") -> Doc:
        found = self._find(wanted)
        dropped = self.dropped.get(sandbox, {}).get(schema_id(found["hash"]), set())
        if dropped:
            found = found | {"fields": [(path, kind) for path, kind in found["fields"] if path not in dropped]}
        return self._render(found, form)

    def field_types(self, wanted: str) -> dict[str, str]:
        """Every leaf path of a schema and its XDM type (for Data Prep and the simulated ingestion)."""
        return dict(self._find(wanted)["fields"])

    def required_fields(self, wanted: str) -> tuple[str, ...]:
        """The leaf paths a record of the schema must have (its class's required fields)."""
        return CLASS_REQUIRED.get(self._find(wanted)["class"], ())

    def _find(self, wanted: str) -> Doc:
        """A schema by its `$id` or its `meta:altId`."""
        found = self.schemas.get(wanted) or next(
            (s for s in self.schemas.values() if alt_id(s["hash"]) == wanted), None
        )
        if found is None:
            raise refused.SchemaNotFound(schema_id=wanted)
        return found

    def _render(self, schema: Doc, form: Form) -> Doc:
        summary = {
            "$id": schema_id(schema["hash"]),
            "meta:altId": alt_id(schema["hash"]),
            "version": "1.0",
            "title": schema["title"],
        }
        if form is Form.SUMMARY:
            return summary
        doc = summary | {
            "type": "object",
            "description": schema["description"],
            "meta:class": schema["class"],
            "meta:resourceType": "schemas",
            "meta:containerId": "tenant",
            "meta:tenantNamespace": TENANT,
            "meta:extends": [schema["class"]],
            "meta:xdmType": "object",
        }
        if form in (Form.RESOLVED, Form.RESOLVED_NO_TEXT):
            doc["properties"] = _tree(schema["fields"])
        else:
            field_group = f"https://ns.adobe.com/{TENANT_ID}/mixins/{schema['hash']}"
            doc["allOf"] = [{"$ref": schema["class"], "type": "object"}, {"$ref": field_group, "type": "object"}]
        if form in (Form.RESOLVED_NO_TEXT, Form.RAW_NO_TEXT):
            doc.pop("title", None)
            doc.pop("description", None)
        return doc


@dataclass(frozen=True)
class Paging:
    """The appendix's paging parameters. Without `limit` a list stops at 300 (the emulator's reading of Adobe's
    Schema Registry limits; the appendix itself names no default)."""

    orderby: str = "title"
    start: str | None = None
    limit: int = 300


def _value(doc: Doc, field: str) -> str:
    return str(doc.get(field, ""))


def _tree(fields: list[tuple[str, str]]) -> Doc:
    """A JSON Schema `properties` tree from dotted paths."""
    root: Doc = {}
    for path, xdm_type in fields:
        *parents, leaf = path.split(".")
        node = root
        for part in parents:
            node = node.setdefault(part, {"type": "object", "properties": {}})["properties"]
        node[leaf] = {"title": leaf, **TYPES[xdm_type], "meta:xdmType": xdm_type}
    return root
