"""Data Prep's HTTP side."""

from __future__ import annotations

import json
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .models import ORDER_FIELDS, DataPrep, MappingSetQuery

PREFIX = "/data/foundation/conversion"
HIDDEN = ("imsOrgId", "sandboxName")


def json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except ValueError:
        raise refused.InvalidMappingSet(reason="the body is not valid JSON.") from None


def _number(request: Request, name: str, low: int) -> int:
    """A required whole number: mapping-set.md says a list request must include both `start` and `limit`.

    Adobe's documents are silent: on a missing or malformed one (refused here, 400) and on the largest `limit`
    (here: below 10**9, the int32 the OpenAPI file types it as)."""
    value = request.arg(name)
    if value is None or not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < low:
        expected = f"a whole number from {low} to 999999999 is required."
        raise refused.InvalidQuery(name=name, value=value or "", expected=expected)
    return int(value)


def _order_by(request: Request) -> str:
    """`createdDate` or `updatedDate`, `+` ascending, `-` descending (mapping-set.md).

    Adobe's documents are silent: on a field without a sign (ascending here), on any other field (refused here),
    and a `+` left unencoded arrives as a space, so a leading space reads as `+`."""
    value = request.arg("orderBy")
    if value is None:
        return MappingSetQuery.order_by
    ordered = "+" + value[1:] if value.startswith(" ") else value
    if ordered.lstrip("+-") not in ORDER_FIELDS or len(ordered) - len(ordered.lstrip("+-")) > 1:
        expected = "createdDate or updatedDate, optionally after + or -."
        raise refused.InvalidQuery(name="orderBy", value=value, expected=expected)
    return ordered if ordered[0] in "+-" else "+" + ordered


def _expand_schema(request: Request) -> bool:
    """A boolean (mapping-set.md). Adobe's documents are silent: on other values (refused here)."""
    value = request.arg("expandSchema")
    if value is None:
        return False
    if value.lower() not in ("true", "false"):
        raise refused.InvalidQuery(name="expandSchema", value=value, expected="true or false.")
    return value.lower() == "true"


def shown(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in HIDDEN}


class DataPrepResponses:
    def __init__(self, backend: DataPrep) -> None:
        self.backend = backend

    def create(self, request: Request, caller: Caller) -> Response:
        """200, not 201, with the new set's id, version and audit fields (mapping-set.md)."""
        doc = self.backend.create(caller, json_body(request))
        keys = ("id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy")
        return Response(200, {k: doc[k] for k in keys})

    def mapping_set(self, request: Request, caller: Caller, mapping_id: str) -> Response:
        return Response(200, shown(self.backend.get(caller, mapping_id, expand_schema=_expand_schema(request))))

    def mapping_sets(self, request: Request, caller: Caller) -> Response:
        """GET /mappingSets?limit=&start=[&name=][&orderBy=][&expandSchema=] (mapping-set.md, List mapping sets)."""
        query = MappingSetQuery(
            limit=_number(request, "limit", 1),
            start=_number(request, "start", 0),
            name=request.arg("name"),
            order_by=_order_by(request),
            expand_schema=_expand_schema(request),
        )
        listed = self.backend.listed(caller, query)
        return Response(200, {**listed, "data": [shown(d) for d in listed["data"]]})

    def preview(self, request: Request, caller: Caller) -> Response:
        """The records as the mapping set writes them (data-prep.yaml, Preview mapping sets)."""
        return Response(200, self.backend.preview(json_body(request)))

    def validate(self, request: Request, caller: Caller) -> Response:
        """One entry per mapping, in order; a wrong mapping is FAILED with an error, still HTTP 200 (data-prep.yaml)."""
        _, checked = self.backend.problems(json_body(request))
        results = [
            {"status": "FAILED", "errors": [{"source": m.source, "destination": m.destination, "exception": p}]}
            if p
            else {"status": "SUCCESS", "errors": None}
            for m, p in checked
        ]
        return Response(200, {"validationResponse": results})
