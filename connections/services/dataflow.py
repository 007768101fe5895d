"""The dataflow after a source connection: choose data, dataset and mapping, then create, then watch.

Finish creates up to five objects in Adobe, each declared below as a `DataflowStep` with the guarantees of the
wizard's `RemoteStep`s: claimed under a row lock (a second submit finds the step taken), never created twice
(a stored id is never created again; after an unknown outcome the object is looked for by its unique name and
adopted), every call audited in the onboarding's history, and Retry repeating only the failed step with what
is stored.

No request waits on Adobe: Finish and Retry claim the next step in the request (under the row lock, in the
transaction that enqueues the task, as the wizard's steps are claimed: services/remote.py) and a background
task creates that object and then, one after the other, claims and creates the rest. A task that dies leaves
its step CREATING; the sweep (and the watch page) fail it as an unknown outcome once it outlived every
timeout, and Retry looks for the object by its name first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.flowservice import (
    Created,
    DataLakeTarget,
    DatasetInput,
    FieldMapping,
    FlowServiceError,
    MappingSetInput,
    StreamingFlowInput,
)
from connections.models import Dataflow, DataflowChange

from . import lease, remote
from .errors import OnboardingError, abandoned_record, adobe_failed, failure_record
from .lease import cannot_be_running, stale_after
from .readers import source_read_by
from .wizard import source_params_for

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient

Status = Dataflow.Status
StepKey = Dataflow.Step


@dataclass(frozen=True)
class DataflowStep:
    """One object Finish creates in Adobe, when it is needed, how it is found again, and where its id goes."""

    key: StepKey
    needed: Callable[[Dataflow], bool]
    remote_name: Callable[[Dataflow], str]
    find: Callable[[FlowServiceClient, str], Created | None]
    create: Callable[[FlowServiceClient, Dataflow], Created]
    id_field: str
    etag_field: str = ""
    # Read back what was created: (changes to store, words for the history) once Adobe gave the object's id.
    confirm: Callable[[FlowServiceClient, Dataflow, str], tuple[dict[str, Any], str]] | None = None

    @property
    def what(self) -> str:
        return str(self.key.label)


def _found(item: dict[str, Any] | None) -> Created | None:
    return Created(str(item["id"]), str(item.get("etag", ""))) if item else None


def _id_only(found: str | None) -> Created | None:
    return Created(found, "") if found else None


def mapping_input(dataflow: Dataflow, *, named: bool = True) -> MappingSetInput:
    rows = tuple(
        FieldMapping(m["source"], m["destination"], source_type=m.get("source_type", "ATTRIBUTE"))
        for m in dataflow.mappings or []
    )
    return MappingSetInput(
        schema=dataflow.schema_id, mappings=rows, name=dataflow.remote_name("mapping") if named else ""
    )


SOURCE = DataflowStep(
    key=StepKey.SOURCE,
    needed=lambda d: d.own_source,
    remote_name=lambda d: d.remote_name("source"),
    find=lambda client, name: _found(client.find_source_connection(name)),
    create=lambda client, d: client.create_source_connection(
        name=d.remote_name("source"),
        description=d.description,
        base_connection_id=d.onboarding.base_connection_id,
        params=source_params_for(d),
    ),
    id_field="source_connection_id",
    etag_field="source_connection_etag",
)


def _confirm_profile(client: FlowServiceClient, dataflow: Dataflow, dataset_id: str) -> tuple[dict[str, Any], str]:
    """Profile was asked for: Catalog's read-back says whether it is on, and the stored choice follows Adobe."""
    if not dataflow.profile_enabled:
        return {}, ""
    try:
        enabled = client.dataset_profile_enabled(dataset_id)
    except FlowServiceError as error:
        said = "Adobe did not say whether the dataset is enabled for Profile: reading it back failed"
        return {"profile_unconfirmed": f"{said}."}, f"; {said} ({error})"
    if enabled:
        return {"profile_unconfirmed": ""}, "; Catalog shows it enabled for Profile"
    said = "Catalog does not show the dataset enabled for Profile."
    return {"profile_enabled": False, "profile_unconfirmed": said}, "; Catalog does not show it enabled for Profile"


