"""The dataflow pages never wait on Adobe: Finish and Retry claim in the request and a task creates;
every read, check and pause is a remote action whose answer is reused while fresh.

The queue is the real django-tasks-db table (`task_queue`), drained by the worker's batch mode when the test
says so; Adobe is the emulator over HTTP; the pages are asked as a browser (and htmx) would ask them. Nothing
here waits on the clock: "later" is an answer whose timestamps are moved back."""

from __future__ import annotations

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connections.models import Dataflow, DataflowChange, FlowServiceCall, RemoteAction
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services.sweep import sweep
from tests.test_dataflow_services import ORDERS_SCHEMA, advance, chosen_raw_dataflow

Status = Dataflow.Status
Call = FlowServiceCall.Operation
pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}


def url(name: str, dataflow: Dataflow, query: str = "") -> str:
    return reverse(f"onboarding:{name}", args=[dataflow.onboarding.public_id, dataflow.public_id]) + query


def asked(dataflow: Dataflow, *operations: str) -> int:
    """How many calls to Adobe the onboarding's history holds (of these operations, or all)."""
    calls = FlowServiceCall.objects.filter(onboarding=dataflow.onboarding)
    return (calls.filter(operation__in=operations) if operations else calls).count()


def finish(alice, dataflow: Dataflow):
    return alice.post(url("dataflow_review", dataflow), {"name": "Orders into AEP", "description": ""})


def objects(emulator) -> tuple[int, int, int, int]:
    stats = emulator.stats()
    return stats["dataSets"], stats["targetConnections"], stats["mappingSets"], stats["flows"]


def long_ago(**filters: object) -> None:
    """As if the answers (or steps) had been given an hour ago."""
    then = timezone.now() - datetime.timedelta(hours=1)
    RemoteAction.objects.filter(**filters).update(created_at=then, started_at=then, finished_at=then)


