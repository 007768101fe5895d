"""Calls to Adobe reuse their thread's HTTP session: one task after another on a worker thread keeps
its keep-alive connection instead of opening one (and against Adobe negotiating TLS) per task."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from connections import adobe
from connections.flowservice.transport import ThreadSessions
from tests.conftest import EmulatorHandle

SPEC = "/connectionSpecs/bf9f5905-92b7-48bf-bf20-455bc6b60a4e"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_thread_keeps_its_session_and_another_thread_gets_its_own():
    sessions = ThreadSessions()
    mine = sessions.session()
    theirs = []
    worker = threading.Thread(target=lambda: theirs.append(sessions.session()))
    worker.start()
    worker.join()

    assert sessions.session() is mine
    assert theirs[0] is not mine


def test_a_session_idle_past_the_limit_is_replaced_and_each_answer_keeps_it_fresh(emulator: EmulatorHandle):
    clock = Clock()
    sessions = ThreadSessions(idle_limit=30, clock=clock)
    first = sessions.session()

    clock.now += 20
    first.get(emulator.flow_url + SPEC, headers=emulator.headers(), timeout=5)  # an answer at +20
    clock.now += 25  # 45 s since the session was handed out, 25 s since its last answer
    assert sessions.session() is first

    clock.now += 31
    assert sessions.session() is not first


def test_a_forked_process_never_uses_its_parents_session(monkeypatch):
    sessions = ThreadSessions()
    parent = sessions.session()
    monkeypatch.setattr("connections.flowservice.transport.os.getpid", lambda: -1)  # as in a child after fork

    assert sessions.session() is not parent


@pytest.fixture
def cookie_server() -> Iterator[str]:
    class SetsACookie(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Set-Cookie", "AWSALB=sticky-for-onboarding-a; Path=/")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), SetsACookie)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_shared_session_keeps_no_cookie_from_one_onboarding_for_the_next(cookie_server: str):
    session = ThreadSessions().session()
    answer = session.get(cookie_server + "/", timeout=5)

    assert "AWSALB" in answer.headers["Set-Cookie"]  # the server did set one
    assert not session.cookies


def test_clients_made_one_after_another_on_a_thread_reuse_one_connection(db, emulator_server):
    adobe.flow_client(onboarding=None, actor=None).get_connection_spec()  # this thread's session connects
    opened = emulator_server.httpd.connections_accepted

    for _ in range(3):  # three tasks, each with its own client, on the same thread
        adobe.flow_client(onboarding=None, actor=None).get_connection_spec()

    assert emulator_server.httpd.connections_accepted == opened
