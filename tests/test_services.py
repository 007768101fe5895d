"""Services against the live emulator: states, history, faults, adoption, consumer groups."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from connections import services
from connections.models import FlowServiceCall, Onboarding, StateChange
from connections.services import transitions, wizard
from tests.conftest import DB_TASKS, DEMO_HUB_KEY, DEMO_MANAGE_KEY, DEMO_OWNER_APP, DEMO_OWNER_SECRET, DEMO_TENANT

Status = Onboarding.Status
pytestmark = pytest.mark.django_db


def created_remotely(emulator, onboarding: Onboarding) -> list[str]:
    """Ids of the base connections the emulator holds under this onboarding's unique name."""
    response = emulator.get("/connections")
    return [item["id"] for item in response.json()["items"] if item["name"] == onboarding.base_connection_name]


class TestHappyPath:
    def test_base_connection_is_created_and_recorded(self, make_onboarding, emulator):
        onboarding = make_onboarding("base")
        assert onboarding.status == Status.BASE_CREATED
        assert onboarding.base_connection_etag.startswith('"')
        assert emulator.stats()["connections"] == 1
        moves = list(
            StateChange.objects.filter(onboarding=onboarding).order_by("id").values_list("from_status", "to_status")
        )
        assert moves == [("", "draft"), ("draft", "creating_base"), ("creating_base", "base_created")]

    def test_source_connection_completes_the_onboarding(self, make_onboarding, emulator):
        onboarding = make_onboarding("source")
        assert onboarding.status == Status.SOURCE_CREATED
        item = emulator.get(f"/sourceConnections/{onboarding.source_connection_id}").json()["items"][0]
        assert item["baseConnectionId"] == onboarding.base_connection_id
        assert item["params"] == {
            "eventHubName": "orders",
            "dataType": "raw",
            "reset": "earliest",
            "consumerGroup": "aep-orders",
        }

    def test_every_call_is_recorded_without_a_secret(self, make_onboarding):
        onboarding = make_onboarding("source")
        calls = FlowServiceCall.objects.filter(onboarding=onboarding)
        operations = [c.operation for c in calls.order_by("id")]
        assert operations[:2] == ["ims_token", "create_base_connection"]
        assert "create_source_connection" in operations
        create = calls.get(operation="create_base_connection")
        assert create.status_code == 201 and create.request_id and create.duration_ms >= 0
        assert create.actor == onboarding.owner
        assert DEMO_MANAGE_KEY not in str(list(calls.values()))

    def test_auth_for_each_type(self, make_onboarding):
        for auth_type in ("standard", "sas", "aad", "scoped_aad"):
            onboarding = make_onboarding("base", auth_type=auth_type, name=f"n-{auth_type}")
            assert onboarding.status == Status.BASE_CREATED, onboarding.last_error
            assert onboarding.client_auth().SPEC_NAME


