"""Template context every page needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from connections.target import flow_service_target


def flow_service_mode(request: HttpRequest) -> dict[str, Any]:
    """Whether the app talks to Adobe or to the local emulator (shown as a banner)."""
    return {"flow_service": flow_service_target()}
