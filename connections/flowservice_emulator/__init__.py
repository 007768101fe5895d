"""A local emulator of Adobe Flow Service and IMS. It imports neither Django nor the client."""

from __future__ import annotations

from .app import FLOW_PREFIX, TOKEN_PATH, Emulator
from .azure import SimulatedAzure
from .server import BackgroundEmulator, EmulatorHTTPServer
from .store import Store


def make_emulator(
    *, state: str = ":memory:", azure_file: str | None = None, faults: bool = True, **options: object
) -> Emulator:
    """An emulator with the demo Azure side, in memory unless `state` names a file."""
    return Emulator(store=Store(state), azure=SimulatedAzure.load(azure_file), faults_enabled=faults, **options)  # type: ignore[arg-type]


__all__ = [
    "FLOW_PREFIX",
    "TOKEN_PATH",
    "BackgroundEmulator",
    "Emulator",
    "EmulatorHTTPServer",
    "SimulatedAzure",
    "Store",
    "make_emulator",
]