DATASET = DataflowStep(
    key=StepKey.DATASET,
    needed=lambda d: d.new_dataset,
    remote_name=lambda d: d.dataset_name,
    find=lambda client, name: _id_only(client.find_dataset(name)),
    create=lambda client, d: Created(
        client.create_dataset(
            DatasetInput(
                name=d.dataset_name,
                schema_id=d.schema_id,
                description=f"Events of the event hub {d.event_hub_name}, from Azure Event Hubs.",
                profile_enabled=d.profile_enabled,
                identity_enabled=d.profile_enabled,
            )
        ),
        "",
    ),
    id_field="dataset_id",
    confirm=_confirm_profile,
)
TARGET = DataflowStep(
    key=StepKey.TARGET,
    needed=lambda d: True,
    remote_name=lambda d: d.remote_name("target"),
    find=lambda client, name: _found(client.find_target_connection(name)),
    create=lambda client, d: client.create_target_connection(
        DataLakeTarget(name=d.remote_name("target"), dataset_id=d.dataset_id, description=d.description)
    ),
    id_field="target_connection_id",
    etag_field="target_connection_etag",
)
MAPPING = DataflowStep(
    key=StepKey.MAPPING,
    needed=lambda d: d.is_raw,
    remote_name=lambda d: d.remote_name("mapping"),
    find=lambda client, name: _id_only(client.find_mapping_set(name)),
    create=lambda client, d: Created(client.create_mapping_set(mapping_input(d)), ""),
    id_field="mapping_set_id",
)
FLOW = DataflowStep(
    key=StepKey.FLOW,
    needed=lambda d: True,
    remote_name=lambda d: d.remote_name(),
    find=lambda client, name: _found(client.find_flow(name)),
    create=lambda client, d: client.create_flow(
        StreamingFlowInput(
            name=d.remote_name(),
            description=d.description or "Streaming dataflow for Azure Event Hubs",
            source_connection_id=d.source_connection_id,
            target_connection_id=d.target_connection_id,
            mapping_id=d.mapping_set_id or None,
        )
    ),
    id_field="flow_id",
    etag_field="flow_etag",
)
STEPS = (SOURCE, DATASET, TARGET, MAPPING, FLOW)
STEP_BY_KEY = {step.key: step for step in STEPS}


# Moves of a dataflow, each recorded


def lock(pk: int) -> Dataflow:
    return Dataflow.objects.select_related("onboarding").select_for_update(of=("self",)).get(pk=pk)


def _move(dataflow: Dataflow, to: str, *, actor: Any, reason: str) -> None:
    previous = dataflow.status
    dataflow.status = to
    DataflowChange.objects.record(dataflow=dataflow, actor=actor, from_status=previous, to_status=to, reason=reason)


def _abandoned(dataflow: Dataflow) -> bool:
    """In flight, and its task cannot be running any more (services/lease.py)."""
    return dataflow.is_in_flight and cannot_be_running(dataflow, claimed_at=dataflow.step_started_at)


def _step_work(dataflow: Dataflow) -> Any:
    """The dataflow's step while it is still the claim the task is running (its lease's work)."""
    return Dataflow.objects.filter(pk=dataflow.pk, status=Status.CREATING, step_started_at=dataflow.step_started_at)


def _recover(dataflow: Dataflow, actor: Any) -> None:
    """Fail an in-flight step that outlived every timeout (the app restarted): its outcome is unknown."""
    if _abandoned(dataflow):
        _move(dataflow, Status.FAILED, actor=actor, reason="The previous attempt was abandoned; outcome unknown")
        dataflow.outcome_unknown, dataflow.last_error, dataflow.step_started_at = True, abandoned_record(), None
        dataflow.lease_expires_at = None
        dataflow.save()


def next_step(dataflow: Dataflow) -> DataflowStep | None:
    """The first needed object that Adobe has not given an id for yet."""
    return next((s for s in STEPS if s.needed(dataflow) and not getattr(dataflow, s.id_field)), None)


def claim_next_step(dataflow: Dataflow, *, actor: Any) -> tuple[Dataflow, DataflowStep | None]:
    """Under a row lock: take the next step (READY or FAILED → CREATING), or None when another request has it
    or nothing is left."""
    with transaction.atomic():
        locked = lock(dataflow.pk)
        _recover(locked, actor)
        step = next_step(locked)
        if locked.status not in (Status.READY, Status.FAILED) or step is None:
            return locked, None
        locked.current_step = step.key
        _move(locked, Status.CREATING, actor=actor, reason=f"Creating the {step.what}")
        locked.step_started_at = timezone.now()
        locked.lease_expires_at, locked.task_id = None, ""  # its task names itself, then takes the lease
        locked.save()
    return locked, step


