"""Deleting in Adobe: one dataflow, or an account with every dataflow it feeds, one step per object.

A dataflow goes with what was made for it alone, as Adobe's Sources workspace deletes it: the flow first (a
connection a flow names cannot go), then its target connection, then the source connection it reads alone
(another event hub or consumer group of the account). Adobe documents no DELETE for a mapping set, so its mapping
set stays, unused; its dataset stays with the data already ingested (deleting data is another decision).

An account is deleted step by step: each dataflow, then the source connection, then the base connection (Adobe
refuses a connection a flow still uses). Each step is kept as it succeeds (the dataflow's status, the
onboarding's `source_removed_at`), so after a failure Retry repeats the failed step alone and goes on from
there. An object Adobe no longer has (404) counts as deleted: a lost answer is retried harmlessly.

Both run as remote actions (services/actions.py): the request records the action, a background task calls Adobe;
every call lands in the onboarding's history, every step in the state or dataflow history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceError, NotFoundError
from connections.models import ActionResult, Dataflow, DataflowChange, Onboarding, ReaderSlot, RemoteAction

from . import actions
from .dataflow import STEP_BY_KEY
from .errors import OnboardingError, adobe_failed
from .readers import release_reader_slots
from .transitions import lock_row, record_event

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient

Kind = RemoteAction.Kind
# What deleting a dataflow removes in Adobe (its own source connection only when it reads through one).
DELETED_WITH_IT = frozenset({"flow_id", "target_connection_id", "source_connection_id"})


@dataclass(frozen=True)
class DeleteStep:
    """One object (or a dataflow with what was made for it) that deleting the account removes, in order."""

    key: str  # "dataflow-<reference>", "source" or "base"
    title: str
    deletes: tuple[str, ...]  # said in full on the confirmation
    keeps: tuple[str, ...] = ()
    done: bool = False
    dataflow: Dataflow | None = None


def dataflow_objects(dataflow: Dataflow) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What deleting the dataflow removes in Adobe, and what stays."""
    deletes = [f"the dataflow {dataflow.flow_id}"] if dataflow.flow_id else []
    if dataflow.target_connection_id:
        deletes.append(f"its target connection {dataflow.target_connection_id} (where it writes)")
    if dataflow.own_source and dataflow.source_connection_id:
        deletes.append(
            f"its source connection {dataflow.source_connection_id} (it reads event hub "
            f"{dataflow.event_hub_name}, consumer group {dataflow.consumer_group}, for this dataflow alone)"
        )
    if dataflow.unanswered:
        what = dataflow.get_current_step_display()
        deletes.append(f"its {what}, if the attempt that got no clear answer created it (looked for by its name)")
    keeps = []
    if dataflow.mapping_set_id:
        keeps.append(
            f"its mapping set {dataflow.mapping_set_id}: Adobe offers no way to delete one; nothing uses it any more"
        )
    if dataflow.dataset_id:
        named = f"“{dataflow.dataset_name}” " if dataflow.dataset_name else ""
        keeps.append(f"the dataset {named}({dataflow.dataset_id}) and the data already in it")
    return tuple(deletes), tuple(keeps)


def account_steps(onboarding: Onboarding) -> list[DeleteStep]:
    """Every step of deleting the account, in order, each marked done once it has succeeded."""
    steps = []
    for dataflow in onboarding.dataflows.order_by("created_at", "pk"):
        if dataflow.in_adobe or dataflow.removed_from_adobe_at:
            deletes, keeps = dataflow_objects(dataflow)
            title = f"Dataflow “{dataflow.name}” ({dataflow.event_hub_name}, consumer group {dataflow.consumer_group})"
            steps.append(
                DeleteStep(f"dataflow-{dataflow.reference}", title, deletes, keeps, dataflow.is_deleted, dataflow)
            )
    gone = bool(onboarding.removed_from_adobe_at)
    if onboarding.source_connection_id:
        said = f"the source connection {onboarding.source_connection_id} (event hub {onboarding.event_hub_name})"
        steps.append(
            DeleteStep("source", "Source connection", (said,), done=gone or bool(onboarding.source_removed_at))
        )
    if onboarding.base_connection_id:
        said = f"the account {onboarding.base_connection_name} (base connection {onboarding.base_connection_id})"
        steps.append(DeleteStep("base", "Account", (said,), done=gone))
    return steps


