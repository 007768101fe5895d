"""Adobe Flow Service, the Event Hubs subset: connection specs, base connections, source connections."""

from .models import FlowService, Neighbours
from .responses import PREFIX
from .urls import service

__all__ = ["PREFIX", "FlowService", "Neighbours", "service"]
