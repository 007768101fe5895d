"""The go-live check in the admin: a superuser starts it, a background task runs the contract check against the
configured organisation (here the emulator, over real HTTP), and the page shows each guess's verdict; the
recording it keeps is shapes only and replays as a regression test."""

from __future__ import annotations

import datetime
import json
from typing import Any
from unittest.mock import Mock

import pytest
from django.core.signals import got_request_exception
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.views.debug import SafeExceptionReporterFilter

from connections.flowservice_emulator import FLOW_PREFIX
from connections.models import GoLiveCheck
from connections.services import contract_check
from connections.services.contract_check import EMULATOR_DATAFLOW
from tests.conftest import DEMO_MANAGE_KEY, DEMO_MANAGE_KEY_NAME, DEMO_NAMESPACE
from tests.contract.proxy import AlteringProxy, Exchange, Reply
from tests.test_client_contract import JOURNEY, left_behind, test_every_recorded_contract_holds_against_the_emulator

pytestmark = pytest.mark.django_db
queued = pytest.mark.django_db(transaction=True)  # the worker (run_tasks) closes the connection it used

START = reverse("admin:connections_golivecheck_start")
CLIENT_SECRET = "go-live-client-secret-4f1d9c"  # noqa: S105 - a value to look for, not a secret


def working(**overrides: str) -> dict[str, str]:
    asked = {
        "sandbox_name": "dev",
        "namespace": DEMO_NAMESPACE,
        "sas_key_name": DEMO_MANAGE_KEY_NAME,
        "sas_key": DEMO_MANAGE_KEY,
        "event_hub": "orders",
        "schema": EMULATOR_DATAFLOW.schema_id,
        "mappings": "id=_eventhubsdemo.order.orderId\ntotal=_eventhubsdemo.order.total",
    }
    return {**asked, **overrides}


def started(client: Any, asked: dict[str, str]) -> GoLiveCheck:
    response = client.post(START, asked)
    assert response.status_code == 302, response.content.decode()[:2000]
    check = GoLiveCheck.objects.get()
    assert response["Location"] == page_of(check)
    return check


def page_of(check: GoLiveCheck) -> str:
    return reverse("admin:connections_golivecheck_check", args=[check.public_id])


def download_of(check: GoLiveCheck) -> str:
    return reverse("admin:connections_golivecheck_recording", args=[check.public_id])


@queued
def test_a_superuser_runs_the_check_in_the_background_and_reads_every_guess_confirmed(
    admin_client, admin_user, emulator, task_queue
):
    check = started(admin_client, working())
    assert check.state == GoLiveCheck.State.QUEUED and check.task_id
    waiting = admin_client.get(page_of(check), headers={"HX-Request": "true"})
    assert "Waiting to start…" in waiting.content.decode() and "HX-Redirect" not in waiting

    task_queue()

    check.refresh_from_db()
    assert (check.state, check.actor, check.payload) == ("done", admin_user, "")
    assert check.recorded_by == "the local emulator"
    assert [step["step"] for step in check.steps_done] == JOURNEY
    assert check.object_name.startswith("contract-check ")
    assert left_behind(emulator.url) == {}  # every object it made is deleted (a mapping set cannot be)
    assert admin_client.get(page_of(check), headers={"HX-Request": "true"})["HX-Redirect"] == page_of(check)
    shown = admin_client.get(page_of(check)).content.decode()
    assert shown.count(">CONFIRMED<") == len(check.verdicts) > 0 and ">REFUTED<" not in shown
    said = " ".join(shown.split())
    assert f"The local emulator confirmed {len(check.verdicts)} of the app's guesses and refuted 0</strong>" in said
    assert "Nothing: Adobe answered as the app expects." in shown
    assert "pause flow again: POST 400, then GET 200" in shown
    assert "Adobe's connection test accepted the Event Hubs credentials" in shown
    assert check.object_name in shown and "deletes it all afterwards" in shown
    assert "becomes a regression" in shown and "tests/contract/" in shown
    guesses = shown.split('<table class="go-live-verdicts">')[1].split("</table>")[0]
    assert "<code>" in guesses and "`" not in guesses  # code spans shown as code, never as backticks


