"""Flow Service's route table, below /data/foundation/flowservice. The OpenAPI file files PATCH and DELETE under
a trailing slash (`/connections/{id}/`); the tutorials use none: both are routed."""

from __future__ import annotations

from connections.flowservice_emulator.routing import Handler, Service, routes_for

from .exceptions import Injected, ResourceNotFound
from .models import FlowService
from .responses import PREFIX, FlowServiceResponses

ID = r"(?P<object_id>[^/]+)"
DEFAULT_FAULT_CODES = {500: "1102-500", 503: "1103-503", 504: "1104-504"}


def fault_error(status: int, code: str | None, message: str | None) -> Injected:
    return Injected(code or DEFAULT_FAULT_CODES.get(status) or f"1000-{status}", message)


def service(backend: FlowService) -> Service:
    r = FlowServiceResponses(backend)
    handlers: list[tuple[str, str, Handler]] = [
        ("GET", r"/connectionSpecs", r.connection_specs),
        ("GET", r"/connectionSpecs/(?P<spec_id>[^/]+)", r.connection_spec),
        ("GET", r"/connections", r.connections),
        ("POST", r"/connections", r.create_connection),
        ("GET", rf"/connections/{ID}", r.connection),
        ("PATCH", rf"/connections/{ID}/?", r.update_connection),
        ("DELETE", rf"/connections/{ID}/?", r.delete_connection),
        ("GET", rf"/connections/{ID}/test", r.test_connection),
        ("GET", rf"/connections/{ID}/explore", r.explore),
        ("GET", r"/sourceConnections", r.source_connections),
        ("POST", r"/sourceConnections", r.create_source_connection),
        ("GET", rf"/sourceConnections/{ID}", r.source_connection),
        ("PATCH", rf"/sourceConnections/{ID}/?", r.update_source_connection),
        ("DELETE", rf"/sourceConnections/{ID}/?", r.delete_source_connection),
        ("GET", r"/targetConnections", r.target_connections),
        ("POST", r"/targetConnections", r.create_target_connection),
        ("GET", rf"/targetConnections/{ID}", r.target_connection),
        ("DELETE", rf"/targetConnections/{ID}/?", r.delete_target_connection),
        ("GET", r"/flows", r.flows),
        ("POST", r"/flows", r.create_flow),
        ("GET", rf"/flows/{ID}", r.flow),
        ("PATCH", rf"/flows/{ID}/?", r.update_flow),
        ("DELETE", rf"/flows/{ID}/?", r.delete_flow),
        ("POST", rf"/flows/{ID}/action", r.flow_action),
        ("GET", r"/runs", r.runs),
        ("GET", rf"/runs/{ID}", r.run),
        ("GET", r"/flowSpecs", r.flow_specs),
        ("GET", r"/flowSpecs/(?P<spec_id>[^/]+)", r.flow_spec),
    ]
    return Service(
        "flowservice", PREFIX, routes_for(handlers), fault_error, not_found=ResourceNotFound, counts=backend.counts
    )
