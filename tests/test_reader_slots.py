"""The one-reader rule: a consumer group of an event hub is read by at most one onboarding or dataflow, on every
path that sets it, and two requests at once cannot both win (the database's constraint decides)."""

from __future__ import annotations

import contextlib
import threading
import uuid
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from connections import services
from connections.models import Dataflow, FlowServiceCall, Onboarding, ReaderSlot
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services import lifecycle, readers, wizard
from connections.services.errors import OnboardingError
from tests.test_dataflow_services import chosen_raw_dataflow

SHARED = services.Source("orders", "raw", "earliest", "shared")


def _refused(error: pytest.ExceptionInfo[OnboardingError], *, named: str = "") -> None:
    assert error.value.field == "consumer_group"
    assert "is already read by" in error.value.message and named in error.value.message


@pytest.mark.django_db(transaction=True)
def test_two_requests_at_once_cannot_put_two_readers_on_one_consumer_group(make_onboarding, monkeypatch):
    first, second = (make_onboarding("base", name=name) for name in ("First", "Second"))
    both_checked = threading.Barrier(2)
    check = readers.refuse_if_read

    def checked_then_wait(*args: Any, **kwargs: Any) -> None:
        check(*args, **kwargs)  # both requests find the group free...
        with contextlib.suppress(threading.BrokenBarrierError):  # SQLite's write lock may order them first
            both_checked.wait(timeout=2)  # ...before either writes

    monkeypatch.setattr(readers, "refuse_if_read", checked_then_wait)
    outcomes: list[object] = []

    def submit(onboarding: Any) -> None:
        try:
            outcomes.append(
                wizard.onboarding_submit_source(onboarding=onboarding, actor=onboarding.owner, source=SHARED)
            )
        except OnboardingError as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(o,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    refusals = [o for o in outcomes if isinstance(o, OnboardingError)]
    assert len(outcomes) == 2 and len(refusals) == 1
    assert refusals[0].field == "consumer_group" and "is already read by the onboarding" in refusals[0].message
    assert ReaderSlot.objects.filter(consumer_group="shared").count() == 1


@pytest.mark.django_db
class TestEveryPathRefusesATakenGroup:
    def test_a_new_onboarding(self, make_onboarding):
        make_onboarding("source", name="Orders stream", consumer_group="shared")
        second = make_onboarding("base", name="Second")
        with pytest.raises(OnboardingError) as refused:
            wizard.onboarding_submit_source(onboarding=second, actor=second.owner, source=SHARED)
        _refused(refused, named="“Orders stream”")
        second.refresh_from_db()
        assert not second.is_in_flight

    def test_another_onboardings_dataflow_holds_its_group_against_a_new_onboarding(self, make_onboarding):
        account = make_onboarding("source", name="Orders stream")
        choices.dataflow_start(
            onboarding=account,
            actor=account.owner,
            source=choices.DataflowSource("orders", "shared", "raw", "earliest"),
        )
        second = make_onboarding("base", name="Second")
        with pytest.raises(OnboardingError) as refused:
            wizard.onboarding_save_source(onboarding=second, actor=second.owner, source=SHARED)
        _refused(refused, named="dataflow “Orders stream dataflow”")

    def test_edit_source_settings(self, make_onboarding):
        make_onboarding("source", name="Orders stream", consumer_group="shared")
        second = make_onboarding("source", name="Second")
        with pytest.raises(OnboardingError) as refused:
            lifecycle.onboarding_start_source_update(onboarding=second, actor=second.owner, source=SHARED)
        _refused(refused, named="“Orders stream”")

    def test_another_dataflow_of_the_same_account(self, make_onboarding):
        onboarding = make_onboarding("source", name="Orders stream", consumer_group="shared")
        with pytest.raises(OnboardingError) as refused:
            choices.dataflow_start(
                onboarding=onboarding,
                actor=onboarding.owner,
                source=choices.DataflowSource("orders", "shared", "raw", "earliest"),
            )
        _refused(refused, named="“Orders stream”")

    def test_someone_else_is_told_neutrally(self, make_onboarding, django_user_model):
        make_onboarding("source", name="Orders stream", consumer_group="shared")
        stranger = django_user_model.objects.create_user("stranger", password="x-long-password-1")
        second = make_onboarding("base", name="Second", owner=stranger)
        with pytest.raises(OnboardingError) as refused:
            wizard.onboarding_save_source(onboarding=second, actor=stranger, source=SHARED)
        _refused(refused, named="another onboarding in this app")
        assert "Orders stream" not in refused.value.message

    def test_set_up_the_dataflow_twice_lands_on_one_draft_then_refuses(self, make_onboarding):
        dataflow = chosen_raw_dataflow(make_onboarding)
        onboarding = dataflow.onboarding
        again = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)  # a double click
        assert again.pk == dataflow.pk
        df.dataflow_finish(dataflow=dataflow, actor=onboarding.owner)
        with pytest.raises(OnboardingError) as refused:  # a stale tab
            choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        assert "already reads this onboarding's source connection" in refused.value.message
        assert onboarding.dataflows.count() == 1

    def test_a_second_draft_on_the_source_cannot_be_finished_too(self, make_onboarding):
        dataflow = chosen_raw_dataflow(make_onboarding)
        stale = Dataflow.objects.get(pk=dataflow.pk)
        stale.pk, stale.public_id = None, uuid.uuid4()
        stale.save()  # a draft left from before the rule
        stale = Dataflow.objects.get(pk=stale.pk)
        df.dataflow_finish(dataflow=dataflow, actor=None)
        with pytest.raises(OnboardingError, match="already reads this onboarding's source connection"):
            df.dataflow_finish(dataflow=stale, actor=None)
        assert Dataflow.objects.get(pk=stale.pk).editable

    def test_the_checklist_does_not_tick_a_taken_group(self, make_onboarding):
        make_onboarding("source", name="Orders stream", consumer_group="shared")
        second = make_onboarding("base", name="Second")
        second = wizard.onboarding_save_source(  # saved before the other took it: the check is decided now
            onboarding=second, actor=second.owner, source=services.Source("orders", consumer_group="free")
        )
        second.consumer_group = "shared"
        checks = {
            c["key"]: c for c in services.connection_test.source_checks_refreshed(second)["connection_test"]["checks"]
        }
        assert checks["consumer_group"]["state"] == "failed"


