"""Going live: configuration checks, flowservice_check, the shared token, two app processes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from django.core.management import CommandError, call_command

from connections import adobe
from connections.checks import check_adobe_configuration
from connections.flowservice_emulator import BackgroundEmulator, make_emulator
from tests.conftest import account_post, source_post

ROOT = Path(__file__).resolve().parent.parent
TEST_KEY = "dGVzdHMtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA="


def django_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "DJANGO_", "DATABASE_URL"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "onboarding.settings",
        "READ_DOT_ENV": "false",
        "SECRET_KEY": "s" * 50,
        "FIELD_ENCRYPTION_KEYS": TEST_KEY,
        "DEBUG": "true",
        **extra,
    }


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=django_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestConfiguration:
    def test_without_credentials_the_emulator_is_used_and_said(self):
        result = manage("check")
        assert result.returncode == 0
        assert "Flow Service: local emulator at http://127.0.0.1:8765" in result.stdout + result.stderr

    def test_with_credentials_the_app_talks_to_adobe(self):
        result = manage(
            "shell",
            "-c",
            "from django.conf import settings as s; print(s.FLOW_SERVICE_MODE, s.IMS_URL, s.FLOW_SERVICE_URL)",
            ADOBE_CLIENT_ID="c",
            ADOBE_CLIENT_SECRET="s",
            ADOBE_ORG_ID="ABC@AdobeOrg",
        )
        assert (
            "adobe https://ims-na1.adobelogin.com https://platform.adobe.io/data/foundation/flowservice"
            in result.stdout
        )

    def test_some_but_not_all_credentials_stop_the_check(self):
        result = manage("check", ADOBE_CLIENT_ID="c")
        assert result.returncode != 0
        assert "missing: ADOBE_CLIENT_SECRET, ADOBE_ORG_ID" in result.stderr

    def test_org_id_must_end_with_adobe_org(self, settings):
        settings.ADOBE_CONFIGURED = ["ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ORG_ID"]
        settings.ADOBE_ORG_ID = "12345"
        assert [error.id for error in check_adobe_configuration()] == ["connections.E002"]

    def test_urls_must_be_well_formed(self, settings):
        settings.FLOW_SERVICE_URL = "platform.adobe.io"
        errors = check_adobe_configuration()
        assert [error.id for error in errors] == ["connections.E003"]
        assert "FLOW_SERVICE_URL is not a URL" in errors[0].msg

    def test_talking_to_adobe_needs_https(self, settings):
        settings.FLOW_SERVICE_MODE = "adobe"
        settings.IMS_URL = "http://ims.example.com"
        assert "must use https" in check_adobe_configuration()[0].msg


@pytest.mark.django_db
class TestFlowserviceCheck:
    def test_success_against_the_emulator(self, capsys):
        call_command("flowservice_check")
        out = capsys.readouterr().out
        assert "1. IMS token: OK" in out
        assert "2. Event Hubs connection spec: OK: azure-eventhub version 1.0" in out
        assert "Azure EventHub authentication credentials" in out and "Ready" in out

    def test_bad_client_credentials_are_named(self, settings):
        server = BackgroundEmulator(
            make_emulator(client_id="eh-onboarding-local", client_secret="the-right-one")
        ).start()
        settings.IMS_URL = server.url
        try:
            with pytest.raises(CommandError) as caught:
                call_command("flowservice_check")
        finally:
            server.stop()
        message = str(caught.value)
        assert message.startswith("1. IMS token: FAILED: Adobe refused the app's credentials.")
        assert "ADOBE_CLIENT_SECRET" in message and "HTTP 400, code invalid_client" in message
        assert "invalid client_secret parameter" in message

    def test_unknown_sandbox_is_named(self):
        with pytest.raises(CommandError) as caught:
            call_command("flowservice_check", sandbox="staging")
        message = str(caught.value)
        assert message.startswith("2. Event Hubs connection spec: FAILED: Sandbox not found.")
        assert "code 2100-404" in message and "request " in message


@pytest.mark.django_db
class TestSharedToken:
    def test_the_token_lives_in_the_cache_encrypted(self, alice, emulator):
        alice.post(alice.post("/onboardings/new/", account_post())["Location"], source_post())
        provider = adobe.token_provider()
        entry = cache.get(provider.cache_key)
        assert entry and not entry["token"].startswith("emu-")
        adobe._provider.cache_clear()  # as a second process would: a new provider, the same cache
        assert adobe.token_provider().token() == provider.token()
        assert emulator.stats()["tokensIssued"] == 1

    def test_a_token_is_renewed_before_it_expires(self, settings, monkeypatch):
        server = BackgroundEmulator(make_emulator(token_lifetime=2)).start()
        settings.IMS_URL = server.url
        try:
            first = adobe.token_provider().token()
            later = time.time() + 2.1
            monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock moves on; nothing waits
            assert adobe.token_provider().token() != first
        finally:
            server.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the app process died"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}")


class Balancer:
    """One user's browser session, sent alternately to two app processes, as a load balancer would."""

    def __init__(self, ports: list[int]) -> None:
        self.ports, self.turn, self.session = ports, 0, requests.Session()

    def url(self, path: str) -> str:
        self.turn += 1
        return f"http://127.0.0.1:{self.ports[self.turn % len(self.ports)]}{path}"

    def get(self, path: str) -> requests.Response:
        response = self.session.get(self.url(path), allow_redirects=False, timeout=30)
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return response

    def post(self, path: str, data: dict[str, str]) -> str:
        data = {**data, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]}
        response = self.session.post(self.url(path), data=data, allow_redirects=False, timeout=30)
        assert response.status_code == 302, (path, response.status_code, response.text[:2000])
        return str(response.headers["Location"])


