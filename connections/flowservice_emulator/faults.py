"""Fault injection: make the next N calls to a path fail, hang, or drop the connection.

Off unless the emulator starts with `--faults`. A fault applies `before` the request is
handled (nothing happens on the server) or `after` it (the object exists, the answer is lost),
which is how a create with an unknown outcome is produced.
"""

from __future__ import annotations

import fnmatch
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import AdobeError
from .http import Request, Response

FaultErrorFor = Callable[[Request, int, str | None, str | None], AdobeError]  # (request, status, code, message)


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

    def response(self, request: Request, error_for: FaultErrorFor) -> Response | None:
        """What to answer instead: nothing (the fault only delays), a dropped connection, or the error that
        `error_for` (the emulator, which knows each service's error shape) makes of the status."""
        if self.drop:
            return Response(0, drop=True)
        if self.status is None:
            return None
        response = error_for(request, self.status, self.code, self.message).response(request)
        if self.retry_after is not None:
            response.headers["Retry-After"] = f"{self.retry_after:g}"
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
