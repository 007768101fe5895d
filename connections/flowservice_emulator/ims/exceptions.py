"""IMS's refusals, `{error, error_description}` (shared/reference/flow-service.md section 4)."""

from __future__ import annotations

from typing import Any

from connections.flowservice_emulator.errors import ImsError, InjectedStatus
from connections.flowservice_emulator.http import Request


class UnsupportedGrantType(ImsError):
    error, text = "unsupported_grant_type", "grant_type must be client_credentials"


class InvalidClientId(ImsError):
    error, text = "invalid_client", "invalid client_id parameter"


class InvalidClientSecret(ImsError):
    error, text = "invalid_client", "invalid client_secret parameter"


class InvalidScope(ImsError):
    """IMS documents the `invalid_scope` error; Adobe's documents are silent on its text, the emulator's own."""

    error, text = "invalid_scope", "invalid scope parameter{detail}"


class MethodNotAllowed(ImsError):
    status, error, text = 405, "invalid_request", "Use POST to request a token."


class InjectedFault(InjectedStatus, ImsError):
    """A fault injected by a test; IMS's shape with the status the test asked for."""

    def __init__(self, status: int) -> None:
        self.kind = "temporarily_unavailable" if status >= 500 or status == 429 else "invalid_request"
        super().__init__(status, f"IMS answered {status} (injected fault).")

    def body(self, request: Request) -> Any:
        return {"error": self.kind, "error_description": self.detail}


def fault_error(status: int, code: str | None, message: str | None) -> ImsError:
    return InjectedFault(status)
