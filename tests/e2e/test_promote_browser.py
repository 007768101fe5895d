"""An onboarding from `dev` to `prod` in Chromium: its file written and downloaded, imported into `prod` through
the import page (a schema field missing in prod reported before anything is created, a second import creating
nothing), then Copy to another sandbox linking the two, shown as matching, then as different once a mapping
changes. The same walk is measured with axe-core and at 360 px wide."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.models import Dataflow, OnboardingCopy
from tests.conftest import IMMEDIATE_TASKS
from tests.e2e.test_accessibility import serious_violations
from tests.test_portable import create_orders_dataflow, created_counts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSING = "_eventhubsdemo.order.total"


@pytest.fixture
def dev_and_prod(browser_user: Any, make_onboarding: Any) -> tuple[Any, Any]:
    """Carol's orders in `dev` with one dataflow created end to end, and her account connected in `prod`."""
    dev = make_onboarding("source", owner=browser_user, sandbox_name="dev", name="Orders dev")
    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up, not under test
        create_orders_dataflow(dev, actor=browser_user)
    prod = make_onboarding(
        "source", owner=browser_user, sandbox_name="prod", name="Orders prod", consumer_group="analytics"
    )
    return dev, prod


def choose_sandbox(page: Page, name: str = "prod") -> None:
    """The target sandbox (a choice once Adobe's list is read, typed before); the accounts offered are then read
    again for it, and the choice of account waits for them."""
    sandbox = page.get_by_label("Target sandbox")
    with page.expect_response(lambda response: f"sandbox={name}" in response.url):
        if sandbox.evaluate("element => element.tagName") == "SELECT":
            sandbox.select_option(name)
        else:
            sandbox.fill(name)
            sandbox.press("Tab")
    refreshing = "#account-choice.htmx-request, #account-choice.htmx-swapping, #account-choice.htmx-added"
    expect(page.locator(refreshing)).to_have_count(0)


def choose_target(page: Page, groups: str = "orders=$Default") -> None:
    """Sandbox prod, the account there, its consumer group."""
    choose_sandbox(page)
    page.get_by_label("Account connected there").select_option(label="Orders prod (sandbox prod)")
    page.get_by_label("Other consumer groups").fill(groups)


def check_file(page: Page, live_server: Any, path: Path) -> None:
    page.goto(live_server.url + "/onboardings/import/")
    page.get_by_label("Onboarding file", exact=True).set_input_files(str(path))
    choose_target(page)
    page.get_by_role("button", name="Check what it will create").click()


