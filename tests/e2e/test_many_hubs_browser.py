"""Several event hubs in one go, in Chromium: three hubs ticked on Source, the dataset chosen once, each hub's
dataflow created on its own; one failing once in the emulator is retried alone and the other two are untouched."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from connections.models import Dataflow, DataflowChange
from tests.conftest import DEMO_MANAGE_KEY
from tests.e2e.conftest import fill_standard, start_onboarding, wait_for_htmx
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_dataflow_browser import existing_dataset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HUBS = ("clickstream", "inventory-updates", "orders")
ON_ITS_LABELS_LINE = """el => {
  const words = el.labels[0].getBoundingClientRect(), box = el.getBoundingClientRect();
  return box.top >= words.top - 1 && box.bottom <= words.bottom + 1;
}"""


def sideways_scroll(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def open_several_hubs(page: Page) -> None:
    """Open the Source page's "Read several event hubs at once", until its form is fetched and in place."""
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    wait_for_htmx(page)
    page.locator("#several-hubs summary").click()
    expect(page.get_by_role("button", name="Read the ticked event hubs")).to_be_visible()
    wait_for_htmx(page)


def tick_three_hubs(page: Page) -> None:
    for hub in HUBS:
        page.get_by_role("checkbox", name=f"Read {hub}").check()
        expect(page.get_by_label(f"Consumer group for {hub}")).to_have_value(f"aep-{hub}")
    page.get_by_label("Consumer group pattern").fill("eh-{hub}")
    page.get_by_role("button", name="Fill in the consumer groups").click()
    for hub in HUBS:
        expect(page.get_by_label(f"Consumer group for {hub}")).to_have_value(f"eh-{hub}")
        expect(page.get_by_role("checkbox", name=f"Read {hub}")).to_be_checked()  # the ticks are kept
    wait_for_htmx(page)
    for hub in HUBS:
        page.get_by_label(f"Data type of {hub}").select_option("xdm")
    page.get_by_label("Consumer group for clickstream").fill("aep-clicks")  # the pattern is only a start
    page.get_by_role("button", name="Read the ticked event hubs").click()


def choose_the_shared_dataset(page: Page) -> None:
    """The first hub's dataflow, on the dataflow pages: an existing dataset (XDM needs no mapping)."""
    page.get_by_role("link", name="The dataflows of every event hub").click()
    page.get_by_role("button", name="Set up the dataflow of clickstream").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_label("Search datasets and schemas").fill("shop")
    expect(page.locator("#dataset-lists")).to_contain_text("Schema: Order events")
    wait_for_htmx(page)
    page.get_by_role("radio", name="An existing dataset").check()
    page.get_by_role("radio", name="Shop events (XDM)").check()
    page.get_by_role("button", name="Next: review").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    page.get_by_role("link", name="Create them all together").click()


def hub_state(page: Page, hub: str):
    return page.locator(f"#hub-{hub}-state")


def results(page: Page, word: str):
    """The hubs whose result (the word that leads each hub's state) is `word`."""
    return page.locator(".hub-result").filter(has_text=re.compile(f"^{word}$"))


