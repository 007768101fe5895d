"""A test-only HTTP proxy in front of the emulator that can rewrite a request or an answer.

It stands for an Adobe that differs from the emulator in one chosen way (a filter it ignores, an
If-Match form it refuses, an answer of another shape), while every byte still travels over real HTTP.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests

HOP_BY_HOP = {"connection", "content-length", "transfer-encoding", "host", "keep-alive"}


@dataclass
class Exchange:
    """One request through the proxy; `before` may change it, `after` may change its answer."""

    method: str
    path: str  # with its query
    headers: dict[str, str]
    body: bytes = b""

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.path).query))

    def with_query(self, query: dict[str, str]) -> None:
        self.path = urlsplit(self.path).path + (f"?{urlencode(query)}" if query else "")


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    def with_json(self, value: Any, status: int | None = None) -> Reply:
        headers = {**self.headers, "Content-Type": "application/json"}
        return Reply(status or self.status, headers, json.dumps(value).encode())


Before = Callable[[Exchange], Reply | None]  # a Reply answers without asking the emulator
After = Callable[[Exchange, Reply], Reply]


def _keep(exchange: Exchange) -> None:
    return None


def _same(exchange: Exchange, reply: Reply) -> Reply:
    return reply


class AlteringProxy:
    """`with AlteringProxy(target, before=..., after=...) as proxy:` then point a client at `proxy.url`."""

    def __init__(self, target: str, *, before: Before = _keep, after: After = _same) -> None:
        self.target = target.rstrip("/")
        self.before = before
        self.after = after
        self.seen: list[Exchange] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> AlteringProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def forward(self, exchange: Exchange) -> Reply:
        self.seen.append(exchange)
        early = self.before(exchange)
        if early is not None:
            return early
        response = requests.request(
            exchange.method, self.target + exchange.path, headers=exchange.headers, data=exchange.body, timeout=10
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
        return self.after(exchange, Reply(response.status_code, headers, response.content))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                exchange = Exchange(self.command, self.path, headers, self.rfile.read(length) if length else b"")
                reply = proxy.forward(exchange)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PATCH = do_DELETE = _serve

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                pass

        return Handler


def flow_error(code: str, message: str) -> Reply:
    """A Flow Service error answer in the documented shape."""
    status = int(code.rsplit("-", 1)[1])
    body = {
        "type": f"https://ns.adobe.com/aep/errors/FLOW-{code}",
        "title": "Proxy-made error",
        "status": status,
        "report": {"detailed-message": message, "request-id": "proxy-request"},
    }
    return Reply(status).with_json(body)
