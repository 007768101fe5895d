"""Data Prep's HTTP side."""

from __future__ import annotations

import json
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .models import DataPrep

PREFIX = "/data/foundation/conversion"
HIDDEN = ("imsOrgId", "sandboxName")


def json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except ValueError:
        raise refused.InvalidMappingSet(reason="the body is not valid JSON.") from None


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
        return Response(200, shown(self.backend.get(caller, mapping_id)))

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