@queued
def test_a_known_secret_appears_nowhere_the_check_leaves_anything(admin_client, settings, task_queue):
    settings.ADOBE_CLIENT_SECRET = CLIENT_SECRET
    check = started(admin_client, working())
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM connections_golivecheck")
        (stored,) = cursor.fetchone()
    assert stored and DEMO_MANAGE_KEY not in stored and DEMO_NAMESPACE not in stored  # encrypted while it waits
    task_queue()

    check.refresh_from_db()
    assert check.state == "done" and check.payload == ""
    row = json.dumps(GoLiveCheck.objects.filter(pk=check.pk).values().get(), default=str)
    page = admin_client.get(page_of(check)).content.decode()
    admin_page = admin_client.get(reverse("admin:connections_golivecheck_change", args=[check.pk])).content.decode()
    download = admin_client.get(download_of(check)).content.decode()
    for secret in (DEMO_MANAGE_KEY, CLIENT_SECRET, DEMO_NAMESPACE, DEMO_MANAGE_KEY_NAME):
        for where, text in {"row": row, "page": page, "admin": admin_page, "download": download}.items():
            assert secret not in text, f"{secret} in the {where}"


def test_an_error_report_of_the_start_page_hides_the_sas_key(admin_client, monkeypatch):
    reported = []

    def capture(sender: Any, request: Any, **kwargs: Any) -> None:
        reported.append(request)

    monkeypatch.setattr("connections.services.go_live.start", Mock(side_effect=RuntimeError("the queue is down")))
    got_request_exception.connect(capture)
    admin_client.raise_request_exception = False
    try:
        assert admin_client.post(START, working()).status_code == 500
    finally:
        got_request_exception.disconnect(capture)
    shown = SafeExceptionReporterFilter().get_post_parameters(reported[0])
    assert shown["sas_key"] != DEMO_MANAGE_KEY and shown["sas_key_name"] == DEMO_MANAGE_KEY_NAME


@queued
def test_a_downloaded_recording_replays_as_a_regression_test(admin_client, emulator, task_queue, tmp_path):
    check = started(admin_client, working())
    task_queue()
    check.refresh_from_db()
    response = admin_client.get(download_of(check))
    assert response["Content-Type"] == "application/json"
    name = f"contract-dev-{check.created_at:%Y%m%d-%H%M%S}.json"
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    path = tmp_path / name
    path.write_bytes(response.content)
    assert json.loads(path.read_text())["steps"] == json.loads(check.recording)["steps"]
    test_every_recorded_contract_holds_against_the_emulator(path, emulator)  # as if placed under tests/contract/


def test_an_adobe_that_answers_otherwise_is_shown_refuted_with_what_to_do(admin_client, emulator, settings):
    def renamed(exchange: Exchange, reply: Reply) -> Reply:
        if "/connectionSpecs/" in exchange.path:
            body = reply.json()
            body["items"][0]["authSpecs"] = body["items"][0].pop("authSpec")
            return reply.with_json(body)
        return reply

    with AlteringProxy(emulator.url, after=renamed) as proxy:
        settings.FLOW_SERVICE_URL = proxy.url + FLOW_PREFIX
        check = started(admin_client, working())  # the immediate backend: run before the answer
    shown = admin_client.get(page_of(check)).content.decode()
    assert check.state == "done" and check.tally["refuted"] >= 1
    refuted = {row["guess"] for row in check.verdicts if row["verdict"] == "refuted"}
    assert "The connection spec lists its auth types under `authSpec`" in refuted
    assert "get_connection_spec: body.items[].authSpecs: only in the local emulator&#x27;s answer" in shown
    assert ">REFUTED<" in shown and "Send us the recording" in shown


def test_without_credentials_or_a_schema_the_guesses_it_cannot_reach_say_why(admin_client):
    check = started(admin_client, {"sandbox_name": "dev"})
    shown = admin_client.get(page_of(check)).content.decode()
    said = {row["guess"]: row for row in check.verdicts}
    runs = said["Runs of a streaming flow are listed in a time window, newest first, their reasons in `activities[]`"]
    assert runs["verdict"] == "not exercised"
    assert runs["answered"] == ["list runs: not asked (no schema was named for the dataflow)"]
    assert "Run the check again with a schema and a mapping" in shown and ">NOT EXERCISED<" in shown
    assert "credentials that Azure refuses" in shown


def test_a_check_that_stops_says_so_and_keeps_no_credentials(admin_client, monkeypatch):
    def broken(recording: dict[str, Any]) -> list[str]:
        raise RuntimeError("the emulator would not start")

    monkeypatch.setattr(contract_check, "compared_with_emulator", broken)
    check = started(admin_client, working())
    assert (check.state, check.payload, check.recording) == ("failed", "", "")
    assert "The check did not finish" in admin_client.get(page_of(check)).content.decode()
    assert admin_client.get(download_of(check)).status_code == 404


