"""In Chromium: from a connected account to records arriving, through select data, dataset, mapping, review."""

from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from connections.flowservice import DatasetInput
from connections.models import Dataflow
from tests.conftest import DEMO_MANAGE_KEY
from tests.e2e.conftest import fill_standard, finish_source, start_onboarding, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORDERS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"


def connected(page: Page, live_server, name: str, hub: str = "orders", group: str = "aep-orders", xdm: bool = False):
    start_onboarding(page, live_server, name)
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    if xdm:
        expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
        wait_for_htmx(page)
        page.locator("#id_data_type_1").check()
    finish_source(page, hub, group)


def advance_clock(emulator, seconds: float) -> None:
    requests.post(f"{emulator.url}/__emulator__/clock", json={"freeze": True, "advance": seconds}, timeout=5)


def records_arrive(page: Page, emulator) -> None:
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    expect(page.locator("#flow-state")).to_have_text("Running")
    advance_clock(emulator, 600)
    # The page asks Adobe at most every 30 s by itself; the user asks now.
    page.get_by_role("button", name="Ask Adobe now").click()
    expect(page.locator("#records-ingested")).not_to_have_text("0", timeout=20_000)
    assert int(page.locator("#records-received").inner_text()) > 0


def test_raw_hub_to_a_new_dataset_with_an_edited_mapping(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "Orders raw")
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    expect(page.get_by_role("table", name="Fields found in the events")).to_contain_text("customerId")
    page.get_by_text("Show the raw JSON").click()
    expect(page.locator("details.raw pre")).to_contain_text('"currency"')
    page.get_by_role("link", name="Next: dataset").click()
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Web shop orders")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
    expect(page.get_by_label("Schema field for customerId")).to_have_value("_eventhubsdemo.order.customerId")
    expect(page.get_by_label("Your field for timestamp")).to_have_value("placedAt")  # required: suggested
    page.get_by_label("Schema field for placedAt").fill("timestamp")  # edited: the event's time
    page.get_by_role("button", name="Remove the row for status").click()
    expect(page.get_by_label("Schema field for status")).to_have_count(0)
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.locator(".mapping-list")).to_contain_text("placedAt → timestamp")
    page.get_by_label("Dataflow name").fill("Orders into AEP")
    page.get_by_role("button", name="Finish").click()
    records_arrive(page, emulator)
    dataflow = Dataflow.objects.get()
    assert {"source": "placedAt", "destination": "timestamp"} in dataflow.mappings
    assert all(m["source"] != "status" for m in dataflow.mappings)
    assert DEMO_MANAGE_KEY not in page.content()


def existing_dataset(make_client, name: str = "Clicks (XDM)") -> str:
    return str(make_client().create_dataset(DatasetInput(name=name, schema_id=ORDERS_SCHEMA)))


def test_xdm_hub_to_an_existing_dataset_needs_no_mapping(logged_in: Page, live_server, emulator, make_client):
    existing_dataset(make_client, "Shop orders (XDM)")
    existing_dataset(make_client, "Something else")
    page = logged_in
    connected(page, live_server, "Orders XDM", xdm=True)
    page.get_by_role("button", name="Set up the dataflow").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_label("Search datasets and schemas").fill("shop")
    expect(page.get_by_role("radio", name="Something else")).to_have_count(0)
    expect(page.locator("#dataset-lists")).to_contain_text("Schema: Order events")
    wait_for_htmx(page)
    page.get_by_role("radio", name="An existing dataset").check()
    page.get_by_role("radio", name="Shop orders (XDM)").check()
    page.get_by_role("button", name="Next: review").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.get_by_text("None needed (XDM)")).to_be_visible()
    page.get_by_role("button", name="Finish").click()
    records_arrive(page, emulator)
    assert emulator.stats()["mappingSets"] == 0 and emulator.stats()["dataSets"] == 2


def test_a_mapping_error_is_caught_before_anything_is_created(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "Orders typo")
    page.get_by_role("button", name="Set up the dataflow").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Orders with a typo")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_label("Schema field for total").fill("_eventhubsdemo.order.totl")
    page.get_by_role("button", name="Check and continue").click()
    field = page.get_by_label("Schema field for total")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#" + field.get_attribute("aria-describedby"))).to_contain_text("_eventhubsdemo.order.totl")
    assert emulator.stats()["dataSets"] == 0 and emulator.stats()["mappingSets"] == 0
    assert emulator.stats()["flows"] == 0


@pytest.mark.parametrize(
    ("path", "kind", "step"),
    [
        ("/data/foundation/catalog/dataSets", "dataSets", "dataset"),
        ("/targetConnections", "targetConnections", "target connection"),
        ("/data/foundation/conversion/mappingSets", "mappingSets", "mapping"),
        ("/flows", "flows", "dataflow"),
    ],
)
def test_a_fault_during_each_create_is_retried_to_exactly_one_object(
    logged_in: Page, live_server, emulator, path, kind, step
):
    page = logged_in
    connected(page, live_server, f"Faulty {kind}")
    page.get_by_role("button", name="Set up the dataflow").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill(f"Orders {kind}")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Check and continue").click()
    emulator.fault(path, method="POST", status=503)
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="The dataflow is not finished")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(f"creating the {step}")
    page.get_by_role("button", name="Retry").click()
    records_arrive(page, emulator)
    assert emulator.stats()[kind] == 1


