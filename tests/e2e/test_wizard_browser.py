"""Both auth flows end to end in Chromium; tabs swap without a page load; no CSP violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.conftest import DEMO_HUB_KEY, DEMO_MANAGE_KEY, DEMO_NAMESPACE
from tests.e2e.conftest import choose_tab, fill_standard, finish_source, start_onboarding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_standard_flow_end_to_end(logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "Orders stream")
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill("RootManageSharedAccessKey")
    page.get_by_label("SAS key", exact=True).fill(DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page, "orders", "aep-orders")
    onboarding = Onboarding.objects.get()
    expect(page.locator("#base-id")).to_have_text(onboarding.base_connection_id)
    expect(page.locator("#source-id")).to_have_text(onboarding.source_connection_id)
    remote = emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]
    assert remote["auth"]["params"]["sasKeyName"] == "RootManageSharedAccessKey"
    assert DEMO_MANAGE_KEY not in page.content()


def test_sas_flow_end_to_end(logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "Orders via SAS")
    choose_tab(page, "SAS")
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill("orders-aep")
    page.get_by_label("SAS key", exact=True).fill(DEMO_HUB_KEY)
    page.get_by_label("Event hub name").fill("orders")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_label("Event hub (required)", exact=True)).to_have_value("orders")
    finish_source(page, "orders", "aep-orders")
    onboarding = Onboarding.objects.get()
    assert onboarding.auth_type == "sas"
    remote = emulator.get(f"/sourceConnections/{onboarding.source_connection_id}").json()["items"][0]
    assert remote["params"]["eventHubName"] == "orders"


def test_tabs_swap_only_the_fields_and_keep_what_was_typed(logged_in: Page, live_server):
    page = logged_in
    start_onboarding(page, live_server, "Keeps typing")
    page.evaluate("window.__noReload = true")
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key", exact=True).fill(DEMO_MANAGE_KEY)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    choose_tab(page, "Microsoft Entra ID")
    expect(page.get_by_label("Tenant ID")).to_be_visible()
    choose_tab(page, "Standard")
    expect(page.get_by_label("SAS key", exact=True)).to_have_value(DEMO_MANAGE_KEY)
    expect(page.get_by_label("Event Hubs namespace")).to_have_value(DEMO_NAMESPACE)
    expect(page.get_by_label("Name (required)", exact=True)).to_have_value("Keeps typing")
    assert page.evaluate("window.__noReload") is True  # no page load happened
    assert all(DEMO_MANAGE_KEY not in url and "sas_key" not in url for url in requests)


def test_the_progress_polls_less_often_as_a_slow_step_goes_on_and_moves_on_when_it_is_done(
    logged_in: Page, live_server, emulator
):
    page = logged_in
    emulator.fault("/connections", method="POST", delay=3, count=1)  # Adobe slow to create the base connection
    start_onboarding(page, live_server, "Orders, slowly")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    progress = page.locator("#wizard-progress")
    # After the step's first second a poll swaps in the progress polling every 300 ms.
    expect(progress).to_have_attribute("hx-trigger", "every 300ms", timeout=30_000)
    expect(progress).to_contain_text("Creating the base connection")
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible(timeout=30_000)
