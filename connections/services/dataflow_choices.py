"""What the user chooses before Finish (select data, dataset, mapping, detail) and what they see after (activity).

Each function reads or checks with Adobe for the page and stores the choice on the dataflow; nothing here
creates anything in Adobe (that is Finish, in dataflow.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from connections.flowservice import FlowAction, FlowServiceError
from connections.messages import Problem
from connections.models import Dataflow, Onboarding

from .dataflow import client_for, failed, mapping_input
from .dataflow_fields import SampleField, SchemaField, parse_sample, sample_fields, schema_fields, suggest
from .errors import OnboardingError


@dataclass(frozen=True)
class DataflowSource:
    """Another event hub or consumer group of an account already connected ("Existing account")."""

    event_hub_name: str
    consumer_group: str
    data_type: str
    reset: str


def _editable(dataflow: Dataflow) -> Dataflow:
    locked = Dataflow.objects.select_related("onboarding").select_for_update(of=("self",)).get(pk=dataflow.pk)
    if not locked.editable:
        raise OnboardingError.refused("This dataflow is already being created; its choices can no longer change.")
    return locked


def consumer_group_taken(onboarding: Onboarding, *, event_hub_name: str, consumer_group: str) -> bool:
    """Whether an onboarding or a dataflow of this namespace already reads the hub with this consumer group."""
    holders = Onboarding.objects.holding_consumer_group(
        namespace=onboarding.namespace, event_hub_name=event_hub_name, consumer_group=consumer_group
    )
    flows = Dataflow.objects.holding_consumer_group(
        namespace=onboarding.namespace,
        event_hub_name=event_hub_name,
        consumer_group=consumer_group,
    )
    return holders.exists() or flows.exists()


def dataflow_start(*, onboarding: Onboarding, actor: Any, source: DataflowSource | None = None) -> Dataflow:
    """A new dataflow (a draft): on the onboarding's own source connection, or on another hub or consumer group
    of the same account (the base connection is reused; no credential is typed again)."""
    if not onboarding.is_done:
        raise OnboardingError.refused("Connect the account and create the source connection first.")
    if source is None:
        return Dataflow.objects.create(
            onboarding=onboarding,
            name=f"{onboarding.name} dataflow",
            event_hub_name=onboarding.event_hub_name,
            consumer_group=onboarding.consumer_group,
            data_type=onboarding.data_type,
            reset=onboarding.reset,
            source_connection_id=onboarding.source_connection_id,
            source_connection_etag=onboarding.source_connection_etag,
        )
    if consumer_group_taken(onboarding, event_hub_name=source.event_hub_name, consumer_group=source.consumer_group):
        raise OnboardingError.refused(
            f"The consumer group {source.consumer_group} already feeds a dataflow of the event hub "
            f"{source.event_hub_name}, and a consumer group serves one flow at a time. Choose another consumer "
            "group (create one in the Azure portal under the event hub's Consumer groups).",
            field="consumer_group",
        )
    return Dataflow.objects.create(
        onboarding=onboarding,
        name=f"{onboarding.name} {source.event_hub_name} dataflow",
        own_source=True,
        event_hub_name=source.event_hub_name,
        consumer_group=source.consumer_group,
        data_type=source.data_type,
        reset=source.reset,
    )


# Select data


def dataflow_preview(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Read the event hub's newest events (up to 100) and keep them as the sample."""
    onboarding = dataflow.onboarding
    try:
        events = client_for(dataflow, actor).preview_event_hub(onboarding.base_connection_id, dataflow.event_hub_name)
    except FlowServiceError as error:
        raise failed(error, doing="previewing the event hub", dataflow=dataflow) from None
    if not events:
        raise OnboardingError.refused(
            f"The event hub {dataflow.event_hub_name} has no JSON events to preview yet. Paste or upload a sample."
        )
    return _store_sample(dataflow, events, origin="preview")


def dataflow_use_sample(*, dataflow: Dataflow, text: str) -> Dataflow:
    """Keep pasted or uploaded events as the sample (when Adobe cannot preview the hub)."""
    try:
        events = parse_sample(text)
    except ValueError as exc:
        raise OnboardingError.refused(str(exc), field="sample") from None
    return _store_sample(dataflow, events, origin="pasted")


