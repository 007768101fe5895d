"""The pages for everyone: axe-core on each, no sideways scroll at 360 px, and the keyboard alone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from connections.models import Dataflow
from tests.e2e.test_accessibility import serious_violations, tab_to
from tests.e2e.test_dataflow_browser import advance_clock

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def dataflow_pages(page: Page, live_server: Any, emulator: Any, onboarding: Any, measure: Any) -> None:
    """Walk a raw dataflow from the Done page to data arriving, calling `measure(where)` on each page once it
    has loaded (its stylesheet applied: a page measured while it loads is measured unstyled, wider than it is)."""

    def visit(where: str) -> None:
        page.wait_for_load_state()
        measure(where)

    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    page.get_by_text("Show the raw JSON").click()
    visit("select data")
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    visit("dataset")
    page.get_by_label("New dataset name").fill("Orders a11y")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_label("Schema field for total").fill("nope")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_label("Schema field for total")).to_have_attribute("aria-invalid", "true")
    visit("mapping with a Data Prep problem")
    page.get_by_role("button", name="Remove the row for total").click()
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    visit("review")
    emulator.fault("/flows", method="POST", status=503)
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="The dataflow is not finished")).to_be_visible()
    visit("failed with Retry")
    page.get_by_role("button", name="Retry").click()
    advance_clock(emulator, 600)
    expect(page.locator("#records-ingested")).not_to_have_text("0")
    page.get_by_text("For developers").click()
    visit("data arriving")
    page.get_by_role("link", name="Add another dataflow from this account").click()
    expect(page.get_by_role("heading", name="Another dataflow from")).to_be_visible()  # measured once it is there
    visit("another dataflow")


def test_every_dataflow_page_passes_axe(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    report: dict[str, Any] = {}
    onboarding = make_onboarding("source", owner=browser_user)
    dataflow_pages(
        logged_in,
        live_server,
        emulator,
        onboarding,
        lambda where: report.update({where: serious_violations(logged_in)}),
    )
    assert {where: found for where, found in report.items() if found} == {}


def test_dataflow_pages_fit_a_phone(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    page = logged_in
    page.set_viewport_size({"width": 360, "height": 800})
    overflows: dict[str, int] = {}

    def visit(where: str) -> None:
        overflows[where] = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

    dataflow_pages(page, live_server, emulator, make_onboarding("source", owner=browser_user), visit)
    assert {where: px for where, px in overflows.items() if px > 0} == {}


def test_a_dataflow_with_the_keyboard_alone(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user)
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    tab_to(page, "form[action$='dataflows/new/'] button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    expect(page.get_by_role("table", name="Fields found in the events")).to_be_visible()  # once Adobe answered
    tab_to(page, "a.primary[href$='/dataset/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    expect(page.get_by_role("radio", name="Order events")).to_be_visible()  # once Adobe listed them
    tab_to(page, "input[name=choice][value=new]")
    page.keyboard.press("Space")
    tab_to(page, "#id_dataset_name")
    page.keyboard.press("Control+A")
    page.keyboard.type("Keyboard orders")
    tab_to(page, "input[name=schema_id]")
    while page.evaluate("document.activeElement.labels[0].textContent").strip() != "Order events":
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
    tab_to(page, "button[value=remove-1]")
    with page.expect_navigation():  # the same step comes back, one rule fewer
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
    tab_to(page, "button[value=save]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    tab_to(page, "button[data-busy-label^='Creating the dataflow']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    tab_to(page, "input[name=pause][value='1'] + button")
    page.keyboard.press("Enter")
    expect(page.locator("#flow-state")).to_have_text("Paused")
    assert Dataflow.objects.get().paused
