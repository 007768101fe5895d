"""The go-live check in Chromium: a superuser starts it from the admin, sees its progress while the background
task runs, then reads the verdict table; staff who are not superusers cannot reach it. The worker is a thread of
this process, so the test holds the task's comparison with an event (no clock): the progress is seen for
certain, then released."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from connections.models import GoLiveCheck
from connections.services import contract_check
from connections.services.contract_check import EMULATOR_DATAFLOW
from tests.conftest import DEMO_MANAGE_KEY, DEMO_MANAGE_KEY_NAME, DEMO_NAMESPACE
from tests.e2e.conftest import PASSWORD
from tests.e2e.test_accessibility import serious_violations
from tests.test_client_contract import JOURNEY

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held_comparison(monkeypatch) -> threading.Event:
    """The check's task waits for the returned event once it has recorded every answer, before it compares."""
    release = threading.Event()
    compare = contract_check.compared_with_emulator

    def held(recording):
        assert release.wait(timeout=60), "the test never released the task"
        return compare(recording)

    monkeypatch.setattr(contract_check, "compared_with_emulator", held)
    return release


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Log out").or_(page.get_by_role("button", name="Log out"))).to_be_visible()


def test_a_superuser_starts_the_check_sees_progress_then_every_guess_confirmed(
    csp_page: Page, live_server, admin_user, emulator, held_comparison
):
    page = csp_page
    sign_in(page, live_server, "admin", "password")
    page.goto(live_server.url + "/admin/connections/golivecheck/")
    page.get_by_role("link", name="Run the go-live check").click()
    expect(page.get_by_role("heading", name="What the check does in your sandbox")).to_be_visible()
    assert serious_violations(page) == []
    page.get_by_label("AEP sandbox").fill("dev")
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill(DEMO_MANAGE_KEY_NAME)
    page.get_by_label("SAS key:", exact=True).fill(DEMO_MANAGE_KEY)
    page.get_by_label("Event hub:", exact=True).fill("orders")
    page.get_by_label("Schema ($id)").fill(EMULATOR_DATAFLOW.schema_id)
    page.get_by_label("Mappings").fill("id=_eventhubsdemo.order.orderId")
    page.get_by_role("button", name="Start the go-live check").click()

    progress = page.get_by_role("status").filter(has_text="Comparing with the emulator…")
    expect(progress).to_contain_text(f"{len(JOURNEY)} steps recorded so far")
    expect(page.get_by_role("list", name="Steps recorded so far").get_by_role("listitem")).to_have_count(len(JOURNEY))
    assert serious_violations(page) == []
    held_comparison.set()

    table = page.get_by_role("table", name="The app's guesses, where Adobe's documents are silent")
    expect(table).to_be_visible()
    check = GoLiveCheck.objects.get()
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(len(check.verdicts))
    expect(rows.filter(has_text="CONFIRMED")).to_have_count(len(check.verdicts))
    expect(page.get_by_role("link", name="Download the recording (shapes only)")).to_be_visible()
    expect(page.get_by_text("becomes a regression")).to_be_visible()
    assert DEMO_MANAGE_KEY not in page.content()
    assert serious_violations(page) == []


def test_staff_who_are_not_superusers_cannot_reach_it(csp_page: Page, live_server, django_user_model):
    django_user_model.objects.create_user("sam", password=PASSWORD, is_staff=True)
    page = csp_page
    sign_in(page, live_server, "sam", PASSWORD)
    page.goto(live_server.url + "/admin/connections/golivecheck/run/")
    expect(page.get_by_role("heading", name="You cannot open this page")).to_be_visible()
    assert not GoLiveCheck.objects.exists()
