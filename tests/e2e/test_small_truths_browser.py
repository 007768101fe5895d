"""The small things a person reads on the way, true and usable: the Dataset step's sides, plain words, no etag for
the person, the correction form's paste, Archive's undo, the admin's CSV and Data arriving's counts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.flowservice_emulator import FLOW_PREFIX
from connections.services import dataflow as df
from tests.conftest import (
    DEMO_HUB_KEY,
    DEMO_HUB_KEY_NAME,
    DEMO_MANAGE_KEY,
    DEMO_MANAGE_KEY_NAME,
    DEMO_NAMESPACE,
    IMMEDIATE_TASKS,
)
from tests.contract.proxy import AlteringProxy
from tests.e2e.conftest import choose_tab, fill_standard, start_onboarding, wait_for_htmx
from tests.e2e.test_dataflow_browser import advance_clock, connected, existing_dataset
from tests.e2e.test_truth_browser import connect_with_wrong_key
from tests.test_dataflow_services import chosen_raw_dataflow, without_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at_dataset_step(page: Page, live_server: Any, onboarding: Any) -> None:
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    page.get_by_role("link", name="Next: dataset").click()
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    expect(page.get_by_role("radio", name="Order events", exact=True)).to_be_visible()  # once Adobe listed them


def test_an_empty_side_cannot_be_chosen_and_an_error_takes_focus_to_what_to_do(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    page = logged_in
    at_dataset_step(page, live_server, make_onboarding("source", owner=browser_user))
    expect(page.locator(".lead")).to_contain_text("Adobe's Data Prep service, which applies that mapping")  # words
    existing = page.get_by_role("radio", name="An existing dataset")
    expect(existing).to_be_disabled()  # the sandbox has no dataset yet
    expect(page.get_by_text("This sandbox has none yet.")).to_be_visible()
    expect(page.get_by_text("No dataset in this sandbox yet.")).to_have_count(0)  # said once, on its choice
    expect(page.get_by_role("radio", name="A new dataset")).to_be_checked()
    page.get_by_role("button", name="Next: mapping").click()  # no schema picked
    expect(page.get_by_text("Choose the schema of the new dataset.")).to_be_visible()
    expect(page.locator("input[name=schema_id]").first).to_be_focused()  # the schemas, where the error is
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()


# What the person reads: the page's text without what is kept "For developers".
PERSON_TEXT = """() => {
  const main = document.querySelector('main').cloneNode(true);
  main.querySelectorAll('details.developers, #for-developers').forEach(d => d.remove());
  return main.innerText;
}"""


def test_adobes_words_are_explained_where_first_shown(logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "Plain words")
    expect(page.locator(".lead")).to_contain_text("Adobe then creates the account in Experience Platform")
    expect(page.locator(".lead")).to_contain_text("base connection: how Adobe signs in to your Event Hubs namespace")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("source connection: what reads this one event hub")


def test_review_and_data_arriving_name_the_existing_dataset(logged_in: Page, live_server, emulator, make_client):
    page = logged_in
    existing_dataset(make_client, "Clicks from the shop")
    connected(page, live_server, "Named dataset", xdm=True)
    page.get_by_role("button", name="Set up the dataflow").click()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="Clicks from the shop").check()
    page.get_by_role("button", name="Next: review").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("a target connection (what writes into the dataset)")
    dataset_row = page.locator(".summary > div").filter(has=page.locator("dt", has_text="Dataset"))
    expect(dataset_row).to_contain_text("Existing: Clicks from the shop")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text("into your existing dataset Clicks from the shop")


def test_no_etag_in_what_the_person_reads_after_saving(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user)
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/source/edit/")
    page.get_by_label("Consumer group (required)").fill("aep-orders-2")
    page.get_by_role("button", name="Save in Adobe").click()
    expect(page.locator(".messages")).to_contain_text("The source settings are saved in Adobe.")
    expect(page.get_by_role("heading", name="Recent requests to Adobe")).to_be_visible()
    assert "etag" not in page.evaluate(PERSON_TEXT).lower()
    page.get_by_text("For developers").click()
    expect(page.locator("#for-developers")).to_contain_text("etag")  # kept there, for whoever needs it


def connection_string(key_name: str, key: str, hub: str = "") -> str:
    entity = f";EntityPath={hub}" if hub else ""
    return f"Endpoint=sb://{DEMO_NAMESPACE}.servicebus.windows.net/;SharedAccessKeyName={key_name};SharedAccessKey={key}{entity}"


def test_a_paste_on_the_correction_form_fills_it_in_and_reads_entity_path(logged_in: Page, live_server, emulator):
    page = logged_in
    connect_with_wrong_key(page, live_server)
    wait_for_htmx(page)
    pasted = page.get_by_label("Connection string (optional)")
    pasted.fill(connection_string(DEMO_HUB_KEY_NAME, DEMO_HUB_KEY, hub="orders"))
    expect(page.locator("#id_connection_string_error")).to_contain_text("EntityPath=orders")
    expect(page.locator("#id_connection_string_error")).to_contain_text("needs a policy of the whole namespace")
    wait_for_htmx(page)
    pasted.fill(connection_string(DEMO_MANAGE_KEY_NAME, DEMO_MANAGE_KEY))
    expect(page.locator("#pasted")).to_contain_text(f"namespace {DEMO_NAMESPACE}, policy {DEMO_MANAGE_KEY_NAME}")
    expect(page.get_by_label("SAS key name")).to_have_value(DEMO_MANAGE_KEY_NAME)
    wait_for_htmx(page)
    page.get_by_role("button", name="Save and test again").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()


def test_the_name_preview_follows_the_name_and_never_says_your_name(logged_in: Page, live_server):
    page = logged_in
    page.goto(live_server.url + "/onboardings/new/")
    preview = page.locator("#aep-account-preview")
    expect(preview).to_have_text("the name above")
    expect(page.locator("#aep-account-name")).not_to_contain_text("Your name")
    page.get_by_label("Name (required)", exact=True).fill("Web shop, orders")
    expect(preview).to_have_text(re.compile(r"^Web shop  orders \(eh-[0-9a-f]{8}\)$"))


def test_a_misspelt_hub_on_sas_does_not_also_fail_the_credentials(logged_in: Page, live_server, emulator):
    page = logged_in
    start_onboarding(page, live_server, "Typo hub")
    choose_tab(page, "SAS")
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill(DEMO_HUB_KEY_NAME)
    page.get_by_label("SAS key", exact=True).fill(DEMO_HUB_KEY)
    page.get_by_label("Event hub name").fill("ordrs")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="The connection test did not pass")).to_be_visible()
    expect(page.locator(".check--failed")).to_have_count(1)
    expect(page.locator(".check--failed")).to_contain_text("Event hub found")
    credentials = page.locator(".check").filter(has_text="Credentials accepted")
    expect(credentials).not_to_have_class(re.compile("check--failed"))
    expect(credentials).to_contain_text("the event hub was not found")


def test_archive_can_be_undone(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user, name="Undo me")
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Archive").click()
    expect(page.locator(".messages")).to_contain_text("Archived Undo me")
    expect(page.get_by_role("link", name="Undo me", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Undo: bring Undo me back").click()
    expect(page.locator(".messages")).to_contain_text("Undo me is back in your list.")
    page.get_by_role("link", name="My onboardings").click()
    expect(page.get_by_role("link", name="Undo me", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Undo: bring Undo me back")).to_have_count(0)


def test_the_admin_csv_reads_as_words_and_flags_archived_ones(
    page: Page, live_server, emulator, admin_user, make_onboarding
):
    from connections import services

    kept = make_onboarding("source", owner=admin_user, name="Kept one")
    archived = make_onboarding("source", owner=admin_user, name="Archived one", consumer_group="other-group")
    services.onboarding_archive(onboarding=archived, actor=admin_user)
    page.goto(live_server.url + "/admin/login/?next=/admin/connections/onboarding/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.locator("#action-toggle").check()
    page.get_by_role("combobox", name="Action").select_option(label="Export selected onboardings to CSV")
    with page.expect_download() as download:
        page.get_by_role("button", name="Run").click()
    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(Path(download.value.path()).read_text()))}
    assert rows[kept.name]["status"] == "Connected" and rows[kept.name]["archived"] == "no"
    assert rows[archived.name]["status"] == "Connected" and rows[archived.name]["archived"].startswith("yes, ")
    assert rows[archived.name]["deleted in Adobe"] == "no"


def test_data_arriving_says_as_of_when_and_the_latest_runs_own_counts(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up: a dataflow in Adobe
        flow = df.dataflow_finish(
            dataflow=chosen_raw_dataflow(lambda until: make_onboarding(until, owner=browser_user)), actor=None
        )
    advance_clock(emulator, 3 * 3600)  # three hourly runs
    page = logged_in
    page.goto(f"{live_server.url}/onboardings/{flow.onboarding.public_id}/dataflows/{flow.public_id}/")
    page.get_by_role("button", name="Ask Adobe now").click()
    expect(page.locator("#activity-as-of")).to_contain_text("As Adobe reported it at")
    expect(page.locator("#records-received")).not_to_have_text("0")
    total = int(page.locator("#records-received").inner_text())
    assert 0 <= int(page.locator("#latest-received").inner_text()) < total  # one run's, not the week's


def test_new_onboarding_offers_the_existing_account_of_a_connected_namespace(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    page = logged_in
    make_onboarding("source", owner=browser_user, name="Shop account")
    start_onboarding(page, live_server, "Second try")
    wait_for_htmx(page)
    page.get_by_label("Event Hubs namespace").fill("fabrikam-events")
    page.get_by_label("Event Hubs namespace").blur()
    wait_for_htmx(page)
    expect(page.locator("#existing-account-offer")).to_have_count(0)
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    offer = page.locator("#existing-account-offer")
    expect(offer).to_contain_text(f"{DEMO_NAMESPACE} is already connected")
    expect(offer).to_contain_text("Shop account")
    offer.get_by_role("link", name="Use the existing account").click()
    expect(page.get_by_role("heading", name="Another dataflow from")).to_be_visible()


def test_profile_not_confirmed_after_enabling_is_said_on_data_arriving(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding, settings
):
    dataflow = chosen_raw_dataflow(lambda until: make_onboarding(until, owner=browser_user))
    dataflow.profile_enabled = True
    dataflow.save()
    with AlteringProxy(emulator.url, after=without_profile) as proxy, override_settings(TASKS=IMMEDIATE_TASKS):
        settings.FLOW_SERVICE_URL = proxy.url + FLOW_PREFIX
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=None)
    settings.FLOW_SERVICE_URL = emulator.flow_url
    page = logged_in
    page.goto(f"{live_server.url}/onboardings/{dataflow.onboarding.public_id}/dataflows/{dataflow.public_id}/")
    notice = page.locator("#profile-unconfirmed")
    expect(notice).to_contain_text("Profile is not confirmed for this dataset")
    expect(notice).to_contain_text("Catalog does not show the dataset enabled for Profile.")


def test_the_dataset_search_asks_adobe(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding, make_client
):
    page = logged_in
    existing_dataset(make_client, "Clicks from the shop")
    at_dataset_step(page, live_server, make_onboarding("source", owner=browser_user))
    expect(page.get_by_role("radio", name="Clicks from the shop")).to_be_visible()
    existing_dataset(make_client, "Returns from the shop")  # made in Adobe after the page listed the datasets
    page.get_by_label("Search datasets and schemas").fill("Returns")
    expect(page.locator("#dataset-search-status")).to_contain_text("Found by Adobe: 1 dataset whose name contains")
    page.get_by_role("radio", name="Returns from the shop").check()
    expect(page.get_by_role("radio", name="Clicks from the shop")).to_have_count(0)
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
