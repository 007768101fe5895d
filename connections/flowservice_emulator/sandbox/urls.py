"""Sandbox Management's route, below /data/foundation/sandbox-management: GET / (the sandboxes the caller may use).
It names no sandbox: the gateway checks the token, API key and org only."""

from __future__ import annotations

from connections.flowservice_emulator.routing import Service, routes_for

from . import exceptions
from .models import Sandboxes
from .responses import PREFIX, SandboxResponses


def service(backend: Sandboxes) -> Service:
    r = SandboxResponses(backend)
    routes = routes_for([("GET", r"/?", r.available)])
    return Service("sandbox-management", PREFIX, routes, exceptions.fault_error, sandboxed=False)
