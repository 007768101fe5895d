"""Adobe's Sandbox Management API, the one call a credential's user makes: the sandboxes it may use."""

from .models import Sandboxes
from .responses import PREFIX
from .urls import service

__all__ = ["PREFIX", "Sandboxes", "service"]
