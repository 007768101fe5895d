"""The one-reader rule: a (namespace, event hub, consumer group) is read by at most one active onboarding or
dataflow. Every path that sets what a source connection reads takes (or moves) its slot here; the database's
unique constraint (connections/models/readers.py) decides between two requests at once, and the loser gets
the same message next to the consumer group field as a request refused by the read check."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from connections.models import Dataflow, Onboarding, ReaderSlot

from .errors import OnboardingError


def _slot_of(onboarding: Onboarding, dataflow: Dataflow | None) -> ReaderSlot | None:
    if dataflow is not None:
        return ReaderSlot.objects.filter(dataflow=dataflow).first()
    return ReaderSlot.objects.filter(onboarding=onboarding, dataflow__isnull=True).first()


def reader_of(
    onboarding: Onboarding, *, event_hub_name: str, consumer_group: str, dataflow: Dataflow | None = None
) -> ReaderSlot | None:
    """The slot of another reader of this hub's consumer group in the onboarding's namespace, if any
    (the onboarding's own slot, or the dataflow's, is not another reader)."""
    if not onboarding.namespace_fingerprint or not (event_hub_name and consumer_group):
        return None
    slots = ReaderSlot.objects.filter(
        namespace_fingerprint=onboarding.namespace_fingerprint,
        event_hub_name=event_hub_name,
        consumer_group=consumer_group,
    ).select_related("onboarding", "dataflow")
    slot = slots.first()
    if slot is None:
        return None
    if dataflow is not None:
        mine = slot.dataflow_id == dataflow.pk
    else:
        mine = slot.onboarding_id == onboarding.pk and slot.dataflow_id is None
    return None if mine else slot


def reader_taken(slot: ReaderSlot | None, *, consumer_group: str, actor: Any) -> OnboardingError:
    """The refusal shown next to the consumer group field: it names the onboarding reading the group only to
    someone who may open that onboarding."""
    holder = slot.onboarding if slot is not None else None
    visible = holder is not None and Onboarding.objects.visible_to(actor).filter(pk=holder.pk).exists()
    if holder is not None and visible:
        what = f"the dataflow “{slot.dataflow.name}” of " if slot is not None and slot.dataflow else ""
        who = f"{what}the onboarding “{holder.name}”"
    else:
        who = "another onboarding in this app"
    return OnboardingError.refused(
        f"The consumer group {consumer_group} is already read by {who}. A consumer group serves one reader at a "
        "time: two readers split or steal each other's events. Choose another consumer group (create one in the "
        "Azure portal under the event hub's Consumer groups).",
        field="consumer_group",
    )


def source_read_by(reading: Dataflow | None, *, consumer_group: str) -> OnboardingError:
    """The refusal of a second dataflow on an onboarding's own source connection."""
    named = f"The dataflow “{reading.name}”" if reading is not None else "Another dataflow"
    return OnboardingError.refused(
        f"{named} already reads this onboarding's source connection, and its consumer group {consumer_group} "
        "serves one reader at a time. For another dataflow, choose another event hub or consumer group of "
        "this account.",
        field="consumer_group",
    )


def refuse_if_read(
    onboarding: Onboarding, *, event_hub_name: str, consumer_group: str, actor: Any, dataflow: Dataflow | None = None
) -> None:
    """The read check, before anything is claimed: refuse a consumer group another reader holds."""
    slot = reader_of(onboarding, event_hub_name=event_hub_name, consumer_group=consumer_group, dataflow=dataflow)
    if slot is not None:
        raise reader_taken(slot, consumer_group=consumer_group, actor=actor)


def take_reader_slot(
    onboarding: Onboarding, *, event_hub_name: str, consumer_group: str, actor: Any, dataflow: Dataflow | None = None
) -> ReaderSlot:
    """Take (or move to) this consumer group for the onboarding's source, or for a dataflow's own source, in the
    caller's transaction; a group another reader holds, even one taken a moment ago, raises the refusal."""
    refuse_if_read(
        onboarding, event_hub_name=event_hub_name, consumer_group=consumer_group, actor=actor, dataflow=dataflow
    )
    slot = _slot_of(onboarding, dataflow) or ReaderSlot(onboarding=onboarding, dataflow=dataflow)
    slot.namespace_fingerprint = onboarding.namespace_fingerprint
    slot.event_hub_name, slot.consumer_group = event_hub_name, consumer_group
    try:
        with transaction.atomic():
            slot.save()
    except IntegrityError:
        taken = reader_of(onboarding, event_hub_name=event_hub_name, consumer_group=consumer_group, dataflow=dataflow)
        raise reader_taken(taken, consumer_group=consumer_group, actor=actor) from None
    return slot


def take_dataflow_slot(dataflow: Dataflow, *, actor: Any) -> ReaderSlot:
    """The slot of a dataflow reading through a source connection of its own."""
    return take_reader_slot(
        dataflow.onboarding,
        event_hub_name=dataflow.event_hub_name,
        consumer_group=dataflow.consumer_group,
        actor=actor,
        dataflow=dataflow,
    )


def release_reader_slots(onboarding: Onboarding) -> None:
    """The onboarding's source connection is gone from Adobe (and with it every dataflow reading it)."""
    ReaderSlot.objects.filter(onboarding=onboarding).delete()
