"""Sandbox Management's refusals. Its OpenAPI file gives them no body (`content: {}`): the emulator answers in
Platform's generic shape, as the troubleshooting guide shows."""

from __future__ import annotations

from connections.flowservice_emulator.errors import InjectedPlatformError


def fault_error(status: int, code: str | None, message: str | None) -> InjectedPlatformError:
    return InjectedPlatformError(status, message)