class TestFailures:
    def test_failure_keeps_everything_and_retry_repeats_only_the_failed_step(self, make_onboarding, emulator):
        emulator.fault("/connections", method="POST", status=400, code="1304-400")
        onboarding = make_onboarding("base")
        assert onboarding.status == Status.BASE_FAILED
        assert onboarding.last_error["code"] == "1304-400"
        assert onboarding.last_error["request_id"]
        assert onboarding.sas_key == DEMO_MANAGE_KEY  # nothing to retype
        onboarding = services.onboarding_retry(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.BASE_CREATED
        assert emulator.stats()["connections"] == 1

    def test_unknown_outcome_is_recorded_and_the_retry_adopts_the_object(self, make_onboarding, emulator):
        emulator.fault("/connections", method="POST", drop=True, phase="after")
        onboarding = make_onboarding("base")
        assert onboarding.status == Status.BASE_FAILED and onboarding.outcome_unknown
        assert emulator.stats()["connections"] == 1
        onboarding = services.onboarding_retry(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.BASE_CREATED
        assert emulator.stats()["connections"] == 1
        assert created_remotely(emulator, onboarding) == [onboarding.base_connection_id]
        assert StateChange.objects.filter(onboarding=onboarding, reason__startswith="Adopted").exists()

    def test_unknown_outcome_when_nothing_was_created_creates_on_retry(self, make_onboarding, emulator):
        emulator.fault("/connections", method="POST", status=503)
        onboarding = make_onboarding("base")
        assert onboarding.outcome_unknown
        onboarding = services.onboarding_retry(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.BASE_CREATED
        assert emulator.stats()["connections"] == 1

    def test_source_create_with_dropped_answer_is_adopted(self, make_onboarding, emulator):
        onboarding = make_onboarding("base")
        emulator.fault("/sourceConnections", method="POST", drop=True, phase="after")
        onboarding = wizard.onboarding_save_source(
            onboarding=onboarding, actor=onboarding.owner, source=services.Source("orders")
        )
        onboarding = wizard.onboarding_create_source_connection(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.SOURCE_FAILED
        onboarding = services.onboarding_retry(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.SOURCE_CREATED
        assert emulator.stats()["sourceConnections"] == 1

    def test_an_abandoned_step_is_settled_as_unknown(self, make_onboarding, emulator):
        onboarding = make_onboarding("draft")
        Onboarding.objects.filter(pk=onboarding.pk).update(
            status=Status.CREATING_BASE, step_started_at=timezone.now() - datetime.timedelta(hours=1)
        )
        onboarding.refresh_from_db()
        onboarding = services.onboarding_recover(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.BASE_FAILED and onboarding.outcome_unknown
        onboarding = services.onboarding_retry(onboarding=onboarding, actor=onboarding.owner)
        assert onboarding.status == Status.BASE_CREATED

    def test_a_step_in_flight_is_not_started_twice(self, make_onboarding, emulator):
        onboarding = make_onboarding("draft")
        Onboarding.objects.filter(pk=onboarding.pk).update(status=Status.CREATING_BASE, step_started_at=timezone.now())
        onboarding.refresh_from_db()
        again = wizard.onboarding_create_base_connection(onboarding=onboarding, actor=onboarding.owner)
        assert again.status == Status.CREATING_BASE
        assert emulator.stats()["connections"] == 0


def as_stored(onboarding: Onboarding) -> dict[str, object]:
    """Every column the database holds for the onboarding, beside the same columns of the object in hand."""
    fresh = Onboarding.objects.get(pk=onboarding.pk)
    names = [field.attname for field in Onboarding._meta.concrete_fields]
    return {"stored": {n: getattr(fresh, n) for n in names}, "returned": {n: getattr(onboarding, n) for n in names}}


def assert_as_stored(onboarding: Onboarding) -> None:
    compared = as_stored(onboarding)
    assert compared["returned"] == compared["stored"]


class TestEachStepSavesWhatItChanges:
    """Steps save only the columns they change (update_fields, one guarded UPDATE): what a service returns
    is what the database holds, so no change is left unsaved."""

    def test_the_account_step_on_a_draft_stores_every_credential_field(self, make_onboarding, emulator):
        emulator.fault("/connections", method="POST", status=400, code="1304-400")
        onboarding = make_onboarding("base")
        assert onboarding.status == Status.BASE_FAILED
        values = {"tenant_id": DEMO_TENANT, "client_id": DEMO_OWNER_APP, "client_secret_value": DEMO_OWNER_SECRET}
        credentials = services.Credentials(Onboarding.AuthType.AAD, {"namespace": "other-events", **values})
        account = services.Account("Renamed", "New words", "dev", credentials)
        connected = services.onboarding_connect_account(actor=onboarding.owner, account=account, onboarding=onboarding)
        assert connected.status == Status.BASE_CREATED
        fresh = Onboarding.objects.get(pk=onboarding.pk)
        assert (fresh.name, fresh.description, fresh.sandbox_name, fresh.auth_type) == (
            "Renamed",
            "New words",
            "dev",
            Onboarding.AuthType.AAD,
        )
        assert fresh.credential_values == {"namespace": "other-events", **values}
        assert (fresh.sas_key_name, fresh.sas_key) == ("", "")  # the other auth type's fields are cleared
        assert fresh.secret_changed_at > onboarding.secret_changed_at
        assert fresh.namespace_fingerprint != onboarding.namespace_fingerprint

    def test_the_returned_onboarding_is_the_stored_one_after_each_step(self, make_onboarding, user, settings):
        settings.TASKS = DB_TASKS  # the claims only enqueue: each step below is what the request or task returns
        draft = make_onboarding("draft")
        account = services.Account("Orders", "", "prod", services.Credentials(draft.auth, draft.credential_values))
        claimed = services.onboarding_connect_account(actor=user, account=account, onboarding=draft)
        assert claimed.status == Status.CREATING_BASE
        assert_as_stored(claimed)
        settled = wizard.perform_remote(wizard.BASE_CONNECTION, onboarding=claimed, actor=user)  # and tested
        assert settled.status == Status.BASE_CREATED and settled.connection_test["accepted"]
        assert_as_stored(settled)
        assert_as_stored(services.onboarding_test_connection(onboarding=settled, actor=user))
        source = services.Source("orders", consumer_group="stored-group")
        assert_as_stored(wizard.onboarding_save_source(onboarding=settled, actor=user, source=source))
        claimed = services.onboarding_submit_source(onboarding=settled, actor=user, source=source)
        assert claimed.status == Status.CREATING_SOURCE
        assert_as_stored(claimed)
        done = wizard.perform_remote(wizard.SOURCE_CONNECTION, onboarding=claimed, actor=user)
        assert done.status == Status.SOURCE_CREATED
        assert_as_stored(done)

    def test_an_abandoned_step_is_stored_as_failed_when_recovered(self, make_onboarding):
        onboarding = make_onboarding("draft")
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        Onboarding.objects.filter(pk=onboarding.pk).update(status=Status.CREATING_BASE, step_started_at=long_ago)
        onboarding.refresh_from_db()
        recovered = services.onboarding_recover(onboarding=onboarding, actor=None)
        assert_as_stored(recovered)
        assert recovered.outcome_unknown and recovered.last_error and recovered.step_started_at is None

    def test_a_settle_after_the_step_moved_on_is_refused_and_changes_nothing(self, make_onboarding):
        onboarding = make_onboarding("draft")
        Onboarding.objects.filter(pk=onboarding.pk).update(status=Status.CREATING_BASE, step_started_at=timezone.now())
        in_flight = Onboarding.objects.get(pk=onboarding.pk)  # as the task read it
        Onboarding.objects.filter(pk=onboarding.pk).update(status=Status.BASE_FAILED, step_started_at=None)  # swept
        changes = StateChange.objects.count()
        with pytest.raises(services.OnboardingError, match="cannot go from Base connection failed"):
            transitions.settle_step(
                in_flight, actor=None, to=Status.BASE_CREATED, reason="late", base_connection_id="late-id"
            )
        fresh = Onboarding.objects.get(pk=onboarding.pk)
        assert (fresh.status, fresh.base_connection_id) == (Status.BASE_FAILED, "")
        assert StateChange.objects.count() == changes


class TestSourceRules:
    def test_consumer_group_used_by_another_active_onboarding_is_refused(self, make_onboarding, other_user):
        make_onboarding("source", consumer_group="aep-orders")
        second = make_onboarding("base", owner=other_user, name="Second")
        with pytest.raises(services.OnboardingError) as caught:
            wizard.onboarding_save_source(
                onboarding=second, actor=other_user, source=services.Source("orders", consumer_group="aep-orders")
            )
        assert caught.value.field == "consumer_group"
        assert "one reader at a time" in caught.value.message

    def test_same_consumer_group_on_another_event_hub_is_fine(self, make_onboarding):
        make_onboarding("source", consumer_group="aep")
        second = make_onboarding("base", name="Second")
        wizard.onboarding_save_source(
            onboarding=second, actor=second.owner, source=services.Source("clickstream", consumer_group="aep")
        )

    def test_sas_source_must_read_the_hub_the_credentials_open(self, make_onboarding):
        onboarding = make_onboarding("base", auth_type="sas")
        with pytest.raises(services.OnboardingError) as caught:
            wizard.onboarding_save_source(
                onboarding=onboarding, actor=onboarding.owner, source=services.Source("clickstream")
            )
        assert caught.value.field == "event_hub_name"

    def test_connection_test_and_hub_list(self, make_onboarding):
        onboarding = services.onboarding_test_connection(onboarding=make_onboarding("base"), actor=None)
        states = {check["key"]: check["state"] for check in onboarding.connection_test["checks"]}
        assert states == {
            "credentials": "passed",
            "namespace": "passed",
            "event_hub": "passed",
            "consumer_group": "skipped",
        }
        assert onboarding.event_hubs["hubs"] == ["clickstream", "inventory-updates", "orders"]

    def test_hub_scoped_credentials_give_no_list_and_say_why(self, make_onboarding):
        onboarding = make_onboarding("base", auth_type="sas", sas_key=DEMO_HUB_KEY)
        onboarding = services.onboarding_test_connection(onboarding=onboarding, actor=None)
        assert onboarding.event_hubs["hubs"] is None
        assert "scoped to the event hub orders" in onboarding.event_hubs["note"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_create_one_remote_object(make_onboarding, emulator):
    """Two tabs submit the same step at the same moment: the row lock lets one create."""
    onboarding = make_onboarding("draft")
    emulator.fault("/connections", method="POST", delay=0.5)  # keep the first create in flight
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            barrier.wait()
            fresh = Onboarding.objects.get(pk=onboarding.pk)
            results.append(wizard.onboarding_create_base_connection(onboarding=fresh, actor=None).status)
        except BaseException as exc:  # a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The immediate backend runs the task inside the claim's transaction: the second waits, then finds it done.
    assert results == ["base_created", "base_created"]
    assert emulator.stats()["connections"] == 1
    assert connection.vendor in ("postgresql", "sqlite")
