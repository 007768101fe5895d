"""Sandbox Management's HTTP side."""

from __future__ import annotations

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.http import Request, Response

from .models import Sandboxes

PREFIX = "/data/foundation/sandbox-management"


class SandboxResponses:
    def __init__(self, backend: Sandboxes) -> None:
        self.backend = backend

    def available(self, request: Request, caller: Caller) -> Response:
        return Response(200, self.backend.available(caller))