class TestFinish:
    def test_finish_asks_adobe_nothing_and_the_page_moves_on_once_the_task_has_created(
        self, make_onboarding, alice, user, emulator, task_queue
    ):
        dataflow = chosen_raw_dataflow(make_onboarding)
        before = asked(dataflow)
        response = finish(alice, dataflow)
        assert response["Location"] == url("dataflow_watch", dataflow)
        assert asked(dataflow) == before and objects(emulator) == (0, 0, 0, 0)
        page = alice.get(response["Location"]).content.decode()
        assert "Creating the dataset in Adobe" in page and "moves on by itself" in page
        assert '<meta http-equiv="refresh"' in page  # without JavaScript the page refreshes itself
        polled = alice.get(url("dataflow_status", dataflow), headers=HTMX).content.decode()
        assert 'role="status"' in polled and "Creating the dataset in Adobe" in polled

        task_queue()
        moved = alice.get(url("dataflow_status", dataflow), headers=HTMX)
        assert moved["HX-Redirect"] == url("dataflow_watch", dataflow)
        page = alice.get(url("dataflow_watch", dataflow)).content.decode()
        assert "Data arriving" in page and "Asking Adobe for the dataflow's activity" in page
        task_queue()
        region = alice.get(url("dataflow_activity", dataflow), headers=HTMX).content.decode()
        assert 'id="flow-state">Running<' in region and 'id="records-ingested"' in region
        assert objects(emulator) == (1, 1, 1, 1)
        creates = FlowServiceCall.objects.filter(onboarding=dataflow.onboarding).exclude(pk__lte=0)
        assert creates.filter(actor=None).count() == 0  # every call audited as the user who pressed Finish
        assert creates.filter(operation=Call.CREATE_FLOW, actor=user).count() == 1

    def test_two_finish_presses_create_one_of_each(self, make_onboarding, alice, emulator, task_queue):
        dataflow = chosen_raw_dataflow(make_onboarding)
        finish(alice, dataflow)
        finish(alice, dataflow)
        assert DBTaskResult.objects.count() == 1  # the second press found the step claimed
        task_queue()
        finish(alice, dataflow)  # and once it is created, a press changes nothing
        alice.post(url("dataflow_retry", dataflow))
        task_queue()
        dataflow.refresh_from_db()
        assert dataflow.status == Status.CREATED and objects(emulator) == (1, 1, 1, 1)

    def test_a_fault_is_shown_after_the_task_and_retry_runs_in_a_task_too(
        self, make_onboarding, alice, emulator, task_queue
    ):
        dataflow = chosen_raw_dataflow(make_onboarding)
        emulator.fault("/targetConnections", method="POST", status=503)
        finish(alice, dataflow)
        task_queue()
        page = html.unescape(alice.get(url("dataflow_watch", dataflow)).content.decode())
        assert "The dataflow is not finished" in page and ">Retry</button>" in page
        before = asked(dataflow)
        alice.post(url("dataflow_retry", dataflow))
        assert asked(dataflow) == before  # Retry only claimed
        task_queue()
        dataflow.refresh_from_db()
        assert dataflow.status == Status.CREATED and objects(emulator) == (1, 1, 1, 1)

    def test_a_task_that_died_is_settled_by_the_sweep_and_retry_adopts_what_adobe_has(
        self, make_onboarding, alice, emulator, task_queue
    ):
        dataflow = chosen_raw_dataflow(make_onboarding)
        finish(alice, dataflow)
        dataflow.refresh_from_db()
        df.DATASET.create(df.client_for(dataflow, None), dataflow)  # Adobe got it; the worker died before its answer
        Dataflow.objects.filter(pk=dataflow.pk).update(step_started_at=timezone.now() - datetime.timedelta(hours=1))
        DBTaskResult.objects.all().delete()

        assert sweep() == 1
        dataflow.refresh_from_db()
        assert dataflow.status == Status.FAILED and dataflow.outcome_unknown
        alice.post(url("dataflow_retry", dataflow))
        task_queue()
        dataflow.refresh_from_db()
        assert dataflow.status == Status.CREATED and objects(emulator) == (1, 1, 1, 1)
        assert DataflowChange.objects.filter(dataflow=dataflow, reason__contains="Adopted").count() == 1

    def test_the_watch_page_settles_a_dead_task_when_no_worker_sweeps(self, make_onboarding, alice, task_queue):
        dataflow = chosen_raw_dataflow(make_onboarding)
        finish(alice, dataflow)
        # Its task took the lease an hour ago and died.
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        Dataflow.objects.filter(pk=dataflow.pk).update(step_started_at=long_ago, lease_expires_at=long_ago)
        moved = alice.get(url("dataflow_status", dataflow), headers=HTMX)
        assert moved["HX-Redirect"] == url("dataflow_watch", dataflow)
        page = html.unescape(alice.get(url("dataflow_watch", dataflow)).content.decode())
        assert "The dataflow is not finished" in page and ">Retry</button>" in page

    def test_a_task_that_died_between_two_steps_leaves_a_retry_not_a_spinner(
        self, make_onboarding, alice, emulator, task_queue
    ):
        dataflow = chosen_raw_dataflow(make_onboarding)
        finish(alice, dataflow)
        task_queue()
        dataflow.refresh_from_db()
        # As if the task had stopped after the target connection, before claiming the mapping set.
        Dataflow.objects.filter(pk=dataflow.pk).update(
            status=Status.READY, mapping_set_id="", flow_id="", updated_at=timezone.now() - datetime.timedelta(hours=1)
        )
        page = html.unescape(alice.get(url("dataflow_watch", dataflow)).content.decode())
        assert "stopped before it was finished" in page and ">Retry</button>" in page
        alice.post(url("dataflow_retry", dataflow))
        task_queue()
        dataflow.refresh_from_db()
        assert dataflow.status == Status.CREATED


