"""Schema Registry's state and rules: the tenant's schemas, found by `$id` or `meta:altId`, in raw or resolved
form. No HTTP here: the Accept header's meaning arrives as a `Form`."""

from __future__ import annotations

import enum
from typing import Any

from . import exceptions as refused
from .demo import DEMO_SCHEMAS, TENANT, TENANT_ID, TYPES

Doc = dict[str, Any]
__all__ = ["TENANT_ID", "Form", "SchemaRegistry"]


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

    def listed(self, form: Form) -> Doc:
        items = [self._render(s, form) for s in sorted(self.schemas.values(), key=lambda s: s["title"])]
        return {"results": items, "_page": {"orderby": "title", "next": None, "count": len(items)}, "_links": {}}

    def lookup(self, wanted: str, form: Form) -> Doc:
        return self._render(self._find(wanted), form)

    def field_types(self, wanted: str) -> dict[str, str]:
        """Every leaf path of a schema and its XDM type (for Data Prep and the simulated ingestion)."""
        return dict(self._find(wanted)["fields"])

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