def _store_sample(dataflow: Dataflow, events: list[dict[str, Any]], *, origin: str) -> Dataflow:
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.sample, locked.sample_origin = events, origin
        locked.save(update_fields=["sample", "sample_origin", "updated_at"])
    return locked


def fields_of(dataflow: Dataflow) -> list[SampleField]:
    return sample_fields(dataflow.sample or [])


# Dataset


@dataclass(frozen=True)
class Catalogue:
    """The sandbox's datasets (with their schema's title) and schemas, for the Dataset step."""

    datasets: list[dict[str, str]] = field(default_factory=list)
    schemas: list[dict[str, str]] = field(default_factory=list)


def dataflow_catalogue(*, dataflow: Dataflow, actor: Any) -> Catalogue:
    client = client_for(dataflow, actor)
    try:
        schemas = [{"id": str(s["$id"]), "title": str(s.get("title", s["$id"]))} for s in client.list_tenant_schemas()]
        found = client.list_datasets(properties=("name", "schemaRef"))
    except FlowServiceError as error:
        raise failed(error, doing="listing the datasets and schemas", dataflow=dataflow) from None
    titles = {s["id"]: s["title"] for s in schemas}
    datasets = []
    for dataset_id, dataset in found.items():
        schema_id = str((dataset.get("schemaRef") or {}).get("id", ""))
        title = titles.get(schema_id, schema_id)
        datasets.append({"id": dataset_id, "name": str(dataset.get("name", dataset_id)), "schema": title})
    return Catalogue(sorted(datasets, key=lambda d: d["name"].lower()), sorted(schemas, key=lambda s: s["title"]))


@dataclass(frozen=True)
class DatasetChoice:
    existing_id: str = ""
    new_name: str = ""
    schema_id: str = ""
    profile_enabled: bool = False


def dataflow_choose_dataset(*, dataflow: Dataflow, actor: Any, choice: DatasetChoice) -> Dataflow:
    """An existing dataset (its schema read from Catalog) or a new one on an existing schema (not yet created)."""
    client = client_for(dataflow, actor)
    try:
        if choice.existing_id:
            dataset = client.get_dataset(choice.existing_id)
            schema_id = str((dataset.get("schemaRef") or {}).get("id", ""))
        else:
            if client.find_dataset(choice.new_name):
                raise OnboardingError.refused(
                    f"A dataset named {choice.new_name} exists already: choose it under “An existing dataset”, "
                    "or give the new one another name.",
                    field="dataset_name",
                )
            schema_id = choice.schema_id
        schema = client.get_schema(schema_id)
    except FlowServiceError as error:
        raise failed(error, doing="reading the dataset's schema", dataflow=dataflow) from None
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.dataset_choice = Dataflow.DatasetChoice.EXISTING if choice.existing_id else Dataflow.DatasetChoice.NEW
        locked.dataset_id = choice.existing_id
        locked.dataset_name = "" if choice.existing_id else choice.new_name
        locked.profile_enabled = choice.profile_enabled and not choice.existing_id
        if locked.schema_id != schema_id or not locked.mappings:
            targets = schema_fields(schema)
            locked.mappings = [m for m in suggest(fields_of(locked), targets) if m["destination"]]
        locked.schema_id, locked.schema_title = schema_id, str(schema.get("title", schema_id))
        locked.save()
    return locked


def dataflow_schema_fields(*, dataflow: Dataflow, actor: Any) -> list[SchemaField]:
    try:
        return schema_fields(client_for(dataflow, actor).get_schema(dataflow.schema_id))
    except FlowServiceError as error:
        raise failed(error, doing="reading the schema", dataflow=dataflow) from None


# Mapping


class MappingProblems(OnboardingError):
    """Data Prep refused some rows: `rows` maps a row's index to what it said."""

    def __init__(self, rows: dict[int, str]) -> None:
        count = f"{len(rows)} row{'s' if len(rows) > 1 else ''}"
        message = f"Data Prep refused {count} of the mapping: each problem is shown on its row. Nothing was created."
        super().__init__(Problem(title="The mapping needs a change", message=message, retryable=False))
        self.rows = rows