class TestReads:
    def test_select_data_shows_progress_then_the_preview_asked_as_the_user(
        self, make_onboarding, alice, user, task_queue
    ):
        onboarding = make_onboarding("source")
        alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
        dataflow = Dataflow.objects.get()
        before = asked(dataflow)
        page = alice.get(url("dataflow_data", dataflow)).content.decode()
        assert "Previewing the event hub in Adobe" in page and 'hx-trigger="every 300ms"' in page
        assert asked(dataflow) == before
        action = RemoteAction.objects.get(kind=choices.PREVIEW)
        progress = reverse("onboarding:action", args=[onboarding.public_id, action.public_id])
        assert alice.get(progress, headers=HTMX).status_code == 204

        task_queue()
        assert alice.get(progress, headers=HTMX)["HX-Redirect"] == url("dataflow_data", dataflow)
        page = alice.get(url("dataflow_data", dataflow)).content.decode()
        assert "Fields found in the events" in page and "customerId" in page
        assert FlowServiceCall.objects.get(operation=Call.PREVIEW).actor == user

    def test_a_preview_adobe_refuses_is_shown_with_the_sample_form_and_not_asked_again(
        self, make_onboarding, alice, emulator, task_queue
    ):
        onboarding = make_onboarding("source")
        alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
        dataflow = Dataflow.objects.get()
        emulator.fault("/connections/*/explore", method="GET", status=400, code="1308-400", count=5)
        alice.get(url("dataflow_data", dataflow))
        task_queue()
        for _ in range(3):
            page = alice.get(url("dataflow_data", dataflow)).content.decode()
            assert 'role="alert"' in page and "Paste or upload a sample event" in page
        assert RemoteAction.objects.filter(kind=choices.PREVIEW).count() == 1
        response = alice.post(url("dataflow_data", dataflow), {"action": "sample", "sample": "{not json"})
        assert response.status_code == 200 and 'id="id_sample_error"' in response.content.decode()

    def test_the_catalogue_is_asked_once_a_minute_and_searched_here(self, make_onboarding, alice, task_queue):
        dataflow = choices.dataflow_preview(dataflow=_started(make_onboarding, alice), actor=None)
        page = alice.get(url("dataflow_dataset", dataflow)).content.decode()
        assert "Listing the datasets and schemas in Adobe" in page
        task_queue()
        lists = asked(dataflow, Call.LIST_DATASETS, Call.LIST_SCHEMAS)
        for _ in range(3):
            assert "Order events" in alice.get(url("dataflow_dataset", dataflow)).content.decode()
        searched = alice.get(url("dataflow_dataset", dataflow, "?q=click"), headers=HTMX).content.decode()
        assert "Clickstream events" in searched and "Order events" not in searched
        assert asked(dataflow, Call.LIST_DATASETS, Call.LIST_SCHEMAS) == lists  # all from the held answer
        assert RemoteAction.objects.filter(kind=choices.CATALOGUE).count() == 1

        long_ago(kind=choices.CATALOGUE)  # a minute on: the page shows the held list and asks again
        assert "Order events" in alice.get(url("dataflow_dataset", dataflow)).content.decode()
        task_queue()
        assert RemoteAction.objects.filter(kind=choices.CATALOGUE).count() == 2

    def test_a_new_dataset_name_the_catalogue_holds_is_refused_next_to_the_field(
        self, make_onboarding, make_client, alice
    ):
        from connections.flowservice import DatasetInput

        make_client().create_dataset(DatasetInput(name="Taken", schema_id=ORDERS_SCHEMA))
        dataflow = choices.dataflow_preview(dataflow=_started(make_onboarding, alice), actor=None)
        alice.get(url("dataflow_dataset", dataflow))
        posted = {"choice": "new", "dataset_name": "Taken", "schema_id": ORDERS_SCHEMA}
        response = alice.post(url("dataflow_dataset", dataflow), posted)
        assert response.status_code == 200
        assert 'id="id_dataset_name_error"' in response.content.decode()
        assert not RemoteAction.objects.filter(kind=choices.CHOOSE_DATASET).exists()

    def test_a_name_adobe_holds_since_the_catalogue_was_read_is_refused_next_to_the_field_after_the_task(
        self, make_onboarding, make_client, alice, task_queue
    ):
        from connections.flowservice import DatasetInput

        dataflow = choices.dataflow_preview(dataflow=_started(make_onboarding, alice), actor=None)
        alice.get(url("dataflow_dataset", dataflow))
        task_queue()  # the catalogue is held; then someone else creates "Taken" in Adobe
        make_client().create_dataset(DatasetInput(name="Taken", schema_id=ORDERS_SCHEMA))
        posted = {"choice": "new", "dataset_name": "Taken", "schema_id": ORDERS_SCHEMA}
        progress = alice.post(url("dataflow_dataset", dataflow), posted)["Location"]
        task_queue()
        shown = alice.get(progress)["Location"]
        assert shown.startswith(url("dataflow_dataset", dataflow) + "?action=")
        page = html.unescape(alice.get(shown).content.decode())
        assert 'id="id_dataset_name_error"' in page and "A dataset named Taken exists already" in page
        assert 'name="dataset_name" value="Taken"' in page  # what was chosen, shown again
        assert page.count("A dataset named Taken exists already") == 1  # beside the field, not also on top
        dataflow.refresh_from_db()
        assert not dataflow.schema_id and Dataflow.objects.get(pk=dataflow.pk).dataset_name == ""

    def test_choosing_a_dataset_reads_its_schema_in_a_task_and_the_mapping_page_reuses_it(
        self, make_onboarding, alice, task_queue
    ):
        dataflow = choices.dataflow_preview(dataflow=_started(make_onboarding, alice), actor=None)
        alice.get(url("dataflow_dataset", dataflow))
        task_queue()
        posted = {"choice": "new", "dataset_name": "Web shop orders", "schema_id": ORDERS_SCHEMA}
        before = asked(dataflow)
        response = alice.post(url("dataflow_dataset", dataflow), posted)
        assert asked(dataflow) == before
        assert "Reading the dataset" in alice.get(response["Location"]).content.decode()
        task_queue()
        assert alice.get(response["Location"])["Location"] == url("dataflow_mapping", dataflow)
        schemas = asked(dataflow, Call.GET_SCHEMA)
        page = alice.get(url("dataflow_mapping", dataflow)).content.decode()
        assert 'value="_eventhubsdemo.order.customerId"' in page and "required" in page
        assert asked(dataflow, Call.GET_SCHEMA) == schemas
        assert not RemoteAction.objects.filter(kind=choices.SCHEMA).exists()

    def test_data_prep_refusals_come_back_on_their_rows_after_the_task(self, make_onboarding, alice, task_queue):
        dataflow = chosen_raw_dataflow(make_onboarding)
        rows = {"rows": "3", "source-0": "id", "destination-0": "_id", "source-2": "placedAt"}
        rows |= {"source-1": "total", "destination-1": "_eventhubsdemo.order.totl", "destination-2": "timestamp"}
        rows["action"] = "save"
        before = asked(dataflow)
        response = alice.post(url("dataflow_mapping", dataflow), rows)
        assert asked(dataflow) == before
        task_queue()
        shown = alice.get(response["Location"], follow=True)
        page = html.unescape(shown.content.decode())
        assert shown.redirect_chain[-1][0].startswith(url("dataflow_mapping", dataflow, "?action="))
        assert 'aria-describedby="row-error-1"' in page and "_eventhubsdemo.order.totl" in page
        assert 'value="_eventhubsdemo.order.totl"' in page  # what was typed is kept
        rows["destination-1"] = "_eventhubsdemo.order.total"
        response = alice.post(url("dataflow_mapping", dataflow), rows)
        task_queue()
        assert alice.get(response["Location"])["Location"] == url("dataflow_review", dataflow)

    def test_junk_in_the_address_is_ignored_not_a_500(self, make_onboarding, alice):
        dataflow = chosen_raw_dataflow(make_onboarding)
        assert alice.get(url("dataflow_mapping", dataflow, "?action=nope")).status_code == 200
        assert alice.post(url("dataflow_mapping", dataflow), {"rows": "x", "action": "save"}).status_code == 200


