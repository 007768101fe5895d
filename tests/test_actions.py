"""Remote actions (test, PATCH, delete, dataflow reads…): asked in the request, run by a background task.

The queue is the real django-tasks-db table, drained by the worker's batch mode when the test says so;
the pages are asked as a browser (and htmx) would ask them."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.tasks import task
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connections.models import ActionResult, FlowServiceCall, RemoteAction
from connections.services import actions
from connections.services.connection_test import connection_test_task

Call = FlowServiceCall.Operation
State = RemoteAction.State
Kind = RemoteAction.Kind
pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


@task
def remember_the_payload(action_id: str) -> str:
    return actions.run(action_id, lambda run: ActionResult(answer={"seen": sorted(run.payload)}))


@task
def answer_nothing(action_id: str) -> str:
    return actions.run(action_id, lambda run: ActionResult())


@task
def break_down(action_id: str) -> str:
    return actions.run(action_id, _break)


def _break(run: actions.ActionRun) -> ActionResult:
    raise RuntimeError("a bug in a handler")


def _tests_asked(onboarding) -> int:
    return FlowServiceCall.objects.filter(onboarding=onboarding, operation=Call.TEST).count()


def test_test_connection_runs_in_a_task_while_the_page_shows_progress(client, user, make_onboarding, task_queue):
    onboarding = make_onboarding("source")
    asked_before = _tests_asked(onboarding)
    client.force_login(user)

    response = client.post(f"/onboardings/{onboarding.public_id}/test/")
    action = RemoteAction.objects.get(onboarding=onboarding)
    assert response["Location"] == f"/onboardings/{onboarding.public_id}/actions/{action.public_id}/"
    assert _tests_asked(onboarding) == asked_before  # the request did not wait on Adobe
    page = client.get(response["Location"]).content.decode()
    assert "Testing the connection" in page and "refreshes itself" in page
    assert client.get(response["Location"], headers=HTMX).status_code == 204  # nothing to swap yet

    task_queue()
    done = client.get(response["Location"], headers=HTMX)
    assert done["HX-Redirect"] == f"/onboardings/{onboarding.public_id}/done/"
    assert _tests_asked(onboarding) == asked_before + 1
    assert client.get(response["Location"])["Location"].endswith("/done/")  # without JS: a redirect


def test_the_htmx_button_swaps_in_the_progress_then_the_page_moves_on(client, user, make_onboarding, task_queue):
    onboarding = make_onboarding("source")
    client.force_login(user)
    response = client.post(f"/onboardings/{onboarding.public_id}/test/", headers=HTMX)
    body = response.content.decode()
    assert 'role="status"' in body and "Testing the connection in Adobe" in body
    assert 'hx-trigger="every 300ms"' in body


def test_a_second_press_while_one_runs_joins_it(client, user, make_onboarding, task_queue):
    onboarding = make_onboarding("source")
    asked_before = _tests_asked(onboarding)
    client.force_login(user)
    first = client.post(f"/onboardings/{onboarding.public_id}/test/")
    second = client.post(f"/onboardings/{onboarding.public_id}/test/")
    assert first["Location"] == second["Location"]
    task_queue()
    assert RemoteAction.objects.filter(onboarding=onboarding).count() == 1
    assert _tests_asked(onboarding) == asked_before + 1
    client.post(f"/onboardings/{onboarding.public_id}/test/")  # once it has finished, a new press asks again
    assert RemoteAction.objects.filter(onboarding=onboarding).count() == 2


def test_the_payload_is_encrypted_and_wiped_once_the_task_has_run(make_onboarding, user, task_queue):
    onboarding = make_onboarding("base")
    action = actions.start(
        "tests: remember the payload",
        remember_the_payload,
        onboarding=onboarding,
        actor=user,
        payload={"sas_key": "tOpSeCrEt-key"},
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM connections_remoteaction WHERE id = %s", [action.pk])
        stored = cursor.fetchone()[0]
    assert "tOpSeCrEt" not in stored and stored.startswith("enc:")
    task_queue()
    action.refresh_from_db()
    assert action.state == State.DONE and action.result == {"seen": ["sas_key"]}
    assert action.payload == ""


def test_a_task_delivered_twice_runs_the_action_once(make_onboarding, user, task_queue):
    onboarding = make_onboarding("source")
    asked_before = _tests_asked(onboarding)
    action = actions.start(Kind.TEST, connection_test_task, onboarding=onboarding, actor=user)
    connection_test_task.call(str(action.pk))
    assert connection_test_task.call(str(action.pk)) == State.DONE
    assert _tests_asked(onboarding) == asked_before + 1


def test_a_bug_in_a_handler_fails_the_action_with_a_sentence_not_a_500(client, user, make_onboarding):
    onboarding = make_onboarding("source")
    client.force_login(user)
    action = actions.start("tests: break", break_down, onboarding=onboarding, actor=user)
    assert action.state == State.FAILED
    assert actions.problem_of(action).title == "Something went wrong here"


def test_an_action_whose_task_died_is_failed_and_the_page_stops_waiting(client, user, make_onboarding, task_queue):
    onboarding = make_onboarding("source")
    client.force_login(user)
    response = client.post(f"/onboardings/{onboarding.public_id}/test/")
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    RemoteAction.objects.update(state=State.RUNNING, started_at=long_ago, created_at=long_ago)

    page = client.get(response["Location"], follow=True).content.decode()
    assert "stopped without an answer from Adobe" in page  # said on the page it moved on to
    assert RemoteAction.objects.get().state == State.FAILED
    task_queue()  # the dead task's delivery, if it ever comes, does nothing
    assert RemoteAction.objects.get().state == State.FAILED


def test_the_sweep_fails_what_dead_tasks_left(make_onboarding, user, task_queue):
    onboarding = make_onboarding("source")
    actions.start(Kind.TEST, connection_test_task, onboarding=onboarding, actor=user)
    assert actions.sweep_actions() == 0  # young: still waiting for its worker
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    RemoteAction.objects.update(created_at=long_ago)
    assert actions.sweep_actions() == 0  # old, but its task still waits in the queue: never failed for its age
    DBTaskResult.objects.all().delete()  # the queue lost it
    assert actions.sweep_actions() == 1
    assert RemoteAction.objects.get().failed


def test_another_users_action_is_not_found(client, other_user, make_onboarding, task_queue):
    onboarding = make_onboarding("source")
    action = actions.start(Kind.TEST, connection_test_task, onboarding=onboarding, actor=onboarding.owner)
    client.force_login(other_user)
    assert client.get(f"/onboardings/{onboarding.public_id}/actions/{action.public_id}/").status_code == 404


def test_no_test_while_the_credentials_are_being_changed(client, user, make_onboarding, task_queue):
    from connections import services

    onboarding = make_onboarding("source")
    credentials = services.Credentials(onboarding.auth_type, {"namespace": onboarding.namespace, "sas_key_name": "x"})
    services.onboarding_start_replacement(onboarding=onboarding, actor=user, credentials=credentials)
    client.force_login(user)
    page = client.post(f"/onboardings/{onboarding.public_id}/test/", follow=True).content.decode()
    assert "Saving and testing the new credentials is still under way" in page
    assert not RemoteAction.objects.filter(kind="test").exists()


def test_coming_back_the_page_shows_the_request_still_running_then_what_came_of_it(
    client, user, make_onboarding, task_queue
):
    """The tab was closed while Adobe was asked; the onboarding's page says how it stands, then how it ended."""
    onboarding = make_onboarding("source")
    client.force_login(user)
    client.post(f"/onboardings/{onboarding.public_id}/test/")
    done = f"/onboardings/{onboarding.public_id}/done/"
    page = client.get(done).content.decode()
    assert "Recent requests to Adobe" in page and "Testing the connection in Adobe…" in page

    task_queue()
    page = client.get(done).content.decode()
    assert "Testing the connection</strong>: done" in page and "Testing the connection in Adobe…" not in page
    RemoteAction.objects.update(state=State.FAILED, result={"problem": {"title": "x", "message": "Adobe said no."}})
    assert "Testing the connection</strong>: failed. Adobe said no." in client.get(done).content.decode()


