"""Alerts end to end without a browser: the emulator's runs read once per interval, the check, and real delivery
to an SMTP server (aiosmtpd) and an HTTP server on loopback ports; the schedule driven by calling the tasks."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import socket
import threading
from email import message_from_bytes, policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import environ
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from connections.models import FlowServiceCall
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from monitoring import summaries, tasks
from monitoring.mailers import mailers_from
from monitoring.models import AlertDelivery, DataflowSummary, Subscription
from tests.test_dataflow_services import advance, chosen_raw_dataflow

pytestmark = pytest.mark.django_db
Condition, Channel = Subscription.Condition, Subscription.Channel


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def email_url(settings, url: str) -> None:
    """The mailers EMAIL_URL would configure (Django's test set-up had replaced them with its outbox)."""
    settings.MAILERS = mailers_from(environ.Env.email_url_config(url), timeout=5.0)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def inbox(settings):
    """A real SMTP server on a loopback port; the app's email settings parsed from EMAIL_URL as in production."""
    handler, port = Inbox(), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    email_url(settings, f"smtp://127.0.0.1:{port}")
    yield handler
    controller.stop()


class Received:
    def __init__(self) -> None:
        self.posts: list[tuple[str, dict]] = []
        self.signatures: dict[str, tuple[str | None, bytes]] = {}


@pytest.fixture
def webhook_server():
    received = Received()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.posts.append((self.path, json.loads(body)))
            received.signatures[self.path] = (self.headers.get("X-Signature-256"), body)
            self.send_response(500 if self.path.startswith("/broken") else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    received.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def dataflow(make_onboarding, emulator, settings):
    """A dataflow on the demo hub (a few malformed events among its orders), two hours of runs later."""
    settings.SITE_URL = "https://onboarding.example.com"
    created = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
    advance(emulator, 2 * 3600)
    return created


def subscribe(dataflow, **fields):
    defaults = {
        "condition": Condition.FAILED_SHARE,
        "failed_share": 1,
        "channel": Channel.EMAIL,
        "email": "ops@example.com",
    }
    return Subscription.objects.create(dataflow=dataflow, created_by=dataflow.onboarding.owner, **(defaults | fields))


def interval_passes(dataflow) -> None:
    """The clock reaches the end of this interval's claim, and Adobe's last answer is an interval old (no sleeping)."""
    now = timezone.now()
    asked = now - datetime.timedelta(seconds=settings.MONITORING_INTERVAL)
    DataflowSummary.objects.filter(pk=dataflow.pk).update(claimed_until=now, asked_at=asked)


def runs_read(dataflow) -> int:
    return FlowServiceCall.objects.filter(onboarding=dataflow.onboarding, operation="list_runs").count()


class TestTheShareOfFailingRecords:
    def test_an_email_names_the_dataflow_the_hub_the_reasons_and_links_its_page(self, dataflow, inbox):
        subscribe(dataflow)
        assert tasks.watch_dataflow.call(dataflow.pk) == "1 alert(s)"
        (mail,) = inbox.messages
        assert mail["To"] == "ops@example.com"
        assert dataflow.name in mail["Subject"] and "orders" in mail["Subject"] and "[Alert]" in mail["Subject"]
        body = mail.get_content()
        assert f"Dataflow: {dataflow.name}" in body and "Event hub: orders" in body
        assert "INGEST-1212-400" in body or "MAPPER-3700-400" in body
        page = f"https://onboarding.example.com/onboardings/{dataflow.onboarding.public_id}/dataflows/{dataflow.public_id}/"
        assert page in body
        (sent,) = AlertDelivery.objects.all()
        assert sent.delivered and sent.event == AlertDelivery.Event.STARTED and sent.recipient == "ops@example.com"

    def test_adobe_is_asked_once_per_interval_and_a_condition_that_goes_on_sends_nothing_more(
        self, dataflow, inbox, settings
    ):
        subscribe(dataflow)
        tasks.watch_dataflow.call(dataflow.pk)
        asked = runs_read(dataflow)
        for _ in range(3):  # three people's pages, or three workers, in the same interval
            assert tasks.watch_dataflow.call(dataflow.pk) == "claimed elsewhere"
        assert runs_read(dataflow) == asked
        interval_passes(dataflow)
        assert tasks.watch_dataflow.call(dataflow.pk) == "0 alert(s)"
        assert runs_read(dataflow) == asked + 1
        assert len(inbox.messages) == 1

    def test_a_share_above_what_fails_tells_nobody(self, dataflow, inbox):
        subscribe(dataflow, failed_share=100)
        tasks.watch_dataflow.call(dataflow.pk)
        assert inbox.messages == [] and not AlertDelivery.objects.exists()


class TestOneReadForEveryWatcher:
    def test_the_dataflow_pages_read_serves_the_fleet_and_the_alerts_without_asking_adobe_again(self, dataflow, inbox):
        subscribe(dataflow)
        activity = choices.dataflow_activity(dataflow=dataflow, actor=None)  # the page's read
        asked = runs_read(dataflow)
        assert tasks.watch_dataflow.call(dataflow.pk) == "1 alert(s)"
        assert runs_read(dataflow) == asked
        summary = DataflowSummary.objects.get(pk=dataflow.pk)
        assert summary.received_day == activity.received and summary.failed_day == activity.failed > 0
        assert summary.state == activity.state and summary.reasons

    def test_the_background_check_asks_adobe_when_no_page_did_lately(self, dataflow, inbox):
        choices.dataflow_activity(dataflow=dataflow, actor=None)
        interval_passes(dataflow)
        asked = runs_read(dataflow)
        tasks.watch_dataflow.call(dataflow.pk)
        assert runs_read(dataflow) == asked + 1


class TestPausedOrFailing:
    def test_once_when_it_starts_and_once_when_it_clears(self, dataflow, inbox, settings):
        subscribe(dataflow, condition=Condition.FLOW_DOWN)
        settings.MONITORING_INTERVAL = 0
        assert tasks.watch_dataflow.call(dataflow.pk) == "0 alert(s)"
        choices.dataflow_set_paused(dataflow=dataflow, actor=None, paused=True)
        assert tasks.watch_dataflow.call(dataflow.pk) == "1 alert(s)"
        assert tasks.watch_dataflow.call(dataflow.pk) == "0 alert(s)"
        choices.dataflow_set_paused(dataflow=dataflow, actor=None, paused=False)
        assert tasks.watch_dataflow.call(dataflow.pk) == "1 alert(s)"
        subjects = [m["Subject"].strip() for m in inbox.messages]
        assert [s.split("]")[0] for s in subjects] == ["[Alert", "[Cleared"]
        assert "paused" in inbox.messages[0].get_content()
        assert list(AlertDelivery.objects.order_by("id").values_list("event", flat=True)) == ["started", "cleared"]


class TestNoRecords:
    def test_a_quiet_dataflow_is_told_after_the_hours_chosen(self, dataflow, inbox):
        subscribe(dataflow, condition=Condition.NO_RECORDS, quiet_hours=1)
        summaries.claim(dataflow)
        summary = summaries.refresh(dataflow)
        assert summary.last_records_at is not None and summary.received_day > 0
        from monitoring import alerts

        assert alerts.check(dataflow, summary) == []  # records arrived within the hour
        later = summary.last_records_at + summaries.HOUR * 2
        (sent,) = alerts.check(dataflow, summary, now=later)
        assert "No records for 1 hours" in sent.body and inbox.messages


class TestDeliveryFailures:
    def test_a_mail_server_that_is_down_is_recorded_not_raised(self, dataflow, settings):
        email_url(settings, f"smtp://127.0.0.1:{free_port()}")
        subscribe(dataflow)
        assert tasks.watch_dataflow.call(dataflow.pk) == "1 alert(s)"
        (failed,) = AlertDelivery.objects.all()
        assert not failed.delivered and "ConnectionRefusedError" in failed.error
        # Told once: the condition is known to hold, so the next interval does not try again (no storm).
        assert Subscription.objects.get().firing

    def test_a_webhook_that_answers_an_error_is_recorded(self, dataflow, webhook_server):
        subscribe(dataflow, channel=Channel.WEBHOOK, email="", webhook_url=f"{webhook_server.url}/broken/hook")
        tasks.watch_dataflow.call(dataflow.pk)
        (failed,) = AlertDelivery.objects.all()
        assert not failed.delivered and failed.error == "The webhook answered 500 Internal Server Error."
        assert failed.recipient == f"JSON webhook at {webhook_server.url.split('//')[1]}/…"


class TestWebhooks:
    def test_slack_teams_and_json_receive_what_each_reads(self, dataflow, webhook_server, settings):
        settings.ALERT_WEBHOOK_SECRET = "shared-with-the-receiver"
        for channel in (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK):
            subscribe(dataflow, channel=channel, email="", webhook_url=f"{webhook_server.url}/{channel}/secret-path")
        assert tasks.watch_dataflow.call(dataflow.pk) == "3 alert(s)"
        posts = dict(webhook_server.posts)
        assert dataflow.name in posts["/slack/secret-path"]["text"]
        card = posts["/teams/secret-path"]["attachments"][0]["content"]
        assert card["type"] == "AdaptiveCard" and dataflow.name in card["body"][0]["text"]
        assert card["actions"][0]["url"].endswith(f"/dataflows/{dataflow.public_id}/")
        generic = posts["/webhook/secret-path"]
        assert generic["event"] == "started" and generic["eventHub"] == "orders"
        assert generic["dataflow"]["flowId"] == dataflow.flow_id and generic["reasons"]
        assert all(d.delivered and "secret-path" not in d.recipient for d in AlertDelivery.objects.all())
        signature, body = webhook_server.signatures["/webhook/secret-path"]
        expected = hmac.new(b"shared-with-the-receiver", body, hashlib.sha256).hexdigest()
        assert signature == f"sha256={expected}"
        assert webhook_server.signatures["/slack/secret-path"][0] is None

    def test_slack_shows_a_reason_quoting_markup_as_written(self):
        from monitoring.delivery import payload

        sent = payload(Channel.SLACK, {"subject": "[Alert] x", "body": "MAPPER: <b> & <!channel>", "link": ""})
        assert sent == {"text": "[Alert] x\nMAPPER: &lt;b&gt; &amp; &lt;!channel&gt;"}


class TestSchedule:
    @pytest.mark.django_db(transaction=True)
    def test_the_worker_enqueues_each_due_dataflow_once_and_the_queue_runs_it(self, dataflow, task_queue, inbox):
        subscribe(dataflow)
        assert tasks.enqueue_due() == 1
        task_queue()
        summary = DataflowSummary.objects.get(pk=dataflow.pk)
        assert summary.asked_at and summary.failing and summary.received_day > 0
        assert tasks.enqueue_due() == 0  # read this interval: not due again
        assert len(inbox.messages) == 1

    @pytest.mark.django_db(transaction=True)
    def test_the_worker_loop_calls_it_once_per_interval(self, dataflow, task_queue, settings):
        from django_tasks_db.models import DBTaskResult

        from connections.management.commands.run_tasks import Command

        settings.TASKS_PERIODIC = [("monitoring.tasks.enqueue_due", 300)]
        worker = Command()
        worker._periodic_at = {"monitoring.tasks.enqueue_due": 0.0}
        worker._run_periodic()
        worker._run_periodic()  # a poll later: not due for 300 seconds
        assert DBTaskResult.objects.count() == 1

    def test_a_scheduler_may_enqueue_instead_of_the_worker(self, dataflow, inbox):
        subscribe(dataflow)
        out = io.StringIO()
        call_command("watch_dataflows", stdout=out)  # the immediate backend runs the task at once
        assert out.getvalue().strip() == "1 dataflow(s) to read." and len(inbox.messages) == 1

    @pytest.mark.django_db(transaction=True)
    def test_of_several_workers_at_once_exactly_one_asks_adobe_and_tells(self, dataflow, inbox):
        subscribe(dataflow)
        start, said = threading.Barrier(4), []

        def worker() -> None:
            try:
                start.wait()
                said.append(tasks.watch_dataflow.call(dataflow.pk))
            finally:
                connection.close()

        workers = [threading.Thread(target=worker) for _ in range(4)]
        for each in workers:
            each.start()
        for each in workers:
            each.join()
        assert sorted(said) == ["1 alert(s)"] + ["claimed elsewhere"] * 3
        assert runs_read(dataflow) == 1 and len(inbox.messages) == 1


class TestLinks:
    def test_without_site_url_the_link_uses_the_address_the_subscriber_used(self, dataflow, inbox, settings):
        settings.SITE_URL = ""
        subscribe(dataflow, site="http://app.internal:8000")
        tasks.watch_dataflow.call(dataflow.pk)
        body = inbox.messages[0].get_content()
        assert f"Open the dataflow: http://app.internal:8000/onboardings/{dataflow.onboarding.public_id}/" in body
        assert "Change or stop it: http://app.internal:8000/dataflows/alerts/" in body


class TestHistory:
    def test_stopping_an_alert_keeps_what_was_sent(self, dataflow, inbox):
        subscribe(dataflow)
        tasks.watch_dataflow.call(dataflow.pk)
        Subscription.objects.get().delete()
        sent = AlertDelivery.objects.get()
        assert sent.subscription is None and sent.delivered and sent.recipient == "ops@example.com"

    def test_the_admin_shows_the_history_and_cannot_change_it(self, dataflow, inbox, admin_client):
        subscribe(dataflow)
        tasks.watch_dataflow.call(dataflow.pk)
        page = admin_client.get("/admin/monitoring/alertdelivery/").content.decode()
        assert dataflow.name in page and "ops@example.com" in page
        assert admin_client.get("/admin/monitoring/alertdelivery/add/").status_code == 403
        sent = AlertDelivery.objects.get()
        assert (
            admin_client.post(f"/admin/monitoring/alertdelivery/{sent.pk}/delete/", {"post": "yes"}).status_code == 403
        )
        assert AlertDelivery.objects.count() == 1

    def test_the_history_cannot_be_changed(self, dataflow, inbox):
        subscribe(dataflow)
        tasks.watch_dataflow.call(dataflow.pk)
        sent = AlertDelivery.objects.get()
        with pytest.raises(PermissionError):
            sent.save()
        with pytest.raises(PermissionError):
            AlertDelivery.objects.all().delete()