def unfinished_dataflows(onboarding: Onboarding) -> list[Dataflow]:
    """The dataflows with nothing in Adobe (being set up): no step deletes them; deleting the account discards
    them here."""
    return [d for d in onboarding.dataflows.order_by("created_at", "pk") if not d.is_deleted and not d.in_adobe]


# One dataflow


def dataflow_start_delete(*, dataflow: Dataflow, actor: Any) -> RemoteAction:
    """Delete the dataflow in Adobe in a background task (refused while it is being created, or while the account
    is being deleted)."""
    with transaction.atomic():
        lock_row(dataflow.onboarding_id)  # the account's deletion is checked and this one recorded as one step
        refuse_dataflow_delete(Dataflow.objects.get(pk=dataflow.pk))
        if RemoteAction.objects.of(dataflow.onboarding).pending().filter(kind=Kind.DELETE).exists():
            raise OnboardingError.refused(
                "The account is being deleted with its dataflows; wait until it has finished."
            )
        return actions.start(
            Kind.DELETE_DATAFLOW, delete_dataflow_task, onboarding=dataflow.onboarding, dataflow=dataflow, actor=actor
        )


def refuse_dataflow_delete(dataflow: Dataflow) -> None:
    if dataflow.is_in_flight:
        raise OnboardingError.refused("Wait until the dataflow's current step has finished, then delete it.")
    if dataflow.is_deleted:
        raise OnboardingError.refused("This dataflow is already deleted in Adobe.")


@task
def delete_dataflow_task(action_id: str) -> str:
    return actions.run(action_id, _delete_dataflow_in_background)


def _delete_dataflow_in_background(run: actions.ActionRun) -> ActionResult:
    dataflow = Dataflow.objects.select_related("onboarding").get(pk=run.action.dataflow_id or 0)
    dataflow = dataflow_delete_in_adobe(dataflow=dataflow, actor=run.actor)
    return ActionResult(notice=f"Deleted the dataflow “{dataflow.name}” in Adobe.")


