"""A step is settled only when its task can no longer be running: its lease, or the task queue's own state.

The sweep used to judge by age alone: it failed a step whose task was still creating the object ("Adobe has
no such object"), and Retry then created a second one with the same name; it also failed steps whose tasks
were only waiting their turn in a long queue."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connections import services
from connections.flowservice import FlowServiceClient
from connections.models import ActionResult, Onboarding, RemoteAction
from connections.services import actions, wizard
from connections.services.sweep import sweep

Status = Onboarding.Status
pytestmark = pytest.mark.django_db(transaction=True)
LONG_AGO = datetime.timedelta(hours=1)
WAIT = 60  # seconds: a bound on each wait for a condition, never a measurement


@pytest.fixture
def held_create(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Adobe's create of a base connection held until the test releases it: `creating` is set once the task
    is about to send it (over real HTTP to the emulator), `release` lets it go."""
    creating, release = threading.Event(), threading.Event()
    original = FlowServiceClient.create_base_connection

    def slow_create(self: FlowServiceClient, *args: Any, **kwargs: Any) -> Any:
        creating.set()
        assert release.wait(WAIT)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FlowServiceClient, "create_base_connection", slow_create)
    return creating, release


def _worker_in_a_thread(drain: Any) -> threading.Thread:
    def run() -> None:
        try:
            drain()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_a_sweep_racing_a_slow_create_settles_nothing_and_retry_creates_nothing_twice(
    make_onboarding, user, emulator, task_queue, held_create
):
    creating, release = held_create
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=user)
    worker = _worker_in_a_thread(task_queue)
    try:
        assert creating.wait(WAIT)  # the task holds its lease and is sending the create
        # As long in flight as the attack saw it (a long queue first): age alone must not settle it.
        Onboarding.objects.filter(pk=onboarding.pk).update(step_started_at=timezone.now() - LONG_AGO)
        assert sweep() == 0
        assert services.onboarding_recover(onboarding=onboarding, actor=user).status == Status.CREATING_BASE
    finally:
        release.set()
        worker.join(WAIT)
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED
    onboarding = services.onboarding_retry(onboarding=onboarding, actor=user)
    task_queue()
    assert onboarding.status == Status.BASE_CREATED
    assert emulator.stats()["connections"] == 1


def test_a_step_whose_task_waits_in_a_long_queue_is_never_failed_for_its_age(make_onboarding, emulator, task_queue):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    Onboarding.objects.filter(pk=onboarding.pk).update(step_started_at=timezone.now() - LONG_AGO)
    assert sweep() == 0
    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_CREATED and emulator.stats()["connections"] == 1


def test_a_task_killed_after_taking_its_lease_is_settled_once_the_lease_expires(make_onboarding, emulator, task_queue):
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    # The worker took the task and its lease, then was killed: django-tasks-db leaves the task RUNNING.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    Onboarding.objects.filter(pk=onboarding.pk).update(lease_expires_at=timezone.now() + datetime.timedelta(minutes=1))
    assert sweep() == 0  # the lease still runs: the task may be calling Adobe
    Onboarding.objects.filter(pk=onboarding.pk).update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert sweep() == 1
    onboarding.refresh_from_db()
    assert onboarding.status == Status.BASE_FAILED and not onboarding.outcome_unknown  # looked for by its name


def test_a_task_that_lost_its_lease_calls_nothing(make_onboarding, emulator, task_queue):
    """Delivered twice: the second delivery finds the lease held and leaves the step to the first."""
    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    Onboarding.objects.filter(pk=onboarding.pk).update(lease_expires_at=timezone.now() + datetime.timedelta(minutes=1))
    assert wizard.create_in_adobe.call(str(onboarding.pk), Status.CREATING_BASE, None) == Status.CREATING_BASE
    assert emulator.stats()["connections"] == 0
    call_command("verify_history")


def test_a_dataflow_step_is_failed_only_once_its_lease_has_expired(make_onboarding, client, user, emulator, task_queue):
    from connections.models import Dataflow

    from .test_dataflow_tasks import chosen_raw_dataflow, finish

    client.force_login(user)
    dataflow = chosen_raw_dataflow(make_onboarding)
    finish(client, dataflow)
    running = Dataflow.objects.filter(pk=dataflow.pk)
    in_a_minute = timezone.now() + datetime.timedelta(minutes=1)
    running.update(step_started_at=timezone.now() - LONG_AGO, lease_expires_at=in_a_minute)
    assert sweep() == 0  # old, but its task renewed its lease: it may be calling Adobe
    running.update(lease_expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert sweep() == 1
    assert running.get().status == Dataflow.Status.FAILED and running.get().outcome_unknown  # Retry looks first


def test_two_workers_sweeping_at_once_settle_a_dead_step_once(make_onboarding, emulator, task_queue):
    from connections import adobe
    from connections.models import StateChange

    onboarding = wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft"), actor=None)
    onboarding.refresh_from_db()
    wizard.BASE_CONNECTION.create(adobe.flow_client(onboarding=onboarding, actor=None), onboarding)  # Adobe has it
    Onboarding.objects.filter(pk=onboarding.pk).update(lease_expires_at=timezone.now() - LONG_AGO)  # its task died
    barrier, settled = threading.Barrier(2), []

    def sweeping() -> None:
        try:
            barrier.wait()
            settled.append(sweep())
        finally:
            connections.close_all()

    workers = [threading.Thread(target=sweeping) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(WAIT)
    assert sorted(settled) == [0, 1]
    assert StateChange.objects.filter(onboarding=onboarding, reason__startswith="Adopted").count() == 1
    assert Onboarding.objects.get(pk=onboarding.pk).status == Status.BASE_CREATED
    assert emulator.stats()["connections"] == 1


HANDLING, RELEASED = threading.Event(), threading.Event()


def _slow_handler(run: actions.ActionRun) -> ActionResult:
    HANDLING.set()
    assert RELEASED.wait(WAIT)
    return ActionResult(notice="Done at last.")


@task
def slow_action_task(action_id: str) -> str:
    return actions.run(action_id, _slow_handler)


def _until(condition: Any) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_an_action_longer_than_its_lease_keeps_it_while_its_process_lives(make_onboarding, user, task_queue, settings):
    onboarding = make_onboarding("source")
    # A lease of 2 x (0.1 + 0.2) + 0 + 0.6 = 1.2 s, renewed every 0.4 s while the handler runs.
    settings.FLOW_SERVICE_CONNECT_TIMEOUT, settings.FLOW_SERVICE_READ_TIMEOUT = 0.1, 0.2
    settings.FLOW_SERVICE_RETRY_BUDGET, settings.TASKS_LEASE_MARGIN = 0, 0.6
    HANDLING.clear(), RELEASED.clear()
    action = actions.start(RemoteAction.Kind.TEST, slow_action_task, onboarding=onboarding, actor=user)
    worker = _worker_in_a_thread(task_queue)
    try:
        assert HANDLING.wait(WAIT)
        first = RemoteAction.objects.get(pk=action.pk).lease_expires_at
        _until(lambda: timezone.now() > first)  # the lease taken at the start has run out...
        _until(lambda: (RemoteAction.objects.get(pk=action.pk).lease_expires_at or first) > timezone.now())  # renewed
        assert sweep() == 0
    finally:
        RELEASED.set()
        worker.join(WAIT)
    action.refresh_from_db()
    assert action.state == RemoteAction.State.DONE and action.lease_expires_at is None
