"""An onboarding file from `dev` imported into `prod`, where no account is connected yet, in Chromium: the import
page takes the new account's credentials (the wizard's fields), shows what it will create, then connects the
account and creates the dataflow in one run, each once. Measured with axe-core and at 360 px wide. A person in
teams chooses the new account's team there too, and a check they never go on from lists no draft."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import override_settings
from playwright.sync_api import Page, expect

from connections.models import Dataflow, Onboarding
from connections.services.portable import onboarding_export_document
from tests.conftest import IMMEDIATE_TASKS, account_post
from tests.e2e.test_accessibility import serious_violations
from tests.e2e.test_promote_browser import choose_sandbox
from tests.test_portable import create_orders_dataflow
from tests.test_teams import team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAME = "Orders prod (imported)"


@pytest.fixture
def dev_only(browser_user: Any, make_onboarding: Any) -> Any:
    """Carol's orders in `dev` with one dataflow created end to end; nothing of hers in `prod`."""
    dev = make_onboarding("source", owner=browser_user, sandbox_name="dev", name="Orders dev")
    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up, not under test
        create_orders_dataflow(dev, actor=browser_user)
    return dev


def measured(page: Page) -> tuple[int, list[str]]:
    page.wait_for_load_state()  # its stylesheet applied: measured as a person sees it
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return int(overflow), [violation["id"] for violation in serious_violations(page)]


def test_a_new_account_typed_on_the_import_page_is_connected_once(
    logged_in: Page, live_server: Any, emulator: Any, dev_only: Any
) -> None:
    page = logged_in
    page.set_viewport_size({"width": 360, "height": 800})
    found: dict[str, tuple[int, list[str]]] = {}
    page.goto(live_server.url + f"/onboardings/{dev_only.public_id}/done/")
    page.get_by_role("button", name="Onboarding file…").click()
    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download JSON").click()
    path = Path(downloading.value.path())

    page.goto(live_server.url + "/onboardings/import/")
    page.get_by_label("Onboarding file", exact=True).set_input_files(str(path))
    choose_sandbox(page, "dev")  # the accounts offered follow the sandbox chosen
    expect(page.locator("#id_account option", has_text="Orders dev (sandbox dev)")).to_have_count(1)
    choose_sandbox(page)
    expect(page.locator("#id_account option", has_text="Orders dev")).to_have_count(0)
    expect(page.locator("#no-account")).to_contain_text("type the credentials of a new one below")
    typed = account_post()
    page.get_by_label("Name of the new account (required)", exact=True).fill(NAME)
    page.get_by_label("Event Hubs namespace").fill(typed["namespace"])
    page.get_by_label("SAS key name").fill(typed["sas_key_name"])
    page.get_by_label("SAS key", exact=True).fill(typed["sas_key"])
    page.get_by_label("Other consumer groups").fill("orders=$Default")
    found["import page, new account"] = measured(page)
    page.get_by_role("button", name="Check what it will create").click()

    expect(page.get_by_role("heading", name="Ready to import into prod")).to_be_visible()
    expect(page.locator("#plan")).to_contain_text(f"Connect the account “{NAME}” in the sandbox prod first")
    expect(page.locator("#plan")).to_contain_text("Create “Orders”")
    assert typed["sas_key"] not in page.content()
    assert emulator.stats()["connections"] == 1  # dev's only: nothing is created before the confirmation
    found["the plan, new account"] = measured(page)
    page.get_by_role("button", name="Create in prod").click()

    expect(page.get_by_role("heading", name="Imported into prod")).to_be_visible(timeout=60_000)
    expect(page.locator("#imported")).to_contain_text("Created: Orders")
    found["imported, new account"] = measured(page)
    account = Onboarding.objects.get(name=NAME)
    assert account.is_done and account.sandbox_name == "prod"
    stats = emulator.stats()
    assert (stats["connections"], stats["sourceConnections"]) == (2, 2)
    assert Dataflow.objects.filter(onboarding=account).count() == 1

    page.goto(live_server.url + "/onboardings/import/")
    page.get_by_label("Onboarding file", exact=True).set_input_files(str(path))
    choose_sandbox(page)
    page.get_by_label("Account connected there").select_option(label=f"{NAME} (sandbox prod)")
    page.get_by_label("Other consumer groups").fill("orders=$Default")
    page.get_by_role("button", name="Check what it will create").click()
    expect(page.get_by_role("heading", name="Nothing new to create")).to_be_visible()
    assert emulator.stats() == stats | {"tokensIssued": emulator.stats()["tokensIssued"]}
    assert Onboarding.objects.filter(sandbox_name="prod").count() == 1
    assert {where: said for where, said in found.items() if said != (0, [])} == {}


def test_the_team_chosen_owns_the_new_account_and_a_check_left_behind_lists_nothing(
    logged_in: Page, live_server: Any, emulator: Any, dev_only: Any, browser_user: Any
) -> None:
    page = logged_in
    team("payments", browser_user)
    team("marketing", browser_user)
    text = json.dumps(onboarding_export_document(dev_only, actor=browser_user))
    page.goto(live_server.url + "/onboardings/import/")
    page.get_by_label("Or paste it").fill(text)
    choose_sandbox(page)
    typed = account_post()
    page.get_by_label("Name of the new account (required)", exact=True).fill(NAME)
    chosen = page.get_by_label("Team", exact=True)
    expect(chosen).to_have_value("")  # two teams: none preselected, as on New onboarding
    chosen.select_option(label="marketing")
    page.get_by_label("Event Hubs namespace").fill(typed["namespace"])
    page.get_by_label("SAS key name").fill(typed["sas_key_name"])
    page.get_by_label("SAS key", exact=True).fill(typed["sas_key"])
    page.get_by_label("Other consumer groups").fill("orders=$Default")
    page.get_by_role("button", name="Check what it will create").click()
    expect(page.get_by_role("heading", name="Ready to import into prod")).to_be_visible()
    expect(page.locator("#plan")).to_contain_text(f"Connect the account “{NAME}” for the team marketing")

    page.goto(live_server.url + "/onboardings/")  # walked away before creating anything
    expect(page.get_by_role("link", name="Orders dev", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=NAME, exact=True)).to_have_count(0)
    page.go_back()
    page.get_by_role("button", name="Create in prod").click()
    expect(page.get_by_role("heading", name="Imported into prod")).to_be_visible(timeout=60_000)
    page.goto(live_server.url + "/onboardings/")
    expect(page.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    assert Onboarding.objects.get(name=NAME).team == Group.objects.get(name="marketing")
