"""After the base connection exists: going on despite a failed test, editing the source settings and
archiving (deleting in Adobe is deletion.py). Each is audited in the state history.

Editing the source settings calls Adobe, so it runs as a background task (a remote action,
connections/services/actions.py) while the page shows progress; going on and archiving do not."""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from typing import Any

from django.db import models, transaction
from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceError
from connections.models import ActionResult, Onboarding, RemoteAction

from . import actions
from .connection_test import refresh_source_checks
from .errors import OnboardingError, adobe_failed
from .inputs import Source
from .readers import release_reader_slots, take_reader_slot
from .transitions import lock_row, record_event
from .wizard import source_params_for, source_refusal

Kind = RemoteAction.Kind
Status = Onboarding.Status


def onboarding_go_on_anyway(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """The owner's explicit choice to go on although the test did not pass: the onboarding needs attention."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if not locked.account_gated:
            return locked
        locked.went_on_anyway_at = timezone.now()
        diagnosis = locked.diagnosis
        why = f" ({diagnosis.sentence})" if diagnosis else ""
        record_event(locked, actor=actor, reason=f"Went on although the connection test did not pass{why}")
        locked.save(update_fields=["went_on_anyway_at", "updated_at"])
    return locked


def _refuse_source_change(onboarding: Onboarding, source: Source, actor: Any) -> None:
    if not onboarding.source_connection_id or onboarding.removed_from_adobe_at or onboarding.is_in_flight:
        raise OnboardingError.refused("There is no source connection to change.")
    reading = onboarding.dataflow_on_source()
    if reading is not None:
        # Adobe does not carry a source connection's changes into the dataflows that read it.
        raise OnboardingError.refused(
            f"The dataflow “{reading.name}” reads this source connection, and Adobe does not carry changes to a "
            "source connection into a dataflow that exists: it would keep reading the old settings. To read "
            "the new event hub or consumer group, set up a new dataflow on them (Set up another dataflow, then "
            f"“Another event hub or consumer group”), then pause “{reading.name}”."
        )
    refusal = source_refusal(onboarding, source, actor=actor)
    if refusal is not None:
        raise refusal


def onboarding_start_source_update(*, onboarding: Onboarding, actor: Any, source: Source) -> RemoteAction:
    """Change the source settings in a background task; what the rules refuse is refused here, at once."""
    _refuse_source_change(onboarding, source, actor)
    return actions.start(
        Kind.SOURCE,
        update_source_task,
        onboarding=onboarding,
        actor=actor,
        payload=asdict(source),
        apart_from=RemoteAction.CHANGES_IN_ADOBE,
    )


@task
def update_source_task(action_id: str) -> str:
    return actions.run(action_id, _update_source_in_background)


def _update_source_in_background(run: actions.ActionRun) -> ActionResult:
    run.keep["typed"] = run.payload  # nothing secret: the event hub, how to read it, the consumer group
    onboarding_update_source(onboarding=run.onboarding, actor=run.actor, source=Source(**run.payload))
    return ActionResult(notice="The source settings are saved in Adobe.")


def onboarding_update_source(*, onboarding: Onboarding, actor: Any, source: Source) -> Onboarding:
    """PATCH the source connection's settings in Adobe (If-Match), then keep them; a 412 raises
    StaleConnectionError (the source connection changed elsewhere). The new consumer group is taken before
    the PATCH (a group taken meanwhile is refused, nothing sent); on a failure the old one is taken back."""
    _refuse_source_change(onboarding, source, actor)
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        take_reader_slot(
            locked, event_hub_name=source.event_hub_name, consumer_group=source.consumer_group, actor=actor
        )
    candidate = Onboarding.objects.get(pk=onboarding.pk)
    candidate.event_hub_name, candidate.data_type = source.event_hub_name, source.data_type
    candidate.reset, candidate.consumer_group = source.reset, source.consumer_group
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    try:
        updated = client.update_source_connection(
            onboarding.source_connection_id, etag=onboarding.source_connection_etag, params=source_params_for(candidate)
        )
    except FlowServiceError as error:
        _keep_reading(onboarding, actor)
        raise adobe_failed(error, doing="changing the source settings", sandbox=onboarding.sandbox_name) from error
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        locked.event_hub_name, locked.data_type = source.event_hub_name, source.data_type
        locked.reset, locked.consumer_group = source.reset, source.consumer_group
        locked.source_connection_etag = updated.etag
        record_event(locked, actor=actor, reason=f"Source settings changed in Adobe (etag {updated.etag})")
        locked.save()
    return refresh_source_checks(locked)


def _keep_reading(onboarding: Onboarding, actor: Any) -> None:
    """The change failed: the source connection still reads what the onboarding holds; take its slot back."""
    with contextlib.suppress(OnboardingError), transaction.atomic():  # taken meanwhile: the other reader keeps it
        kept = lock_row(onboarding.pk)
        take_reader_slot(kept, event_hub_name=kept.event_hub_name, consumer_group=kept.consumer_group, actor=actor)


# Adobe's source connection params, and the app's field that keeps each
SOURCE_PARAMS = {
    "eventHubName": "event_hub_name",
    "dataType": "data_type",
    "reset": "reset",
    "consumerGroup": "consumer_group",
}


def onboarding_start_source_reload(*, onboarding: Onboarding, actor: Any) -> RemoteAction:
    """Reload the source connection from Adobe after a 412 (changed elsewhere), in a background task."""
    if not onboarding.source_changeable:
        raise OnboardingError.refused("There is no source connection to reload.")
    return actions.start(
        Kind.SOURCE_RELOAD,
        reload_source_task,
        onboarding=onboarding,
        actor=actor,
        apart_from=RemoteAction.CHANGES_IN_ADOBE,
    )


@task
def reload_source_task(action_id: str) -> str:
    return actions.run(action_id, _reload_source_in_background)


def _reload_source_in_background(run: actions.ActionRun) -> ActionResult:
    return ActionResult(notice=onboarding_reload_source_connection(onboarding=run.onboarding, actor=run.actor))


def onboarding_reload_source_connection(*, onboarding: Onboarding, actor: Any) -> str:
    """Read the source connection from Adobe and take its etag and its settings (Adobe's copy is the one that
    reads the hub); say what changed. A value this app cannot hold is said, not kept."""
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    try:
        item = client.get_source_connection(onboarding.source_connection_id)
    except FlowServiceError as error:
        raise adobe_failed(error, doing="reloading the source connection", sandbox=onboarding.sandbox_name) from error
    remote = item.get("params") or {}
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        taken, refused = [], []
        for param, name in SOURCE_PARAMS.items():
            value = remote.get(param)
            if value is None or value == getattr(locked, name):
                continue
            if _holdable(name, value):
                setattr(locked, name, value)
                taken.append(f"{param} is {value!r}")
            else:
                refused.append(f"{param} is {value!r} in Adobe, which this app cannot keep")
        locked.source_connection_etag = str(item.get("etag") or locked.source_connection_etag)
        said = "; ".join(taken) or "nothing differs from this app's copy"
        record_event(
            locked,
            actor=actor,
            reason=f"Source connection reloaded from Adobe (etag {locked.source_connection_etag}): {said}",
        )
        locked.save(update_fields=[*SOURCE_PARAMS.values(), "source_connection_etag", "updated_at"])
    refresh_source_checks(locked)
    changed = f" Changed in Adobe: {'; '.join(taken)}." if taken else " Nothing differs from this app's copy."
    kept = f" Not kept: {'; '.join(refused)}." if refused else ""
    return f"Reloaded the source connection from Adobe.{changed}{kept} You can edit the source settings now."


def _holdable(name: str, value: Any) -> bool:
    field = Onboarding._meta.get_field(name)
    if not isinstance(field, models.Field) or not isinstance(value, str) or not value.strip():
        return False
    if len(value) > (field.max_length or 0):
        return False
    return not field.choices or value in {choice for choice, _ in field.choices}


def onboarding_archive(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Hide the onboarding from the lists; it stays in the audit (history and admin)."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if locked.is_in_flight:
            raise OnboardingError.refused("Wait until the current step has finished, then archive.")
        if not locked.archived_at:
            locked.archived_at = timezone.now()
            record_event(locked, actor=actor, reason="Archived (hidden from the lists; nothing deleted in Adobe)")
            locked.save(update_fields=["archived_at", "updated_at"])
            if not locked.source_connection_id and not locked.outcome_unknown:
                release_reader_slots(locked)  # nothing in Adobe reads with its consumer group
    return locked


def onboarding_unarchive(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Undo an archive: the onboarding is back in the lists, reading with its consumer group again, unless
    another reader took that group meanwhile (refused, with who) or its connections were deleted in Adobe."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if locked.removed_from_adobe_at:
            raise OnboardingError.refused("Its connections were deleted in Adobe, so it cannot come back.")
        if locked.archived_at:
            if locked.event_hub_name and locked.consumer_group:
                hub, group = locked.event_hub_name, locked.consumer_group
                take_reader_slot(locked, event_hub_name=hub, consumer_group=group, actor=actor)
            locked.archived_at = None
            record_event(locked, actor=actor, reason="Archive undone (back in the lists)")
            locked.save(update_fields=["archived_at", "updated_at"])
    return locked
