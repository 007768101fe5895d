"""Requests, responses and the error shapes Adobe uses (gateway, Flow Service, IMS)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

# Titles from Adobe's Flow Service error catalogue, by code.
FLOW_TITLES = {
    "1100-400": "Invalid request",
    "1101-404": "Resource not found",
    "1102-500": "Internal Error",
    "1103-503": "Service Unavailable",
    "1104-504": "Gateway Timeout",
    "1304-400": "Bad Request",
    "1308-400": "Bad Request",
    "1312-400": "Bad Request",
    "1327-400": "Bad Request",
    "1358-400": "Bad Request",
    "1401-400": "Invalid request",
    "1403-400": "Header is missing",
    "1404-412": "Version not matching",
    "1405-400": "Invalid request",
    "1413-400": "Invalid request",
    "1414-400": "Invalid request",
    "1415-400": "Invalid request",
    "1455-400": "Invalid request",
    "2000-401": "Invalid authorization token",
    "2100-404": "Sandbox not found",
    "2105-400": "Header is missing",
    "2118-403": "Missing permission",
    "2120-403": "Forbidden",
    "2121-403": "Forbidden",
}


class Headers:
    """Case-insensitive request headers."""

    def __init__(self, items: dict[str, str] | None = None) -> None:
        self._items = {k.lower(): v for k, v in (items or {}).items()}

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._items.get(name.lower(), default)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes) -> Request:
        path, _, query = target.partition("?")
        return cls(method.upper(), path, parse_qs(query, keep_blank_values=True), Headers(headers), body)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering (fault injection)

    def encoded(self) -> bytes:
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


def flow_error(request: Request, code: str, message: str) -> Response:
    """A Flow Service error in its documented shape, FLOW-<code>-<status>."""
    status = int(code.rsplit("-", 1)[1])
    return Response(
        status,
        {
            "type": f"https://ns.adobe.com/aep/errors/FLOW-{code}",
            "title": FLOW_TITLES.get(code, "Error"),
            "status": status,
            "report": {"detailed-message": message, "request-id": request.request_id},
        },
    )


def gateway_error(status: int, error_code: str, message: str) -> Response:
    """An Adobe I/O gateway error: {error_code, message}."""
    return Response(status, {"error_code": error_code, "message": message})


def ims_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


def content_type_error() -> Response:
    return Response(
        400,
        {
            "type": "/placeholder/type/uri",
            "status": 400,
            "title": "BadRequestError",
            "detail": "A valid content-type must be specified",
        },
    )
