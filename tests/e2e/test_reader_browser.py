"""The one-reader rule in Chromium: Edit source settings refuses a consumer group another dataflow reads, and under
a dataflow that exists it offers a new dataflow instead of changing what Adobe would not carry into it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_dataflow_browser import connected, records_arrive

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def finish_on_a_new_dataset(page: Page, dataset: str, schema: str) -> None:
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill(dataset)
    page.get_by_role("radio", name=schema).check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_role("button", name="Finish").click()


def edit_source(page: Page, live_server, name: str) -> None:
    onboarding = Onboarding.objects.get(name=name)
    page.goto(live_server.url + reverse("onboarding:source_edit", args=[onboarding.public_id]))
    expect(page.get_by_role("heading", name=f"Edit the source settings of {name}")).to_be_visible()


def test_edit_source_settings_to_a_group_another_dataflow_reads_is_refused(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "Shop account")
    page.get_by_role("link", name="Another event hub or consumer group").click()
    page.get_by_role("radio", name="clickstream").check()
    page.get_by_label("Consumer group (required)").fill("aep-clicks")
    page.get_by_role("button", name="Next: select data").click()
    finish_on_a_new_dataset(page, "Web clicks", "Clickstream events")
    records_arrive(page, emulator)
    edit_source(page, live_server, "Shop account")
    page.get_by_role("radio", name="clickstream").check()
    page.get_by_label("Consumer group (required)").fill("aep-clicks")
    page.get_by_role("button", name="Save in Adobe").click()
    expect(page.locator("#id_consumer_group_error")).to_contain_text("is already read by the dataflow")
    expect(page.get_by_text("The source settings are saved in Adobe.")).to_have_count(0)
    assert Onboarding.objects.get().consumer_group == "aep-orders"


def test_editing_the_source_under_a_running_dataflow_offers_a_new_dataflow(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "Orders raw")
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    finish_on_a_new_dataset(page, "Web shop orders", "Order events")
    records_arrive(page, emulator)
    edit_source(page, live_server, "Orders raw")
    expect(page.get_by_role("button", name="Save in Adobe")).to_have_count(0)
    expect(page.locator("#dataflow-reads-source")).to_contain_text("Adobe does not carry changes")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("link", name="Set up a new dataflow on other settings").click()
    expect(page.get_by_role("heading", name="Another dataflow from Orders raw")).to_be_visible()
