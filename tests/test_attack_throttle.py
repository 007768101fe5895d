"""Log-in throttling that cannot be dodged, raced or turned against the real user (issue 13)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth.backends import ModelBackend
from django.test import Client

WRONG = b"Please enter a correct username"
REFUSED = b"Too many failed log-ins"


def attempt(client: Client, password: str, username: str = "alice", address: str = "10.0.0.1") -> Any:
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
class TestNormalisedUserName:
    def test_full_width_user_name_shares_the_count_of_the_plain_one(self, client, user, settings, monkeypatch):
        """ａｌｉｃｅ is alice to Django (NFKC): its failures slow alice down, from any address."""
        from onboarding import throttle

        waits: list[float] = []
        monkeypatch.setattr(throttle.time, "sleep", waits.append)
        settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY = 3, 0.5
        for number, name in enumerate(["alice", "ａｌｉｃｅ", "ａlice", "alｉce"]):
            attempt(client, "wrong", username=name, address=f"10.0.1.{number}")
        assert waits == [0.5]

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
