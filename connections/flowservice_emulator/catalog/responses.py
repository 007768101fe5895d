"""Catalog's HTTP side."""

from __future__ import annotations

import json
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .models import DEFAULT_LIMIT, MAX_LIMIT, Catalog, DatasetQuery

PREFIX = "/data/foundation/catalog"


def json_body(request: Request) -> Any:
    try:
        return json.loads(request.body)
    except ValueError:
        raise refused.InvalidDataset(reason="the body is not valid JSON.") from None


def _number(request: Request, name: str, default: int, low: int, high: int) -> int:
    value = request.arg(name)
    if value is None:
        return default
    # ASCII digits only, and few of them: int() refuses '²' and very long strings (a 500 otherwise).
    if not (value.isascii() and value.isdigit() and len(value) <= 9) or not low <= int(value) <= high:
        raise refused.InvalidQuery(name=name, value=value, expected=f"a whole number from {low} to {high}.")
    return int(value)


def _properties(request: Request) -> tuple[str, ...]:
    return tuple(p.strip() for p in (request.arg("properties") or "").split(",") if p.strip())


class CatalogResponses:
    def __init__(self, backend: Catalog) -> None:
        self.backend = backend

    def create(self, request: Request, caller: Caller) -> Response:
        reference = f"@/dataSets/{self.backend.create(caller, json_body(request))}"
        return Response(201, [reference], {"Location": request.url_for(PREFIX + reference[1:])})

    def dataset(self, request: Request, caller: Caller, dataset_id: str) -> Response:
        return Response(200, self.backend.get(caller, dataset_id, _properties(request)))

    def datasets(self, request: Request, caller: Caller) -> Response:
        query = DatasetQuery(
            limit=_number(request, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            start=_number(request, "start", 0, 0, 10**9),
            properties=_properties(request),
            name=request.arg("name"),
            order_by=request.arg("orderBy"),
        )
        return Response(200, self.backend.listed(caller, query))

    def delete(self, request: Request, caller: Caller, dataset_id: str) -> Response:
        self.backend.delete(caller, dataset_id)
        return Response(200, [f"@/dataSets/{dataset_id}"])
