"""Copies linked by Copy to another sandbox: where the other copy runs, and whether the two still match.

The two are compared as the app knows them (no call to Adobe: a page reads this), dataflow by dataflow, matched by
name as the import matched them: the original's dataflows each with its copy's of that name (event hub, data type,
start, schema, dataset and mapping). Each difference is spelled out with both values, the sandbox of each named.
Consumer groups are said apart: copies reading one event hub must differ there, so that is no mismatch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from connections.models import Dataflow, Onboarding, OnboardingCopy

COMPARED = (
    ("event_hub_name", "event hub"),
    ("data_type", "data type"),
    ("reset", "start"),
    ("schema_title", "schema"),
)


def link_copy(original: Onboarding | None, *, copy: Onboarding, run: str, actor: Any) -> None:
    """The original and its copy, linked once (a second copy between the same two keeps the first link); an
    onboarding imported back onto itself is no copy."""
    if original is None or original.pk == copy.pk:
        return
    try:
        with transaction.atomic():
            OnboardingCopy.objects.get_or_create(original=original, copy=copy, defaults={"run": run, "actor": actor})
    except IntegrityError:
        pass  # linked meanwhile by an import running at the same time


@dataclass(frozen=True)
class LinkedCopy:
    """The other onboarding of a link, seen from one of the two, and what differs between them."""

    other: Onboarding
    is_original: bool  # the other one is the original this onboarding was copied from
    differences: list[str] = field(default_factory=list)
    # Consumer groups that differ: said, but no mismatch, since two copies reading one event hub each need their own
    # (a consumer group serves one flow at a time).
    groups: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return not self.differences


def linked_copies(onboarding: Onboarding) -> list[LinkedCopy]:
    """Every onboarding linked to this one (the original it was copied from, the copies made of it), compared."""
    links = OnboardingCopy.objects.filter(Q(original=onboarding) | Q(copy=onboarding)).select_related(
        "original", "copy"
    )
    found = []
    for link in links.order_by("created_at", "id"):
        other, is_original = (link.copy, False) if link.original_id == onboarding.pk else (link.original, True)
        compared = LinkedCopy(
            other, is_original, differences(link.original, link.copy), consumer_groups(link.original, link.copy)
        )
        found.append(compared)
    return found


def differences(original: Onboarding, copy: Onboarding) -> list[str]:
    """What differs between the original's dataflows and the copy's of the same names, one sentence each."""
    copies = {d.name: d for d in _finished(copy)}
    said = []
    for ours in _finished(original):
        theirs = copies.get(ours.name)
        if theirs is None:
            said.append(f"“{ours.name}” runs in {original.sandbox_name} only.")
            continue
        said += [f"“{ours.name}”: {what}." for what in _dataflow_differences(ours, theirs, original, copy)]
    return said


def consumer_groups(original: Onboarding, copy: Onboarding) -> list[str]:
    """Each dataflow of both whose consumer groups differ, with both groups."""
    copies = {d.name: d for d in _finished(copy)}
    return [
        f"“{ours.name}” reads with the consumer group {ours.consumer_group} in {original.sandbox_name}, "
        f"{theirs.consumer_group} in {copy.sandbox_name}."
        for ours in _finished(original)
        if (theirs := copies.get(ours.name)) is not None and theirs.consumer_group != ours.consumer_group
    ]


def _finished(onboarding: Onboarding) -> list[Dataflow]:
    return list(onboarding.dataflows.exclude(status=Dataflow.Status.DRAFT).order_by("created_at", "id"))


def _dataflow_differences(ours: Dataflow, theirs: Dataflow, original: Onboarding, copy: Onboarding) -> list[str]:
    here, there = original.sandbox_name, copy.sandbox_name
    said = [
        f"{label} {getattr(ours, name) or '(none)'} in {here}, {getattr(theirs, name) or '(none)'} in {there}"
        for name, label in COMPARED
        if getattr(ours, name) != getattr(theirs, name)
    ]
    # A dataflow on an existing dataset knows it by id only, and ids differ between sandboxes: names are compared
    # where both are known.
    if ours.dataset_name and theirs.dataset_name and ours.dataset_name != theirs.dataset_name:
        said.append(f"dataset {ours.dataset_name} in {here}, {theirs.dataset_name} in {there}")
    mine, yours = _rows(ours), _rows(theirs)
    if mine != yours:
        only = [(rows, sandbox) for rows, sandbox in ((mine - yours, here), (yours - mine, there)) if rows]
        said.append("mapping: " + "; ".join(f"{_listed(rows)} in {sandbox} only" for rows, sandbox in only))
    return said


def _rows(dataflow: Dataflow) -> set[tuple[str, str]]:
    return {(row["source"], row["destination"]) for row in dataflow.mappings or []}


def _listed(rows: set[tuple[str, str]]) -> str:
    return ", ".join(f"{source} → {destination}" for source, destination in sorted(rows))
