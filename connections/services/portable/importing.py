"""The import: the file's dataflows created on an account already connected in the target sandbox, as one run.

Nothing is created until the file is valid and the target sandbox holds every schema and field the file needs.
Then each dataflow the account does not have yet (matched by name) becomes a dataflow of the account, recorded
as part of the run, and goes through Finish as one the wizard made: its objects are claimed, created by a
background task, audited, retried alone and adopted by their unique names after an unknown outcome. Importing the
same file again finds every dataflow by name and creates nothing; one whose creation failed is retried from the
failed step, as Retry would.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from connections import adobe
from connections.models import Dataflow, DataflowChange, Onboarding
from connections.services import dataflow as df
from connections.services.errors import OnboardingError
from connections.services.inputs import Source
from connections.services.readers import take_dataflow_slot

from .checks import Resolved, check_target, reads_account_source
from .document import FileProblems, differences


@dataclass(frozen=True)
class Planned:
    """A dataflow of the file the account does not have yet, and where it lands in the target sandbox."""

    flow: dict[str, Any]  # the file's entry, with the consumer group it will read with
    resolved: Resolved
    shares_account_source: bool

    def describe(self) -> str:
        flow, dataset = self.flow, self.flow["dataset"]
        source = "the account's source connection" if self.shares_account_source else "a source connection of its own"
        into = "the existing dataset" if self.resolved.dataset_id else "a new dataset"
        mapped = f", {len(flow['mapping'])} mapped fields" if flow.get("mapping") else ""
        return (
            f"Create “{flow['name']}”: the event hub {flow['event_hub']} read with {flow['consumer_group']} through "
            f"{source}, into {into} “{dataset['name']}” on the schema “{dataset['schema_title']}”{mapped}."
        )


@dataclass(frozen=True)
class ImportPlan:
    """What an import of a file would do in a sandbox, once the file and the sandbox passed every check."""

    account: Onboarding
    new: list[Planned]
    there: list[Dataflow]  # matched by name: left as they are, or retried if their creation failed
    differing: dict[str, list[str]] = field(default_factory=dict)  # by name: what of them the file says otherwise

    def describe(self) -> list[str]:
        return [planned.describe() for planned in self.new] + [self._kept(dataflow) for dataflow in self.there]

    def _kept(self, dataflow: Dataflow) -> str:
        if dataflow.status == Dataflow.Status.FAILED:
            kept = f"Retry “{dataflow.name}” from its failed step."
        else:
            kept = f"Leave “{dataflow.name}” as it is ({dataflow.get_status_display()})."
        if differing := self.differing.get(dataflow.name):
            return f"{kept} The file differs in: {', '.join(differing)} (an import never changes it)."
        return kept


@dataclass(frozen=True)
class ImportResult:
    """What one import did: its run's reference (in each new dataflow's history), and the dataflows by fate."""

    run: str
    created: list[Dataflow] = field(default_factory=list)
    resumed: list[Dataflow] = field(default_factory=list)  # there already, failed: retried from the failed step
    already_there: list[Dataflow] = field(default_factory=list)


def onboarding_import_plan(
    document: dict[str, Any],
    *,
    account: Onboarding,
    sandbox: str,
    actor: Any,
    consumer_groups: Mapping[str, str] | None = None,
    connecting: bool = False,
) -> ImportPlan:
    """What importing the document (read and checked by `read_document`) on `account` in `sandbox` would do;
    nothing is created. Raises FileProblems listing everything the sandbox lacks.

    `consumer_groups` replaces the file's consumer group per event hub (a hub read in the source sandbox keeps its
    consumer group there). `connecting`: the account was typed for this import and is connected by its run."""
    _require_account(account, sandbox, connecting=connecting)
    flows = [_with_group(flow, consumer_groups or {}) for flow in document["dataflows"]]
    present = set(account.dataflows.values_list("name", flat=True))
    new = [flow for flow in flows if flow["name"] not in present]
    resolved, problems = check_target(new, account=account, client=adobe.flow_client(onboarding=account, actor=actor))
    if problems:
        raise FileProblems(problems, heading=f"The sandbox {sandbox} lacks what the file needs; nothing was created")
    there = account.dataflows.filter(name__in=[flow["name"] for flow in flows]).order_by("created_at", "id")
    planned = [Planned(flow, resolved[flow["name"]], reads_account_source(flow, account)) for flow in new]
    by_name = {flow["name"]: flow for flow in flows}
    differing = {d.name: said for d in there if (said := differences(by_name[d.name], d))}
    return ImportPlan(account=account, new=planned, there=list(there), differing=differing)


def onboarding_import_document(
    document: dict[str, Any],
    *,
    account: Onboarding,
    sandbox: str,
    actor: Any,
    consumer_groups: Mapping[str, str] | None = None,
) -> ImportResult:
    """Plan the import (every check, nothing created: `onboarding_import_plan`), then create the new dataflows on
    the account as one run and retry those whose creation failed."""
    plan = onboarding_import_plan(
        document, account=account, sandbox=sandbox, actor=actor, consumer_groups=consumer_groups
    )
    result = ImportResult(run=uuid.uuid4().hex[:8])
    drafts = _drafts(plan.new, account=account, actor=actor, run=result.run)
    created = [df.dataflow_finish(dataflow=draft, actor=actor) for draft in drafts]
    failed = [d for d in plan.there if d.status == Dataflow.Status.FAILED]
    resumed = [df.dataflow_retry(dataflow=dataflow, actor=actor) for dataflow in failed]
    # Read again: an import running at the same time may have made one of the planned dataflows meanwhile.
    names = [flow["name"] for flow in document["dataflows"]]
    there = account.dataflows.filter(name__in=names).exclude(pk__in=[d.pk for d in created + resumed])
    return replace(result, created=created, resumed=resumed, already_there=list(there.order_by("created_at", "id")))


def _require_account(account: Onboarding, sandbox: str, *, connecting: bool = False) -> None:
    if account.sandbox_name != sandbox:
        raise OnboardingError.refused(
            f"The account {account.name} is connected in the sandbox {account.sandbox_name}, not {sandbox}: "
            f"choose an account connected in {sandbox}."
        )
    if not (account.is_done or connecting) or account.archived_at is not None:
        raise OnboardingError.refused(f"The account {account.name} is not connected (or is archived).")


def _with_group(flow: dict[str, Any], consumer_groups: Mapping[str, str]) -> dict[str, Any]:
    return flow | {"consumer_group": consumer_groups.get(flow["event_hub"], flow["consumer_group"])}


def _drafts(planned: list[Planned], *, account: Onboarding, actor: Any, run: str) -> list[Dataflow]:
    """Under the account's row lock (two imports at once make each dataflow once): the new dataflows, recorded."""
    with transaction.atomic():
        locked = Onboarding.objects.select_for_update().get(pk=account.pk)
        present = set(locked.dataflows.values_list("name", flat=True))
        drafts = [_draft(one, locked) for one in planned if one.flow["name"] not in present]
        for draft in drafts:
            if draft.own_source:  # the one-reader rule, as for a dataflow started in the wizard
                take_dataflow_slot(draft, actor=actor)
            reason = f"Imported from an onboarding file (import {run}) into the sandbox {locked.sandbox_name}"
            DataflowChange.objects.record(
                dataflow=draft, actor=actor, from_status="", to_status=draft.status, reason=reason
            )
    return drafts


