"""The wizard's steps: each remote step is claimed under a row lock before Adobe is called.

So two submits of the same step cannot both create. When a create's outcome is unknown, the retry
first looks for the object by its unique name and adopts it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.auth_types import FIELDS
from connections.flowservice import Created, FlowServiceError, SourceParams
from connections.flowservice import DataType as ApiDataType
from connections.flowservice import Reset as ApiReset
from connections.models import Dataflow, Onboarding, StateChange

from . import lease, remote
from .connection_test import onboarding_test_connection, source_checks_refreshed
from .credentials import apply_credentials
from .errors import OnboardingError, abandoned_record, failure_record
from .inputs import Account, Source
from .lease import stale_after
from .readers import reader_of, reader_taken, take_reader_slot
from .transitions import Status, abandoned, claim_locked, lock_row, recovered, settle_step, step_work

# The columns the Account step changes on a draft, and the Source step on an onboarding (with updated_at).
ACCOUNT_FIELDS = frozenset(
    {"name", "description", "sandbox_name", "auth_type", "namespace_fingerprint", "secret_changed_at", *FIELDS}
)
SOURCE_FIELDS = frozenset({"event_hub_name", "data_type", "reset", "consumer_group", "updated_at"})

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient


def _started(*, owner: Any, account: Account, creation_token: Any, for_import: bool = False) -> tuple[Onboarding, bool]:
    """A new draft, inserted in the caller's transaction, or the one this creation token made already: (it, new).

    The creation token becomes the reference, so the AEP account name shown before creation is the one Adobe
    gets. A token in use (a double submit) is found by the unique constraints, not by a read beforehand.
    `for_import`: typed on the import page (`Onboarding.typed_for_import`)."""
    onboarding = Onboarding(
        owner=owner,
        team=account.team,
        public_id=creation_token if isinstance(creation_token, uuid.UUID) else uuid.uuid4(),
        name=account.name,
        description=account.description,
        sandbox_name=account.sandbox_name,
        creation_token=creation_token,
        typed_for_import=for_import,
    )
    apply_credentials(onboarding, account.credentials)
    try:
        with transaction.atomic():
            onboarding.save()
            StateChange.objects.record(
                onboarding=onboarding,
                actor=owner,
                from_status=None,
                to_status=Status.DRAFT,
                reason="Account details saved",
            )
    except IntegrityError:
        if creation_token is None:
            raise
        existing = Onboarding.objects.filter(creation_token=creation_token, owner=owner).first()
        if existing is not None:
            return existing, False
        # Another user's token, or another onboarding's reference (copied or forged): it only disables the
        # double-submit guard, and the new onboarding gets a fresh reference.
        return _started(owner=owner, account=account, creation_token=None, for_import=for_import)
    return onboarding, True


def onboarding_start(
    *, owner: Any, account: Account, creation_token: Any = None, for_import: bool = False
) -> Onboarding:
    """Create the onboarding (a draft) from the first valid Account submit, or from the account typed on the
    import page (`for_import`: in no list until its import runs).

    The form's creation token makes a double submit return the first onboarding.
    """
    with transaction.atomic():
        return _started(owner=owner, account=account, creation_token=creation_token, for_import=for_import)[0]


def _account_changed(locked: Onboarding, account: Account) -> Onboarding:
    """The draft (locked by the caller) with the account details changed (ACCOUNT_FIELDS), not saved."""
    if not locked.account_editable:
        raise OnboardingError.refused("The account details can no longer be changed.")
    locked.name, locked.description = account.name, account.description
    locked.sandbox_name = account.sandbox_name
    apply_credentials(locked, account.credentials)
    return locked


def _tested(onboarding: Onboarding, actor: Any) -> Onboarding:
    """A new base connection is tested at once, so the Source step can offer the event hubs Adobe lists."""
    if onboarding.status == Status.BASE_CREATED and not onboarding.connection_test:
        return onboarding_test_connection(onboarding=onboarding, actor=actor)
    return onboarding


def _as_is(onboarding: Onboarding, actor: Any) -> Onboarding:
    return onboarding


def _nothing_more(onboarding: Onboarding) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class RemoteStep:
    """One object the wizard creates in Adobe, and where its answer goes.

    `create_remote` claims it in the request (the onboarding moves to `in_flight`) and the task
    `create_in_adobe` creates (or adopts) the object; `settled_with` names more columns the settle writes
    with the object's id (database checks, no call); `then` runs in the same task after the object exists
    (e.g. the new base connection's test)."""

    what: str
    ready: frozenset[str]
    in_flight: str
    failed: str
    done: str
    remote_name: Callable[[Onboarding], str]
    find: Callable[[FlowServiceClient, str], dict[str, Any] | None]
    create: Callable[[FlowServiceClient, Onboarding], Created]
    id_field: str
    etag_field: str
    settled_with: Callable[[Onboarding], dict[str, Any]] = _nothing_more
    then: Callable[[Onboarding, Any], Onboarding] = _as_is
    reads_consumer_group: bool = False  # the object reads the hub: its claim takes the consumer group's slot


def source_params_for(reader: Onboarding | Dataflow) -> SourceParams:
    """What Adobe's source connection reads, from an onboarding's source or a dataflow's own one."""
    return SourceParams(
        event_hub_name=reader.event_hub_name,
        data_type=ApiDataType(reader.data_type),
        reset=ApiReset(reader.reset),
        consumer_group=reader.consumer_group,
    )


BASE_CONNECTION = RemoteStep(
    what="base connection",
    ready=frozenset({Status.DRAFT, Status.BASE_FAILED}),
    in_flight=Status.CREATING_BASE,
    failed=Status.BASE_FAILED,
    done=Status.BASE_CREATED,
    remote_name=lambda o: o.base_connection_name,
    find=lambda client, name: client.find_base_connection(name),
    create=lambda client, o: client.create_base_connection(
        name=o.base_connection_name, description=o.description, auth=o.client_auth()
    ),
    id_field="base_connection_id",
    etag_field="base_connection_etag",
    then=_tested,
)
SOURCE_CONNECTION = RemoteStep(
    what="source connection",
    ready=frozenset({Status.BASE_CREATED, Status.SOURCE_FAILED}),
    in_flight=Status.CREATING_SOURCE,
    failed=Status.SOURCE_FAILED,
    done=Status.SOURCE_CREATED,
    remote_name=lambda o: o.source_connection_name,
    find=lambda client, name: client.find_source_connection(name),
    create=lambda client, o: client.create_source_connection(
        name=o.source_connection_name,
        description=o.description,
        base_connection_id=o.base_connection_id,
        params=source_params_for(o),
    ),
    id_field="source_connection_id",
    etag_field="source_connection_etag",
    settled_with=source_checks_refreshed,  # with the settle: no UPDATE and commit of its own
    reads_consumer_group=True,
)
STEPS = (BASE_CONNECTION, SOURCE_CONNECTION)


@task
def create_in_adobe(onboarding_id: str, in_flight: str, actor_id: str | None) -> str:
    """The background task: create (or adopt) the object of the step the request claimed (the one whose
    in-flight status it moved the onboarding to); the onboarding's new status."""
    onboarding, actor = remote.onboarding_and_actor(onboarding_id, actor_id)
    step = next(step for step in STEPS if step.in_flight == in_flight)
    return str(perform_remote(step, onboarding=onboarding, actor=actor).status)


def _claim(
    step: RemoteStep, locked: Onboarding, *, actor: Any, changed: frozenset[str] = frozenset(), dispatch: bool = True
) -> bool:
    """Under the caller's lock: claim the step (saving what the caller `changed` too) and hand the call to
    Adobe to a background task, in the same transaction (unless the caller, a task itself, makes the call:
    `dispatch` False); False when the step may not start."""
    reason = f"Creating the {step.what}"
    if not claim_locked(locked, actor=actor, ready=set(step.ready), to=step.in_flight, reason=reason, changed=changed):
        return False
    if step.reads_consumer_group:  # refused with the claim rolled back when another reader has the group
        take_reader_slot(
            locked, event_hub_name=locked.event_hub_name, consumer_group=locked.consumer_group, actor=actor
        )
    if dispatch:
        remote.dispatch(create_in_adobe, locked, step.in_flight, actor=actor)
    return True


def _as_it_stands(locked: Onboarding, claimed: bool) -> Onboarding:
    """The onboarding after a claim's transaction: as the claim left it (in flight, or another request has the
    step), or read again when the task ran at once (the immediate backend) and has settled it."""
    return Onboarding.objects.get(pk=locked.pk) if claimed and remote.runs_at_once() else locked


def create_remote(step: RemoteStep, *, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Claim the step in this request and hand the call to Adobe to a background task.

    Returns the onboarding as it stands now: in flight (the page polls), or already settled when
    the task ran at once (the immediate backend) or another request has the step."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        claimed = _claim(step, locked, actor=actor)
    return _as_it_stands(locked, claimed)


def perform_remote(step: RemoteStep, *, onboarding: Onboarding, actor: Any) -> Onboarding:
    """In the task, with the onboarding it has just read: create the step's object in Adobe, or, after an
    unknown outcome, find it by name and adopt it; settle the step; then run the step's follow-up."""
    claimed = onboarding
    held = lease.take(step_work(claimed)) if claimed.status == step.in_flight else None
    if held is None:
        return claimed  # settled already (the sweep, after this task was taken for dead), or another task has it
    client = adobe.flow_client(onboarding=claimed, actor=actor)
    resolved = not claimed.outcome_unknown
    try:
        existing = None if resolved else step.find(client, step.remote_name(claimed))
        resolved = True
        if existing:
            created = Created(existing["id"], existing["etag"])
            reason = f"Adopted the {step.what} an earlier attempt created"
        elif not held.renew():
            return Onboarding.objects.get(pk=claimed.pk)  # lost the lease: the step was settled meanwhile
        else:
            created, reason = step.create(client, claimed), f"Adobe created the {step.what}"
    except FlowServiceError as error:
        unknown = error.outcome_unknown or not resolved
        failure = failure_record(
            error, doing=f"creating the {step.what}", sandbox=claimed.sandbox_name, unknown=unknown
        )
        return settle_step(
            claimed,
            actor=actor,
            to=step.failed,
            reason=f"{failure['title']}: {error}",
            last_error=failure,
            outcome_unknown=unknown,
        )
    changes = {step.id_field: created.id, step.etag_field: created.etag, **step.settled_with(claimed)}
    settled = settle_step(
        claimed, actor=actor, to=step.done, reason=reason, last_error=None, outcome_unknown=False, **changes
    )
    return step.then(settled, actor)


def settle_abandoned(step: RemoteStep, *, onboarding: Onboarding) -> Onboarding | None:
    """The sweep's settling of a step whose task died: adopt Adobe's object if it exists, else fail the step
    (Retry creates it then). When Adobe cannot be asked, the outcome stays unknown and Retry looks again.
    None when another sweep settled it meanwhile, or its task took the lease while Adobe was asked."""
    client = adobe.flow_client(onboarding=onboarding, actor=None)
    try:
        existing = step.find(client, step.remote_name(onboarding))
    except FlowServiceError:
        existing, unknown = None, True
    else:
        unknown = False
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if locked.status != step.in_flight or not abandoned(locked):
            return None
        if existing:
            reason = f"Adopted the {step.what} a stopped task had created"
            changes = {step.id_field: existing["id"], step.etag_field: existing["etag"], "last_error": None}
            changes.update(step.settled_with(locked))
            settled = settle_step(locked, actor=None, to=step.done, reason=reason, outcome_unknown=False, **changes)
        else:
            reason = f"The task creating the {step.what} stopped" + ("" if unknown else "; Adobe has no such object")
            settled = settle_step(
                locked,
                actor=None,
                to=step.failed,
                reason=reason,
                last_error=abandoned_record(),
                outcome_unknown=unknown,
            )
    return step.then(settled, None) if existing else settled


def settle_abandoned_steps() -> int:
    """Settle every step whose task cannot be running any more (services/lease.py); how many."""
    settled = 0
    for step in STEPS:
        for onboarding in Onboarding.objects.filter(status=step.in_flight).filter(lease.maybe_abandoned()):
            if abandoned(onboarding) and settle_abandoned(step, onboarding=onboarding) is not None:
                settled += 1
    return settled


def onboarding_create_base_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Create (or, after an unknown outcome, find and adopt) the base connection."""
    return create_remote(BASE_CONNECTION, onboarding=onboarding, actor=actor)


def source_refusal(onboarding: Onboarding, source: Source, *, actor: Any) -> OnboardingError | None:
    """Why these source settings cannot be used (a scoped hub mismatch, a consumer group another flow holds)."""
    if onboarding.is_scoped and source.event_hub_name != onboarding.auth_event_hub_name:
        return OnboardingError.refused(
            f"Your credentials only open the event hub {onboarding.auth_event_hub_name}; the source must read it.",
            field="event_hub_name",
        )
    holder = reader_of(onboarding, event_hub_name=source.event_hub_name, consumer_group=source.consumer_group)
    if holder is not None:
        return reader_taken(holder, consumer_group=source.consumer_group, actor=actor)
    return None


def _source_changed(locked: Onboarding, source: Source, actor: Any) -> Onboarding:
    """The onboarding (locked by the caller) with the source parameters changed (SOURCE_FIELDS), not saved;
    a consumer group another flow already uses is refused."""
    if locked.account_gated:
        raise OnboardingError.refused("The connection test has not passed: fix the account first.")
    if not locked.source_editable:
        raise OnboardingError.refused("The source parameters can no longer be changed.")
    refusal = source_refusal(locked, source, actor=actor)
    if refusal is not None:
        raise refusal
    locked.event_hub_name = source.event_hub_name
    locked.data_type, locked.reset, locked.consumer_group = source.data_type, source.reset, source.consumer_group
    return locked


def onboarding_save_source(*, onboarding: Onboarding, actor: Any, source: Source) -> Onboarding:
    """Store the source parameters, refusing a consumer group another flow already uses."""
    with transaction.atomic():
        locked = _source_changed(lock_row(onboarding.pk), source, actor)
        locked.save(update_fields=SOURCE_FIELDS)
    return locked


def onboarding_create_source_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Create (or, after an unknown outcome, find and adopt) the source connection."""
    return create_remote(SOURCE_CONNECTION, onboarding=onboarding, actor=actor)


def onboarding_busy(onboarding: Onboarding) -> bool:
    """A task is still working for the onboarding: a step in flight, or a new base connection's first test
    (its task runs it right after the create; bounded, so a task that died cannot keep a page waiting)."""
    if onboarding.is_in_flight:
        return True
    testing = onboarding.status == Status.BASE_CREATED and onboarding.connection_tested_at is None
    return testing and timezone.now() - onboarding.updated_at < stale_after()


def onboarding_recover(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Settle a step that has been in flight longer than any call can last (the app restarted).

    Polled every second by each page in progress: only a step that looks abandoned takes the row lock (on
    SQLite, the database's write lock), and it is decided again under the lock."""
    return recovered(onboarding, actor) if abandoned(onboarding) else onboarding


def onboarding_retry(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Repeat only the step that failed, with what is stored (nothing is retyped); test a new base connection."""
    locked = recovered(onboarding, actor)
    if locked.base_failed:
        return onboarding_create_base_connection(onboarding=locked, actor=actor)
    if locked.source_failed:
        return onboarding_create_source_connection(onboarding=locked, actor=actor)
    return locked


def onboarding_connect_account(
    *, actor: Any, account: Account, onboarding: Onboarding | None = None, creation_token: Any = None
) -> Onboarding:
    """The Account step: save the account (a new onboarding, or the draft's changes) and claim the base
    connection's create, in one transaction; a task creates it in Adobe, then tests it. A failure of Adobe's
    is kept on the onboarding (its status says so).

    The test gates the step (`Onboarding.account_gated`): a base connection whose test did not pass keeps
    the onboarding on Account. That base connection is kept, not deleted: the corrected credentials PATCH
    it (`onboarding_replace_credentials`), so a retry never creates a second one."""
    with transaction.atomic():
        if onboarding is not None:
            locked, changed = _account_changed(lock_row(onboarding.pk), account), ACCOUNT_FIELDS
        else:
            locked, new = _started(owner=actor, account=account, creation_token=creation_token)
            # A new row is this transaction's alone; the one a double submit made is locked like any other.
            locked, changed = (locked if new else lock_row(locked.pk)), frozenset()
        claimed = _claim(BASE_CONNECTION, locked, actor=actor, changed=changed)
    return _as_it_stands(locked, claimed)


def onboarding_submit_source(
    *, onboarding: Onboarding, actor: Any, source: Source, before_claim: Callable[[Onboarding], None] | None = None
) -> Onboarding:
    """The Source step: store the source parameters and claim the source connection's create, in one
    transaction; a task creates it in Adobe. `before_claim` runs under the row lock once the parameters are
    accepted and before the claim (more work of the same submit, e.g. the other ticked hubs): what it refuses
    leaves nothing claimed."""
    with transaction.atomic():
        locked = _source_changed(lock_row(onboarding.pk), source, actor)
        if before_claim is not None:
            before_claim(locked)
        claimed = _claim(SOURCE_CONNECTION, locked, actor=actor, changed=SOURCE_FIELDS)
    return _as_it_stands(locked, claimed)


def _step_here(
    step: RemoteStep,
    onboarding: Onboarding,
    *,
    actor: Any,
    change: Callable[[Onboarding], Onboarding] | None = None,
    changed: frozenset[str] = frozenset(),
) -> Onboarding:
    """Claim the step (with the `change` made under the lock) and create its object in this task."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if change is not None:
            locked = change(locked)
        claimed = _claim(step, locked, actor=actor, changed=changed, dispatch=False)
    return perform_remote(step, onboarding=locked, actor=actor) if claimed else locked


def onboarding_connect_here(*, onboarding: Onboarding, actor: Any, source: Source) -> Onboarding:
    """The Account and Source steps run in the caller's background task, for work that needs the connections
    before its own (an import onto an account typed on the import page): each claimed, created or adopted
    after an unknown outcome, and audited as in the wizard; a step done already is skipped, a failed one tried
    again. Stops at a failed step, or at a base connection whose test did not pass (`account_gated`)."""
    current = recovered(onboarding, actor)
    if current.status in BASE_CONNECTION.ready:
        current = _step_here(BASE_CONNECTION, current, actor=actor)
    if current.status in SOURCE_CONNECTION.ready and not current.account_gated:
        current = _step_here(
            SOURCE_CONNECTION,
            current,
            actor=actor,
            change=lambda locked: _source_changed(locked, source, actor),
            changed=SOURCE_FIELDS,
        )
    return current
