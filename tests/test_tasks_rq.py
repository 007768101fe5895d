"""The scale-out backend: the same remote work on RQ (django-tasks-rq) over this machine's Redis.

Redis answers at 127.0.0.1:6379 here and in CI. Each run uses its own Redis database number so that
suites running side by side do not take each other's jobs; the worker is RQ's SimpleWorker in this
process (RQ's pool forks; the test database belongs to this process), in burst mode: it runs what is
queued and returns."""

from __future__ import annotations

import os

import django_rq
import pytest
from rq import SimpleWorker

from connections.models import FlowServiceCall, Onboarding, RemoteAction
from connections.services import connection_test, wizard

pytestmark = pytest.mark.django_db(transaction=True)
REDIS_URL = f"redis://127.0.0.1:6379/{1 + os.getpid() % 15}"


@pytest.fixture
def rq_queue(settings):
    """TASKS_BACKEND=rq as settings.py configures it; returns `drain()`, which runs every queued job."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "behind"]}}
    settings.RQ_QUEUES = {name: {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 300} for name in ("default", "behind")}
    queue = django_rq.get_queue("default")
    queue.empty()

    def drain() -> None:
        worker = django_rq.get_worker("default", job_class="django_tasks_rq.Job", worker_class=SimpleWorker)
        worker.work(burst=True)

    yield drain
    queue.empty()


def test_a_wizard_step_and_a_remote_action_run_on_rq(make_onboarding, user, emulator, rq_queue):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=user)
    assert onboarding.status == Onboarding.Status.CREATING_BASE
    assert emulator.stats()["connections"] == 0  # the request only queued the work (after its commit)

    rq_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Onboarding.Status.BASE_CREATED
    assert FlowServiceCall.objects.filter(onboarding=onboarding, actor=user).exists()

    action = connection_test.onboarding_start_test(onboarding=onboarding, actor=user)
    assert action.state == RemoteAction.State.QUEUED
    rq_queue()
    action.refresh_from_db()
    assert action.state == RemoteAction.State.DONE
    assert emulator.stats()["connections"] == 1  # created once, whatever the backend