def _draft(planned: Planned, account: Onboarding) -> Dataflow:
    flow, resolved, shared = planned.flow, planned.resolved, planned.shares_account_source
    dataset = flow["dataset"]
    return Dataflow.objects.create(
        onboarding=account,
        name=flow["name"],
        description=flow.get("description", ""),
        own_source=not shared,
        event_hub_name=flow["event_hub"],
        consumer_group=flow["consumer_group"],
        data_type=flow["data_type"],
        reset=flow["reset"],
        sample=flow.get("sample") or None,
        sample_origin="file",
        dataset_choice=Dataflow.DatasetChoice.EXISTING if resolved.dataset_id else Dataflow.DatasetChoice.NEW,
        dataset_id=resolved.dataset_id,
        dataset_name="" if resolved.dataset_id else dataset["name"],
        schema_id=resolved.schema_id,
        schema_title=dataset["schema_title"],
        profile_enabled=bool(dataset.get("profile_enabled")) and not resolved.dataset_id,
        mappings=flow.get("mapping") or None,
        source_connection_id=account.source_connection_id if shared else "",
        source_connection_etag=account.source_connection_etag if shared else "",
    )


def account_source(document: dict[str, Any], consumer_groups: Mapping[str, str] | None = None) -> Source:
    """What a new account typed for an import reads with its own source connection: the file's first dataflow's
    hub and consumer group, as the wizard's Source step reads the first hub (that dataflow then shares it)."""
    flow = _with_group(document["dataflows"][0], consumer_groups or {})
    return Source(flow["event_hub"], flow["data_type"], flow["reset"], flow["consumer_group"])