class TestAWorkerThatDies:
    def test_a_check_whose_lease_expired_is_failed_and_says_what_to_delete(self, admin_client, admin_user):
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        check = GoLiveCheck.objects.create(
            actor=admin_user,
            sandbox_name="dev",
            state=GoLiveCheck.State.RECORDING,
            object_name="contract-check 20261207-101010 a1b2c3",
            payload="{}",
            created_at=long_ago,
            lease_expires_at=long_ago,
        )
        assert admin_client.get(page_of(check), headers={"HX-Request": "true"})["HX-Redirect"] == page_of(check)
        shown = admin_client.get(page_of(check)).content.decode()
        assert "its task worker stopped" in shown and "contract-check 20261207-101010 a1b2c3" in shown
        check.refresh_from_db()
        assert (check.state, check.payload) == ("failed", "")

    def test_a_check_still_waiting_for_a_worker_is_left_waiting(self, admin_client, task_queue):
        check = started(admin_client, {"sandbox_name": "dev"})
        GoLiveCheck.objects.filter(pk=check.pk).update(created_at=timezone.now() - datetime.timedelta(hours=1))
        assert "Waiting to start…" in admin_client.get(page_of(check)).content.decode()
        assert GoLiveCheck.objects.get(pk=check.pk).state == "queued"


@pytest.mark.parametrize(
    ("asked", "field", "said"),
    [
        ({"sandbox_name": "prod"}, "allow_prod", "tick this to let it use prod"),
        ({"sandbox_name": "Dev Sandbox"}, "sandbox_name", "lowercase letters, digits and hyphens"),
        (working(sas_key=""), "sas_key", "together, or none"),
        (working(sas_key="not-a-key"), "sas_key", "44 characters of base64"),
        (working(mappings=""), "mappings", "at least one mapping"),
        (working(mappings="id"), "mappings", "attribute=field"),
    ],
)
def test_bad_input_is_refused_next_to_its_field(admin_client, asked, field, said):
    response = admin_client.post(START, asked)
    assert response.status_code == 200
    assert said in str(response.context["form"].errors[field])
    assert said in response.content.decode().replace("&#x27;", "'")
    assert not GoLiveCheck.objects.exists()


def test_prod_is_used_only_when_allowed(admin_client, settings):
    settings.ADOBE_SANDBOX_NAME = "prod"
    assert 'value="prod"' in admin_client.get(START).content.decode()  # the configured sandbox is offered
    check = started(admin_client, {"sandbox_name": "prod", "allow_prod": "on"})
    assert (check.sandbox_name, check.state) == ("prod", "done")


class TestWhoMayRunIt:
    @pytest.fixture
    def staff(self, client, django_user_model):
        user = django_user_model.objects.create_user("sam", password="x", is_staff=True)
        client.force_login(user)
        return client

    def test_staff_who_are_not_superusers_are_refused(self, staff, admin_client):
        check = started(admin_client, {"sandbox_name": "dev"})
        for url in (START, page_of(check), download_of(check)):
            assert staff.get(url).status_code == 403
        assert staff.post(START, {"sandbox_name": "dev"}).status_code == 403
        assert GoLiveCheck.objects.count() == 1

    def test_anyone_signed_out_is_sent_to_the_admin_login(self, client):
        response = client.get(START)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))

    def test_the_list_is_read_only_and_offers_the_check_to_superusers_only(self, admin_client):
        started(admin_client, {"sandbox_name": "dev"})
        listing = admin_client.get(reverse("admin:connections_golivecheck_changelist")).content.decode()
        assert "Run the go-live check" in listing and "Add go-live check" not in listing
        check = GoLiveCheck.objects.get()
        change = admin_client.get(reverse("admin:connections_golivecheck_change", args=[check.pk])).content.decode()
        assert "The app's guesses, where Adobe's documents are silent" in change and ">CONFIRMED<" in change
        assert '"format": "eventhubs-onboarding contract shapes, version 1"' in change.replace("&quot;", '"')
        assert 'name="_save"' not in change


def test_a_guess_is_escaped_before_its_code_spans_become_code():
    from connections.templatetags.code_spans import code_spans

    assert code_spans("<b>`a<i>`</b> and `authSpec`") == (
        "&lt;b&gt;<code>a&lt;i&gt;</code>&lt;/b&gt; and <code>authSpec</code>"
    )