def _settle(dataflow: Dataflow, *, actor: Any, to: str, reason: str, **changes: Any) -> Dataflow:
    with transaction.atomic():
        locked = lock(dataflow.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        _move(locked, to, actor=actor, reason=reason)
        locked.step_started_at = locked.lease_expires_at = None
        locked.save()
    return locked


def run_step(step: DataflowStep, *, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Create the claimed step's object (or, after an unknown outcome, find it by name and adopt it); settle."""
    held = lease.take(_step_work(dataflow))
    if held is None:  # settled already (the sweep, after this task was taken for dead), or another task has it
        return Dataflow.objects.select_related("onboarding").get(pk=dataflow.pk)
    client = client_for(dataflow, actor)
    resolved = not dataflow.outcome_unknown
    try:
        existing = None if resolved else step.find(client, step.remote_name(dataflow))
        resolved = True
        if not existing and not held.renew():
            return Dataflow.objects.select_related("onboarding").get(pk=dataflow.pk)  # lost the lease meanwhile
        created = existing or step.create(client, dataflow)
    except FlowServiceError as error:
        unknown = error.outcome_unknown or not resolved
        sandbox = dataflow.onboarding.sandbox_name
        failure = failure_record(error, doing=f"creating the {step.what}", sandbox=sandbox, unknown=unknown)
        reason = f"{failure['title']}: {error}"
        return _settle(
            dataflow, actor=actor, to=Status.FAILED, reason=reason, last_error=failure, outcome_unknown=unknown
        )
    reason = f"Adopted the {step.what} an earlier attempt created" if existing else f"Adobe created the {step.what}"
    changes: dict[str, Any] = {step.id_field: created.id, "last_error": None, "outcome_unknown": False}
    if step.etag_field:
        changes[step.etag_field] = created.etag
    if step.key == StepKey.FLOW:
        changes["flow_state"] = "enabled"
    if step.confirm is not None:
        confirmed, said = step.confirm(client, dataflow, created.id)
        changes, reason = changes | confirmed, reason + said
    dataflow = _settle(dataflow, actor=actor, to=Status.READY, reason=reason, **changes)
    if step.key == StepKey.DATASET:
        start_followers(dataflow, actor=actor)
    if next_step(dataflow) is None:
        dataflow = _settle(dataflow, actor=actor, to=Status.CREATED, reason="The dataflow exists: data is flowing")
    return dataflow


def _create_each(dataflow: Dataflow, *, actor: Any) -> Dataflow:
    """Claim and create each object still missing, in order, stopping at the first failure (kept on the dataflow)."""
    while True:
        dataflow, step = claim_next_step(dataflow, actor=actor)
        if step is None:
            return dataflow
        dataflow = run_step(step, dataflow=dataflow, actor=actor)
        if dataflow.status == Status.FAILED:
            return dataflow


@task
def create_dataflow_objects(dataflow_id: str, actor_id: str | None) -> str:
    """The background task: create the step the request claimed, then claim and create the ones after it;
    returns the dataflow's new status."""
    claimed = Dataflow.objects.select_related("onboarding").get(pk=int(dataflow_id))
    if claimed.status != Status.CREATING:
        return str(claimed.status)  # settled already (the sweep, after this task was taken for dead)
    actor = remote.actor_of(actor_id)
    claimed = run_step(STEP_BY_KEY[StepKey(claimed.current_step)], dataflow=claimed, actor=actor)
    return str((claimed if claimed.status == Status.FAILED else _create_each(claimed, actor=actor)).status)


def settle_abandoned() -> int:
    """Fail every step whose task cannot be running any more (services/lease.py); how many."""
    candidates = Dataflow.objects.filter(status=Status.CREATING).filter(lease.maybe_abandoned())
    settled = 0
    for dataflow in candidates.select_related("onboarding"):
        settled += dataflow_recover(dataflow=dataflow, actor=None).status != Status.CREATING
    return settled


def dataflow_create_remaining(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Claim the next missing object in this request and hand the creates to a background task.

    Returns the dataflow as it stands now: creating (the page polls), or already settled when the task ran at
    once (the immediate backend) or when another request has the step or nothing is left."""
    with transaction.atomic():
        claimed, step = claim_next_step(dataflow, actor=actor)
        if step is not None:
            remote.dispatch(create_dataflow_objects, claimed, actor=actor)
    return Dataflow.objects.select_related("onboarding").get(pk=dataflow.pk)


def _save_reviewed(locked: Dataflow) -> None:
    """Save the reviewed dataflow; the onboarding's own source connection feeds one dataflow at a time, and the
    database decides between two requests (a double click, a stale tab)."""
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError:
        reading = locked.onboarding.dataflow_on_source()
        raise OnboardingError.refused(source_read_by(reading, consumer_group=locked.consumer_group).message) from None


def dataflow_finish(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Finish: the reviewed choices are fixed (DRAFT → READY) and the first object is claimed, in one
    transaction; a background task creates every object."""
    with transaction.atomic():
        locked = lock(dataflow.pk)
        if locked.status == Status.DRAFT:
            require_complete(locked)
            _move(locked, Status.READY, actor=actor, reason="Reviewed: creating the dataflow in Adobe")
            _save_reviewed(locked)
        return dataflow_create_remaining(dataflow=locked, actor=actor)


# Dataflows that share another's new dataset (several hubs ticked together: services/hubs.py)


def share_into(template: Dataflow, dataflow: Dataflow) -> None:
    """Under the dataflow's row lock: the template's dataset (the one it chose, or has created: a new dataset
    is created once) and mapping."""
    dataflow.dataset_choice, dataflow.dataset_id = Dataflow.DatasetChoice.EXISTING, template.dataset_id
    dataflow.dataset_name, dataflow.profile_enabled = "", False
    dataflow.schema_id, dataflow.schema_title = template.schema_id, template.schema_title
    dataflow.mappings = template.mappings if dataflow.is_raw else None
    dataflow.save()


def finish_with(template: Dataflow, dataflow: Dataflow, *, actor: Any) -> None:
    """Finish a draft with the template's dataset and mapping; a dataflow another request has taken (a double
    click, the template's task) or one set up on its own pages meanwhile is left as it is."""
    with transaction.atomic():
        locked = lock(dataflow.pk)
        if not locked.editable or locked.schema_id:
            return
        share_into(template, locked)
        dataflow_finish(dataflow=locked, actor=actor)


def start_followers(template: Dataflow, *, actor: Any) -> None:
    """The template's new dataset exists: each draft waiting for it is finished with it, each a dataflow of its
    own (claimed, created by a task of its own, retried alone). One refused stays a draft, offered again on
    the hubs page; the others go on."""
    for follower in template.followers.filter(status=Status.DRAFT).select_related("onboarding"):
        try:
            finish_with(template, follower, actor=actor)
        except OnboardingError:
            continue


def dataflow_retry(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Repeat only the failed step (with what is stored), then the steps after it, in a background task."""
    return dataflow_create_remaining(dataflow=dataflow, actor=actor)


def dataflow_recover(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Fail a step whose task died (in flight longer than any call can last); the dataflow as it stands."""
    if not _abandoned(dataflow):
        return dataflow
    with transaction.atomic():
        locked = lock(dataflow.pk)
        _recover(locked, actor)
    return locked


def dataflow_busy(dataflow: Dataflow) -> bool:
    """A task is creating the dataflow's objects: a step in flight, or READY between two steps (bounded, so a
    task that died between steps cannot keep a page waiting: Retry goes on from there)."""
    if dataflow.is_in_flight:
        return not _abandoned(dataflow)
    between_steps = dataflow.status == Status.READY
    return between_steps and timezone.now() - dataflow.updated_at < stale_after()


def require_complete(dataflow: Dataflow) -> None:
    if not dataflow.sample and dataflow.is_raw:
        raise OnboardingError.refused("Choose the data first: a preview or a sample event.")
    if not dataflow.schema_id or not (dataflow.dataset_id or dataflow.new_dataset):
        raise OnboardingError.refused("Choose a dataset first.")
    if dataflow.is_raw and not dataflow.mappings:
        raise OnboardingError.refused("Map at least one field first.")


def client_for(dataflow: Dataflow, actor: Any) -> FlowServiceClient:
    """A client whose calls land in the history of the dataflow's onboarding."""
    return adobe.flow_client(onboarding=dataflow.onboarding, actor=actor)


def failed(error: FlowServiceError, *, doing: str, dataflow: Dataflow) -> OnboardingError:
    return adobe_failed(error, doing=doing, sandbox=dataflow.onboarding.sandbox_name)
