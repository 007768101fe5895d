"""The fleet view and the alert pages: what a person sees and may do, read from the summaries only."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from connections.models import Dataflow, FlowServiceCall
from monitoring.models import DataflowSummary, Subscription

pytestmark = pytest.mark.django_db


def many_dataflows(onboarding, count: int, *, failing_every: int = 3) -> list[Dataflow]:
    """Created dataflows with summaries as the background read leaves them (no Adobe needed to show them)."""
    now = timezone.now()
    flows = Dataflow.objects.bulk_create(
        Dataflow(
            onboarding=onboarding,
            name=f"Flow {i:03d}",
            event_hub_name="orders",
            own_source=True,  # each on a consumer group of its own, as several dataflows of one account are
            consumer_group=f"aep-{i}",
            data_type="raw",
            reset="earliest",
            status=Dataflow.Status.CREATED,
            flow_id=f"flow-{i}",
            dataset_name=f"Dataset {i}",
        )
        for i in range(count)
    )
    DataflowSummary.objects.bulk_create(
        DataflowSummary(
            dataflow=flow,
            state="disabled" if i % 7 == 0 else "enabled",
            received_hour=10,
            ingested_hour=9,
            failed_hour=1 if i % failing_every == 0 else 0,
            received_day=240 + i,
            ingested_day=230,
            failed_day=10 if i % failing_every == 0 else 0,
            failing=i % failing_every == 0,
            trend=[i % 5] * 24,
            reasons=[{"code": "INGEST-1212-400", "message": f"Record {i} is not JSON", "recordCount": 3}]
            if i % failing_every == 0
            else [],
            asked_at=now - datetime.timedelta(hours=3) if i == 1 else now,
        )
        for i, flow in enumerate(flows)
    )
    return flows


def names(response) -> list[str]:
    return re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', response.content.decode())


class TestFleet:
    def test_only_the_persons_dataflows_with_their_numbers_trend_and_reason(self, alice, make_onboarding, other_user):
        many_dataflows(make_onboarding("draft"), 4)
        many_dataflows(make_onboarding("draft", owner=other_user), 2)
        response = alice.get("/dataflows/")
        page = response.content.decode()
        assert response.status_code == 200
        assert sorted(names(response)) == ["Flow 000", "Flow 001", "Flow 002", "Flow 003"]
        assert names(response)[:2] == ["Flow 000", "Flow 003"]  # failing first
        assert "Record 0 is not JSON" in page and "<polyline" in page and "Failing" in page
        assert 'aria-current="page">Dataflows</a>' in page

    def test_filters_and_sorting_by_query_string(self, alice, make_onboarding):
        many_dataflows(make_onboarding("draft"), 10)
        assert names(alice.get("/dataflows/?failing=1")) == ["Flow 000", "Flow 003", "Flow 006", "Flow 009"]
        assert names(alice.get("/dataflows/?state=disabled&sort=name")) == ["Flow 000", "Flow 007"]
        stale = alice.get("/dataflows/?stale=1")
        assert names(stale) == ["Flow 001"] and "Not read lately</span>" in stale.content.decode()
        assert names(alice.get("/dataflows/?sort=-received"))[0] == "Flow 009"
        assert names(alice.get("/dataflows/?state=<script>"))  # an unknown state is ignored, not an error

    def test_hundreds_of_dataflows_cost_the_same_few_queries_and_no_call_to_adobe(
        self, alice, make_onboarding, django_assert_max_num_queries
    ):
        onboarding = make_onboarding("draft")
        many_dataflows(onboarding, 20)
        with django_assert_max_num_queries(6) as few:
            alice.get("/dataflows/")
        many_dataflows(onboarding, 480)
        with django_assert_max_num_queries(len(few.captured_queries)):
            response = alice.get("/dataflows/")
        assert len(names(response)) == 50 and "Page 1 of 10" in response.content.decode()
        page_three = alice.get("/dataflows/?sort=name&page=3")
        assert len(names(page_three)) == 50 and 'href="?sort=name&amp;page=4"' in page_three.content.decode()
        assert not FlowServiceCall.objects.exists()


class TestSubscribing:
    def test_on_the_dataflows_page_an_alert_is_turned_on_and_stopped(self, alice, make_onboarding, user, mailoutbox):
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        url = f"/dataflows/{flow.public_id}/alerts/"
        form = {"condition": "failed_share", "failed_share": "5", "quiet_hours": "6", "channel": "email"}
        response = alice.post(url, form | {"email": "team@example.com"}, follow=True)
        assert "Alert on: records failing above 5% → team@example.com" in response.content.decode()
        subscription = Subscription.objects.get()
        assert subscription.dataflow == flow and subscription.created_by == user
        assert subscription.site == "http://testserver"  # the links in its messages when SITE_URL is unset
        (test,) = mailoutbox  # a test message at once, so the subscriber knows it reaches them
        assert test.to == ["team@example.com"] and test.subject.startswith(f"[Test] {flow.name} (orders)")
        assert f"http://testserver/onboardings/{flow.onboarding.public_id}/dataflows/{flow.public_id}/" in test.body
        assert "[Test]" in alice.get(url).content.decode()  # in the history on the page
        response = alice.post(f"/dataflows/alerts/{subscription.pk}/stop/", {"next": url}, follow=True)
        assert "Stopped" in response.content.decode() and not Subscription.objects.exists()

    def test_stopping_goes_back_only_to_this_site(self, alice, make_onboarding):
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        form = {"dataflow": flow.pk, "condition": "flow_down", "failed_share": "5", "quiet_hours": "6"}
        alice.post("/dataflows/alerts/", form | {"channel": "email", "email": "x@example.com"})
        stop = f"/dataflows/alerts/{Subscription.objects.get().pk}/stop/"
        assert alice.post(stop, {"next": "https://evil.example.com/"}).url == "/dataflows/alerts/"

    def test_the_sorted_column_is_announced(self, alice, make_onboarding):
        many_dataflows(make_onboarding("draft"), 2)
        page = alice.get("/dataflows/?sort=-name").content.decode()
        assert '<th scope="col" aria-sort="descending"><a href="?sort=name">Dataflow</a>' in page

    def test_bad_input_is_said_next_to_the_field_and_nothing_is_saved(self, alice, make_onboarding):
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        url = f"/dataflows/{flow.public_id}/alerts/"
        form = {"condition": "failed_share", "failed_share": "0", "quiet_hours": "6", "channel": "slack"}
        page = alice.post(url, form | {"webhook_url": "http://hooks.example.com/x"}).content.decode()
        assert "Choose a share from 1 to 100%." in page and "Use an https:// address" in page
        page = alice.post(url, form | {"channel": "email", "failed_share": "5", "email": ""}).content.decode()
        assert "Give the address to email." in page
        assert not Subscription.objects.exists()

    def test_webhooks_only_to_the_hosts_allowed(self, alice, make_onboarding, settings):
        settings.ALERT_WEBHOOK_HOSTS = ["hooks.slack.com", "logic.azure.com"]
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        form = {"dataflow": flow.pk, "condition": "flow_down", "failed_share": "5", "quiet_hours": "6"}
        page = alice.post("/dataflows/alerts/", form | {"channel": "webhook", "webhook_url": "https://10.0.0.5/x"})
        assert "Webhooks may only go to hooks.slack.com, logic.azure.com." in page.content.decode()
        teams = "https://prod-01.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?sig=s"
        alice.post("/dataflows/alerts/", form | {"channel": "teams", "webhook_url": teams})
        assert Subscription.objects.get().channel == "teams"

    def test_a_webhook_is_kept_encrypted_and_shown_by_its_host_only(self, alice, make_onboarding):
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        hook = "https://hooks.slack.com/services/T000/B000/very-secret-token"
        form = {"dataflow": flow.pk, "condition": "flow_down", "failed_share": "5", "quiet_hours": "6"}
        alice.post("/dataflows/alerts/", form | {"channel": "slack", "webhook_url": hook})
        page = alice.get("/dataflows/alerts/").content.decode()
        assert "Slack webhook at hooks.slack.com/…" in page and "very-secret-token" not in page
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT webhook_url FROM monitoring_subscription")
            assert "very-secret-token" not in cursor.fetchone()[0]

    def test_someone_elses_dataflow_is_not_found(self, client, make_onboarding, other_user):
        (flow,) = many_dataflows(make_onboarding("draft"), 1)
        client.force_login(other_user)
        assert client.get(f"/dataflows/{flow.public_id}/alerts/").status_code == 404
        form = {"dataflow": flow.pk, "condition": "flow_down", "failed_share": "5", "quiet_hours": "6"}
        client.post("/dataflows/alerts/", form | {"channel": "email", "email": "x@example.com"})
        assert not Subscription.objects.exists()
