"""A long onboarding name in a narrow table cell wraps between its words, never inside one: in the admin's calls
list and in My onboardings, at widths where the cell is narrow; the page itself never scrolls sideways. A table
wider than its card scrolls in its own wrapper, which the keyboard reaches and scrolls."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.e2e.test_accessibility import serious_violations, tab_to
from tests.e2e.test_phone_browser import BROKEN_WORDS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Web shop international wholesale orders from the Rotterdam warehouse"
PAGE_SCROLLS = "() => document.documentElement.scrollWidth > window.innerWidth"


def test_a_long_name_wraps_between_its_words_in_narrow_cells(csp_page: Page, live_server, admin_user, make_onboarding):
    page = csp_page
    make_onboarding("source", owner=admin_user, name=LONG_NAME)
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    for width, path in ((1024, "/admin/connections/flowservicecall/"), (700, "/onboardings/"), (360, "/onboardings/")):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(live_server.url + path)
        name = page.get_by_role("cell", name=LONG_NAME).first
        expect(name).to_be_visible()
        lines = name.evaluate(
            "el => Math.round(el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight))"
        )
        assert page.evaluate(BROKEN_WORDS) == [], (width, path, lines)
        assert not page.evaluate(PAGE_SCROLLS), (width, path)


def test_a_table_wider_than_its_card_scrolls_with_the_keyboard(
    logged_in: Page, live_server, browser_user, make_onboarding
):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user, name=LONG_NAME)
    # An event hub name is one token that cannot wrap, so its column keeps the table wider than a small window.
    Onboarding.objects.filter(pk=onboarding.pk).update(event_hub_name="rotterdam_warehouse_wholesale_orders_eu_west")
    page.set_viewport_size({"width": 800, "height": 800})
    page.goto(live_server.url + "/onboardings/")
    region = page.get_by_role("region", name="Your onboardings, newest first")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "the table should overflow at this width"
    tab_to(page, ".table-wrap")
    expect(region).to_be_focused()
    assert region.evaluate("el => getComputedStyle(el).boxShadow") != "none", "the focused region shows no focus ring"
    page.keyboard.press("ArrowRight")
    page.wait_for_function("el => el.scrollLeft > 0", arg=region.element_handle())
    assert [v for v in serious_violations(page) if v["id"] == "scrollable-region-focusable"] == []


def test_the_admin_onboardings_list_fits_a_laptop_window(csp_page: Page, live_server, admin_user, make_onboarding):
    """Django's results wrapper scrolls sideways where no keyboard reaches it: the auditor's list must fit instead."""
    page = csp_page
    make_onboarding("source", owner=admin_user, name=LONG_NAME)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/admin/connections/onboarding/")
    expect(page.get_by_role("cell", name=LONG_NAME)).to_be_visible()
    results = page.locator(".results")
    assert results.evaluate("el => el.scrollWidth <= el.clientWidth"), "the list scrolls sideways"
    assert not page.evaluate(PAGE_SCROLLS)
