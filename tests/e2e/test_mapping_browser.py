"""The Mapping step in Chromium: what the schema requires is asked for (Adobe refuses records without it), every
field of the events is a row, a second dataflow on a schema starts from the first one's mapping, and the step
reads well down to 360 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from connections.models import Dataflow
from tests.e2e.test_accessibility import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHOLE_VALUE = "el => el.scrollWidth <= el.clientWidth"  # the input shows all of its value, nothing clipped


def to_mapping(page: Page, dataset: str, *, sample: str = "", schema: str = "Order events") -> None:
    """From Select data (the page open) to the Mapping step, on a new dataset of `schema`."""
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    expect(page.get_by_role("table", name="Fields found in the events")).to_be_visible()  # once Adobe answered
    if sample:
        page.get_by_text("Use a sample of your own instead").click()
        page.get_by_label("Sample events").fill(sample)
        page.get_by_role("button", name="Use this sample").click()
    else:
        page.get_by_role("link", name="Next: dataset").click()
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill(dataset)
    page.get_by_role("radio", name=schema).check()
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
    expect(page.get_by_role("button", name="Check and continue")).to_be_visible()


def first_dataflow(page: Page, live_server: Any, onboarding: Any) -> None:
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Set up the dataflow").click()


@pytest.fixture
def orders(browser_user: Any, make_onboarding: Any) -> Any:
    return make_onboarding("source", owner=browser_user)


def test_a_required_field_left_empty_is_refused_next_to_its_row(logged_in: Page, live_server, emulator, orders):
    page = logged_in
    first_dataflow(page, live_server, orders)
    to_mapping(page, "Orders with a time")
    timestamp = page.get_by_label("Your field for timestamp")
    expect(timestamp).to_have_value("placedAt")  # suggested: the events' only time
    timestamp.fill("")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Adobe refuses every record without them")
    expect(timestamp).to_have_attribute("aria-invalid", "true")
    expect(timestamp).to_be_focused()
    error = page.locator("#" + (timestamp.get_attribute("aria-describedby") or "none"))
    expect(error).to_contain_text("timestamp is required by the schema")
    expect(page.locator("#required-note")).to_contain_text("Check and continue asks you to map them first")
    assert emulator.stats()["mappingSets"] == 0
    timestamp.fill("placedAt")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.locator(".mapping-list")).to_contain_text("placedAt → timestamp")


def test_a_field_with_no_match_is_a_row_to_map_or_leave_out(logged_in: Page, live_server, emulator, orders):
    page = logged_in
    first_dataflow(page, live_server, orders)
    sample = '{"id": "ORD-1", "placedAt": "2026-03-01T10:00:00Z", "total": 12.5, "coupon": "SPRING"}'
    to_mapping(page, "Orders with coupons", sample=sample)
    coupon = page.get_by_label("Schema field for coupon")
    expect(coupon).to_have_value("")
    expect(page.locator("#" + (coupon.get_attribute("aria-describedby") or "none"))).to_contain_text(
        "leave it empty to leave this field out"
    )
    page.get_by_role("button", name="Check and continue").click()  # left out: the rest is mapped
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.locator("#left-out")).to_contain_text("coupon")
    assert all(row["source"] != "coupon" for row in Dataflow.objects.get().mappings)
    page.get_by_role("link", name="Mapping").click()
    expect(page.get_by_label("Schema field for coupon")).to_have_value("")  # still offered, never dropped
    page.get_by_label("Schema field for coupon").fill("eventType")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.locator(".mapping-list")).to_contain_text("coupon → eventType")


def test_a_second_dataflow_on_the_schema_starts_from_the_first_ones_mapping(
    logged_in: Page, live_server, emulator, orders
):
    page = logged_in
    first_dataflow(page, live_server, orders)
    to_mapping(page, "Orders first")
    page.get_by_label("Schema field for status").fill("eventType")  # the order's status is the event's type
    page.get_by_label("Schema field for itemCount").fill("")  # left out
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()

    page.goto(live_server.url + f"/onboardings/{orders.public_id}/dataflows/new/?other=1")
    page.get_by_role("radio", name="orders").check()
    page.get_by_label("Consumer group (required)").fill("aep-orders-again")
    page.get_by_role("button", name="Next: select data").click()
    to_mapping(page, "Orders again")
    expect(page.get_by_label("Schema field for status")).to_have_value("eventType")
    expect(page.locator("#earlier-mapping")).to_contain_text("Started from the mapping of the dataflow")
    expect(page.get_by_label("Schema field for itemCount")).to_have_value("")
    expect(page.get_by_label("Your field for timestamp")).to_have_value("placedAt")


def test_events_with_no_id_get_a_generated_one_through_to_review(logged_in: Page, live_server, emulator, orders):
    page = logged_in
    first_dataflow(page, live_server, orders)
    sample = '{"placedAt": "2026-03-01T10:00:00Z", "total": 12.5, "customerId": "C-7"}'
    to_mapping(page, "Orders without ids", sample=sample)
    expect(page.get_by_label("Your field for _id")).to_have_value("")
    offer = page.locator("#generated-id-offer")
    expect(offer).to_contain_text("No field of your events is mapped to _id")
    offer.get_by_role("button", name="Generate a unique ID for each record").click()
    generated = page.get_by_role("row", name="Generated: a unique ID for each record")
    expect(generated).to_contain_text("uuid()")
    expect(generated).to_contain_text("_id")
    expect(page.get_by_label("Your field for _id")).to_have_count(0)
    expect(offer).to_have_count(0)
    page.set_viewport_size({"width": 360, "height": 740})  # the generated row reads as a card on a phone too
    assert page.evaluate("() => document.documentElement.scrollWidth <= 360")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1100, "height": 900})
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.locator(".mapping-list")).to_contain_text("a unique ID generated for each record (uuid()) → _id")
    generated_rows = [r for r in Dataflow.objects.get().mappings if r["destination"] == "_id"]
    assert generated_rows == [{"source": "uuid()", "destination": "_id", "source_type": "EXPRESSION"}]
    page.get_by_role("link", name="Mapping").click()  # kept when the person comes back
    expect(page.get_by_role("row", name="Generated: a unique ID for each record")).to_be_visible()


def test_full_paths_and_the_schemas_fields_are_readable_on_a_phone(logged_in: Page, live_server, emulator, orders):
    page = logged_in
    first_dataflow(page, live_server, orders)
    to_mapping(page, "Orders on a phone")
    for width in (390, 360):
        page.set_viewport_size({"width": width, "height": 800})
        customer = page.get_by_label("Schema field for customerId")
        expect(customer).to_have_value("_eventhubsdemo.order.customerId")
        assert customer.evaluate(WHOLE_VALUE), f"the path is cut at {width} px"
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.get_by_text("fields of the schema, with their types").click()
    page.get_by_label("Search the schema's fields").fill("customer")
    listed = page.locator("#schema-field-list li:visible")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("_eventhubsdemo.order.customerId")
    expect(listed).to_contain_text("string")
    expect(page.locator("#schema-filter-count")).to_have_text("1 field")
    page.get_by_label("Your field for timestamp").fill("")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_label("Your field for timestamp")).to_have_attribute("aria-invalid", "true")
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert serious_violations(page) == []
