"""Requests and responses, free of sockets: what handlers take and return."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


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

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter, in order."""
        return list(self.query.get(name, []))

    def url_for(self, path: str) -> str:
        """The absolute URL of `path` on this emulator, by the host the caller reached it at (for a Location)."""
        return f"http://{self.headers.get('Host') or '127.0.0.1'}{path}"


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