def dataflow_save_mapping(*, dataflow: Dataflow, actor: Any, rows: list[dict[str, str]]) -> Dataflow:
    """Validate the mapping through Data Prep (nothing is created), then keep it; every problem on its row."""
    rows = [r for r in rows if r["source"] and r["destination"]]
    if not rows:
        raise OnboardingError.refused("Map at least one field of your events to a field of the schema.")
    draft = Dataflow(schema_id=dataflow.schema_id, mappings=rows, name=dataflow.name)
    try:
        answer = client_for(dataflow, actor).validate_mappings(mapping_input(draft, named=False))
    except FlowServiceError as error:
        raise failed(error, doing="checking the mapping with Data Prep", dataflow=dataflow) from None
    problems = _row_problems(answer, len(rows))
    if problems:
        raise MappingProblems(problems)
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.mappings = rows
        locked.save(update_fields=["mappings", "updated_at"])
    return locked


def _row_problems(answer: dict[str, Any], count: int) -> dict[int, str]:
    """Data Prep's verdict per row (`validationResponse`, in the order sent).

    Adobe's documents are silent: on the messages of a failed row (only `TransformErrorInfo.exception`
    is documented); its `exception` text is shown as Data Prep wrote it.
    """
    verdicts = answer.get("validationResponse")
    if not isinstance(verdicts, list):
        return {}
    problems = {}
    for index, verdict in enumerate(verdicts[:count]):
        if isinstance(verdict, dict) and verdict.get("status") == "FAILED":
            errors = verdict.get("errors") or [{}]
            said = "; ".join(str(e.get("exception") or "refused") for e in errors if isinstance(e, dict))
            problems[index] = f"Data Prep: {said}"
    return problems


# Detail


def dataflow_save_detail(*, dataflow: Dataflow, name: str, description: str) -> Dataflow:
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.name, locked.description = name, description
        locked.save(update_fields=["name", "description", "updated_at"])
    return locked


# Watching it arrive


@dataclass(frozen=True)
class Activity:
    """What Adobe reports of a dataflow: its state and its records (all runs), with the latest failures."""

    state: str
    received: int = 0
    ingested: int = 0
    failed: int = 0
    runs: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def dataflow_activity(*, dataflow: Dataflow, actor: Any) -> Activity:
    """The dataflow's state and its runs' record counts (Records received, ingested and failed, as Adobe's
    Dataflow activity page shows them: inputRecordCount, outputRecordCount, failedRecordCount)."""
    client = client_for(dataflow, actor)
    try:
        flow = client.get_flow(dataflow.flow_id)
        runs = client.list_runs(dataflow.flow_id)
    except FlowServiceError as error:
        raise failed(error, doing="reading the dataflow's activity", dataflow=dataflow) from None
    totals = [((r.get("metrics") or {}).get("recordSummary") or {}) for r in runs]
    latest_errors: list[Any] = next(
        (e for r in runs if (e := ((r.get("metrics") or {}).get("statusSummary") or {}).get("errors"))), []
    )
    return Activity(
        state=str(flow.get("state", "")),
        received=sum(int(t.get("inputRecordCount", 0)) for t in totals),
        ingested=sum(int(t.get("outputRecordCount", 0)) for t in totals),
        failed=sum(int(t.get("failedRecordCount", 0)) for t in totals),
        runs=len(runs),
        errors=[e for e in latest_errors if isinstance(e, dict)][:5],
    )


def dataflow_set_paused(*, dataflow: Dataflow, actor: Any, paused: bool) -> Dataflow:
    """Pause (disable) or resume (enable) the dataflow in Adobe; the stored state follows Adobe's."""
    if not dataflow.is_created:
        raise OnboardingError.refused("The dataflow does not exist in Adobe yet.")
    client = client_for(dataflow, actor)
    try:
        client.set_flow_state(dataflow.flow_id, FlowAction.DISABLE if paused else FlowAction.ENABLE)
        state = str(client.get_flow(dataflow.flow_id).get("state", ""))
    except FlowServiceError as error:
        raise failed(
            error, doing="pausing the dataflow" if paused else "resuming the dataflow", dataflow=dataflow
        ) from None
    with transaction.atomic():
        locked = Dataflow.objects.select_for_update().get(pk=dataflow.pk)
        locked.flow_state = state
        locked.save(update_fields=["flow_state", "updated_at"])
    return Dataflow.objects.select_related("onboarding").get(pk=dataflow.pk)
