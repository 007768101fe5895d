"""Log-in throttling that cannot be dodged, raced, turned against the real user, or used to stall the site."""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from django.contrib.auth.backends import ModelBackend
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django.urls import reverse

WRONG = b"Please enter a correct username"
REFUSED = b"Too many failed log-ins"


def attempt(
    client: Client, password: str, username: str = "alice", address: str = "10.0.0.1", url: str = "/login/"
) -> Any:
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
class TestNormalisedUserName:
    def test_full_width_user_name_shares_the_count_of_the_plain_one(self, client, user, settings):
        """ａｌｉｃｅ is alice to Django (NFKC): its failures make alice wait, from any address."""
        settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY = 3, 0.5
        answers = [
            attempt(client, "wrong", username=name, address=f"10.0.1.{number}").status_code
            for number, name in enumerate(["alice", "ａｌｉｃｅ", "ａlice", "alｉce"])
        ]
        assert answers == [200, 200, 200, 429]

    def test_full_width_user_name_is_locked_with_the_plain_one(self, client, user, settings):
        settings.LOGIN_THROTTLE_LIMIT, settings.LOGIN_THROTTLE_ADDRESS_LIMIT = 3, 100
        for name in ("alice", "ａｌｉｃｅ", "ａlice"):
            assert WRONG in attempt(client, "wrong", username=name).content
        assert REFUSED in attempt(client, "alice-password", username="ａｌｉｃｅ").content
        assert "_auth_user_id" not in client.session

    def test_case_is_a_different_user_for_the_default_user_model(self, client, user, settings):
        settings.LOGIN_THROTTLE_LIMIT, settings.LOGIN_THROTTLE_ADDRESS_LIMIT = 2, 100
        for _ in range(2):
            attempt(client, "wrong", username="ALICE")
        assert attempt(client, "alice-password").status_code == 302


@pytest.mark.django_db
class TestThirdPartyCannotLockTheUserOut:
    def test_failures_from_many_addresses_only_slow_the_user_name_down(self, client, admin_user, settings):
        settings.LOGIN_THROTTLE_LIMIT = 3
        for number in range(30):
            attempt(client, "guess", username="admin", address=f"203.0.113.{number}")
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "admin", "password": "password"}, REMOTE_ADDR="192.0.2.7"
        )
        assert response.status_code == 302 and response["Location"] == "/admin/"

    def test_the_attacker_address_is_locked_for_that_user_name(self, client, user, settings):
        settings.LOGIN_THROTTLE_LIMIT, settings.LOGIN_THROTTLE_ADDRESS_LIMIT = 3, 100
        for _ in range(3):
            attempt(client, "guess", address="203.0.113.9")
        assert REFUSED in attempt(client, "alice-password", address="203.0.113.9").content
        assert attempt(Client(), "alice-password", address="192.0.2.7").status_code == 302

    def test_one_address_trying_many_user_names_is_refused(self, client, user, settings):
        settings.LOGIN_THROTTLE_LIMIT, settings.LOGIN_THROTTLE_ADDRESS_LIMIT = 3, 6
        for number in range(6):
            attempt(client, "guess", username=f"user{number}")
        assert REFUSED in attempt(client, "alice-password").content


