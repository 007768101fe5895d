"""Alerts in Chromium: on a dataflow reading the demo hub (a few malformed events among its orders), an alert on
failing records turned on from the dataflow's page, the email arriving at a real SMTP server with the dataflow's name
and reasons, and the fleet view showing the dataflow as failing. The schedule is the worker's call to enqueue_due."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.services import dataflow as df
from monitoring import tasks
from monitoring.models import AlertDelivery
from tests.conftest import IMMEDIATE_TASKS
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_dataflow_browser import advance_clock
from tests.test_dataflow_services import chosen_raw_dataflow
from tests.test_monitoring_alerts import inbox  # noqa: F401 - the SMTP server fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def until(condition, seconds: float = 20) -> None:
    """Wait for something the worker does in its own thread (a condition, polled; never a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there"
        time.sleep(0.1)


def test_an_alert_on_failing_records_emails_the_reasons_and_the_fleet_shows_it_failing(
    logged_in: Page,
    live_server,
    emulator,
    make_onboarding,
    browser_user,
    inbox,  # noqa: F811 - the fixture imported above
    settings,
):
    settings.SITE_URL = live_server.url
    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up, not under test: the dataflow exists in Adobe
        dataflow = df.dataflow_finish(
            dataflow=chosen_raw_dataflow(lambda until: make_onboarding(until, owner=browser_user)), actor=None
        )
    advance_clock(emulator, 2 * 3600)
    page = logged_in
    page.goto(f"{live_server.url}/onboardings/{dataflow.onboarding.public_id}/dataflows/{dataflow.public_id}/")
    page.get_by_role("link", name="Alerts", exact=True).click()
    expect(page.get_by_role("heading", name=f"Alerts: {dataflow.name}")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("When").select_option(label="Records failing above a share")
    page.get_by_label("Failing share (%)").fill("1")
    page.get_by_label("Email address").fill("data-team@example.com")
    page.get_by_role("button", name="Turn on the alert").click()
    expect(page.locator(".messages")).to_contain_text("records failing above 1% → data-team@example.com")

    until(lambda: len(inbox.messages) == 1)  # the test message sent when the alert is turned on
    assert inbox.messages[0]["Subject"].strip().startswith("[Test]")
    assert tasks.enqueue_due() == 1  # what the worker does every MONITORING_INTERVAL
    until(lambda: len(inbox.messages) == 2)
    mail = inbox.messages[1]
    body = mail.get_content()
    assert dataflow.name in mail["Subject"] and mail["To"] == "data-team@example.com"
    assert "INGEST-1212-400" in body or "MAPPER-3700-400" in body
    assert f"{live_server.url}/onboardings/{dataflow.onboarding.public_id}/dataflows/{dataflow.public_id}/" in body
    assert AlertDelivery.objects.filter(event="started", delivered=True).exists()

    page.get_by_role("link", name="Dataflows", exact=True).click()
    page.get_by_label("Failing only").check()
    page.get_by_role("button", name="Filter").click()
    row = page.get_by_role("row").filter(has_text=dataflow.name)
    expect(row).to_contain_text("Failing")
    expect(row).to_contain_text("orders")
    expect(row.get_by_role("img", name="records received in 24 hours")).to_be_visible()
    assert serious_violations(page) == []
    page.goto(f"{live_server.url}/dataflows/alerts/")
    expect(page.get_by_text("Happening")).to_be_visible()
