"""Deleting in Adobe against the live emulator: a dataflow with what was made for it, and an account with its
dataflows one step per object, a failed step retried alone."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from connections.models import Dataflow, DataflowChange, FlowServiceCall, Onboarding, ReaderSlot, RemoteAction
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services import deletion
from connections.services.errors import OnboardingError
from tests.conftest import IMMEDIATE_TASKS
from tests.test_dataflow_services import ORDERS_SCHEMA, chosen_raw_dataflow

pytestmark = pytest.mark.django_db(transaction=True)
Call = FlowServiceCall.Operation


def created_dataflow(onboarding: Onboarding, dataset: str, source: choices.DataflowSource | None = None) -> Dataflow:
    """A raw dataflow on the hub's preview into a new dataset, created in Adobe (set-up: the tasks run at once)."""
    owner = onboarding.owner
    with override_settings(TASKS=IMMEDIATE_TASKS):
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=owner, source=source)
        dataflow = choices.dataflow_preview(dataflow=dataflow, actor=owner)
        choice = choices.DatasetChoice(new_name=dataset, schema_id=ORDERS_SCHEMA, profile_enabled=False)
        dataflow = choices.dataflow_choose_dataset(dataflow=dataflow, actor=owner, choice=choice)
        df.dataflow_finish(dataflow=dataflow, actor=None)
    dataflow.refresh_from_db()
    assert dataflow.is_created
    return dataflow


def two_dataflows(make_onboarding: Any, owner: Any = None) -> tuple[Onboarding, Dataflow, Dataflow]:
    """An account feeding two created dataflows: one on its own source connection, one reading another consumer
    group through a source connection of its own."""
    onboarding = make_onboarding("source", owner=owner)
    first = created_dataflow(onboarding, "Orders from Event Hubs")
    other_group = choices.DataflowSource("orders", "analytics", "raw", "earliest")
    return onboarding, first, created_dataflow(onboarding, "Orders for analytics", other_group)


def asked(onboarding: Onboarding, operation: str) -> int:
    return FlowServiceCall.objects.filter(onboarding=onboarding, operation=operation).count()


def test_a_dataflow_goes_with_its_target_and_own_source_the_mapping_set_and_dataset_stay(make_onboarding, emulator):
    onboarding, first, second = two_dataflows(make_onboarding)
    before = emulator.stats()
    dataflow = deletion.dataflow_delete_in_adobe(dataflow=second, actor=onboarding.owner)
    after = emulator.stats()
    assert dataflow.is_deleted and dataflow.removed_from_adobe_at
    assert after["flows"] == before["flows"] - 1 == 1
    assert after["targetConnections"] == before["targetConnections"] - 1
    assert after["sourceConnections"] == before["sourceConnections"] - 1  # its own; the account's stays
    assert after["mappingSets"] == before["mappingSets"] and after["dataSets"] == before["dataSets"]
    change = DataflowChange.objects.filter(dataflow=second, to_status="deleted").get()
    assert second.flow_id in change.reason and second.target_connection_id in change.reason
    assert "mapping set" in change.reason  # said as kept
    assert not ReaderSlot.objects.filter(dataflow=second).exists()  # its consumer group is free again
    assert asked(onboarding, Call.DELETE_FLOW) == asked(onboarding, Call.DELETE_TARGET) == 1
    calls = FlowServiceCall.objects.filter(operation__in=[Call.DELETE_FLOW, Call.DELETE_TARGET, Call.DELETE_SOURCE])
    assert {call.actor for call in calls} == {onboarding.owner} and {call.status_code for call in calls} == {204}


def test_the_account_cannot_go_while_a_flow_reads_it_adobe_says_so(make_onboarding, emulator, make_client):
    onboarding, first, _ = two_dataflows(make_onboarding)
    refused = make_client().delete_source_connection  # what the old single-step delete ran into
    with pytest.raises(Exception, match="active flows|Found active"):
        refused(onboarding.source_connection_id)


