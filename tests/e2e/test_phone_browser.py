"""A phone 360 px wide: every page of the journey fits without sideways scrolling, reads as words (no label cut to
"S…", no detail one letter per line, no table cut off at the edge), and passes axe."""

from __future__ import annotations

from pprint import pformat
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.services import dataflow as df
from tests.conftest import DEMO_MANAGE_KEY, IMMEDIATE_TASKS
from tests.e2e.conftest import fill_standard, finish_source, start_onboarding
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_dataflow_accessibility import dataflow_pages
from tests.e2e.test_dataflow_browser import advance_clock
from tests.test_dataflow_services import chosen_raw_dataflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 360, "height": 740}
LONG_NAME = "Second onboarding for international wholesale orders"

# What a person at 360 px cannot read, measured in the page: each entry names the element and why.
UNREADABLE = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > 360) found.push('the page scrolls sideways: ' + root.scrollWidth + ' px');
  for (const label of document.querySelectorAll('.steps__label')) {
    if (label.scrollWidth > label.clientWidth + 1) found.push('step label cut: ' + label.textContent.trim());
  }
  for (const detail of document.querySelectorAll('.check__detail')) {
    if (detail.textContent.trim().length > 20 && detail.getBoundingClientRect().width < 160)
      found.push('check detail squeezed to ' + Math.round(detail.getBoundingClientRect().width) + ' px');
  }
  // A table in a labelled scroll region the keyboard can reach is meant to scroll; any other is cut off.
  for (const wrap of document.querySelectorAll('.table-wrap:not([role=region])')) {
    if (wrap.scrollWidth > wrap.clientWidth + 1) found.push('table cut off: ' + (wrap.querySelector('caption')
      ? wrap.querySelector('caption').textContent.trim() : wrap.className));
  }
  return found;
}"""

# Words (runs of letters, digits and `_`) broken inside, their Range in more than one line box, although the word
# fits the width of its block: a name wraps between its words; only a token longer than its box (an ID, a long hub
# name) may break.
BROKEN_WORDS = """() => {
  const found = [];
  const blockOf = el => {
    while (el && getComputedStyle(el).display.startsWith('inline')) el = el.parentElement;
    return el;
  };
  const rectsOf = (node, start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    return [...range.getClientRects()].filter(r => r.width > 0);
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const block = blockOf(node.parentElement);
    if (!block) continue;
    const style = getComputedStyle(block);
    const width = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    for (const token of node.data.matchAll(/\\S+/g)) {
      const wide = rectsOf(node, token.index, token.index + token[0].length).reduce((sum, r) => sum + r.width, 0);
      if (wide > width + 1) continue;  // longer than its box: it has to break somewhere
      for (const word of token[0].matchAll(/[\\p{L}\\p{N}_]+/gu)) {
        const at = token.index + word.index;
        if (rectsOf(node, at, at + word[0].length).length > 1) found.push('word broken: ' + word[0]);
      }
    }
  }
  return found;
}"""


class Phone:
    """Collects, page by page, what does not fit and what axe finds serious."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.report: dict[str, list[Any]] = {}
        page.set_viewport_size(PHONE)

    def measure(self, where: str) -> None:
        self.page.wait_for_load_state()
        found = list(self.page.evaluate(UNREADABLE)) + list(self.page.evaluate(BROKEN_WORDS))
        found += serious_violations(self.page)
        if found:
            self.report[where] = found

    def visit(self, where: str, url: str, heading: str) -> None:
        self.page.goto(url)
        expect(self.page.get_by_role("heading", name=heading).first).to_be_visible()
        self.measure(where)


def test_every_page_of_the_journey_fits_a_phone(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    page = logged_in
    phone = Phone(page)
    base = live_server.url
    phone.visit("my onboardings (empty)", base + "/onboardings/", "My onboardings")
    start_onboarding(page, live_server, "Phone orders")
    phone.measure("account")
    # The four sign-in tabs sit in two rows of two, not on three uneven lines.
    tops = [round(box["y"]) for box in (tab.bounding_box() for tab in page.get_by_role("tab").all()) if box]
    assert sorted(tops.count(top) for top in set(tops)) == [2, 2], tops
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    phone.measure("source")
    finish_source(page, "orders", "phone-group")
    phone.measure("done")
    with page.expect_navigation():  # the progress moves the page on (HX-Redirect) once the test is done
        page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("Testing the connection in Adobe")).to_have_count(0)
    expect(page.locator(".check__detail").first).to_be_visible()
    phone.measure("done, after a connection test")

    onboarding = make_onboarding("source", owner=browser_user, name=LONG_NAME)
    ob = f"{base}/onboardings/{onboarding.public_id}"
    phone.visit("my onboardings", base + "/onboardings/", "My onboardings")
    phone.visit("credentials", ob + "/credentials/", "Replace the credentials")
    phone.visit("source edit", ob + "/source/edit/", "Edit the source settings")
    phone.visit("delete confirmation", ob + "/delete/", "Delete")
    dataflow_pages(page, live_server, emulator, onboarding, phone.measure)

    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up: a dataflow in Adobe for the fleet and alerts
        flow = df.dataflow_finish(
            dataflow=chosen_raw_dataflow(
                lambda until: make_onboarding(until, owner=browser_user, consumer_group="fleet-group")
            ),
            actor=None,
        )
    advance_clock(emulator, 3600)
    phone.visit("fleet", base + "/dataflows/", "Dataflows")
    phone.visit("alerts", base + "/dataflows/alerts/", "Alerts")
    phone.visit("alerts of a dataflow", f"{base}/dataflows/{flow.public_id}/alerts/", "Alerts")
    page.context.clear_cookies()
    phone.visit("login", base + "/login/", "Log in")
    assert not phone.report, pformat(phone.report)