class TestWatching:
    def test_the_activity_is_asked_at_most_every_30_s_however_often_the_page_polls(
        self, make_onboarding, alice, emulator, task_queue
    ):
        dataflow = _created(make_onboarding)
        alice.get(url("dataflow_watch", dataflow))
        task_queue()
        reads = asked(dataflow, Call.GET_FLOW, Call.LIST_RUNS)
        for _ in range(12):  # a minute of polls every 5 s
            region = alice.get(url("dataflow_activity", dataflow), headers=HTMX).content.decode()
            assert 'id="records-ingested"' in region
        task_queue()
        assert asked(dataflow, Call.GET_FLOW, Call.LIST_RUNS) == reads
        assert RemoteAction.objects.filter(kind=choices.ACTIVITY).count() == 1

        advance(emulator, 600)
        long_ago(kind=choices.ACTIVITY)  # 30 s on: the poll shows what is held and asks once
        for _ in range(3):
            alice.get(url("dataflow_activity", dataflow), headers=HTMX)
        task_queue()
        region = alice.get(url("dataflow_activity", dataflow), headers=HTMX).content.decode()
        assert 'id="records-ingested">0<' not in region
        assert RemoteAction.objects.filter(kind=choices.ACTIVITY).count() == 2

    def test_ask_adobe_now_asks_at_once(self, make_onboarding, alice, task_queue):
        dataflow = _created(make_onboarding)
        alice.get(url("dataflow_watch", dataflow))
        task_queue()
        region = alice.get(url("dataflow_activity", dataflow, "?again=1"), headers=HTMX).content.decode()
        assert "Asking Adobe…" in region and 'id="records-ingested"' in region  # the held answer meanwhile
        assert RemoteAction.objects.filter(kind=choices.ACTIVITY).count() == 2

    def test_the_activity_is_looked_at_again_within_a_second_while_adobe_is_asked(
        self, make_onboarding, alice, task_queue
    ):
        dataflow = _created(make_onboarding)
        asking = alice.get(url("dataflow_activity", dataflow), headers=HTMX).content.decode()
        assert "Asking Adobe for the dataflow" in asking and 'hx-trigger="load delay:1s"' in asking
        task_queue()
        answered = alice.get(url("dataflow_activity", dataflow), headers=HTMX).content.decode()
        assert 'id="records-ingested"' in answered and 'id="activity-soon"' not in answered  # the 5-second refresh

    def test_pause_and_resume_run_in_a_task_and_the_page_shows_the_new_state(self, make_onboarding, alice, task_queue):
        dataflow = _created(make_onboarding)
        alice.get(url("dataflow_watch", dataflow))
        task_queue()
        before = asked(dataflow)
        response = alice.post(url("dataflow_state", dataflow), {"pause": "1"})
        assert asked(dataflow) == before
        assert "Pausing the dataflow" in alice.get(response["Location"]).content.decode()
        task_queue()
        page = alice.get(response["Location"], follow=True).content.decode()
        assert 'id="flow-state">Paused<' in page and "Resume the dataflow" in page
        assert "The dataflow is paused." in page
        dataflow.refresh_from_db()
        assert dataflow.flow_state == "disabled"
        assert FlowServiceCall.objects.filter(operation=Call.DISABLE_FLOW, actor__isnull=False).count() == 1


def _started(make_onboarding, alice) -> Dataflow:
    onboarding = make_onboarding("source")
    alice.post(reverse("onboarding:dataflow_new", args=[onboarding.public_id]))
    return Dataflow.objects.get()


def _created(make_onboarding) -> Dataflow:
    from django.test import override_settings

    from tests.conftest import IMMEDIATE_TASKS

    with override_settings(TASKS=IMMEDIATE_TASKS):  # set-up, not under test
        dataflow = chosen_raw_dataflow(make_onboarding)
        return df.dataflow_finish(dataflow=dataflow, actor=dataflow.onboarding.owner)
