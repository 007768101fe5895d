"""Validating answers against Adobe's published OpenAPI files, by operation (path, method, status).

Flow Service's file is vendored (docs/reference/flow-service.openapi.yaml). Adobe also publishes Catalog, Data
Prep, Schema Registry and Observability Insights descriptions (AdobeDocs/experience-platform-apis,
static/swagger-specs/{catalog,data-prep,schema-registry,observability-insights}.yaml, Apache-2.0); they are not
vendored here. When they sit in the shared reference folder (`../shared/reference/` beside the checkout, or
$ADOBE_REFERENCE_DIR), answers are validated against them; otherwise against the minimal schemas of
tests/openapi_minimal/, written by hand from those same files (each names its source).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parent.parent
FLOW_SERVICE = ROOT / "docs" / "reference" / "flow-service.openapi.yaml"
MINIMAL = Path(__file__).with_name("openapi_minimal")
PUBLISHED = {
    "catalog": "catalog.yaml",
    "data-prep": "data-prep.yaml",
    "schema-registry": "schema-registry.yaml",
    "observability-insights": "observability-insights.yaml",
    "sandbox": "sandbox.yaml",
}


def reference_dir() -> Path:
    return Path(os.environ.get("ADOBE_REFERENCE_DIR") or ROOT.parent / "shared" / "reference")


def published_file(service: str) -> Path | None:
    """Adobe's file for `service` if the reference folder holds it."""
    if service == "flow-service":
        return FLOW_SERVICE
    path = reference_dir() / PUBLISHED[service]
    return path if path.is_file() else None


@cache
def _document(path: Path) -> dict[str, Any]:
    # Through JSON: YAML reads `200:` as an integer key, which a JSON pointer cannot name.
    loaded: dict[str, Any] = json.loads(
        json.dumps(yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)), default=str)
    )
    return loaded


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def _response_pointer(document: dict[str, Any], path: str, method: str, status: int) -> str:
    """The JSON pointer of an operation's answer schema (OpenAPI 3 `content`, or Swagger 2 `schema`)."""
    responses = document["paths"][path][method.lower()]["responses"]
    key = str(status)
    base = f"/paths/{_escape(path)}/{method.lower()}/responses/{key}"
    if "content" in responses[key]:
        return base + "/content/application~1json/schema"
    return base + "/schema"


def check_answer(service: str, path: str, method: str, status: int, instance: Any) -> str:
    """Validate `instance`, Adobe's answer to `method path` with `status`; returns what it was checked against."""
    published = published_file(service)
    if published is None:
        minimal = json.loads((MINIMAL / f"{service}.json").read_text())
        schema = {
            **minimal["answers"][f"{method.upper()} {path} {status}"],
            "definitions": minimal.get("definitions", {}),
        }
        jsonschema.Draft7Validator(schema).validate(instance)
        return f"tests/openapi_minimal/{service}.json"
    document = _document(published)
    registry = Registry().with_resource("urn:adobe", Resource.from_contents(document, default_specification=DRAFT7))
    ref = {"$ref": "urn:adobe#" + _response_pointer(document, path, method, status)}
    jsonschema.Draft7Validator(ref, registry=registry).validate(instance)
    return str(published)


def check_component(service: str, name: str, instance: Any) -> None:
    """Validate `instance` against a named schema of a published file (Flow Service's is always present)."""
    published = published_file(service)
    assert published is not None
    document = _document(published)
    registry = Registry().with_resource("urn:adobe", Resource.from_contents(document, default_specification=DRAFT7))
    section = "/components/schemas/" if "components" in document else "/definitions/"
    jsonschema.Draft7Validator({"$ref": f"urn:adobe#{section}{name}"}, registry=registry).validate(instance)