def test_three_hubs_one_failing_once_is_retried_alone(logged_in: Page, live_server, emulator, make_client):
    existing_dataset(make_client, "Shop events (XDM)")
    page = logged_in
    start_onboarding(page, live_server, "Shop hubs")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    open_several_hubs(page)
    page.set_viewport_size({"width": 360, "height": 800})
    assert sideways_scroll(page) <= 0
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    tick_three_hubs(page)
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
    choose_the_shared_dataset(page)

    expect(page.get_by_role("heading", name="The event hubs of Shop hubs")).to_be_visible()
    for hub in ("inventory-updates", "orders"):
        expect(hub_state(page, hub)).to_contain_text("the shared settings fit")
    emulator.fault("/flows", method="POST", status=503)  # the first dataflow Adobe is asked for fails, once
    page.get_by_role("button", name="Create 3 dataflows").click()
    expect(results(page, "Failed")).to_have_count(1, timeout=30_000)
    expect(results(page, "Created")).to_have_count(2, timeout=30_000)
    failed = Dataflow.objects.get(status=Dataflow.Status.FAILED)
    expect(hub_state(page, failed.event_hub_name)).to_contain_text("while creating the dataflow")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 800})
    assert sideways_scroll(page) <= 0

    others = Dataflow.objects.exclude(pk=failed.pk)
    history = {d.pk: DataflowChange.objects.filter(dataflow=d).count() for d in others}
    page.get_by_role("button", name=f"Retry {failed.event_hub_name}").click()
    expect(results(page, "Created")).to_have_count(3, timeout=30_000)
    # The other two were not touched by the retry, and every hub's objects exist once in Adobe.
    assert {d.pk: DataflowChange.objects.filter(dataflow=d).count() for d in others} == history
    stats = emulator.stats()
    assert (stats["sourceConnections"], stats["targetConnections"], stats["flows"]) == (3, 3, 3)
    assert stats["dataSets"] == 1 and stats["mappingSets"] == 0
    assert set(Dataflow.objects.values_list("event_hub_name", "consumer_group")) == {
        ("clickstream", "aep-clicks"),
        ("inventory-updates", "eh-inventory-updates"),
        ("orders", "eh-orders"),
    }
    assert DEMO_MANAGE_KEY not in page.content()
    # The Done page lists every ticked hub with its dataflow's state, and leads back to the hubs page.
    page.get_by_role("link", name="Back to Shop hubs").click()
    used = page.locator(".hubs-used li")
    expect(used).to_have_count(3)
    expect(used.filter(has_text="dataflow running")).to_have_count(3)
    page.wait_for_load_state()  # its stylesheet applied before the width is measured
    assert sideways_scroll(page) <= 0
    assert serious_violations(page) == []
    page.get_by_role("link", name="Each event hub's dataflow").click()
    expect(page.get_by_role("heading", name="The event hubs of Shop hubs")).to_be_visible()


def test_the_form_for_several_hubs_is_fetched_when_its_disclosure_is_opened(logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "One hub")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    wait_for_htmx(page)
    summary = page.locator("#several-hubs summary")
    expect(summary).to_have_text("Read several event hubs at once")
    expect(page.get_by_role("checkbox", name="Read orders")).to_have_count(0)  # not in the page until asked
    summary.focus()
    page.keyboard.press("Enter")
    for hub in HUBS:
        expect(page.get_by_label(f"Consumer group for {hub}")).to_have_value(f"aep-{hub}")
    expect(summary).to_be_focused()  # the form arrives under the summary; focus stays where the person is
    for hub in HUBS:  # each tick box on the line of its words, not alone under them
        box = page.get_by_role("checkbox", name=f"Read {hub}")
        assert box.evaluate(ON_ITS_LABELS_LINE), hub
    wait_for_htmx(page)
    assert serious_violations(page) == []
    page.keyboard.press("Enter")  # closed and opened again: the form is kept, not fetched again
    page.keyboard.press("Enter")
    expect(page.get_by_role("checkbox", name="Read orders")).to_have_count(1)


def test_without_javascript_its_link_opens_the_form_for_several_hubs(browser, logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "No script")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    source = page.url
    plain = browser.new_context(java_script_enabled=False, storage_state=page.context.storage_state())
    try:
        page = plain.new_page()
        page.goto(source)
        page.locator("#several-hubs summary").click()
        page.get_by_role("link", name="Choose the ones to read").click()
        expect(page.locator("#several-hubs")).to_have_attribute("open", "")
        page.get_by_role("button", name="Read the ticked event hubs").click()  # nothing ticked: said, form kept open
        expect(page.locator("#hubs-error")).to_have_text("Tick at least one event hub.")
        expect(page.locator("#several-hubs")).to_have_attribute("open", "")
        page.get_by_role("checkbox", name="Read clickstream").check()
        page.get_by_role("checkbox", name="Read inventory-updates").check()
        page.get_by_role("button", name="Read the ticked event hubs").click()
        expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible(timeout=30_000)
    finally:
        plain.close()
