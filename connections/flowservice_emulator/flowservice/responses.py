"""Flow Service's HTTP side: each handler reads the request, asks the backend, shapes the answer."""

from __future__ import annotations

import json
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .listing import ListQuery
from .models import FlowService

PREFIX = "/data/foundation/flowservice"


def json_body(request: Request) -> Any:
    if not request.body.strip():
        raise refused.EmptyBody()
    try:
        return json.loads(request.body)
    except ValueError:
        raise refused.InvalidRequest(reason="The body is not valid JSON.") from None


def created(request: Request, collection: str, doc: dict[str, Any]) -> Response:
    location = request.url_for(f"{PREFIX}/{collection}/{doc['id']}")
    return Response(201, {"id": doc["id"], "etag": doc["etag"]}, {"Location": location})


def items(doc: Any) -> Response:
    """A single object, as Flow Service answers it: wrapped in `items`."""
    return Response(200, {"items": [doc]})


def updated(doc: dict[str, Any]) -> Response:
    return Response(200, {"id": doc["id"], "etag": doc["etag"]})


class FlowServiceResponses:
    def __init__(self, backend: FlowService) -> None:
        self.backend = backend

    def connection_specs(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.connection_specs(ListQuery.parse(request.query)))

    def connection_spec(self, request: Request, caller: Caller, spec_id: str) -> Response:
        return items(self.backend.connection_spec(spec_id))

    def create_connection(self, request: Request, caller: Caller) -> Response:
        return created(request, "connections", self.backend.create_connection(caller, json_body(request)))

    def connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return items(self.backend.connection(caller, object_id))

    def connections(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.connections(caller, ListQuery.parse(request.query)))

    def update_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return updated(self.backend.update_connection(caller, object_id, *_patch(request)))

    def delete_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        self.backend.delete_connection(caller, object_id)
        return Response(204)

    def test_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return Response(200, {"result": self.backend.test_connection(caller, object_id)})

    def explore(self, request: Request, caller: Caller, object_id: str) -> Response:
        # `objectType` is optional in Adobe's OpenAPI file; left out, the emulator lists the top level (root).
        object_type, hub = request.arg("objectType") or "root", request.arg("object")
        wants_preview = (request.arg("preview") or "").lower() == "true"
        return Response(200, self.backend.explore(caller, object_id, object_type, hub if wants_preview else None))

    def flow_specs(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.flow_specs(ListQuery.parse(request.query)))

    def flow_spec(self, request: Request, caller: Caller, spec_id: str) -> Response:
        return items(self.backend.flow_spec(spec_id))

    def create_target_connection(self, request: Request, caller: Caller) -> Response:
        return created(request, "targetConnections", self.backend.create_target_connection(caller, json_body(request)))

    def target_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return items(self.backend.target_connection(caller, object_id))

    def target_connections(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.target_connections(caller, ListQuery.parse(request.query)))

    def delete_target_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        self.backend.delete_target_connection(caller, object_id)
        return Response(204)

    def create_flow(self, request: Request, caller: Caller) -> Response:
        return created(request, "flows", self.backend.flows.create(caller, json_body(request)))

    def flow(self, request: Request, caller: Caller, object_id: str) -> Response:
        return items(self.backend.flows.get(caller, object_id))

    def flows(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.flows.listed(caller, ListQuery.parse(request.query)))

    def update_flow(self, request: Request, caller: Caller, object_id: str) -> Response:
        return updated(self.backend.flows.update(caller, object_id, *_patch(request)))

    def flow_action(self, request: Request, caller: Caller, object_id: str) -> Response:
        return updated(self.backend.flows.act(caller, object_id, request.arg("op") or ""))

    def delete_flow(self, request: Request, caller: Caller, object_id: str) -> Response:
        self.backend.flows.delete(caller, object_id)
        return Response(204)

    def runs(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.runs.listed(caller, ListQuery.parse(request.query)))

    def run(self, request: Request, caller: Caller, object_id: str) -> Response:
        return items(self.backend.runs.get(caller, object_id))

    def create_source_connection(self, request: Request, caller: Caller) -> Response:
        return created(request, "sourceConnections", self.backend.create_source_connection(caller, json_body(request)))

    def source_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return items(self.backend.source_connection(caller, object_id))

    def source_connections(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.source_connections(caller, ListQuery.parse(request.query)))

    def update_source_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        return updated(self.backend.update_source_connection(caller, object_id, *_patch(request)))

    def delete_source_connection(self, request: Request, caller: Caller, object_id: str) -> Response:
        self.backend.delete_source_connection(caller, object_id)
        return Response(204)


def _patch(request: Request) -> tuple[str | None, Any]:
    """A PATCH's If-Match and body; an empty body is the backend's to refuse (1405-400), after it has checked
    If-Match."""
    return request.headers.get("If-Match"), json_body(request) if request.body.strip() else None
