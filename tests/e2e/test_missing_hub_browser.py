"""A misspelt event hub read with a listen-only policy, in Chromium: never "all is well" on the way.

The Done page says the hub could not be checked and why; the preview says the hub does not exist (not "paste a
sample"); and once a dataflow on it runs, Data arriving leads with why its runs read nothing."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, DEMO_NAMESPACE
from tests.e2e.conftest import start_onboarding, wait_for_htmx
from tests.e2e.test_deletes_browser import readable_at_360
from tests.test_missing_hub import dataflow_created_on_a_sample

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def connected_with_a_typo(page: Page, live_server) -> Onboarding:
    start_onboarding(page, live_server, "Orders typo")
    wait_for_htmx(page)
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill(DEMO_LISTEN_KEY_NAME)
    page.get_by_label("SAS key", exact=True).fill(DEMO_LISTEN_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    wait_for_htmx(page)
    page.get_by_label("Event hub (required)").fill("ordrs")
    page.get_by_label("Consumer group (required)").fill("aep-orders")
    page.get_by_role("button", name="Create source connection").click()
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
    return Onboarding.objects.get(name="Orders typo")


def created_on_a_sample(onboarding: Onboarding) -> str:
    """The page of a dataflow created on the misspelt hub from a sample."""
    dataflow = dataflow_created_on_a_sample(onboarding, dataset_name="Typo orders")
    return f"/onboardings/{onboarding.public_id}/dataflows/{dataflow.public_id}/"


def test_a_misspelt_hub_is_said_at_every_step(logged_in: Page, live_server, emulator):
    page = logged_in
    onboarding = connected_with_a_typo(page, live_server)
    unchecked = page.locator("#hub-unchecked")
    expect(unchecked).to_contain_text("The event hub was not checked.")
    expect(unchecked).to_contain_text("Listen")
    expect(unchecked).to_contain_text("Manage")
    readable_at_360(page)

    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="The event hub does not exist")).to_be_visible()
    expect(page.locator("#problem")).to_contain_text("no event hub named ordrs")
    expect(page.get_by_text("Paste or upload a sample event")).to_have_count(0)
    expect(page.get_by_role("link", name="Correct the source settings")).to_be_visible()
    readable_at_360(page)

    page.goto(live_server.url + created_on_a_sample(onboarding))
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    requests.post(f"{emulator.url}/__emulator__/clock", json={"freeze": True, "advance": 600}, timeout=5)
    page.get_by_role("button", name="Ask Adobe now").click()
    reads_nothing = page.locator("#reads-nothing")
    expect(reads_nothing).to_contain_text("The dataflow runs, but reads nothing", timeout=30_000)
    expect(reads_nothing).to_contain_text("has no event hub named ordrs")
    # It leads: above the state and the counts.
    assert page.evaluate(
        "document.querySelector('#reads-nothing').compareDocumentPosition(document.querySelector('#flow-state'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    readable_at_360(page)