def dataflow_delete_in_adobe(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """DELETE the flow, its target connection and the source connection it reads alone; then the dataflow is
    deleted here too (kept for the audit) and its consumer group free again."""
    refuse_dataflow_delete(dataflow)
    client = adobe.flow_client(onboarding=dataflow.onboarding, actor=actor)
    _adopt_unanswered(dataflow, client)
    objects: list[tuple[str, Callable[[str], None]]] = [
        (dataflow.flow_id, client.delete_flow),
        (dataflow.target_connection_id, client.delete_target_connection),
    ]
    if dataflow.own_source:
        objects.append((dataflow.source_connection_id, client.delete_source_connection))
    for object_id, delete in objects:
        _delete(object_id, delete, doing="deleting the dataflow in Adobe", sandbox=dataflow.onboarding.sandbox_name)
    deletes, keeps = dataflow_objects(dataflow)
    with transaction.atomic():
        locked = Dataflow.objects.select_related("onboarding").select_for_update(of=("self",)).get(pk=dataflow.pk)
        previous, locked.status, locked.removed_from_adobe_at = locked.status, Dataflow.Status.DELETED, timezone.now()
        kept = f"; kept: {'; '.join(keeps)}" if keeps else ""
        reason = f"Deleted in Adobe: {'; '.join(deletes) or 'nothing had been created'}{kept}"
        DataflowChange.objects.record(
            dataflow=locked, actor=actor, from_status=previous, to_status=locked.status, reason=reason
        )
        locked.save(update_fields=["status", "removed_from_adobe_at", "updated_at"])
        ReaderSlot.objects.filter(dataflow=locked).delete()  # its consumer group is read no more
    return locked


def _adopt_unanswered(dataflow: Dataflow, client: FlowServiceClient) -> None:
    """A create that got no clear answer may still have made its object (a flow would then keep the connections
    from going): found by its name, its id is deleted with the rest."""
    unanswered = dataflow.outcome_unknown and dataflow.current_step in Dataflow.Step.values
    step = STEP_BY_KEY.get(Dataflow.Step(dataflow.current_step)) if unanswered else None
    if step is None or step.id_field not in DELETED_WITH_IT or getattr(dataflow, step.id_field):
        return
    try:
        found = step.find(client, step.remote_name(dataflow))
    except FlowServiceError as error:
        sandbox = dataflow.onboarding.sandbox_name
        raise adobe_failed(error, doing="looking for the dataflow's objects", sandbox=sandbox) from error
    if found is not None:
        setattr(dataflow, step.id_field, found.id)


def _delete(object_id: str, delete: Callable[[str], None], *, doing: str, sandbox: str) -> None:
    if not object_id:
        return
    try:
        delete(object_id)
    except NotFoundError:
        pass  # already gone
    except FlowServiceError as error:
        raise adobe_failed(error, doing=doing, sandbox=sandbox) from error


# The account, with its dataflows


def onboarding_start_delete(*, onboarding: Onboarding, actor: Any) -> RemoteAction:
    """Delete the account in Adobe, its dataflows first, in a background task; Retry after a failure goes on
    from the step that failed."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)  # a dataflow's deletion is checked and this one recorded as one step
        if locked.is_in_flight or locked.dataflows.filter(status=Dataflow.Status.CREATING).exists():
            raise OnboardingError.refused("Wait until the current step has finished, then delete.")
        if RemoteAction.objects.filter(onboarding=locked, kind=Kind.DELETE_DATAFLOW).pending().exists():
            raise OnboardingError.refused("A dataflow of this account is being deleted; wait until it has finished.")
        return actions.start(
            Kind.DELETE, delete_task, onboarding=locked, actor=actor, apart_from=RemoteAction.CHANGES_IN_ADOBE
        )


@task
def delete_task(action_id: str) -> str:
    return actions.run(action_id, _delete_in_background)


def _delete_in_background(run: actions.ActionRun) -> ActionResult:
    onboarding = onboarding_delete_in_adobe(onboarding=run.onboarding, actor=run.actor)
    return ActionResult(notice=f"Deleted {onboarding.name} in Adobe, with its dataflows.")


def onboarding_delete_in_adobe(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Each step not done yet, in order: the dataflows, the source connection, the base connection; then the
    onboarding is archived. A step Adobe refuses stops here and is raised; the steps before it stay done."""
    if onboarding.is_in_flight:
        raise OnboardingError.refused("Wait until the current step has finished, then delete.")
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    for step in account_steps(onboarding):
        if step.done:
            continue
        if step.dataflow is not None:
            dataflow_delete_in_adobe(dataflow=step.dataflow, actor=actor)
        elif step.key == "source":
            _delete_source_connection(onboarding, client.delete_source_connection, actor=actor)
        else:
            _delete(onboarding.base_connection_id, client.delete_base_connection, **_doing(onboarding))
    return _deleted(onboarding, actor=actor)


def _doing(onboarding: Onboarding) -> dict[str, str]:
    return {"doing": "deleting the connections in Adobe", "sandbox": onboarding.sandbox_name}


def _delete_source_connection(onboarding: Onboarding, delete: Callable[[str], None], *, actor: Any) -> None:
    _delete(onboarding.source_connection_id, delete, **_doing(onboarding))
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        locked.source_removed_at = timezone.now()
        record_event(locked, actor=actor, reason=f"Source connection {locked.source_connection_id} deleted in Adobe")
        locked.save(update_fields=["source_removed_at", "updated_at"])
        release_reader_slots(locked)


def _deleted(onboarding: Onboarding, *, actor: Any) -> Onboarding:
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        now = timezone.now()
        locked.removed_from_adobe_at, locked.archived_at = now, locked.archived_at or now
        said = f"base connection {locked.base_connection_id}" if locked.base_connection_id else "nothing was created"
        record_event(locked, actor=actor, reason=f"Deleted in Adobe: {said}; the onboarding is archived")
        locked.save(update_fields=["removed_from_adobe_at", "archived_at", "updated_at"])
        release_reader_slots(locked)
        for draft in locked.dataflows.exclude(status=Dataflow.Status.DELETED):  # nothing of theirs in Adobe
            DataflowChange.objects.record(
                dataflow=draft,
                actor=actor,
                from_status=draft.status,
                to_status="deleted",
                reason="Its account is deleted",
            )
            draft.status = Dataflow.Status.DELETED
            draft.save(update_fields=["status", "updated_at"])
    return locked


def step_states(steps: list[DeleteStep], action: RemoteAction | None) -> list[tuple[DeleteStep, str]]:
    """Each step with what the page says of it: done, running (the first one left while the deletion runs),
    failed (the first one left once it has failed: the steps run in order and stop at a refusal), or waiting."""
    first_left = next((step for step in steps if not step.done), None)
    now = (
        "running" if action is not None and action.pending else "failed" if action is not None and action.failed else ""
    )
    return [(step, "done" if step.done else (now if step is first_left and now else "waiting")) for step in steps]