def test_old_finished_reads_are_pruned_and_everything_else_kept(make_onboarding, user, task_queue):
    from io import StringIO

    from django.core.management import call_command

    onboarding = make_onboarding("source")
    old_read = actions.start(Kind.CATALOGUE, answer_nothing, onboarding=onboarding, actor=user)
    test = actions.start(Kind.TEST, connection_test_task, onboarding=onboarding, actor=user)
    task_queue()
    young_read = actions.start(Kind.CATALOGUE, answer_nothing, onboarding=onboarding, actor=user)
    task_queue()
    long_ago = timezone.now() - datetime.timedelta(days=8)
    RemoteAction.objects.filter(pk__in=[old_read.pk, test.pk]).update(finished_at=long_ago)
    out = StringIO()
    call_command("prune_remote_actions", "--min-age-days", "7", stdout=out)
    assert "Deleted 1 " in out.getvalue()
    assert set(RemoteAction.objects.values_list("pk", flat=True)) == {test.pk, young_read.pk}
    assert FlowServiceCall.objects.filter(onboarding=onboarding, operation=Call.TEST).exists()  # history stays


def test_every_kind_of_action_says_where_its_result_shows():
    from onboarding.views.actions import DESTINATIONS

    assert set(DESTINATIONS) == set(Kind)
