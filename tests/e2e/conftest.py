"""Browser fixtures: Playwright driving Debian's Chromium against pytest-django's live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download is not reachable
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Records every Content Security Policy violation the browser reports.
CSP_HOOK = (
    "document.addEventListener('securitypolicyviolation', e => (window.__csp = window.__csp || [])"
    ".push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sourceFile || '') + ':' + e.lineNumber));"
)
PASSWORD = "browser-password-1"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1100, "height": 900}}


@pytest.fixture
def csp_page(page: Page) -> Iterator[Page]:
    """A page that records CSP violations; the test fails if any was reported."""
    page.add_init_script(CSP_HOOK)
    page.set_default_timeout(15_000)
    expect.set_options(timeout=15_000)
    yield page
    assert violations(page) == []


def violations(page: Page) -> list[str]:
    try:
        return list(page.evaluate("window.__csp || []"))
    except Exception:  # the page may be closed or navigating
        return []


@pytest.fixture(autouse=True)
def task_worker(settings: Any, live_server: Any) -> Iterator[None]:
    """A real worker beside the live server, as `make run` starts one: remote steps run in the background
    and the pages move on by polling. A thread of this process, so it uses the test database."""
    import threading

    from django.db import connection
    from django_tasks_db.management.commands.db_worker import Worker

    from tests.conftest import DB_TASKS

    settings.TASKS = DB_TASKS
    worker = Worker(
        queue_names=["default"],
        interval=0.05,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="browser-tests",
        excluded_queue_names=[],
    )

    def run() -> None:
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield
    worker.running = False
    thread.join(timeout=30)


@pytest.fixture
def browser_user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user("carol", password=PASSWORD)


@pytest.fixture
def logged_in(csp_page: Page, live_server: Any, browser_user: Any) -> Page:
    """The browser, logged in through the login page."""
    csp_page.goto(live_server.url + "/login/")
    csp_page.get_by_label("Username").fill(browser_user.username)
    csp_page.get_by_label("Password").fill(PASSWORD)
    csp_page.get_by_role("button", name="Log in").click()
    expect(csp_page.get_by_role("heading", name="My onboardings")).to_be_visible()
    return csp_page


def wait_for_htmx(page: Page) -> None:
    """Until no htmx request is in flight and nothing is swapping or settling.

    Typing while htmx swaps the same fields races the swap; on a busy machine the swap can land
    in the middle of the typing. Every test waits for this before it types after a swap.
    """
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def choose_tab(page: Page, name: str) -> None:
    """Select an auth tab and wait until its fields are in place."""
    tab = page.get_by_role("tab", name=name, exact=True)
    with page.expect_response(lambda response: "/auth-fields/" in response.url):
        tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    wait_for_htmx(page)


def start_onboarding(page: Page, live_server: Any, name: str = "Orders stream") -> None:
    page.goto(live_server.url + "/onboardings/new/")
    page.get_by_label("Name (required)", exact=True).fill(name)


def fill_standard(page: Page, key: str) -> None:
    from tests.conftest import DEMO_MANAGE_KEY_NAME, DEMO_NAMESPACE

    wait_for_htmx(page)
    page.get_by_label("Event Hubs namespace").fill(DEMO_NAMESPACE)
    page.get_by_label("SAS key name").fill(DEMO_MANAGE_KEY_NAME)
    page.get_by_label("SAS key", exact=True).fill(key)


def finish_source(page: Page, hub: str = "orders", consumer_group: str = "aep-orders") -> None:
    expect(page.get_by_role("heading", name="Choose what to read")).to_be_visible()
    wait_for_htmx(page)
    hub_choice = page.get_by_role("radio", name=hub)
    if hub_choice.count():
        hub_choice.check()
    page.get_by_label("Consumer group (required)").fill(consumer_group)
    page.get_by_role("button", name="Create source connection").click()
    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
