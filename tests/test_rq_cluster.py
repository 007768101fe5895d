"""Out of one machine: two web processes and two RQ worker processes sharing one database and Redis.

Several onboardings run through their remote steps over HTTP, sent alternately to the two web processes; a
worker is killed (SIGKILL) in the middle of a create. Nothing is created twice in Adobe (the emulator counts),
nothing is lost (the other worker's sweep, or the page, settles the killed step once its lease has expired:
adopted, or failed with Retry), and the sweep runs in both workers at once.

Runs against the Redis on 127.0.0.1:6379 (here and in CI), in a database number of this run's own; on the
test run's PostgreSQL when DATABASE_URL names one (a database of its own), else on a SQLite file."""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import account_post, source_post
from tests.rq_cluster import Cluster, cluster_env, own_database, redis_or_skip, until
from tests.test_going_live import Balancer, manage

pytestmark = pytest.mark.rq_cluster


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    with own_database(tmp_path) as made:
        yield made


def _settled(browser: Balancer, public_id: str) -> str:
    """Poll the onboarding's status as its page does until the work has stopped; where the page goes then."""

    def stopped() -> str | None:
        response = browser.session.get(browser.url(f"/onboardings/{public_id}/status/"), allow_redirects=False)
        assert response.status_code in (204, 302), response.status_code
        return response.headers["Location"] if response.status_code == 302 else None

    return str(until(stopped, f"the onboarding {public_id} to settle"))


def _through(browser: Balancer, public_id: str, *, to: str) -> None:
    """Wait for the step in flight to settle; a step failed by the sweep (a killed task) is retried."""
    for _ in range(3):
        if _settled(browser, public_id).endswith(to):
            return
        browser.post(f"/onboardings/{public_id}/retry/", {})
    raise AssertionError(f"the onboarding {public_id} never reached {to}")


def _start(browser: Balancer, number: int) -> str:
    page = browser.get("/onboardings/new/").text
    token = re.search(r'name="creation_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    location = browser.post("/onboardings/new/", account_post(name=f"Cluster {number}", creation_token=token))
    return re.search(r"[0-9a-f]{8}-[0-9a-f-]{27}", location).group(0)  # type: ignore[union-attr]


def _finish(browser: Balancer, public_id: str, number: int) -> None:
    browser.post(f"/onboardings/{public_id}/source/", source_post(consumer_group=f"cluster-{number}"))
    _through(browser, public_id, to="/done/")
    assert "Your Event Hubs account is connected" in browser.get(f"/onboardings/{public_id}/done/").text


def _idle(redis: Any) -> bool:
    """No job queued and none running."""
    from rq import Queue, Worker

    queued = sum(len(Queue(name, connection=redis)) for name in ("default", "behind"))
    return queued == 0 and not any(w.get_current_job_id() for w in Worker.all(connection=redis))


def _kill_the_busy_worker(cluster: Cluster, redis: Any) -> int:
    """SIGKILL the worker process running a job (RQ's SimpleWorker runs it in that process); its pid."""
    from rq import Worker

    def busy() -> int | None:
        pids = {p.pid for p in cluster.workers}
        return next((w.pid for w in Worker.all(connection=redis) if w.get_current_job_id() and w.pid in pids), None)

    pid = int(until(busy, "a worker to take the job"))
    os.kill(pid, signal.SIGKILL)
    return pid


def test_two_web_and_two_rq_workers_do_nothing_twice_and_lose_nothing_when_a_worker_is_killed(
    emulator, database, tmp_path
):
    redis = redis_or_skip()
    redis.flushdb()
    url, count = database
    env = {
        **cluster_env(emulator.url, url, tmp_path / "static"),
        "DJANGO_SUPERUSER_USERNAME": "dana",
        "DJANGO_SUPERUSER_PASSWORD": "dana-password-1",
        "DJANGO_SUPERUSER_EMAIL": "dana@example.com",
    }
    for command in (("migrate", "--noinput"), ("collectstatic", "--noinput"), ("createsuperuser", "--noinput")):
        result = manage(*command, **env)
        assert result.returncode == 0, result.stderr
    cluster = Cluster(env, tmp_path)
    try:
        browser = Balancer(cluster.start_web())
        cluster.start_workers()
        browser.get("/login/")
        browser.post("/login/", {"username": "dana", "password": "dana-password-1", "next": "/onboardings/"})

        # The Account page reads Adobe's list of sandboxes in a job of its own: let that be done first, so the
        # busy worker killed below is the one running the create.
        browser.get("/onboardings/new/")
        until(lambda: _idle(redis), "the sandbox list to be read")

        # A create Adobe is slow to answer; the worker running it is killed meanwhile.
        emulator.fault("/connections", method="POST", delay=4, count=1)
        killed = _start(browser, 0)
        dead = _kill_the_busy_worker(cluster, redis)
        started = [_start(browser, number) for number in (1, 2, 3)]  # the other worker carries on
        for public_id in (killed, *started):
            _through(browser, public_id, to="/source/")
        for number, public_id in enumerate((killed, *started)):
            _finish(browser, public_id, number)

        assert browser.turn > 10  # both web processes served
        assert [p.pid for p in cluster.workers if p.poll() is not None] == [dead]
        stats = emulator.stats()
        assert (stats["connections"], stats["sourceConnections"]) == (4, 4)  # nothing created twice
        in_flight = "SELECT count(*) FROM connections_onboarding WHERE status LIKE 'creating%'"
        assert count(in_flight) == 0  # nothing stuck
        settled = (
            "SELECT count(*) FROM connections_statechange WHERE reason LIKE '%stopped%' OR reason LIKE '%abandoned%'"
        )
        assert count(settled) == 1  # the killed step, settled once though both workers and the pages sweep
    finally:
        cluster.stop()
        redis.flushdb()
    assert manage("verify_history", **env).returncode == 0
