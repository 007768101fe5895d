"""The onboarding's state machine and the append-only history."""

from __future__ import annotations

import pytest

from connections.models import ActionResult, AppendOnlyError, FlowServiceCall, Onboarding, RemoteAction, StateChange

Status = Onboarding.Status


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        (Status.DRAFT, Status.CREATING_BASE, True),
        (Status.DRAFT, Status.BASE_CREATED, False),
        (Status.DRAFT, Status.SOURCE_CREATED, False),
        (Status.CREATING_BASE, Status.BASE_CREATED, True),
        (Status.CREATING_BASE, Status.BASE_FAILED, True),
        (Status.BASE_FAILED, Status.CREATING_BASE, True),
        (Status.BASE_FAILED, Status.BASE_CREATED, False),
        (Status.BASE_CREATED, Status.CREATING_SOURCE, True),
        (Status.BASE_CREATED, Status.DRAFT, False),
        (Status.CREATING_SOURCE, Status.SOURCE_CREATED, True),
        (Status.SOURCE_FAILED, Status.CREATING_SOURCE, True),
        (Status.SOURCE_CREATED, Status.CREATING_SOURCE, False),
        (Status.SOURCE_CREATED, Status.DRAFT, False),
    ],
)
def test_transitions(start, end, allowed):
    assert Onboarding(status=start).can_move_to(end) is allowed


def test_every_status_has_its_transitions_declared():
    assert set(Onboarding.ALLOWED_TRANSITIONS) == {None, *Status.values}


def test_remote_names_are_unique_per_onboarding_and_filter_safe():
    onboarding = Onboarding(name="Orders, EU")
    assert onboarding.base_connection_name == f"Orders  EU (eh-{onboarding.reference})"
    assert "," not in onboarding.source_connection_name
    assert Onboarding(name="Orders, EU").base_connection_name != onboarding.base_connection_name


@pytest.mark.django_db
class TestHistoryIsAppendOnly:
    def test_state_change_cannot_be_changed_or_deleted(self, make_onboarding):
        change = StateChange.objects.filter(onboarding=make_onboarding("draft")).get()
        change.reason = "rewritten"
        with pytest.raises(AppendOnlyError):
            change.save()
        with pytest.raises(AppendOnlyError):
            change.delete()
        with pytest.raises(AppendOnlyError):
            StateChange.objects.update(reason="x")
        with pytest.raises(AppendOnlyError):
            StateChange.objects.all().delete()

    def test_calls_cannot_be_changed_or_deleted(self, make_onboarding):
        make_onboarding("base")
        call = FlowServiceCall.objects.first()
        with pytest.raises(AppendOnlyError):
            call.save()
        with pytest.raises(AppendOnlyError):
            FlowServiceCall.objects.filter(pk=call.pk).delete()

    def test_an_onboarding_with_history_cannot_be_deleted(self, make_onboarding):
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            make_onboarding("draft").delete()


@pytest.mark.django_db
def test_every_operation_and_outcome_the_client_records_is_a_declared_choice(make_onboarding):
    """The client names its operations and outcomes in strings; the history declares them as choices."""
    from connections.services import onboarding_reload_base_connection, onboarding_test_connection

    onboarding = make_onboarding(until="source")
    onboarding_test_connection(onboarding=onboarding, actor=onboarding.owner)
    onboarding_reload_base_connection(onboarding=onboarding, actor=onboarding.owner)
    recorded = FlowServiceCall.objects.values_list("operation", "outcome")
    operations, outcomes = {op for op, _ in recorded}, {out for _, out in recorded}
    assert len(operations) >= 5
    assert operations <= set(FlowServiceCall.Operation.values)
    assert outcomes <= set(FlowServiceCall.Outcome.values)


@pytest.mark.parametrize(
    "stored",
    [
        {"notice": "Deleted the connections of Orders in Adobe."},
        {"typed": {"event_hub_name": "orders"}, "correction": True, "saved": False, "message": "Nothing changed."},
        {"about": "https://ns.adobe.com/x", "fields": [{"path": "a", "type": "string"}]},
    ],
)
def test_a_result_kept_as_json_reads_and_writes_back_unchanged(stored):
    assert RemoteAction(result=stored).outcome.as_json() == stored


def test_a_result_is_read_as_typed_values():
    kept = {
        "problem": {"title": "Changed elsewhere", "message": "Reload it.", "field": "sas_key"},
        "stale": True,
        "typed": {"consumer_group": "app"},
        "rows": [{"source": "a", "destination": "b"}],
    }
    result = RemoteAction(result=kept).outcome
    assert result.stale and result.problem is not None and result.problem.field == "sas_key"
    assert (result.notice, result.typed, result.answer) == ("", {"consumer_group": "app"}, {"rows": kept["rows"]})
    assert RemoteAction().outcome == ActionResult()  # still running: nothing to say yet