def test_an_existing_account_is_reused_for_another_hub(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "Shop account")
    page.get_by_role("link", name="Another event hub or consumer group").click()
    expect(page.get_by_role("heading", name="Another dataflow from Shop account")).to_be_visible()
    expect(page.get_by_label("SAS key", exact=True)).to_have_count(0)  # nothing to retype
    page.get_by_role("radio", name="orders").check()
    page.get_by_label("Consumer group (required)").fill("aep-orders")
    page.get_by_role("button", name="Next: select data").click()
    expect(page.get_by_text("is already read by the onboarding")).to_be_visible()
    page.get_by_role("radio", name="clickstream").check()
    page.get_by_label("Consumer group (required)").fill("aep-clicks")
    page.get_by_role("button", name="Next: select data").click()
    expect(page.get_by_role("table", name="Fields found in the events")).to_contain_text("sessionId")
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Web clicks")
    page.get_by_role("radio", name="Clickstream events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Check and continue").click()
    page.get_by_role("button", name="Finish").click()
    records_arrive(page, emulator)
    assert emulator.stats()["connections"] == 1 and emulator.stats()["sourceConnections"] == 2


def test_a_pasted_sample_when_adobe_cannot_preview(logged_in: Page, live_server, emulator):
    page = logged_in
    connected(page, live_server, "No preview")
    emulator.fault("/connections/*/explore", method="GET", status=400, code="1308-400", count=5)
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("alert")).to_be_visible()
    page.get_by_label("Sample events").fill('{"id": "ORD-1", "buyer": {"email": "a@example.com"}, "total": 12.5}')
    page.get_by_role("button", name="Use this sample").click()
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    page.get_by_role("link", name="Select data").click()
    expect(page.get_by_role("table", name="Fields found in the events")).to_contain_text("buyer.email")
    assert Dataflow.objects.get().sample_origin == "pasted"


def test_finish_shows_progress_while_a_slow_adobe_creates_and_moves_on_by_itself(
    logged_in: Page, live_server, emulator
):
    """Adobe is slow: every page answers at once and says what it waits for; the background tasks read and
    create, and each page moves on without a click, Finish to the created dataflow."""
    page = logged_in
    connected(page, live_server, "Slow Adobe")
    emulator.fault("/connections/*/explore", method="GET", delay=1.5, count=1)
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("status").filter(has_text="Previewing the event hub in Adobe")).to_be_visible()
    expect(page.get_by_role("table", name="Fields found in the events")).to_contain_text("customerId")
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Slow orders")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_role("button", name="Check and continue").click()
    emulator.fault("/flows", method="POST", delay=1.5, count=1)
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("status").filter(has_text="Creating the dataflow in Adobe")).to_be_visible()
    expect(page.get_by_role("button", name="Finish")).to_have_count(0)
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    expect(page.locator("#flow-state")).to_have_text("Running")
    assert emulator.stats()["flows"] == 1 and emulator.stats()["dataSets"] == 1


def test_the_done_page_leads_with_the_dataflow_and_shows_the_ones_that_exist(
    logged_in: Page, live_server, emulator, make_client
):
    page = logged_in
    existing_dataset(make_client)
    connected(page, live_server, "Orders lead", xdm=True)
    done_url = page.url
    setup = page.get_by_role("button", name="Set up the dataflow")
    aep_way = page.get_by_role("heading", name="Or set it up in Experience Platform")
    assert setup.bounding_box()["y"] < aep_way.bounding_box()["y"]  # the app's own step comes first
    setup.click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    page.get_by_role("link", name="Next: dataset").click()
    wait_for_htmx(page)
    page.get_by_role("radio", name="An existing dataset").check()
    page.get_by_role("radio", name="Clicks (XDM)").check()
    page.get_by_role("button", name="Next: review").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    page.goto(done_url)
    expect(page.locator("ul.dataflows")).to_contain_text("running")
    expect(page.get_by_text("Data starts arriving once that")).to_have_count(0)
    expect(page.get_by_role("link", name="Another event hub or consumer group")).to_be_visible()


def test_picking_a_dataset_chooses_the_existing_side(logged_in: Page, live_server, emulator, make_client):
    page = logged_in
    existing_dataset(make_client, "Shop orders (XDM)")
    connected(page, live_server, "Orders pick", xdm=True)
    page.get_by_role("button", name="Set up the dataflow").click()
    page.get_by_role("link", name="Next: dataset").click()
    wait_for_htmx(page)
    page.get_by_role("radio", name="Shop orders (XDM)").check()  # "A new dataset" is still the selected side
    page.get_by_role("button", name="Next: review").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
