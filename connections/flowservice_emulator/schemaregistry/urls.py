"""Schema Registry's routes, below /data/foundation/schemaregistry (the tenant container only)."""

from __future__ import annotations

from connections.flowservice_emulator.routing import Handler, Service, routes_for

from . import exceptions
from .models import SchemaRegistry
from .responses import SchemaRegistryResponses

PREFIX = "/data/foundation/schemaregistry"


def service(backend: SchemaRegistry) -> Service:
    r = SchemaRegistryResponses(backend)
    handlers: list[tuple[str, str, Handler]] = [
        ("GET", r"/tenant/schemas", r.schemas),
        ("GET", r"/tenant/schemas/(?P<schema_ref>[^/]+)", r.schema),
    ]
    return Service(
        "schemaregistry",
        PREFIX,
        routes_for(handlers),
        exceptions.fault_error,
        not_found=lambda: exceptions.SchemaNotFound(schema_id="the requested resource"),
    )