def walk(page: Page, live_server: Any, emulator: Any, dev: Any, prod: Any, measure: Callable[[str], None]) -> None:
    """From dev's page to two linked copies, calling `measure(where)` on each new page once it has loaded."""

    def visit(where: str) -> None:
        page.wait_for_load_state()
        measure(where)

    page.goto(live_server.url + "/onboardings/import/")
    page.get_by_label("Or paste it").fill('{"format": "eventhubs-onboarding", "version": 2}')
    choose_target(page)
    page.get_by_role("button", name="Check what it will create").click()
    expect(page.locator("#id_text_error")).to_contain_text("version: 1 was expected")
    expect(page.locator("#id_text_error")).to_contain_text("'dataflows' is a required property")
    visit("import page with a bad file")

    page.goto(live_server.url + f"/onboardings/{dev.public_id}/done/")
    page.get_by_role("button", name="Onboarding file…").click()
    expect(page.get_by_role("heading", name="The onboarding file of Orders dev")).to_be_visible()
    visit("the onboarding file")
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download JSON").click()
    path = Path(downloading.value.path())
    assert '"name": "Orders"' in path.read_text(encoding="utf-8")

    emulator.drop_schema_field(sandbox="prod", schema="Order events", field=MISSING)
    before = created_counts(emulator)
    check_file(page, live_server, path)
    expect(page.get_by_role("heading", name="What the sandbox prod lacks")).to_be_visible()
    expect(page.locator("#missing")).to_contain_text(f"has no field {MISSING} (mapped from total)")
    expect(page.get_by_role("button", name="Create in prod")).to_have_count(0)
    assert created_counts(emulator) == before and not Dataflow.objects.filter(onboarding=prod).exists()
    visit("what prod lacks")

    emulator.restore_schemas()  # the field added in prod too
    check_file(page, live_server, path)
    expect(page.get_by_role("heading", name="Ready to import into prod")).to_be_visible()
    expect(page.locator("#plan")).to_contain_text("Create “Orders”")
    visit("the plan")
    page.get_by_role("button", name="Create in prod").click()
    expect(page.get_by_role("heading", name="Imported into prod")).to_be_visible()
    expect(page.locator("#imported")).to_contain_text("Created: Orders")
    visit("imported")
    page.locator("#imported").get_by_role("link", name="Orders").click()  # its page follows its creation
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    expect(page.locator("#flow-state")).to_have_text("Running")

    created = created_counts(emulator)
    check_file(page, live_server, path)
    expect(page.get_by_role("heading", name="Nothing new to create")).to_be_visible()
    expect(page.locator("#plan")).to_contain_text("Leave “Orders” as it is")
    expect(page.get_by_role("button", name="Create in prod")).to_have_count(0)
    assert created_counts(emulator) == created and Dataflow.objects.filter(onboarding=prod).count() == 1

    page.goto(live_server.url + f"/onboardings/{dev.public_id}/done/")
    page.get_by_role("link", name="Copy to another sandbox").click()
    expect(page.get_by_role("heading", name="Copy Orders dev to another sandbox")).to_be_visible()
    visit("copy to another sandbox")
    choose_target(page)
    page.get_by_role("button", name="Check what it will create").click()
    expect(page.get_by_role("heading", name="Nothing new to create")).to_be_visible()
    page.get_by_role("button", name="Link the two copies").click()
    expect(page.get_by_role("heading", name="Nothing new was created")).to_be_visible()
    assert created_counts(emulator) == created and OnboardingCopy.objects.count() == 1

    page.goto(live_server.url + f"/onboardings/{dev.public_id}/done/")
    copies = page.locator("#linked-copies")
    expect(copies).to_contain_text("Copied to Orders prod, sandbox prod: the two match")
    expect(copies).to_contain_text("reads with the consumer group aep-orders in dev, $Default in prod")
    visit("dev, linked")
    # A created dataflow's mapping is not edited in the app: it is changed here as if prod's copy had been remade.
    copy = Dataflow.objects.get(onboarding=prod)
    Dataflow.objects.filter(pk=copy.pk).update(mappings=[row for row in copy.mappings if row["source"] != "total"])
    page.goto(live_server.url + f"/onboardings/{prod.public_id}/done/")
    expect(copies).to_contain_text("Copied from Orders dev, sandbox dev: the two differ")
    expect(copies).to_contain_text(f"“Orders”: mapping: total → {MISSING} in dev only.")
    visit("prod, different")


def test_dev_to_prod_by_file_then_linked_copies(logged_in: Page, live_server, emulator, dev_and_prod):
    report: dict[str, Any] = {}
    walk(logged_in, live_server, emulator, *dev_and_prod, lambda where: report.update({where: None}))
    assert list(report) == [
        "import page with a bad file",
        "the onboarding file",
        "what prod lacks",
        "the plan",
        "imported",
        "copy to another sandbox",
        "dev, linked",
        "prod, different",
    ]


def test_the_new_pages_pass_axe_and_fit_a_phone(logged_in: Page, live_server, emulator, dev_and_prod):
    page = logged_in
    page.set_viewport_size({"width": 360, "height": 800})
    found: dict[str, Any] = {}

    def measure(where: str) -> None:
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        found[where] = (overflow, [violation["id"] for violation in serious_violations(page)])

    walk(page, live_server, emulator, *dev_and_prod, measure)
    assert {where: said for where, said in found.items() if said != (0, [])} == {}
