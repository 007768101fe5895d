"""One journey in Chromium with TASKS_BACKEND=rq: two gunicorn web processes and two RQ worker processes sharing
the test run's database and Redis. The browser moves between the two web processes (the session lives in the shared
database and cache) from Connect through Source to Done and a running dataflow, and sees its records arrive
(read by an RQ worker, shown by the other web process); the work is done by the RQ workers, each object created
once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import DEMO_MANAGE_KEY
from tests.e2e.conftest import CSP_HOOK, fill_standard, finish_source, violations
from tests.e2e.test_dataflow_browser import advance_clock
from tests.rq_cluster import Cluster, cluster_env, own_database, redis_or_skip
from tests.test_going_live import manage

pytestmark = [pytest.mark.browser, pytest.mark.rq_cluster]
TIMEOUT = 120_000  # milliseconds: a bound on each wait for a condition on a busy machine, never a measurement
USER = {"username": "erin", "password": "erin-password-1"}


@pytest.fixture
def task_worker() -> None:
    """The RQ workers of the cluster do the work here, not the live server's worker thread."""


@pytest.fixture
def ports(emulator: Any, tmp_path: Path) -> Iterator[list[int]]:
    """The two web processes' ports, with two RQ workers (pools of two) beside them."""
    redis = redis_or_skip()
    redis.flushdb()
    with own_database(tmp_path) as (url, _count):
        env = {
            **cluster_env(emulator.url, url, tmp_path / "static"),
            "DJANGO_SUPERUSER_USERNAME": USER["username"],
            "DJANGO_SUPERUSER_PASSWORD": USER["password"],
            "DJANGO_SUPERUSER_EMAIL": "erin@example.com",
        }
        for command in (("migrate", "--noinput"), ("collectstatic", "--noinput"), ("createsuperuser", "--noinput")):
            result = manage(*command, **env)
            assert result.returncode == 0, result.stderr
        cluster = Cluster(env, tmp_path)
        try:
            web = cluster.start_web()
            cluster.start_workers(jobs=2)  # each a pool of two processes, as on a worker machine
            yield web
        finally:
            cluster.stop()
            redis.flushdb()


def test_the_wizard_to_a_running_dataflow_on_two_web_processes_and_two_rq_workers(
    page: Page, ports: list[int], emulator: Any
) -> None:
    first, second = (f"http://127.0.0.1:{port}" for port in ports)
    page.add_init_script(CSP_HOOK)
    page.set_default_timeout(TIMEOUT)
    expect.set_options(timeout=TIMEOUT)
    page.goto(first + "/login/")
    page.get_by_label("Username").fill(USER["username"])
    page.get_by_label("Password").fill(USER["password"])
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="My onboardings")).to_be_visible()

    page.goto(second + "/onboardings/new/")  # the other web process knows the session
    page.get_by_label("Name (required)", exact=True).fill("Orders on RQ")
    fill_standard(page, DEMO_MANAGE_KEY)
    page.get_by_role("button", name="Connect to Adobe").click()
    finish_source(page, "orders", "aep-orders")  # a consumer group the emulated hub has

    page.goto(page.url.replace(second, first))
    page.get_by_role("button", name="Set up the dataflow").click()
    expect(page.get_by_role("heading", name="Select data")).to_be_visible()
    page.get_by_role("link", name="Next: dataset").click()
    page.get_by_role("radio", name="A new dataset").check()
    page.get_by_label("New dataset name").fill("Orders via RQ")
    page.get_by_role("radio", name="Order events").check()
    page.get_by_role("button", name="Next: mapping").click()
    page.get_by_label("Schema field for placedAt").fill("timestamp")
    page.get_by_role("button", name="Check and continue").click()
    expect(page.get_by_role("heading", name="Dataflow detail and review")).to_be_visible()
    page.get_by_label("Dataflow name").fill("Orders into AEP via RQ")
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("heading", name="Data arriving")).to_be_visible()
    expect(page.locator("#flow-state")).to_have_text("Running")
    advance_clock(emulator, 600)  # Adobe's first hourly run has read the hub
    page.goto(page.url.replace(first, second))  # the other web process shows what the workers read
    page.get_by_role("button", name="Ask Adobe now").click()
    expect(page.locator("#records-ingested")).not_to_have_text("0")
    assert int(page.locator("#records-received").inner_text()) > 0

    stats = emulator.stats()
    assert (stats["connections"], stats["sourceConnections"], stats["flows"]) == (1, 1, 1)  # each created once
    assert DEMO_MANAGE_KEY not in page.content()
    assert violations(page) == []
