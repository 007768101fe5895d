"""Catalog's routes, below /data/foundation/catalog (datasets only)."""

from __future__ import annotations

from connections.flowservice_emulator.errors import platform_fault_error
from connections.flowservice_emulator.routing import Handler, Service, routes_for

from . import exceptions
from .models import Catalog
from .responses import PREFIX, CatalogResponses

ID = r"(?P<dataset_id>[^/]+)"


def service(backend: Catalog) -> Service:
    r = CatalogResponses(backend)
    handlers: list[tuple[str, str, Handler]] = [
        ("GET", r"/dataSets", r.datasets),
        ("POST", r"/dataSets", r.create),
        ("GET", rf"/dataSets/{ID}", r.dataset),
        ("DELETE", rf"/dataSets/{ID}", r.delete),
    ]
    return Service(
        "catalog",
        PREFIX,
        routes_for(handlers),
        platform_fault_error,
        not_found=exceptions.DatasetNotFound,
        counts=backend.counts,
    )
