"""Deleting in Chromium: a dataflow from its page, and an account with its dataflows, a failed step retried."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.e2e.test_accessibility import serious_violations
from tests.test_deletes import created_dataflow, two_dataflows

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def readable_at_360(page: Page) -> None:
    """No serious axe finding, and nothing scrolls sideways on a 360 px phone."""
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 360, "height": 780})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.set_viewport_size({"width": 1100, "height": 900})


def test_a_dataflow_is_deleted_from_its_page(logged_in: Page, live_server, emulator, browser_user, make_onboarding):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user)
    dataflow = created_dataflow(onboarding, "Orders from Event Hubs")
    page.goto(f"{live_server.url}/onboardings/{onboarding.public_id}/dataflows/{dataflow.public_id}/")
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    page.get_by_role("link", name="Delete the dataflow…").click()
    expect(page.get_by_role("heading", name=f"Delete the dataflow {dataflow.name} in Adobe?")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"the dataflow {dataflow.flow_id}")
    expect(page.get_by_role("main")).to_contain_text(f"its target connection {dataflow.target_connection_id}")
    expect(page.get_by_role("main")).to_contain_text(f"its mapping set {dataflow.mapping_set_id}")  # stays
    readable_at_360(page)
    page.get_by_role("button", name="Delete the dataflow").click()
    expect(page.locator("#id_confirm_error")).to_have_text("Tick the box to confirm the deletion.")
    assert emulator.stats()["flows"] == 1
    page.get_by_label("I understand: delete this dataflow in Adobe.").check()
    page.get_by_role("button", name="Delete the dataflow").click()
    expect(page.get_by_role("heading", name="The dataflow is deleted")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"Deleted the dataflow “{dataflow.name}” in Adobe.")).to_be_visible()
    stats = emulator.stats()
    assert stats["flows"] == 0 and stats["targetConnections"] == 0
    assert stats["sourceConnections"] == 1 and stats["connections"] == 1  # the account stays connected
    readable_at_360(page)


def test_an_account_with_two_dataflows_is_deleted_a_failed_step_retried(
    logged_in: Page, live_server, emulator, browser_user, make_onboarding
):
    page = logged_in
    onboarding, first, second = two_dataflows(make_onboarding, owner=browser_user)
    emulator.fault(f"/flows/{second.flow_id}", method="DELETE", status=400, count=1)
    page.goto(f"{live_server.url}/onboardings/{onboarding.public_id}/delete/")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", name=f"Delete {onboarding.name} in Adobe?")).to_be_visible()
    for dataflow in (first, second):
        named = f"Dataflow “{dataflow.name}” (orders, consumer group {dataflow.consumer_group})"
        expect(page.get_by_role("link", name=named)).to_be_visible()
        expect(main).to_contain_text(f"the dataflow {dataflow.flow_id}")
        expect(main).to_contain_text(f"its target connection {dataflow.target_connection_id}")
    expect(main).to_contain_text(f"its source connection {second.source_connection_id}")
    expect(main).to_contain_text(f"the source connection {onboarding.source_connection_id}")
    expect(main).to_contain_text(f"base connection {onboarding.base_connection_id}")
    readable_at_360(page)
    page.get_by_label("I understand: delete all of this in Adobe.").check()
    page.get_by_role("button", name="Delete in Adobe").click()

    expect(page.locator(f"#delete-step-dataflow-{second.reference}")).to_contain_text("✗ Failed", timeout=30_000)
    expect(page.locator(f"#delete-step-dataflow-{first.reference}")).to_contain_text("✓ Deleted")
    expect(page.locator("#delete-step-source")).not_to_contain_text("Deleted")
    assert emulator.stats()["flows"] == 1 and emulator.stats()["connections"] == 1
    readable_at_360(page)
    page.get_by_role("button", name="Retry").click()

    expect(page.get_by_role("heading", name="My onboardings")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"Deleted {onboarding.name} in Adobe, with its dataflows.")).to_be_visible()
    stats = emulator.stats()
    assert stats["flows"] == stats["targetConnections"] == stats["sourceConnections"] == stats["connections"] == 0
    assert Onboarding.objects.get(pk=onboarding.pk).removed_from_adobe_at