def test_two_app_processes_share_the_database_the_cache_and_one_token(emulator, tmp_path):
    import psycopg
    import redis

    database = f"eh_two_processes_{os.getpid()}"
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    redis.Redis(host="127.0.0.1", port=6379, db=15).flushdb()
    env = {
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMULATOR_URL": emulator.url,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "CACHE_URL": "redis://127.0.0.1:6379/15",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_SUPERUSER_USERNAME": "dana",
        "DJANGO_SUPERUSER_PASSWORD": "dana-password-1",
        "DJANGO_SUPERUSER_EMAIL": "dana@example.com",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        for command in (("migrate", "--noinput"), ("collectstatic", "--noinput"), ("createsuperuser", "--noinput")):
            result = manage(*command, **env)
            assert result.returncode == 0, result.stderr
        ports = [free_port(), free_port()]
        for port in ports:
            log = open(tmp_path / f"gunicorn-{port}.log", "wb")  # noqa: SIM115 - closed with the process
            processes.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).parent / "gunicorn"),
                        "onboarding.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                    ],
                    cwd=ROOT,
                    env=django_env(**env),
                    stdout=log,
                    stderr=log,
                )
            )
        for port, process in zip(ports, processes, strict=True):
            wait_for_port(port, process)

        browser = Balancer(ports)
        browser.get("/login/")
        browser.post("/login/", {"username": "dana", "password": "dana-password-1", "next": "/onboardings/"})
        for number in (1, 2):
            page = browser.get("/onboardings/new/").text
            token = re.search(r'name="creation_token" value="([^"]+)"', page).group(1)
            source = browser.post("/onboardings/new/", account_post(name=f"Balanced {number}", creation_token=token))
            browser.get(source)
            done = browser.post(source, source_post(consumer_group=f"balanced-{number}"))
            assert "Your Event Hubs account is connected" in browser.get(done).text
        assert browser.turn > 10
        stats = emulator.stats()
        assert (stats["connections"], stats["sourceConnections"]) == (2, 2)
        assert stats["tokensIssued"] == 1  # one token, shared through Redis
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=10)
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
