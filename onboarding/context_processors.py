"""Template context every page needs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def flow_service_mode(request: HttpRequest) -> dict[str, Any]:
    """Whether the app talks to Adobe or to the local emulator (shown as a banner)."""
    return {
        "flow_service_mode": settings.FLOW_SERVICE_MODE,
        "flow_service_url": settings.FLOW_SERVICE_URL,
    }
