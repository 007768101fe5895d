"""The wizard in Chromium: paste helper, errors, faults and Retry, navigation, copy, guards, phones, admin."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.conftest import (
    DEMO_HUB_KEY,
    DEMO_MANAGE_KEY,
    DEMO_OWNER_APP,
    DEMO_OWNER_SECRET,
    DEMO_TENANT,
)
from tests.e2e.conftest import choose_tab, fill_standard, finish_source, start_onboarding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
HUB_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=orders-aep;"
    f"SharedAccessKey={DEMO_HUB_KEY};EntityPath=orders"
)


def test_pasting_a_connection_string_fills_the_fields(logged_in: Page, live_server):
    page = logged_in
    start_onboarding(page, live_server)
    page.get_by_label("Connection string (optional)").fill(HUB_STRING)
    expect(page.get_by_role("tab", name="SAS", exact=True)).to_have_attribute("aria-selected", "true")
    expect(page.get_by_label("Event Hubs namespace")).to_have_value("contoso-events")
    expect(page.get_by_label("SAS key name")).to_have_value("orders-aep")
    expect(page.get_by_label("Event hub name")).to_have_value("orders")
    expect(page.get_by_text("The key in it will be used")).to_be_visible()
    expect(page.get_by_label("SAS key", exact=True)).to_have_value("")  # the key never comes back
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page)
    assert Onboarding.objects.get().sas_key == DEMO_HUB_KEY


def test_validation_messages_sit_next_to_their_field_and_take_focus(logged_in: Page, live_server):
    page = logged_in
    start_onboarding(page, live_server)
    fill_standard(page, "too-short")
    page.get_by_label("Event Hubs namespace").fill("1contoso-events")
    page.get_by_role("button", name="Connect to Adobe").click()
    namespace = page.get_by_label("Event Hubs namespace")
    expect(namespace).to_have_attribute("aria-invalid", "true")
    expect(namespace).to_be_focused()
    expect(page.locator("#id_namespace_field .error")).to_contain_text("starts with a letter")
    expect(page.locator("#id_sas_key_field .error")).to_contain_text("44 characters of base64")
    expect(page.get_by_label("SAS key", exact=True)).to_have_attribute("aria-invalid", "true")
    assert "id_namespace_error" in namespace.get_attribute("aria-describedby")
    expect(page.get_by_label("Name (required)", exact=True)).to_have_value("Orders stream")  # nothing lost


def test_a_fault_is_shown_with_a_working_retry(logged_in: Page, live_server, emulator):
    page = logged_in
    emulator.fault("/connections", method="POST", status=503)
    start_onboarding(page, live_server)
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Adobe is unavailable")
    expect(problem).to_contain_text("1103-503")
    expect(page.locator("#problem")).to_be_focused()
    page.get_by_role("button", name="Retry").click()
    finish_source(page)
    assert emulator.stats()["connections"] == 1


def test_the_page_shows_progress_and_moves_on_by_itself(logged_in: Page, live_server, emulator):
    """Adobe is slow: the request returns at once, the page says what is happening (nothing to press
    twice), the background task creates the connection, and the page moves on without a click."""
    page = logged_in
    emulator.fault("/connections", method="POST", delay=1.5)
    start_onboarding(page, live_server)
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("status").filter(has_text="Creating the base connection in Adobe")).to_be_visible()
    expect(page.get_by_role("button", name="Connect to Adobe")).to_have_count(0)
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    expect(page.locator("#step-heading")).to_be_focused()
    assert emulator.stats()["connections"] == 1


def test_back_refresh_and_reopening_a_draft(logged_in: Page, live_server, emulator):
    page = logged_in
    page.get_by_role("link", name="New onboarding").first.click()
    page.get_by_label("Name (required)", exact=True).fill("Resumable")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    page.reload()  # refresh: the step comes from the database
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    finish_source(page)
    page.go_back()  # back to the source step, now read-only
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    expect(page.get_by_role("button", name="Create source connection")).to_have_count(0)
    page.go_back()  # the blank form was replaced: back leads to where the user came from
    expect(page.get_by_role("heading", name="My onboardings")).to_be_visible()
    page.get_by_role("link", name="View Resumable").click()
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()

    emulator.fault("/connections", method="POST", status=400, code="1304-400")
    start_onboarding(page, live_server, "Draft to resume")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("alert")).to_contain_text("Adobe refused the details")
    page.get_by_role("link", name="My onboardings").click()
    page.get_by_role("link", name="Continue Draft to resume").click()
    expect(page.get_by_role("alert")).to_contain_text("1304-400")
    expect(page.get_by_label("Name (required)", exact=True)).to_have_value("Draft to resume")
    # A refusal of the details offers no Retry: the form's own button sends them again.
    expect(page.get_by_role("button", name="Retry with the same details")).to_have_count(0)
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page, consumer_group="resumed")


def test_copy_buttons_put_the_id_on_the_clipboard(logged_in: Page, live_server):
    page = logged_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    start_onboarding(page, live_server)
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page)
    onboarding = Onboarding.objects.get()
    page.get_by_text("For developers", exact=True).click()  # the IDs are for developers
    for label, value in (
        ("Copy Base connection ID", onboarding.base_connection_id),
        ("Copy Source connection ID", onboarding.source_connection_id),
    ):
        page.get_by_role("button", name=label).click()
        expect(page.get_by_role("button", name=label)).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == value


def test_leaving_with_unsaved_input_asks_first(logged_in: Page, live_server):
    page = logged_in
    start_onboarding(page, live_server)
    dialogs: list[str] = []

    def answer(dialog) -> None:
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", answer)
    with page.expect_event("dialog"):
        page.get_by_role("link", name="My onboardings").click()
    assert dialogs == ["beforeunload"]
    assert page.url.endswith("/onboardings/new/")


@pytest.mark.parametrize("auth_type", ["Microsoft Entra ID", "Microsoft Entra ID, one event hub"])
def test_entra_id_flows_end_to_end(logged_in: Page, live_server, emulator, auth_type):
    page = logged_in
    start_onboarding(page, live_server, f"Entra {auth_type}")
    choose_tab(page, auth_type)
    page.get_by_label("Tenant ID").fill(DEMO_TENANT)
    page.get_by_label("Client ID").fill(DEMO_OWNER_APP)
    page.get_by_label("Client secret value").fill(DEMO_OWNER_SECRET)
    page.get_by_label("Event Hubs namespace").fill("contoso-events")
    if auth_type.endswith("one event hub"):
        page.get_by_label("Event hub name").fill("orders")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.locator(".check--passed", has_text="Credentials accepted")).to_be_visible()
    finish_source(page)
    onboarding = Onboarding.objects.get()
    remote = emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]
    assert remote["auth"]["params"]["clientId"] == DEMO_OWNER_APP
    assert DEMO_OWNER_SECRET not in page.content()


@pytest.mark.parametrize("width", [360, 768, 1280])
def test_the_layout_fits_from_phones_to_desktops(logged_in: Page, live_server, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 800})
    start_onboarding(page, live_server)
    fill_standard(page, DEMO_MANAGE_KEY)
    pages = [page.url]
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    pages.append(page.url)
    finish_source(page)
    pages += [page.url, live_server.url + "/onboardings/", live_server.url + "/login/"]
    for url in pages:
        page.goto(url)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at {width}px"


def test_completing_an_onboarding_then_auditing_it_in_the_admin(csp_page: Page, live_server, admin_user):
    """An admin completes an onboarding and opens every page an auditor uses: no CSP violation anywhere."""
    page = csp_page
    page.goto(live_server.url + "/admin/login/?next=/onboardings/new/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    start_onboarding(page, live_server, "Audited")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page)
    onboarding = Onboarding.objects.get()
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("link", name="Onboardings").first.click()
    page.get_by_role("link", name="Audited").click()
    expect(page.get_by_role("heading", name="Timeline: every call and state change")).to_be_visible()
    expect(page.get_by_text(onboarding.base_connection_id).first).to_be_visible()
    page.locator("details.bodies summary").first.click()
    expect(page.locator("details.bodies pre").first).to_be_visible()
    page.goto(live_server.url + "/admin/connections/flowservicecall/?operation=create_base_connection")
    page.locator("#result_list tbody th a").first.click()  # the bodies are on the call's own page
    expect(page.locator(".readonly pre").first).to_contain_text("••••••••")
    page.goto(live_server.url + "/admin/connections/statechange/")
    expect(page.get_by_text("Adobe created the source connection")).to_be_visible()
    assert DEMO_MANAGE_KEY not in page.content()
