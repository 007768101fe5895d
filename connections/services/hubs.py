"""Several event hubs of one namespace in one go: ticked on the Source step, each read through its own consumer
group, each fed into a dataflow, the dataset and mapping chosen once for the hubs whose events have the same fields.

Nothing here calls Adobe or claims a create of its own: the first ticked hub is the onboarding's source connection
(the Source step's own claim, services/wizard.py), and every other hub is a dataflow with a source connection of
its own on the same base connection (services/dataflow.py), so each hub's objects are claimed, audited, retried
alone and adopted after an unknown outcome by the machinery every dataflow goes through. One hub failing leaves
the others as they are.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from connections.models import Dataflow, DataflowChange, Onboarding

from . import dataflow as df
from .dataflow_choices import dataflow_preview_read, default_dataflow_name, fields_of
from .errors import OnboardingError
from .inputs import Source
from .readers import take_dataflow_slot
from .wizard import onboarding_submit_source

# The consumer group each ticked hub is offered (editable): one of the app's own per hub, never $Default.
GROUP_PATTERN = "aep-{hub}"
Status = Dataflow.Status


class HubRefused(OnboardingError):
    """A ticked hub whose settings cannot be used; `hub` names it, so the page says it next to that hub."""

    def __init__(self, hub: str, error: OnboardingError) -> None:
        super().__init__(error.problem, field=error.field)
        self.hub = hub


def consumer_group_for(hub: str, pattern: str = GROUP_PATTERN) -> str:
    return pattern.replace("{hub}", hub)


def onboarding_submit_hubs(*, onboarding: Onboarding, actor: Any, sources: Sequence[Source]) -> Onboarding:
    """The Source step with several hubs ticked: the first is the onboarding's source connection (claimed as the
    Source step claims it), each other becomes a dataflow reading it through a source connection of its own.
    One transaction: a hub refused (the one-reader rule, a scoped account) leaves nothing claimed or taken."""
    if not sources:
        raise OnboardingError.refused("Tick at least one event hub.", field="hubs")
    first, *others = sources
    try:
        return onboarding_submit_source(
            onboarding=onboarding,
            actor=actor,
            source=first,
            before_claim=lambda locked: _drafts_for(locked, others, actor=actor),
        )
    except HubRefused:
        raise
    except OnboardingError as error:
        raise HubRefused(first.event_hub_name, error) from None


def _drafts_for(onboarding: Onboarding, sources: Sequence[Source], *, actor: Any) -> None:
    """Under the onboarding's row lock: a dataflow draft per hub holding its consumer group; a hub that has one
    already (a Source step submitted again after its source connection failed) keeps it, with the new settings."""
    for source in sources:
        try:
            _draft_for(onboarding, source, actor=actor)
        except OnboardingError as error:
            raise HubRefused(source.event_hub_name, error) from None


def _draft_for(onboarding: Onboarding, source: Source, *, actor: Any) -> Dataflow:
    drafts = onboarding.dataflows.filter(own_source=True, status=Status.DRAFT)
    draft = drafts.filter(event_hub_name=source.event_hub_name).first()
    new = draft is None
    if draft is None:
        draft = Dataflow(
            onboarding=onboarding,
            own_source=True,
            name=default_dataflow_name(onboarding.name, source.event_hub_name),
            event_hub_name=source.event_hub_name,
        )
    draft.consumer_group, draft.data_type, draft.reset = source.consumer_group, source.data_type, source.reset
    draft.save()
    take_dataflow_slot(draft, actor=actor)  # the one-reader rule: refused here rolls the whole submit back
    if new:
        reason = f"Ticked with other event hubs on the Source step: reads {source.event_hub_name}"
        DataflowChange.objects.record(
            dataflow=draft, actor=actor, from_status="", to_status=draft.status, reason=reason
        )
    return draft


# After the Source step: each hub's dataflow, the shared settings offered once


@dataclass(frozen=True)
class Hub:
    """One hub's dataflow as the hubs page shows it, and whose dataset and mapping it can share: the template's
    when they fit, else those of the first hub of its group (the hubs whose events have the same fields)."""

    dataflow: Dataflow
    fits: bool | None  # the template's dataset and mapping fit (None: its events are not previewed yet)
    busy: bool
    leader: Dataflow | None = None  # the first hub of its group, set up on its own pages, when it is not the first
    shares_with: int = 0  # how many other hubs of its group take this hub's dataset and mapping

    @property
    def own_settings(self) -> bool:
        """A draft whose dataset was chosen on its own pages: the shared settings never replace its choices."""
        return self.dataflow.editable and bool(self.dataflow.schema_id)

    @property
    def shareable(self) -> bool:
        return bool(self.fits) and self.dataflow.editable and not self.own_settings

    @property
    def grouped(self) -> bool:
        """Takes the dataset and mapping of the first hub of its group (events like it, unlike the template's)."""
        return self.leader is not None and self.dataflow.editable and not self.own_settings

    @property
    def leader_ready(self) -> bool:
        return self.leader is not None and is_complete(self.leader)

    @property
    def unread(self) -> bool:
        """Raw JSON not previewed yet: its fields are not known, to compare."""
        return self.dataflow.editable and self.dataflow.is_raw and not self.dataflow.sample

    @property
    def waiting(self) -> bool:
        """Waits for the new dataset of the hub whose settings it shares: created by itself once it exists."""
        followed = self.dataflow.follows
        return self.dataflow.editable and followed is not None and waits_for_dataset(followed)


@dataclass(frozen=True)
class Hubs:
    """The onboarding's hubs: the template (the dataflow on its own source connection, set up on the dataflow
    pages) and the others, each with its own dataflow."""

    onboarding: Onboarding
    template: Dataflow | None
    others: list[Hub]

    @property
    def ready(self) -> bool:
        """The template's settings are chosen (its review is reached, or it exists)."""
        return self.template is not None and is_complete(self.template)

    @property
    def shareable(self) -> list[Hub]:
        return [hub for hub in self.others if hub.shareable]

    @property
    def groups(self) -> list[tuple[Dataflow, list[Hub]]]:
        """Each group of hubs alike but unlike the template whose first hub's settings are chosen: that hub, and
        the hubs that take its dataset and mapping."""
        groups: dict[int, tuple[Dataflow, list[Hub]]] = {}
        for hub in self.others:
            if hub.grouped and hub.leader is not None and hub.leader_ready:
                groups.setdefault(hub.leader.pk, (hub.leader, []))[1].append(hub)
        return list(groups.values())

    @property
    def busy(self) -> bool:
        template_busy = self.template is not None and df.dataflow_busy(self.template)
        return template_busy or any(hub.busy for hub in self.others)

    @property
    def to_create(self) -> int:
        """How many dataflows Create would start: the template's and each group's first hub's if not yet, and
        each hub sharing their settings (but those already waiting for a new dataset: they follow by themselves)."""
        firsts = [self.template] if self.template is not None else []
        firsts += [first for first, _ in self.groups]
        sharing = self.shareable + [hub for _, members in self.groups for hub in members]
        return len([d for d in firsts if d.editable]) + len([hub for hub in sharing if not hub.waiting])

    @property
    def waiting_for_dataset(self) -> bool:
        """The template creates a new dataset the others are to share: they wait until it exists."""
        return self.template is not None and waits_for_dataset(self.template)


def waits_for_dataset(dataflow: Dataflow) -> bool:
    """Whether the dataflow's dataset is a new one Adobe has not created yet."""
    return dataflow.new_dataset and not dataflow.dataset_id


def is_complete(dataflow: Dataflow) -> bool:
    """Whether the dataflow has every choice its creation needs: its data, its dataset, and a mapping when raw."""
    try:
        df.require_complete(dataflow)
    except OnboardingError:
        return False
    return True


def fits(template: Dataflow, other: Dataflow) -> bool | None:
    """Whether the template's dataset and mapping serve the other hub: the same data type and, for raw JSON,
    previews with the same fields (None while the other hub has no sample yet)."""
    if template.data_type != other.data_type:
        return False
    if not template.is_raw:
        return True
    if not other.sample or not template.sample:
        return None
    return {f.path for f in fields_of(template)} == {f.path for f in fields_of(other)}


def _leaders(template: Dataflow | None, others: Sequence[Dataflow]) -> dict[int, Dataflow]:
    """Among the hubs unlike the template, those alike form a group sharing one dataset and mapping: each
    member's first hub (by dataflow id), the one whose settings are chosen on its own pages, else the oldest."""
    groups: list[list[Dataflow]] = []
    for dataflow in others:
        if template is not None and fits(template, dataflow) is not False:
            continue  # the template's settings fit it, or its events are not known yet
        group = next((g for g in groups if fits(g[0], dataflow)), None)
        if group is None:
            groups.append([dataflow])
        else:
            group.append(dataflow)
    leaders: dict[int, Dataflow] = {}
    for group in groups:
        first = next((d for d in group if d.schema_id), group[0])
        leaders |= {d.pk: first for d in group if d is not first}
    return leaders


def hubs_of(onboarding: Onboarding) -> Hubs:
    flows = list(onboarding.dataflows.select_related("onboarding", "follows").order_by("created_at", "id"))
    template = _on_source(flows)
    hubs = [d for d in flows if d.own_source]
    leaders = _leaders(template, hubs)
    shares = Counter(leader.pk for leader in leaders.values())
    others = [
        Hub(d, fits(template, d) if template else None, df.dataflow_busy(d), leaders.get(d.pk), shares[d.pk])
        for d in hubs
    ]
    return Hubs(onboarding, template, others)


def _on_source(dataflows: Sequence[Dataflow]) -> Dataflow | None:
    """The dataflow on the onboarding's own source connection: the one not deleted in Adobe (one at a time),
    else the newest deleted one."""
    on_source = sorted((d for d in dataflows if not d.own_source), key=lambda d: (d.created_at, d.pk))
    return next((d for d in on_source if not d.is_deleted), on_source[-1] if on_source else None)


@dataclass(frozen=True)
class HubUsed:
    """One event hub the onboarding reads, as its Done page lists it: its settings and its dataflow (if any)."""

    event_hub_name: str
    consumer_group: str
    data_type: str
    dataflow: Dataflow | None


def hubs_used(onboarding: Onboarding, dataflows: Sequence[Dataflow]) -> list[HubUsed]:
    """Every hub the onboarding reads, its own source connection's first, then each hub with a source
    connection of its own (ticked together, or added), oldest first."""
    first = HubUsed(
        onboarding.event_hub_name,
        onboarding.consumer_group,
        onboarding.get_data_type_display(),
        _on_source(dataflows),
    )
    others = sorted((d for d in dataflows if d.own_source), key=lambda d: (d.created_at, d.pk))
    return [first] + [HubUsed(d.event_hub_name, d.consumer_group, d.get_data_type_display(), d) for d in others]


def has_hubs(onboarding: Onboarding) -> bool:
    """The onboarding reads more than its own hub through dataflows of its own (ticked together, or added)."""
    return onboarding.dataflows.filter(own_source=True).exists()


def hubs_finish(*, onboarding: Onboarding, actor: Any) -> list[HubRefused]:
    """Create the template's dataflow (if not yet) and, with its dataset and mapping, the dataflow of every other
    hub whose events have the same fields; the same for each group of hubs alike but unlike the template whose
    first hub's settings are chosen. Each is a dataflow of its own (claimed, created by a task, retried alone),
    and one refused never stops the others (the refusals are returned)."""
    hubs = hubs_of(onboarding)
    if hubs.template is None or not hubs.ready:
        raise OnboardingError.refused("Choose the dataset (and the mapping) of the first event hub's dataflow first.")
    refused = _finish_sharing(hubs.template, [hub.dataflow for hub in hubs.shareable], actor=actor)
    for first, members in hubs.groups:
        try:
            refused += _finish_sharing(first, [hub.dataflow for hub in members], actor=actor)
        except OnboardingError as error:
            refused.append(HubRefused(first.event_hub_name, error))
    return refused


def _finish_sharing(first: Dataflow, sharing: Sequence[Dataflow], *, actor: Any) -> list[HubRefused]:
    """Create `first`'s dataflow (if not yet), then each of `sharing` with its dataset and mapping. A new dataset
    is created once, by `first`: the others wait for it, then its task starts them (services/dataflow.py)."""
    if waits_for_dataset(first):
        _follow(first, sharing, actor=actor)
    if first.editable:
        df.dataflow_finish(dataflow=first, actor=actor)
    first = Dataflow.objects.select_related("onboarding").get(pk=first.pk)  # immediate tasks: its dataset exists
    if waits_for_dataset(first):
        return []  # its dataset step starts the followers
    refused = []
    for dataflow in sharing:
        try:
            df.finish_with(first, dataflow, actor=actor)
        except OnboardingError as error:
            refused.append(HubRefused(dataflow.event_hub_name, error))
    return refused


def _follow(template: Dataflow, drafts: Sequence[Dataflow], *, actor: Any) -> None:
    """Each draft waits for the template's new dataset, to be created with it by itself once it exists."""
    for draft in drafts:
        with transaction.atomic():
            locked = df.lock(draft.pk)
            if not locked.editable or locked.follows_id == template.pk:
                continue
            locked.follows = template
            locked.save(update_fields=["follows", "updated_at"])
            reason = f"Waits for the new dataset of the dataflow of {template.event_hub_name}, then is created with it"
            DataflowChange.objects.record(
                dataflow=locked, actor=actor, from_status=locked.status, to_status=locked.status, reason=reason
            )


def hubs_compared(onboarding: Onboarding, *, actor: Any) -> tuple[Hubs, dict[int, str]]:
    """The hubs page's read: the hubs, after asking for the previews still missing (read again when some were
    asked: a preview may have come at once), and why each preview that failed did."""
    hubs = hubs_of(onboarding)
    if not any(hub.unread for hub in hubs.others):
        return hubs, {}
    unreadable = _preview_unknown(hubs, actor=actor)
    return hubs_of(onboarding), unreadable


def _preview_unknown(hubs: Hubs, *, actor: Any) -> dict[int, str]:
    """Ask Adobe (in the background) for the events of each raw hub not previewed yet, to compare its fields;
    why each preview that failed did (by dataflow id): such a hub is set up on its own pages."""
    unreadable = {}
    for hub in hubs.others:
        if hub.unread:
            problem = dataflow_preview_read(dataflow=hub.dataflow, actor=actor).problem
            if problem is not None:
                unreadable[hub.dataflow.pk] = problem.message
    return unreadable


def hub_retry(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Retry one hub's dataflow alone, from its failed step."""
    return df.dataflow_retry(dataflow=dataflow, actor=actor)
