"""Accessibility: axe-core on every page, and a whole onboarding with the keyboard alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from connections import services
from connections.models import Onboarding
from tests.conftest import DEMO_MANAGE_KEY
from tests.e2e.conftest import PASSWORD, choose_tab, fill_standard, finish_source, start_onboarding, wait_for_htmx

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_REPORT = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                      nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""


def serious_violations(page: Page) -> list[dict[str, Any]]:
    """Run axe-core, served to the page by the test (same origin, so the CSP allows it)."""
    assert AXE.exists(), "axe-core is missing: `npm ci` installs it (make test does)"
    page.route("**/__axe__.js", lambda route: route.fulfill(path=str(AXE), content_type="application/javascript"))
    page.add_script_tag(url="/__axe__.js")
    return [v for v in page.evaluate(AXE_REPORT) if v["impact"] in ("serious", "critical")]


def check(page: Page, where: str, report: dict[str, list[dict[str, Any]]]) -> None:
    report[where] = serious_violations(page)


def test_every_page_passes_axe(logged_in: Page, live_server, emulator, admin_user, monkeypatch):
    page, report = logged_in, {}
    page.goto(live_server.url + "/onboardings/")
    check(page, "my onboardings (empty)", report)
    start_onboarding(page, live_server)
    check(page, "account: standard", report)
    for tab in ("SAS", "Microsoft Entra ID", "Microsoft Entra ID, one event hub"):
        choose_tab(page, tab)
        check(page, f"account: {tab}", report)
    choose_tab(page, "Standard")
    fill_standard(page, "not-a-key")
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_label("SAS key", exact=True)).to_have_attribute("aria-invalid", "true")
    check(page, "account: validation errors", report)
    emulator.fault("/connections", method="POST", status=503)
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check(page, "account: Adobe error with Retry", report)
    page.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    check(page, "source", report)
    finish_source(page)
    check(page, "done", report)
    onboarding = Onboarding.objects.get()
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/credentials/")
    page.get_by_text("Replace", exact=True).click()
    check(page, "replace key", report)
    page.goto(live_server.url + "/onboardings/")
    check(page, "my onboardings", report)
    page.goto(live_server.url + "/onboardings/00000000-0000-0000-0000-000000000000/done/")
    check(page, "404 page", report)
    monkeypatch.setattr(services, "onboarding_start_test", lambda **kwargs: 1 / 0)
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Test connection").click()  # a failing htmx request: the page says so
    expect(page.locator("#client-error")).to_be_visible()
    check(page, "after a server error", report)
    page.context.clear_cookies()
    page.goto(live_server.url + "/login/")
    check(page, "login", report)
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    for where, url in (
        ("admin: onboardings", "/admin/connections/onboarding/"),
        ("admin: timeline", f"/admin/connections/onboarding/{onboarding.pk}/change/"),
        ("admin: calls", "/admin/connections/flowservicecall/"),
    ):
        page.goto(live_server.url + url)
        check(page, where, report)
    assert {where: found for where, found in report.items() if found} == {}


def test_the_500_page_passes_axe(logged_in: Page, live_server, browser_user, make_onboarding, monkeypatch):
    from connections import exports

    onboarding = make_onboarding("source", owner=browser_user)
    monkeypatch.setattr(exports, "streaming_flow_request", lambda onboarding: 1 / 0)
    page = logged_in
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    expect(page.get_by_role("heading", name="Something went wrong on our side")).to_be_visible()
    assert serious_violations(page) == []


def tab_to(page: Page, selector: str, limit: int = 60) -> None:
    """Press Tab until the focused element matches `selector`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_a_whole_onboarding_with_the_keyboard_alone(page: Page, live_server, browser_user, emulator):
    page.goto(live_server.url + "/login/")
    tab_to(page, "#id_username")
    page.keyboard.type(browser_user.username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My onboardings")).to_be_visible()

    tab_to(page, "main a[href='/onboardings/new/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Connect your Event Hubs account")).to_be_visible()
    tab_to(page, "#id_name")
    page.keyboard.type("Keyboard only")
    tab_to(page, "[role=tab][aria-selected=true]")
    page.keyboard.press("ArrowRight")  # the ARIA tabs pattern: arrows move and select
    expect(page.locator("#tab-sas")).to_be_focused()
    expect(page.locator("#tab-sas")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(page.locator("#tab-standard")).to_be_focused()
    expect(page.locator("#tab-standard")).to_have_attribute("aria-selected", "true")
    wait_for_htmx(page)
    tab_to(page, "#id_namespace")
    page.keyboard.type("contoso-events")
    page.keyboard.press("Tab")
    page.keyboard.type("RootManageSharedAccessKey")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_MANAGE_KEY)
    page.keyboard.press("Enter")

    expect(page.locator("#step-heading")).to_have_text("Choose what to read")
    expect(page.locator("#step-heading")).to_be_focused()  # focus follows the new step
    wait_for_htmx(page)  # the settled swap moves focus to the heading once more: tab from there
    tab_to(page, "input[name=event_hub_name]")
    for _ in range(3):
        if page.evaluate("document.activeElement.value") == "orders":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    expect(page.get_by_role("radio", name="orders")).to_be_checked()
    # The event hubs are offered as the same cards as the page's other choices.
    expect(page.locator("label.choice:has(input[name=event_hub_name]:checked)")).to_have_count(1)
    tab_to(page, "#id_consumer_group")
    page.keyboard.press("Control+A")
    page.keyboard.type("keyboard-group")
    page.keyboard.press("Enter")

    expect(page.locator("#step-heading")).to_have_text("Your Event Hubs account is connected")
    onboarding = Onboarding.objects.get()
    assert (onboarding.event_hub_name, onboarding.consumer_group) == ("orders", "keyboard-group")
    wait_for_htmx(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab_to(page, "#for-developers summary")  # the IDs are under "For developers"
    page.keyboard.press("Enter")
    tab_to(page, "button[data-copy=source-id]")
    page.keyboard.press("Enter")
    expect(page.locator("button[data-copy=source-id]")).to_have_text("Copied")
