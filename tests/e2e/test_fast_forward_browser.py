"""The demo's fast-forward in Chromium: on the local emulator, Data arriving moves its clock an hour on for the
person, and the next hourly run's records show, with no curl call and no test controls."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.models import Dataflow
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from tests.conftest import IMMEDIATE_TASKS
from tests.e2e.test_accessibility import serious_violations
from tests.test_dataflow_services import ORDERS_SCHEMA

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The demo's orders hub has an event every 10 s of the emulator's clock: an hour on brings about 360 more.
AN_HOURS_ORDERS = 300


def created_dataflow(make_onboarding: Any, owner: Any) -> Dataflow:
    """A raw dataflow on the demo's orders, created in the emulator (set-up, not under test)."""
    onboarding = make_onboarding("source", owner=owner)
    with override_settings(TASKS=IMMEDIATE_TASKS):
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=owner)
        dataflow = choices.dataflow_preview(dataflow=dataflow, actor=owner)
        choice = choices.DatasetChoice(new_name="Orders fast-forwarded", schema_id=ORDERS_SCHEMA, profile_enabled=False)
        dataflow = choices.dataflow_choose_dataset(dataflow=dataflow, actor=owner, choice=choice)
        return df.dataflow_finish(dataflow=dataflow, actor=owner)


def test_data_arriving_fast_forwards_the_demo_an_hour(
    logged_in: Page, live_server: Any, emulator: Any, browser_user: Any, make_onboarding: Any
):
    page = logged_in
    dataflow = created_dataflow(make_onboarding, browser_user)
    page.goto(live_server.url + f"/onboardings/{dataflow.onboarding.public_id}/dataflows/{dataflow.public_id}/")
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    received = page.locator("#records-received")
    expect(received).to_be_visible()  # Adobe's (the emulator's) first answer
    before = int(received.inner_text())

    button = page.get_by_role("button", name="Fast-forward the demo an hour")
    expect(button).to_have_accessible_description(
        "Demo only: moves the local emulator's clock an hour on, so the next hourly run's records arrive now."
    )
    button.click()
    page.wait_for_function(
        "least => Number(document.querySelector('#records-received')?.textContent) >= least",
        arg=before + AN_HOURS_ORDERS,
        timeout=30_000,  # a background task, then the region's next look, on a busy machine
    )
    expect(received).not_to_have_text(str(before))
    expect(page.locator("#flow-state")).to_have_text("Running")

    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 800})
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
