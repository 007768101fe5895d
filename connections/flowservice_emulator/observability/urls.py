"""Observability Insights' route, below /data/infrastructure/observability/insights: POST /metrics (V2)."""

from __future__ import annotations

from connections.flowservice_emulator.routing import Service, routes_for

from . import exceptions
from .models import Observability
from .responses import PREFIX, ObservabilityResponses


def service(backend: Observability) -> Service:
    r = ObservabilityResponses(backend)
    return Service("observability", PREFIX, routes_for([("POST", r"/metrics", r.metrics)]), exceptions.fault_error)
