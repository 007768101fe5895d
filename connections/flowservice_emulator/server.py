"""Serve the emulator over HTTP (stdlib only), in the foreground or on a background thread.

Each response leaves in one write, and TCP_NODELAY is set: headers and body sent as two writes meet Nagle's
algorithm and the client's delayed ACK, which stalls every reused keep-alive connection by about 40 ms.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .emulator import Emulator
from .http import Request, Response

log = logging.getLogger("flowservice_emulator")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Adobe's gateway
    server: EmulatorHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request.build(self.command, self.path, dict(self.headers.items()), body)
        response = self.server.emulator.handle(request)
        if response.drop:
            # Simulate a connection reset after the request was received.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(self._whole(response))

    def _whole(self, response: Response) -> bytes:
        """Status line, headers and body as one buffer (the stdlib's helpers buffer the head, then flush it)."""
        payload = response.encoded()
        self.log_request(response.status)
        lines = [f"{self.protocol_version} {response.status} {self.responses.get(response.status, ('',))[0]}"]
        lines += [f"Server: {self.version_string()}", f"Date: {self.date_time_string()}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        lines.append(f"Content-Length: {len(payload)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        return head + (payload if self.command != "HEAD" else b"")

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        log.info("%s %s", self.address_string(), format % args)


class EmulatorHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.connections_accepted = 0  # TCP connections opened to it (tests: are keep-alive connections reused?)

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        self.connections_accepted += 1
        super().process_request(request, client_address)

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (its read timeout) is not the emulator's error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class BackgroundEmulator:
    """The emulator on a free local port in a background thread (for tests)."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self.httpd = EmulatorHTTPServer((host, port), emulator)
        self.host, self.port = str(self.httpd.server_address[0]), int(self.httpd.server_address[1])
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="flowservice-emulator", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> BackgroundEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(timeout=5)