def test_the_account_goes_step_by_step_and_retry_repeats_only_the_failed_step(
    alice, make_onboarding, emulator, task_queue
):
    onboarding, first, second = two_dataflows(make_onboarding)
    emulator.fault(f"/flows/{second.flow_id}", method="DELETE", status=400, count=1)
    confirmation = alice.get(reverse("onboarding:delete", args=[onboarding.public_id])).content.decode()
    for named in (first.name, second.name, first.flow_id, second.target_connection_id, onboarding.base_connection_id):
        assert named in confirmation
    alice.post(reverse("onboarding:delete", args=[onboarding.public_id]), {"confirm": onboarding.reference})
    task_queue()
    failed = RemoteAction.objects.get(kind=RemoteAction.Kind.DELETE)
    assert failed.failed
    first.refresh_from_db()
    second.refresh_from_db()
    onboarding.refresh_from_db()
    assert first.is_deleted and not second.is_deleted and not onboarding.source_removed_at
    states = {step.key: state for step, state in deletion.step_states(deletion.account_steps(onboarding), failed)}
    assert list(states.values()) == ["done", "failed", "waiting", "waiting"]

    alice.post(reverse("onboarding:delete", args=[onboarding.public_id]), {"confirm": onboarding.reference})
    task_queue()
    onboarding.refresh_from_db()
    assert onboarding.removed_from_adobe_at and onboarding.archived_at
    assert emulator.stats()["flows"] == 0 and emulator.stats()["connections"] == 0
    assert asked(onboarding, Call.DELETE_FLOW) == 3  # the first once, the second twice (failed, then retried)
    assert asked(onboarding, Call.DELETE_BASE) == 1


def test_a_dataflow_and_its_account_are_not_deleted_at_once(make_onboarding, task_queue, emulator):
    onboarding, first, second = two_dataflows(make_onboarding)
    owner = onboarding.owner
    deletion.dataflow_start_delete(dataflow=second, actor=owner)  # queued, not run yet
    with pytest.raises(OnboardingError, match="A dataflow of this account is being deleted"):
        deletion.onboarding_start_delete(onboarding=onboarding, actor=owner)
    task_queue()
    deletion.onboarding_start_delete(onboarding=onboarding, actor=owner)
    with pytest.raises(OnboardingError, match="The account is being deleted"):
        deletion.dataflow_start_delete(dataflow=first, actor=owner)
    task_queue()
    assert emulator.stats()["connections"] == 0


def test_the_dataflows_confirmation_says_what_goes_and_what_stays(alice, make_onboarding, other_user, client):
    onboarding, first, _ = two_dataflows(make_onboarding)
    url = reverse("onboarding:dataflow_delete", args=[onboarding.public_id, first.public_id])
    shown = alice.get(url).content.decode()
    assert f"the dataflow {first.flow_id}" in shown and f"its target connection {first.target_connection_id}" in shown
    assert f"its mapping set {first.mapping_set_id}" in shown and "Stays in Adobe" in shown
    assert "Tick the box" in alice.post(url, {}).content.decode()
    first.refresh_from_db()
    assert first.is_created  # nothing deleted without the tick
    client.force_login(other_user)
    assert client.get(url).status_code == 404 and client.post(url, {"confirm": first.reference}).status_code == 404


def test_a_deleted_dataflow_frees_the_onboardings_source_for_a_new_one(make_onboarding, emulator):
    onboarding, first, _ = two_dataflows(make_onboarding)
    deletion.dataflow_delete_in_adobe(dataflow=first, actor=onboarding.owner)
    assert onboarding.dataflow_on_source() is None
    again = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    assert again.pk != first.pk and again.editable


def test_a_dataflow_being_set_up_is_named_and_discarded_with_its_account(alice, make_onboarding, emulator):
    onboarding = make_onboarding("source")
    source = choices.DataflowSource("clickstream", "aep-clicks", "raw", "earliest")
    draft = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=source)
    url = reverse("onboarding:delete", args=[onboarding.public_id])
    assert f"{draft.name}</a> (being set up)" in alice.get(url).content.decode()
    alice.post(url, {"confirm": onboarding.reference})
    draft.refresh_from_db()
    assert draft.is_deleted and not ReaderSlot.objects.filter(onboarding=onboarding).exists()
    assert emulator.stats()["connections"] == 0


def test_a_flow_whose_create_lost_its_answer_is_found_and_deleted(make_onboarding, emulator):
    """Else the flow, unknown here, would keep the account's connections from going ("Found active flows")."""
    dataflow = chosen_raw_dataflow(make_onboarding)
    emulator.fault("/flows", method="POST", drop=True, phase="after", count=50)
    with override_settings(TASKS=IMMEDIATE_TASKS):
        df.dataflow_finish(dataflow=dataflow, actor=None)
    dataflow.refresh_from_db()
    assert dataflow.outcome_unknown and not dataflow.flow_id and emulator.stats()["flows"] == 1
    emulator.server.emulator.faults.clear()
    onboarding = deletion.onboarding_delete_in_adobe(onboarding=dataflow.onboarding, actor=None)
    assert onboarding.removed_from_adobe_at
    assert emulator.stats()["flows"] == emulator.stats()["connections"] == 0
