"""IMS's routes: one token endpoint, outside the gateway."""

from __future__ import annotations

from connections.flowservice_emulator.routing import Service, routes_for

from . import exceptions
from .models import Ims
from .responses import ImsResponses

PREFIX = "/ims/token/v3"
TOKEN_PATH = PREFIX


def service(ims: Ims) -> Service:
    handlers = ImsResponses(ims)
    return Service(
        name="ims",
        prefix=PREFIX,
        routes=routes_for(
            [("POST", r"", handlers.token)]
            + [(m, r"", handlers.wrong_method) for m in ("GET", "PUT", "PATCH", "DELETE")]
        ),
        fault_error=exceptions.fault_error,
        behind_gateway=False,
    )
