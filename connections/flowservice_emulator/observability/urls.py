"""Observability Insights' route: POST /metrics (V2)."""

from __future__ import annotations

import json

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response
from connections.flowservice_emulator.routing import Service, routes_for

from . import exceptions
from .models import Observability

PREFIX = "/data/infrastructure/observability/insights"


def service(backend: Observability) -> Service:
    def metrics(request: Request, caller: Caller) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise exceptions.BadPayload(reason="the body is not valid JSON.") from None
        return Response(200, backend.metrics(caller, body))

    return Service("observability", PREFIX, routes_for([("POST", r"/metrics", metrics)]), exceptions.fault_error)
