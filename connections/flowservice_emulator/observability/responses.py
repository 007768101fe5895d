"""Observability Insights' HTTP side."""

from __future__ import annotations

import json

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from . import exceptions as refused
from .models import Observability

PREFIX = "/data/infrastructure/observability/insights"


class ObservabilityResponses:
    def __init__(self, backend: Observability) -> None:
        self.backend = backend

    def metrics(self, request: Request, caller: Caller) -> Response:
        try:
            body = json.loads(request.body)
        except ValueError:
            raise refused.BadPayload(reason="the body is not valid JSON.") from None
        return Response(200, self.backend.metrics(caller, body))
