"""The small things a person reads on the way, true and usable: the Dataset step's sides, plain words, no etag for
the person, the correction form's paste, Archive's undo, the admin's CSV and Data arriving's counts."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def at_dataset_step(page: Page, live_server: Any, onboarding: Any) -> None:
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/done/")
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    page.get_by_role("link", name="Next: dataset").click()
    expect(page.get_by_role("heading", name="Dataset")).to_be_visible()
    expect(page.get_by_role("radio", name="Order events")).to_be_visible()  # once Adobe listed them


def test_an_empty_side_cannot_be_chosen_and_an_error_takes_focus_to_what_to_do(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    page = logged_in
    at_dataset_step(page, live_server, make_onboarding("source", owner=browser_user))
    existing = page.get_by_role("radio", name="An existing dataset")
    expect(existing).to_be_disabled()  # the sandbox has no dataset yet
    expect(page.get_by_text("This sandbox has none yet.")).to_be_visible()
    expect(page.get_by_role("radio", name="A new dataset")).to_be_checked()
    page.get_by_role("button", name="Next: mapping").click()  # no schema picked
    expect(page.get_by_text("Choose the schema of the new dataset.")).to_be_visible()
    expect(page.locator("input[name=schema_id]").first).to_be_focused()  # the schemas, where the error is
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    expect(page.get_by_role("heading", name="Mapping")).to_be_visible()