@pytest.mark.django_db
class TestBurst:
    def test_a_burst_of_simultaneous_wrong_log_ins_reaches_the_password_check_at_most_limit_times(
        self, settings, monkeypatch
    ):
        """Every request of the burst is inside the password check before any finishes (a gate)."""
        settings.LOGIN_THROTTLE_LIMIT, burst = 5, 30
        checked, answered, gate, lock = [], [], threading.Event(), threading.Lock()

        def slow_check(backend: Any, request: Any, username: Any = None, password: Any = None, **kw: Any) -> None:
            with lock:
                checked.append(username)
            gate.wait(timeout=10)
            return None

        monkeypatch.setattr(ModelBackend, "authenticate", slow_check)

        def log_in() -> None:
            response = attempt(Client(), "wrong")
            with lock:
                answered.append(response.content)

        threads = [threading.Thread(target=log_in) for _ in range(burst)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(checked) + len(answered) < burst and time.monotonic() < deadline:
            time.sleep(0.01)  # polls a condition: every request is either checking or answered
        gate.set()
        for thread in threads:
            thread.join()
        assert len(checked) <= settings.LOGIN_THROTTLE_LIMIT
        assert sum(REFUSED in content for content in answered) == burst - len(checked)


@pytest.mark.django_db
class TestRefusedEarly:
    @pytest.mark.parametrize("url", ["/login/", "/admin/login/"])
    def test_a_throttled_attempt_is_a_429_with_retry_after_and_the_password_is_not_checked(
        self, client, admin_user, settings, monkeypatch, url
    ):
        settings.LOGIN_THROTTLE_LIMIT = 2
        checked: list[str] = []
        check = ModelBackend.authenticate

        def counted(backend: Any, request: Any, username: Any = None, password: Any = None, **kw: Any) -> Any:
            checked.append(password)
            return check(backend, request, username=username, password=password, **kw)

        monkeypatch.setattr(ModelBackend, "authenticate", counted)
        for _ in range(2):
            assert attempt(client, "wrong", username="admin", url=url).status_code == 200
        refused = attempt(client, "password", username="admin", url=url)  # the right password
        assert refused.status_code == 429
        assert 800 < int(refused["Retry-After"]) <= settings.LOGIN_THROTTLE_WINDOW
        assert checked == ["wrong", "wrong"]
        assert "_auth_user_id" not in client.session
        assert REFUSED in refused.content and b"Try again in about 15 minutes." in refused.content

    def test_a_user_name_attacked_from_many_addresses_takes_one_attempt_at_a_time(self, client, user, settings):
        settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY, settings.LOGIN_THROTTLE_MAX_DELAY = 2, 1, 4
        answers = [attempt(client, "guess", address=f"203.0.113.{number}") for number in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert answers[2]["Retry-After"] == "1" and b"Try again in 1 second." in answers[2].content

    def test_the_real_user_gets_in_once_the_wait_is_over(self, client, user, settings, monkeypatch):
        settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY, settings.LOGIN_THROTTLE_MAX_DELAY = 2, 1, 4
        for number in range(6):
            attempt(client, "guess", address=f"203.0.113.{number}")
        refused = attempt(Client(), "alice-password", address="192.0.2.7")
        assert refused.status_code == 429
        later = time.time() + int(refused["Retry-After"]) + 0.2
        monkeypatch.setattr(time, "time", lambda: later)  # the throttle's and the cache's clock; nothing waits
        assert attempt(Client(), "alice-password", address="192.0.2.7").status_code == 302


class TwoWorkerServer(ThreadedWSGIServer):
    """At most two requests served at once, like the two sync gunicorn workers of `make serve`."""

    request_queue_size = 2048  # gunicorn's backlog: a burst waits for a worker, none is dropped and resent

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workers = ThreadPoolExecutor(max_workers=2)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.workers.submit(self.process_request_thread, request, client_address)

    def server_close(self) -> None:
        self.workers.shutdown(cancel_futures=True)
        super().server_close()


class TwoWorkerLiveServer(LiveServerThread):
    server_class = TwoWorkerServer


@pytest.fixture
def two_workers(transactional_db: Any) -> Iterator[str]:
    server = TwoWorkerLiveServer("127.0.0.1", _StaticFilesHandler)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()


# As gunicorn's sync workers answer: one request per connection, so no client keeps a worker between requests.
CLOSE = {"Connection": "close"}


def timed_pages(url: str, session_id: str, count: int, within: float = 600) -> list[float]:
    """Seconds each of `count` page loads took, one after another (fewer if `within` seconds ran out)."""
    times: list[float] = []
    deadline = time.monotonic() + within
    while len(times) < count and time.monotonic() < deadline:
        started = time.perf_counter()
        response = requests.get(url, cookies={"sessionid": session_id}, headers=CLOSE, timeout=60)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200
    return times


def p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def burst_of_wrong_log_ins(server: str, username: str, subnet: int) -> list[int]:
    """Start 30 wrong log-ins for `username` from 30 addresses, four at a time; their answers, as they come."""
    login = requests.get(server + "/login/", headers=CLOSE, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text)
    assert token is not None
    form = {"username": username, "password": "wrong", "csrfmiddlewaretoken": token.group(1)}
    statuses: list[int] = []

    def log_in(number: int) -> int:
        headers = {**CLOSE, "X-Forwarded-For": f"198.51.{subnet}.{number}"}
        response = requests.post(server + "/login/", data=form, cookies=login.cookies, headers=headers, timeout=120)
        statuses.append(response.status_code)
        return response.status_code

    attackers = ThreadPoolExecutor(max_workers=4)
    attackers.map(log_in, range(30))
    attackers.shutdown(wait=False)
    return statuses


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_log_ins_does_not_stall_another_persons_page(two_workers, other_user, settings):
    """30 wrong log-ins for a user name from 30 addresses, 4 at a time; bob's page stays as fast as when idle.

    Idle is measured just before and just after the burst, so a machine busy with other work slows both
    alike; the burst's samples are bob's next 160 page loads from its start (those within 20 s).
    A busy machine can still slow one phase alone (medians 4x apart were seen with 8 test runs on 2 cores),
    so it is measured up to five times; a held worker slows every try by whole seconds.
    """
    settings.BEHIND_PROXY = True  # each attacker's address as the proxy saw it
    settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY, settings.LOGIN_THROTTLE_MAX_DELAY = 3, 0.5, 1
    bob = Client()
    bob.force_login(other_user)
    session_id, page = bob.cookies["sessionid"].value, two_workers + reverse("onboarding:list")
    timed_pages(page, session_id, 10)  # warm up
    ratios = []
    for attempt_number in range(5):
        idle = timed_pages(page, session_id, 50)
        statuses = burst_of_wrong_log_ins(two_workers, f"alice{attempt_number}", attempt_number)
        during = timed_pages(page, session_id, 160, within=20)
        idle += timed_pages(page, session_id, 50)
        ratios.append((p95(during) / p95(idle), statistics.median(during) / statistics.median(idle)))
        if max(ratios[-1]) <= 1.5:
            break
    assert min(max(ratio) for ratio in ratios) <= 1.5, ratios
    assert sorted(set(statuses)) == [200, 429]  # checked until the user name had to wait, then refused at once