@pytest.mark.django_db
class TestEditingTheSourceUnderADataflow:
    def test_is_refused_with_the_new_dataflow_path_and_nothing_is_patched(self, make_onboarding):
        dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
        onboarding = dataflow.onboarding
        with pytest.raises(OnboardingError) as refused:
            lifecycle.onboarding_start_source_update(
                onboarding=onboarding, actor=onboarding.owner, source=services.Source("orders", consumer_group="new")
            )
        assert "set up a new dataflow" in refused.value.message and "pause" in refused.value.message
        assert not FlowServiceCall.objects.filter(onboarding=onboarding, method="PATCH").exists()

    def test_with_no_dataflow_the_settings_are_changed_and_the_group_moves(self, make_onboarding):
        onboarding = make_onboarding("source", name="Orders stream")
        lifecycle.onboarding_update_source(
            onboarding=onboarding, actor=onboarding.owner, source=services.Source("orders", consumer_group="moved")
        )
        slot = ReaderSlot.objects.get(onboarding=onboarding)
        assert (slot.event_hub_name, slot.consumer_group) == ("orders", "moved")
        other = make_onboarding("base", name="Second")
        wizard.onboarding_save_source(  # the group it left is free again
            onboarding=other, actor=other.owner, source=services.Source("orders", consumer_group="aep-orders")
        )

    def test_a_failed_change_gives_the_old_group_back(self, make_onboarding, emulator):
        onboarding = make_onboarding("source", name="Orders stream")
        emulator.fault("/sourceConnections/*", method="PATCH", status=400, count=1)
        with pytest.raises(OnboardingError):
            lifecycle.onboarding_update_source(
                onboarding=onboarding, actor=onboarding.owner, source=services.Source("orders", consumer_group="moved")
            )
        slot = ReaderSlot.objects.get(onboarding=onboarding)
        assert slot.consumer_group == "aep-orders"


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_each_active_reader_its_slot_oldest_first(make_onboarding):
    make_onboarding("source", name="Older", consumer_group="g1")
    newer = make_onboarding("source", name="Newer", consumer_group="g2")
    executor = MigrationExecutor(connection)
    executor.migrate([("connections", "0010_history_hardening")])
    try:
        Onboarding.objects.filter(pk=newer.pk).update(consumer_group="g1")  # two readers, as the code before allowed
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes("connections"))
    assert list(ReaderSlot.objects.values_list("onboarding__name", "consumer_group")) == [("Older", "g1")]


@pytest.mark.django_db
def test_archiving_a_failed_source_frees_its_group_and_archiving_a_connected_one_does_not(make_onboarding, emulator):
    connected = make_onboarding("source", name="Connected", consumer_group="kept")
    emulator.fault("/sourceConnections", method="POST", status=400, count=1)
    failed = make_onboarding("source", name="Failed", consumer_group="freed")
    assert failed.source_failed
    for onboarding in (connected, failed):
        lifecycle.onboarding_archive(onboarding=onboarding, actor=onboarding.owner)
    assert list(ReaderSlot.objects.values_list("consumer_group", flat=True)) == ["kept"]
