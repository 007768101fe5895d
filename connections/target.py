"""Where the app's Flow Service calls go: Adobe, or the local emulator. One object, read everywhere.

Settings decide the mode once (Adobe credentials configured or not); every other module asks
`flow_service_target()` rather than comparing a string. It is read per call, so a test that
overrides the settings is seen at once. Django-free, like the settings that import the mode.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class FlowServiceMode(enum.StrEnum):
    ADOBE = "adobe"
    EMULATOR = "emulator"


@dataclass(frozen=True)
class FlowServiceTarget:
    mode: FlowServiceMode
    flow_service_url: str
    emulator_url: str

    @property
    def is_adobe(self) -> bool:
        return self.mode is FlowServiceMode.ADOBE

    @property
    def is_emulator(self) -> bool:
        return self.mode is FlowServiceMode.EMULATOR

    @property
    def offers_demo_clock(self) -> bool:
        """The emulator's fast-forward is offered only while every Flow Service call goes to the local emulator:
        never against Adobe, nor when FLOW_SERVICE_URL points elsewhere (another emulator, a proxy)."""
        return self.is_emulator and self.flow_service_url.startswith(self.emulator_url + "/")

    @property
    def where(self) -> str:
        """The far end, as the app's messages name it."""
        if self.is_emulator:
            return f"the local Flow Service emulator ({self.emulator_url}; `make run` starts it)"
        return "Adobe Experience Platform"


def flow_service_target(settings: Any = None) -> FlowServiceTarget:
    """The target the settings configure (Django's settings unless others are given)."""
    if settings is None:
        from django.conf import settings
    return FlowServiceTarget(
        mode=FlowServiceMode(settings.FLOW_SERVICE_MODE),
        flow_service_url=settings.FLOW_SERVICE_URL,
        emulator_url=settings.EMULATOR_URL,
    )
