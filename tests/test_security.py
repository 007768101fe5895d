"""Security promises, each with its proof: rotation, production settings, headers, CSRF, access, throttling."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.core.signals import got_request_exception
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.views.debug import ExceptionReporter

from connections import services
from connections.encryption import DecryptionError, decrypt
from connections.log_filters import MaskSecretsFilter
from connections.models import Onboarding
from connections.services.readers import reader_of
from tests.conftest import DEMO_MANAGE_KEY, account_post, source_post

ROOT = Path(__file__).resolve().parent.parent
CONNECTION_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
    f"SharedAccessKey={DEMO_MANAGE_KEY}"
)
# The production settings the README documents (behind a TLS-terminating proxy).
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "p3kL9xQ2vN8mR5tY7wZ1aB4cD6eF0gH2iJ4kL6mN8oP0qR2sT4uV",
    "FIELD_ENCRYPTION_KEYS": "dGVzdHMtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA=",
    "ALLOWED_HOSTS": "onboarding.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://onboarding.example.com",
    "BEHIND_PROXY": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    # Alerts are emailed: without it `check --deploy` says mail is printed, not sent (mail.E001).
    "EMAIL_URL": "smtp+tls://alerts%40example.com:not-a-password@mail.example.com:587",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ADOBE_", "DJANGO_", "SECURE_", "DATABASE"))}
    base.update(DJANGO_SETTINGS_MODULE="onboarding.settings", READ_DOT_ENV="false")
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def raw_key_ids() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sas_key, namespace, sas_key_name FROM connections_onboarding")
        return {value.split(":")[2] for row in cursor.fetchall() for value in row if value}


@pytest.mark.django_db
class TestKeyRotation:
    def test_rotate_with_two_keys_then_remove_the_old_one(self, make_onboarding, settings, capsys):
        from connections.keys import key_id

        onboardings = [make_onboarding("source", name=f"n{i}", consumer_group=f"g{i}") for i in range(3)]
        old = settings.FIELD_ENCRYPTION_KEYS[0]
        new = Fernet.generate_key().decode()
        settings.FIELD_ENCRYPTION_KEYS = [new, old]
        call_command("rotate_encryption_keys", batch_size=2)
        out = capsys.readouterr().out
        assert "onboardings: 3 rows checked, 9 values re-encrypted" in out
        assert raw_key_ids() == {key_id(new)}
        call_command("rotate_encryption_keys")  # again: nothing left to do
        assert "3 rows checked, 0 values re-encrypted" in capsys.readouterr().out
        settings.FIELD_ENCRYPTION_KEYS = [new]
        assert [o.sas_key for o in Onboarding.objects.order_by("id")] == [DEMO_MANAGE_KEY] * 3
        # The consumer-group rule still recognises the namespace (its fingerprint was re-keyed).
        first, second = (Onboarding.objects.get(pk=o.pk) for o in onboardings[:2])
        assert reader_of(first, event_hub_name="orders", consumer_group="g1") is not None
        assert reader_of(second, event_hub_name="orders", consumer_group="g1") is None  # its own

    def test_a_removed_key_is_a_clear_error(self, make_onboarding, settings):
        make_onboarding("draft")
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
        with pytest.raises(CommandError, match="could not be decrypted with any configured key"):
            call_command("rotate_encryption_keys")
        stored = Onboarding.objects.get().sas_key
        assert stored == "unreadable (key removed)"  # a label, never the ciphertext
        with pytest.raises(DecryptionError, match="no longer in FIELD_ENCRYPTION_KEYS"):
            decrypt(stored.stored)

    def test_generate_encryption_key_prints_a_usable_key(self, capsys):
        call_command("generate_encryption_key")
        Fernet(capsys.readouterr().out.strip().encode())


class TestProductionSettings:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
            ({"SECRET_KEY": "change-me"}, "SECRET_KEY is a default or too short"),
            ({"SECRET_KEY": "django-insecure-" + "x" * 40}, "SECRET_KEY is a default or too short"),
            ({"FIELD_ENCRYPTION_KEYS": ""}, "FIELD_ENCRYPTION_KEYS is not set"),
            ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty and DEBUG=false"),
        ],
    )
    def test_start_up_refuses_unsafe_production_settings(self, change, message):
        result = manage("check", **{**PRODUCTION, **change})
        assert result.returncode != 0
        assert message in result.stderr

    def test_check_deploy_is_clean_with_the_documented_settings(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
        assert result.returncode == 0, result.stderr
        assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
class TestHeadersOnEveryPage:
    def pages(self, client, make_onboarding) -> list[str]:
        done = make_onboarding("source")
        pages = [
            reverse("login"),
            reverse("onboarding:list"),
            reverse("onboarding:new"),
            reverse("onboarding:account", args=[done.public_id]),
            reverse("onboarding:source", args=[done.public_id]),
            reverse("onboarding:done", args=[done.public_id]),
            reverse("onboarding:credentials", args=[done.public_id]),
            "/onboardings/does-not-exist/",
            reverse("admin:index"),
            reverse("admin:connections_onboarding_changelist"),
            reverse("admin:connections_onboarding_change", args=[done.pk]),
            reverse("admin:login"),
        ]
        return pages

    def test_strict_csp_and_security_headers(self, admin_client, make_onboarding, admin_user):
        Onboarding.objects.update(owner=admin_user)
        for url in self.pages(admin_client, make_onboarding):
            response = admin_client.get(url)
            csp = response["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "style-src 'self'" in csp, url
            assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, url
            assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, url
            assert response["X-Frame-Options"] == "DENY", url
            assert response["Referrer-Policy"] == "same-origin", url
            assert response["X-Content-Type-Options"] == "nosniff", url
            assert "no-store" in response["Cache-Control"], url

    def test_no_inline_script_or_style_in_our_pages(self, admin_client, make_onboarding, admin_user):
        import re

        Onboarding.objects.update(owner=admin_user)
        for url in self.pages(admin_client, make_onboarding)[:8]:
            html = admin_client.get(url).content.decode()
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
            assert "<style" not in html and " style=" not in html and "hx-on" not in html, url


@pytest.mark.django_db
class TestCsrf:
    def test_every_post_needs_the_token(self, user, make_onboarding):
        onboarding = make_onboarding("source")
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        pid = onboarding.public_id
        posts = [
            (reverse("onboarding:new"), account_post()),
            (reverse("onboarding:account", args=[pid]), account_post()),
            (reverse("onboarding:source", args=[pid]), source_post()),
            (reverse("onboarding:retry", args=[pid]), {}),
            (reverse("onboarding:test", args=[pid]), {}),
            (reverse("onboarding:credentials", args=[pid]), {"sas_key": DEMO_MANAGE_KEY}),
            (reverse("onboarding:reload", args=[pid]), {}),
            (reverse("onboarding:parse_connection_string"), {"connection_string": CONNECTION_STRING}),
            (reverse("logout"), {}),
            (reverse("login"), {"username": "alice", "password": "alice-password"}),
        ]
        for url, data in posts:
            response = client.post(url, data)
            assert response.status_code == 403, url
            assert b"Please reload the page" in response.content
        assert Onboarding.objects.count() == 1


@pytest.mark.django_db
class TestAccess:
    def urls(self, onboarding: Onboarding) -> list[str]:
        pid = onboarding.public_id
        return [
            reverse(f"onboarding:{name}", args=[pid])
            for name in ("detail", "account", "source", "done", "status", "credentials", "export")
        ]

    def test_another_users_onboarding_is_404_on_every_url(self, client, make_onboarding, other_user):
        onboarding = make_onboarding("source")
        client.force_login(other_user)
        for url in self.urls(onboarding):
            assert client.get(url).status_code == 404, url
        for name in ("retry", "test", "reload", "credentials", "source", "account"):
            assert client.post(reverse(f"onboarding:{name}", args=[onboarding.public_id])).status_code == 404, name

    def test_unauthenticated_requests_go_to_login(self, client, make_onboarding):
        onboarding = make_onboarding("source")
        for url in [
            *self.urls(onboarding),
            reverse("onboarding:list"),
            reverse("onboarding:new"),
            reverse("onboarding:auth_fields"),
        ]:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/login/"), url
        for name in ("retry", "test", "reload"):
            response = client.post(reverse(f"onboarding:{name}", args=[onboarding.public_id]))
            assert response["Location"].startswith("/login/"), name

    def test_only_staff_reach_the_admin(self, client, user):
        client.force_login(user)
        response = client.get(reverse("admin:connections_onboarding_changelist"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
class TestLoginThrottling:
    def attempt(self, client, password: str, username: str = "alice", address: str = "10.0.0.1", url: str = "/login/"):
        return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)

    def test_repeated_failures_for_a_user_name_are_refused_for_a_while(self, client, user, settings):
        settings.LOGIN_THROTTLE_LIMIT = 3
        for _ in range(3):
            assert b"Please enter a correct username" in self.attempt(client, "wrong").content
        refused = self.attempt(client, "alice-password")  # the right password, from the same address
        assert b"Too many failed log-ins" in refused.content
        assert "_auth_user_id" not in client.session

    def test_repeated_failures_from_an_address_are_refused(self, client, user, settings):
        settings.LOGIN_THROTTLE_ADDRESS_LIMIT = 3
        for name in ("x1", "x2", "x3"):
            self.attempt(client, "wrong", username=name)
        assert b"Too many failed log-ins" in self.attempt(client, "alice-password").content

    def test_allowed_again_after_the_window(self, client, user, settings, monkeypatch):
        import time

        settings.LOGIN_THROTTLE_LIMIT, settings.LOGIN_THROTTLE_WINDOW = 2, 1
        self.attempt(client, "wrong")
        self.attempt(client, "wrong")
        assert b"Too many failed" in self.attempt(client, "alice-password").content
        later = time.time() + 1.2
        monkeypatch.setattr(time, "time", lambda: later)  # the throttle's and the cache's clock; nothing waits
        assert self.attempt(client, "alice-password").status_code == 302

    def test_attempts_on_a_user_name_are_spaced_before_they_are_refused(self, client, user, settings, monkeypatch):
        import time

        settings.LOGIN_THROTTLE_SLOW_AFTER, settings.LOGIN_THROTTLE_DELAY, settings.LOGIN_THROTTLE_LIMIT = 2, 0.5, 10
        answers = [self.attempt(client, "wrong") for _ in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 429] and answers[2]["Retry-After"] == "1"
        later = time.time() + 1.2
        monkeypatch.setattr(time, "time", lambda: later)  # the throttle's and the cache's clock; nothing waits
        assert self.attempt(client, "wrong").status_code == 200
        assert self.attempt(client, "wrong")["Retry-After"] == "2"  # each wait twice the last

    def test_the_admin_login_is_throttled_too(self, client, admin_user, settings):
        settings.LOGIN_THROTTLE_LIMIT = 2
        for _ in range(2):
            self.attempt(client, "wrong", username="admin", url="/admin/login/")
        assert (
            b"Too many failed log-ins"
            in self.attempt(client, "password", username="admin", url="/admin/login/").content
        )


class TestSecretsStayOut:
    def test_the_log_filter_masks_credentials(self):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.addFilter(MaskSecretsFilter())
        log = logging.getLogger("tests.masking")
        log.addHandler(handler)
        try:
            log.warning("pasted %s", CONNECTION_STRING)
            log.warning('{"sasKey": "%s", "client_secret": "abc"}', DEMO_MANAGE_KEY)
            try:
                raise ValueError(f"bad key {DEMO_MANAGE_KEY}")
            except ValueError:
                log.exception("failed")
        finally:
            log.removeHandler(handler)
        assert DEMO_MANAGE_KEY not in stream.getvalue()
        assert "SharedAccessKey=[masked]" in stream.getvalue() and '"client_secret": "[masked]"' in stream.getvalue()

    @pytest.mark.django_db
    def test_the_error_report_and_the_error_page_hold_no_secret(self, alice, monkeypatch):
        def fail(**kwargs):
            account = kwargs["account"]
            key, text = account.credentials.value("sas_key"), CONNECTION_STRING  # locals an error report would show
            raise RuntimeError(f"the database fell over ({len(key + text)})")

        monkeypatch.setattr(services, "onboarding_connect_account", fail)
        reports: list[str] = []

        def capture(sender, request, **kwargs):
            reporter = ExceptionReporter(request, *sys.exc_info())
            reports.extend([reporter.get_traceback_html(), reporter.get_traceback_text()])

        got_request_exception.connect(capture)
        alice.raise_request_exception = False
        try:
            response = alice.post(reverse("onboarding:new"), account_post(connection_string=CONNECTION_STRING))
        finally:
            got_request_exception.disconnect(capture)
        assert response.status_code == 500
        assert b"Something went wrong on our side" in response.content
        assert reports and "the database fell over" in reports[1]
        for report in reports + [response.content.decode()]:
            assert DEMO_MANAGE_KEY not in report
