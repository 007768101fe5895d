"""Reused keep-alive connections do not stall: each answer leaves in one write, with TCP_NODELAY.

Tests do not time anything; `scripts/bench_emulator.py` prints the keep-alive vs fresh-connection ratio.
"""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from connections.flowservice_emulator import BackgroundEmulator, make_emulator
from connections.flowservice_emulator import server as emulator_server
from tests.conftest import EmulatorHandle

SPEC = "/connectionSpecs/bf9f5905-92b7-48bf-bf20-455bc6b60a4e"


@pytest.fixture
def own_emulator() -> Iterator[EmulatorHandle]:
    server = BackgroundEmulator(make_emulator()).start()
    yield EmulatorHandle(server)
    server.stop()


def test_every_answer_on_a_keep_alive_connection_is_one_write(own_emulator, monkeypatch):
    writes: list[int] = []
    lock = threading.Lock()
    original = socketserver._SocketWriter.write

    def counting(self: Any, data: Any) -> int:
        with lock:
            writes.append(len(data))
        return int(original(self, data))

    headers = own_emulator.headers()
    monkeypatch.setattr(socketserver._SocketWriter, "write", counting)
    with requests.Session() as session:
        for _ in range(20):
            response = session.get(own_emulator.flow_url + SPEC, headers=headers, timeout=5)
            assert response.status_code == 200
            assert response.json()["items"][0]["name"] == "azure-eventhub"
    assert len(writes) == 20
    assert all(size > 1000 for size in writes)  # the head and the whole body each time


def test_the_emulator_sets_tcp_nodelay_on_every_connection(own_emulator, monkeypatch):
    flags: list[int] = []
    original = emulator_server._Handler.setup

    def recording(self: Any) -> None:
        original(self)
        flags.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    monkeypatch.setattr(emulator_server._Handler, "setup", recording)
    with requests.Session() as session:
        session.get(own_emulator.flow_url + SPEC, headers=own_emulator.headers(), timeout=5)
    requests.get(own_emulator.flow_url + SPEC, headers=own_emulator.headers(), timeout=5)
    assert len(flags) >= 2
    assert all(flags)


def test_a_head_request_gets_the_head_only(own_emulator):
    response = requests.head(own_emulator.flow_url + SPEC, headers=own_emulator.headers(), timeout=5)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) > 0
    assert response.content == b""
