"""Fault injection: make the next N calls to a path fail, hang, or drop the connection.

Off unless the emulator starts with `--faults`. A fault applies `before` the request is
handled (nothing happens on the server) or `after` it (the object exists, the answer is lost),
which is how a create with an unknown outcome is produced.
"""

from __future__ import annotations

import fnmatch
import threading
from dataclasses import dataclass
from typing import Any

from .http import Request, Response, flow_error, gateway_error, ims_error

DEFAULT_CODES = {500: "1102-500", 503: "1103-503", 504: "1104-504"}


@dataclass
class Fault:
    path: str  # a glob over the request path, e.g. /data/foundation/flowservice/connections/*/test
    method: str | None = None
    count: int = 1
    status: int | None = None
    code: str | None = None
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    message: str | None = None  # the detailed message of a Flow Service error
    phase: str = "before"  # before | after

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Fault:
        fault = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
        if fault.phase not in ("before", "after"):
            raise ValueError("phase must be 'before' or 'after'")
        if fault.status is None and not fault.drop and not fault.delay:
            raise ValueError("a fault needs a status, drop or delay")
        return fault

    def matches(self, request: Request) -> bool:
        if self.method and self.method.upper() != request.method:
            return False
        return fnmatch.fnmatchcase(request.path, self.path)

    def response(self, request: Request) -> Response | None:
        """The error to answer with, or None when the fault only delays."""
        if self.drop:
            return Response(0, drop=True)
        if self.status is None:
            return None
        return _error_for(request, self.status, self.code, self.retry_after, self.message)


def _error_for(
    request: Request, status: int, code: str | None, retry_after: float | None, message: str | None = None
) -> Response:
    if request.path.startswith("/ims/"):
        kind = "temporarily_unavailable" if status >= 500 or status == 429 else "invalid_request"
        response = ims_error(status, kind, f"IMS answered {status} (injected fault).")
    elif status == 401:
        response = gateway_error(401, "401013", "Oauth token is not valid")
    elif status == 429:
        response = gateway_error(429, "429001", "Too many requests")
    elif status == 502:
        response = gateway_error(502, "502000", "Bad Gateway")
    else:
        flow_code = code or DEFAULT_CODES.get(status) or f"1000-{status}"
        response = flow_error(request, flow_code, message or f"Injected fault {flow_code}.")
    if retry_after is not None:
        response.headers["Retry-After"] = f"{retry_after:g}"
    return response


class FaultRegistry:
    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, request: Request) -> Fault | None:
        """The first fault matching the request, used up once."""
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.matches(request):
                    fault.count -= 1
                    return fault
        return None
