"""Caps on background work: one person's flood does not delay another's onboarding, a second request joins the
task in flight, and what asks Adobe on demand is rate-limited per person, with a message saying so."""

from __future__ import annotations

import time

import pytest
from django_tasks_db.models import DBTaskResult

from connections.models import FlowServiceCall, Onboarding, RemoteAction
from connections.services import OnboardingError, connection_test, wizard

from .test_dataflow_tasks import HTMX, _created, url
from .test_tasks import _stopped_by_ctrl_c, _worker_process

Status = Onboarding.Status
pytestmark = pytest.mark.django_db(transaction=True)
FLOODED = 20  # the flooder's failed onboardings, each retried 25 times


def _failed_onboardings(make_onboarding, emulator, owner, count: int) -> list[Onboarding]:
    emulator.fault("/connections", method="POST", status=400, code="1304-400", count=count)
    made = [make_onboarding("base", owner=owner, name=f"Flood {n}") for n in range(count)]
    assert {o.status for o in made} == {Status.BASE_FAILED}
    return made


def _task_of(onboarding: Onboarding) -> DBTaskResult:
    return next(t for t in DBTaskResult.objects.all() if t.args_kwargs["args"][0] == str(onboarding.pk))


def test_a_flood_of_retries_by_one_person_leaves_anothers_onboarding_on_time(
    client, make_onboarding, emulator, task_queue, user, other_user
):
    flooded = _failed_onboardings(make_onboarding, emulator, user, FLOODED)
    theirs = make_onboarding("draft", owner=other_user, name="On time")
    emulator.fault("/connections", method="POST", delay=0.2, count=1000)  # Adobe is slow: the queue fills
    client.force_login(user)
    for n in range(500):
        client.post(f"/onboardings/{flooded[n % FLOODED].public_id}/retry/")
    assert DBTaskResult.objects.count() == FLOODED  # 500 Retries: one task per failed step, the rest joined
    wizard.onboarding_create_base_connection(onboarding=theirs, actor=other_user)

    worker = _worker_process(emulator, threads=1, interval=0.05)  # one at a time: the order is the queue's
    try:
        deadline = time.monotonic() + 300  # a bound on the wait, not a measurement
        while DBTaskResult.objects.filter(finished_at__isnull=True).exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert _stopped_by_ctrl_c(worker) == 0
    started_first = _task_of(theirs).started_at
    ahead = [o for o in flooded if _task_of(o).started_at < started_first]
    assert len(ahead) <= 2  # TASKS_AHEAD_PER_PERSON of the flooder's, not all twenty
    assert Onboarding.objects.get(pk=theirs.pk).status == Status.BASE_CREATED
    assert emulator.stats()["connections"] == FLOODED + 1  # nothing created twice
    creates = FlowServiceCall.objects.filter(operation="create_base_connection")
    assert creates.count() == 2 * FLOODED + 1  # the refused first attempts, then one each


def test_asking_adobe_on_demand_is_rate_limited_per_person_with_a_message(
    client, make_onboarding, user, other_user, settings, task_queue
):
    settings.ADOBE_ASKS_PER_MINUTE = 3
    onboarding = make_onboarding("source")
    for _ in range(3):
        connection_test.onboarding_start_test(onboarding=onboarding, actor=user)
        task_queue()
    with pytest.raises(OnboardingError, match="3 times in the last minute"):
        connection_test.onboarding_start_test(onboarding=onboarding, actor=user)
    client.force_login(user)
    page = client.post(f"/onboardings/{onboarding.public_id}/test/", follow=True).content.decode()
    assert "times in the last minute" in page
    assert RemoteAction.objects.count() == 3
    theirs = make_onboarding("source", owner=other_user, name="Someone else's", consumer_group="theirs")
    assert connection_test.onboarding_start_test(onboarding=theirs, actor=other_user)  # a limit of each person


def test_a_person_with_too_much_under_way_is_refused_a_new_action(make_onboarding, user, settings, task_queue):
    settings.TASKS_PER_PERSON = 1
    onboarding = make_onboarding("source")
    wizard.onboarding_create_base_connection(onboarding=make_onboarding("draft", name="Another"), actor=user)
    with pytest.raises(OnboardingError, match="under way already"):
        connection_test.onboarding_start_test(onboarding=onboarding, actor=user)


def test_ask_adobe_now_flooded_asks_at_most_the_rate_and_shows_the_last_answer(
    make_onboarding, alice, task_queue, settings
):
    settings.ADOBE_ASKS_PER_MINUTE = 5
    dataflow = _created(make_onboarding)
    alice.get(url("dataflow_watch", dataflow))
    task_queue()
    started = time.monotonic()
    for _ in range(100):
        region = alice.get(url("dataflow_activity", dataflow, "?again=1"), headers=HTMX).content.decode()
        assert 'id="records-ingested"' in region  # the last answer, always shown
        task_queue()
    windows = 1 + int((time.monotonic() - started) // 60)  # a minute's window opens with its first ask
    assert RemoteAction.objects.filter(kind=RemoteAction.Kind.ACTIVITY).count() <= 1 + 5 * windows
