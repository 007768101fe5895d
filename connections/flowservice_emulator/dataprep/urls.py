"""Data Prep's routes, below /data/foundation/conversion."""

from __future__ import annotations

from connections.flowservice_emulator.errors import platform_fault_error
from connections.flowservice_emulator.routing import Handler, Service, routes_for

from . import exceptions
from .models import DataPrep
from .responses import PREFIX, DataPrepResponses


def service(backend: DataPrep) -> Service:
    r = DataPrepResponses(backend)
    handlers: list[tuple[str, str, Handler]] = [
        ("GET", r"/mappingSets", r.mapping_sets),
        ("POST", r"/mappingSets", r.create),
        ("POST", r"/mappingSets/validate", r.validate),
        ("POST", r"/mappingSets/preview", r.preview),
        ("GET", r"/mappingSets/(?P<mapping_id>[^/]+)", r.mapping_set),
    ]
    return Service(
        "dataprep",
        PREFIX,
        routes_for(handlers),
        platform_fault_error,
        not_found=lambda: exceptions.MappingSetNotFound(mapping_id="requested"),
        counts=backend.counts,
    )
