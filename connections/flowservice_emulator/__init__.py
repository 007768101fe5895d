"""A local emulator of Adobe's APIs (IMS, Flow Service), shaped like moto: per service a package with a backend
(`models.py`), thin handlers (`responses.py`), a route table (`urls.py`) and its errors (`exceptions.py`), behind a
shared gateway. It imports neither Django nor the client."""

from __future__ import annotations

from .azure import SimulatedAzure
from .emulator import Emulator
from .flowservice import PREFIX as FLOW_PREFIX
from .ims import DEFAULT_SCOPES, TOKEN_PATH
from .server import BackgroundEmulator, EmulatorHTTPServer
from .store import Store


def make_emulator(
    *,
    state: str = ":memory:",
    azure_file: str | None = None,
    faults: bool = True,
    client_id: str | None = None,
    client_secret: str | None = None,
    org_id: str | None = None,
    scopes: tuple[str, ...] = DEFAULT_SCOPES,
    token_lifetime: float = 86399.0,
    sandboxes: tuple[str, ...] = ("prod", "dev"),
) -> Emulator:
    """An emulator with the demo Azure side, in memory unless `state` names a file."""
    return Emulator(
        store=Store(state),
        azure=SimulatedAzure.load(azure_file),
        client_id=client_id,
        client_secret=client_secret,
        org_id=org_id,
        scopes=scopes,
        token_lifetime=token_lifetime,
        sandboxes=sandboxes,
        faults_enabled=faults,
    )


__all__ = [
    "DEFAULT_SCOPES",
    "FLOW_PREFIX",
    "TOKEN_PATH",
    "BackgroundEmulator",
    "Emulator",
    "EmulatorHTTPServer",
    "SimulatedAzure",
    "Store",
    "make_emulator",
]
