"""What the user chooses before Finish (select data, dataset, mapping, detail) and what they see after (activity).

Each function reads or checks with Adobe for the page and stores the choice on the dataflow; nothing here
creates anything in Adobe (that is Finish, in dataflow.py).

No page waits on Adobe: each call a page needs is a remote action (services/actions.py) whose task is declared
next to its function below, run in the background while the page shows progress. A read's answer is kept in the
action's `result` and reused while it is fresh (`FRESH_FOR`, the app's choice: Adobe sets no freshness), so
opening or polling a page asks the database, not Adobe (`dataflow_read`).
"""

from __future__ import annotations

import datetime
import enum
import functools
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from connections.diagnoses import AZURE_RELAY_CODE, diagnose_refusal
from connections.flowservice import (
    FlowAction,
    FlowServiceError,
    is_system_dataset,
    mapping_refusals,
    newest_reasons,
    newest_run,
    run_records,
    run_started_ms,
    run_status,
)
from connections.messages import Problem
from connections.models import ActionResult, Dataflow, Onboarding, RemoteAction
from connections.safe_input import json_problem
from connections.signals import dataflow_runs_read

from . import actions
from .caps import take_ask
from .dataflow import client_for, failed, mapping_input
from .dataflow_fields import (
    SampleField,
    SchemaField,
    completed,
    is_generated,
    parse_sample,
    sample_fields,
    schema_fields,
    suggest,
    unmapped_required,
)
from .errors import OnboardingError
from .readers import source_read_by, take_dataflow_slot
from .transitions import lock_row

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient

State = RemoteAction.State


# The reads a page waits on, as remote actions whose answers are reused while fresh

Kind = RemoteAction.Kind
PREVIEW, CATALOGUE, CHOOSE_DATASET, SCHEMA = Kind.PREVIEW, Kind.CATALOGUE, Kind.CHOOSE_DATASET, Kind.SCHEMA
DATASET_SEARCH = Kind.DATASET_SEARCH
MAPPING, ACTIVITY, PAUSE, RESUME = Kind.MAPPING, Kind.ACTIVITY, Kind.PAUSE, Kind.RESUME
# How long an answer is reused before a page asks Adobe again: the app's choices, not Adobe's (it sets none).
# A failed read is shown, not asked again, as long (Retry asks at once). The preview itself is kept on the
# dataflow as its sample; a schema changes rarely; the activity is what a user watches (Adobe counts records in
# runs of minutes), so 30 s, however often the page polls the database.
FRESH_FOR = {
    PREVIEW: datetime.timedelta(seconds=60),
    CATALOGUE: datetime.timedelta(seconds=60),
    DATASET_SEARCH: datetime.timedelta(seconds=60),
    SCHEMA: datetime.timedelta(minutes=10),
    ACTIVITY: datetime.timedelta(seconds=30),
}
# Choosing a dataset reads its schema: that answer serves the mapping page too.
ANSWERED_BY = {SCHEMA: (SCHEMA, CHOOSE_DATASET)}


class Ask(enum.Enum):
    IF_STALE = "if stale"  # a page opened: ask Adobe unless a fresh answer (or a read under way) is there
    AGAIN = "again"  # the user asked (Retry, Preview again, Ask Adobe now)
    NEVER = "never"  # only what is held (search as you type, a form's POST)


@dataclass(frozen=True)
class Read:
    """A page's read: the fresh (or running, or just started) action, and the newest answer held, maybe older."""

    action: RemoteAction | None
    held: dict[str, Any] | None
    held_asked_at: datetime.datetime | None = None

    @property
    def pending(self) -> bool:
        return bool(self.action and self.action.pending)

    @property
    def problem(self) -> Problem | None:
        return actions.problem_of(self.action) if self.action else None

    @property
    def doing(self) -> str:
        return actions.doing(self.action) if self.action else ""


def _about(kind: RemoteAction.Kind, dataflow: Dataflow) -> str:
    """What an answer is about: the fields of one schema, the activity of one flow; the others of the dataflow."""
    return {SCHEMA: dataflow.schema_id, ACTIVITY: dataflow.flow_id}.get(kind, "")


def dataflow_read(
    kind: RemoteAction.Kind, *, dataflow: Dataflow, actor: Any, ask: Ask = Ask.IF_STALE, search: str = ""
) -> Read:
    """What the page shows for `kind`: a fresh answer is reused; otherwise a background task asks Adobe.
    `search` is what a search asks (its answer is about that text)."""
    about, answered_by = search or _about(kind, dataflow), ANSWERED_BY.get(kind, (kind,))
    mine = RemoteAction.objects.of(dataflow.onboarding, dataflow).order_by("-created_at", "-pk")
    held = mine.filter(kind__in=answered_by, state=State.DONE, result__about=about).first()
    fresh = mine.filter(kind=kind).first()  # running, or failed lately: shown as it is, not asked again
    if fresh is None or not (fresh.pending or (fresh.failed and _fresh(kind, fresh, dataflow))):
        fresh = held if held is not None and _fresh(kind, held, dataflow) else None
    if ask is Ask.AGAIN and held is not None and not (fresh is not None and fresh.pending) and not take_ask(actor):
        ask = Ask.NEVER  # asked too often (services/caps.py): the last answer stands, no call, no history row
    if ask is Ask.AGAIN or (ask is Ask.IF_STALE and fresh is None):
        fresh = actions.start(
            kind,
            _READ_TASKS[kind],
            onboarding=dataflow.onboarding,
            dataflow=dataflow,
            actor=actor,
            payload={"search": search} if search else None,
            on_demand=False,
        )
    return Read(fresh, held.outcome.answer, held.created_at) if held else Read(fresh, None)


def _fresh(kind: RemoteAction.Kind, answer: RemoteAction, dataflow: Dataflow) -> bool:
    """Answered within FRESH_FOR; for the activity, also asked since the dataflow last changed (paused, resumed)."""
    if kind == ACTIVITY and answer.created_at < dataflow.updated_at:
        return False
    return answer.finished_at is not None and answer.finished_at >= timezone.now() - FRESH_FOR[kind]


def _dataflow(run: actions.ActionRun) -> Dataflow:
    return Dataflow.objects.select_related("onboarding").get(pk=run.action.dataflow_id or 0)


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


def default_dataflow_name(account_name: str, event_hub_name: str) -> str:
    """The account's name, the hub's unless the account's name already says it, then "dataflow": never
    "Web shop orders orders dataflow"."""
    hub = "" if event_hub_name.casefold() in account_name.casefold().split() else f" {event_hub_name}"
    return f"{account_name}{hub} dataflow"


def _on_the_onboardings_source(onboarding: Onboarding) -> Dataflow:
    """The dataflow on the onboarding's own source connection: the one being set up (a double click or a stale
    tab lands on it), a refusal when one already reads it, or a new draft."""
    with transaction.atomic():
        lock_row(onboarding.pk)  # a double click waits here, then finds the draft the first click made
        on_it = onboarding.dataflows.filter(own_source=False)
        reading = onboarding.dataflow_on_source()
        if reading is not None:
            raise source_read_by(reading, consumer_group=reading.consumer_group)
        draft = on_it.filter(status=Dataflow.Status.DRAFT).first()
        return draft or Dataflow.objects.create(
            onboarding=onboarding,
            name=default_dataflow_name(onboarding.name, onboarding.event_hub_name),
            event_hub_name=onboarding.event_hub_name,
            consumer_group=onboarding.consumer_group,
            data_type=onboarding.data_type,
            reset=onboarding.reset,
            source_connection_id=onboarding.source_connection_id,
            source_connection_etag=onboarding.source_connection_etag,
        )


def dataflow_start(*, onboarding: Onboarding, actor: Any, source: DataflowSource | None = None) -> Dataflow:
    """A new dataflow (a draft): on the onboarding's own source connection, or on another hub or consumer group
    of the same account (the base connection is reused; no credential is typed again)."""
    if not onboarding.is_done:
        raise OnboardingError.refused("Connect the account and create the source connection first.")
    if source is None:
        return _on_the_onboardings_source(onboarding)
    with transaction.atomic():  # the draft holds its consumer group from the start: the loser of a race is told
        dataflow = Dataflow.objects.create(
            onboarding=onboarding,
            name=default_dataflow_name(onboarding.name, source.event_hub_name),
            own_source=True,
            event_hub_name=source.event_hub_name,
            consumer_group=source.consumer_group,
            data_type=source.data_type,
            reset=source.reset,
        )
        take_dataflow_slot(dataflow, actor=actor)
    return dataflow


# Select data


def dataflow_preview(*, dataflow: Dataflow, actor: Any) -> Dataflow:
    """Read the event hub's newest events (up to 100) and keep them as the sample."""
    onboarding = dataflow.onboarding
    try:
        events = client_for(dataflow, actor).preview_event_hub(onboarding.base_connection_id, dataflow.event_hub_name)
    except FlowServiceError as error:
        raise _missing_in_azure(error, dataflow) or failed(
            error, doing="previewing the event hub", dataflow=dataflow
        ) from None
    if not events:
        raise OnboardingError.refused(
            f"The event hub {dataflow.event_hub_name} has no JSON events to preview yet. Paste or upload a sample."
        )
    return _store_sample(dataflow, events, origin="preview")


def _missing_in_azure(error: FlowServiceError, dataflow: Dataflow) -> OnboardingError | None:
    """The preview's refusal when Azure says the event hub (or consumer group) does not exist: no sample helps,
    since no dataflow can read it; the name must be corrected. None for any other refusal."""
    if error.code != AZURE_RELAY_CODE:
        return None
    diagnosis = diagnose_refusal(error.message, hub_field="event_hub_name")
    if diagnosis.key not in ("event_hub_unknown", "consumer_group_unknown"):
        return None
    hub, namespace = dataflow.event_hub_name, dataflow.onboarding.namespace
    what = (
        f"the event hub {hub} has no consumer group {dataflow.consumer_group}"
        if diagnosis.key == "consumer_group_unknown"
        else f"the namespace {namespace} has no event hub named {hub}"
    )
    problem = Problem(
        title="The event hub does not exist" if diagnosis.key == "event_hub_unknown" else "No such consumer group",
        message=f"Azure says {what}, so Adobe cannot preview it and no dataflow could read from it: a sample "
        f"would not help. {diagnosis.action} (Azure said: {diagnosis.details})",
        code=error.code,
        request_id=error.request_id or None,
        retryable=False,
    )
    return OnboardingError(problem, field=diagnosis.field)


@task
def preview_task(action_id: str) -> str:
    return actions.run(action_id, _preview_in_background)


def _preview_in_background(run: actions.ActionRun) -> ActionResult:
    dataflow_preview(dataflow=_dataflow(run), actor=run.actor)
    return ActionResult(answer={"about": ""})  # the events are kept on the dataflow as its sample


def dataflow_preview_read(*, dataflow: Dataflow, actor: Any) -> Read:
    """The Select data page's preview: asked while the dataflow has no sample; once it has one, only a preview
    asked since (Preview again) is shown, running or failed."""
    if not dataflow.sample:
        return dataflow_read(PREVIEW, dataflow=dataflow, actor=actor)
    read = dataflow_read(PREVIEW, dataflow=dataflow, actor=actor, ask=Ask.NEVER)
    return read if read.action and read.action.created_at >= dataflow.updated_at else Read(None, None)


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


def stored_sample_problem(dataflow: Dataflow) -> str:
    """Why the sample kept earlier (before samples were checked) cannot be walked or shown; "" when it can."""
    return json_problem(dataflow.sample or [])


def fields_of(dataflow: Dataflow) -> list[SampleField]:
    return [] if stored_sample_problem(dataflow) else sample_fields(dataflow.sample or [])


# Dataset


@dataclass(frozen=True)
class Catalogue:
    """The sandbox's datasets (with their schema's title) and schemas, for the Dataset step."""

    datasets: list[dict[str, str]] = field(default_factory=list)
    schemas: list[dict[str, str]] = field(default_factory=list)


# How many datasets the Dataset step lists (Catalog pages them by name; the app's choice, Adobe sets no bound).
CATALOGUE_DATASETS = 500


def dataflow_catalogue(*, dataflow: Dataflow, actor: Any) -> Catalogue:
    """The sandbox's datasets and schemas, as Catalog and the Schema Registry list them now; the datasets Adobe's
    own processes made (system datasets) are left out, as Adobe's Datasets workspace hides them by default."""
    client = client_for(dataflow, actor)
    try:
        schemas = [{"id": str(s["$id"]), "title": str(s.get("title", s["$id"]))} for s in client.list_tenant_schemas()]
        found = client.datasets(properties=("name", "schemaRef", "tags"), most=CATALOGUE_DATASETS)
    except FlowServiceError as error:
        raise failed(error, doing="listing the datasets and schemas", dataflow=dataflow) from None
    titles = {s["id"]: s["title"] for s in schemas}
    datasets = []
    for dataset_id, dataset in found.items():
        if is_system_dataset(dataset):
            continue
        schema_id = str((dataset.get("schemaRef") or {}).get("id", ""))
        title = titles.get(schema_id, schema_id)
        datasets.append({"id": dataset_id, "name": str(dataset.get("name", dataset_id)), "schema": title})
    return Catalogue(sorted(datasets, key=lambda d: d["name"].lower()), sorted(schemas, key=lambda s: s["title"]))


@task
def catalogue_task(action_id: str) -> str:
    return actions.run(action_id, _catalogue_in_background)


def _catalogue_in_background(run: actions.ActionRun) -> ActionResult:
    return ActionResult(answer={"about": "", **asdict(dataflow_catalogue(dataflow=_dataflow(run), actor=run.actor))})


# How many datasets a search shows: Catalog's first page of names containing the text (the app's choice).
SEARCH_RESULTS = 50


def dataflow_search_datasets(*, dataflow: Dataflow, actor: Any, search: str) -> list[dict[str, str]]:
    """The datasets whose name contains `search`, as Catalog finds them (`name=*search*`, a page of
    SEARCH_RESULTS by name), system datasets left out; each with its schema's id."""
    client = client_for(dataflow, actor)
    try:
        found = client.list_datasets(properties=("name", "schemaRef", "tags"), search=search, limit=SEARCH_RESULTS)
    except FlowServiceError as error:
        raise failed(error, doing="searching the datasets", dataflow=dataflow) from None
    return [
        {
            "id": dataset_id,
            "name": str(d.get("name", dataset_id)),
            "schema_id": str((d.get("schemaRef") or {}).get("id", "")),
        }
        for dataset_id, d in found.items()
        if not is_system_dataset(d)
        and search.lower() in str(d.get("name", "")).lower()  # a text the filter cannot carry
    ]


@task
def dataset_search_task(action_id: str) -> str:
    return actions.run(action_id, _search_in_background)


def _search_in_background(run: actions.ActionRun) -> ActionResult:
    search = str(run.payload.get("search", ""))
    found = dataflow_search_datasets(dataflow=_dataflow(run), actor=run.actor, search=search)
    return ActionResult(answer={"about": search, "datasets": found})


def found_datasets(read: Read, catalogue: Catalogue) -> list[dict[str, str]] | None:
    """A search's datasets as the Dataset step lists them (their schema's title from the catalogue); None
    until Catalog has answered."""
    if not read.held:
        return None
    titles = {s["id"]: s["title"] for s in catalogue.schemas}
    return [{**d, "schema": titles.get(d["schema_id"], d["schema_id"])} for d in read.held["datasets"]]


def searched_datasets(dataflow: Dataflow) -> list[dict[str, str]]:
    """Every dataset the dataflow's recent searches found: a choice among them is one the page offered."""
    answers = RemoteAction.objects.of(dataflow.onboarding, dataflow).filter(kind=DATASET_SEARCH, state=State.DONE)
    recent = answers.order_by("-created_at", "-pk")[:20]
    return [d for action in recent for d in (action.outcome.answer or {}).get("datasets", [])]


def catalogue_of(read: Read) -> Catalogue | None:
    """The catalogue held for the page (searching filters it here, without asking Adobe again)."""
    return Catalogue(read.held["datasets"], read.held["schemas"]) if read.held else None


@dataclass(frozen=True)
class DatasetChoice:
    existing_id: str = ""
    new_name: str = ""
    schema_id: str = ""
    profile_enabled: bool = False


def dataflow_choose_dataset(*, dataflow: Dataflow, actor: Any, choice: DatasetChoice) -> Dataflow:
    """An existing dataset (its schema read from Catalog) or a new one on an existing schema (not yet created)."""
    return _choose(dataflow, actor, choice)[0]


def _schema_of(client: FlowServiceClient, choice: DatasetChoice) -> tuple[str, str, dict[str, Any]]:
    """The chosen dataset's name (as Catalog has it, for an existing one), its schema's id and the schema."""
    name = choice.new_name
    if choice.existing_id:
        dataset = client.get_dataset(choice.existing_id)
        schema_id = str((dataset.get("schemaRef") or {}).get("id", ""))
        name = str(dataset.get("name") or "")
    elif client.find_dataset(choice.new_name):
        raise _name_taken(choice.new_name)
    else:
        schema_id = choice.schema_id
    return name, schema_id, client.get_schema(schema_id)


def _name_taken(name: str) -> OnboardingError:
    return OnboardingError.refused(
        f"A dataset named {name} exists already: choose it under “An existing dataset”, or give the new one "
        "another name.",
        field="dataset_name",
    )


def _choose(dataflow: Dataflow, actor: Any, choice: DatasetChoice) -> tuple[Dataflow, list[SchemaField]]:
    """The choice kept on the dataflow (the mapping suggested anew for another schema), and the schema's fields."""
    try:
        dataset_name, schema_id, schema = _schema_of(client_for(dataflow, actor), choice)
    except FlowServiceError as error:
        raise failed(error, doing="reading the dataset's schema", dataflow=dataflow) from None
    targets = schema_fields(schema)
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.dataset_choice = Dataflow.DatasetChoice.EXISTING if choice.existing_id else Dataflow.DatasetChoice.NEW
        locked.dataset_id = choice.existing_id
        locked.dataset_name = dataset_name  # an existing one's too, so that every page can name it
        locked.profile_enabled = choice.profile_enabled and not choice.existing_id
        if locked.schema_id != schema_id or not locked.mappings:
            locked.mappings = _starting_mapping(locked, schema_id, targets)
        locked.schema_id, locked.schema_title = schema_id, str(schema.get("title", schema_id))
        locked.save()
    return locked, targets


def earlier_on_the_schema(dataflow: Dataflow, schema_id: str) -> Dataflow | None:
    """The newest other dataflow of the same onboarding, or of the same account, mapped onto `schema_id`."""
    onboarding = dataflow.onboarding
    same = Q(onboarding=onboarding)
    if onboarding.base_connection_id:
        same |= Q(onboarding__base_connection_id=onboarding.base_connection_id)
    found = Dataflow.objects.filter(same, schema_id=schema_id).exclude(pk=dataflow.pk).exclude(mappings__isnull=True)
    return found.order_by("-updated_at", "-pk").first()


def mapping_started_from(dataflow: Dataflow) -> Dataflow | None:
    """The earlier dataflow on the same schema whose mapping this one's started from (each of its rows is one of
    that mapping's), for the Mapping step to say so; None otherwise."""
    earlier = earlier_on_the_schema(dataflow, dataflow.schema_id)
    mine = {(r["source"], r["destination"]) for r in dataflow.mappings or []}
    if earlier is None or not mine:
        return None
    theirs = {(r.get("source"), r.get("destination")) for r in earlier.mappings or []}
    return earlier if mine <= theirs else None


def _starting_mapping(dataflow: Dataflow, schema_id: str, targets: list[SchemaField]) -> list[dict[str, str]]:
    """An earlier dataflow's mapping onto the same schema (the rows whose field these events have), else the
    rows suggested by name and type."""
    fields = fields_of(dataflow)
    earlier = earlier_on_the_schema(dataflow, schema_id)
    if earlier is not None:
        found = {f.path for f in fields}
        rows = [
            dict(r)
            for r in earlier.mappings or []
            if r.get("destination") and (r.get("source") in found or is_generated(r) or not found)
        ]
        if rows:
            return rows
    return [m for m in suggest(fields, targets) if m["destination"]]


@task
def choose_task(action_id: str) -> str:
    return actions.run(action_id, _choose_in_background)


def _choose_in_background(run: actions.ActionRun) -> ActionResult:
    run.keep["typed"] = dict(run.payload)  # the Dataset page shows the choice again beside a refusal
    dataflow, targets = _choose(_dataflow(run), run.actor, DatasetChoice(**run.payload))
    return ActionResult(answer={"about": dataflow.schema_id, "fields": [asdict(t) for t in targets]})


def dataflow_start_choosing(*, dataflow: Dataflow, actor: Any, choice: DatasetChoice, held: Catalogue) -> RemoteAction:
    """The Dataset step's Next: a name the catalogue already holds is refused here, next to its field; the
    dataset's schema is read by a background task."""
    if choice.new_name and any(d["name"] == choice.new_name for d in held.datasets):
        raise _name_taken(choice.new_name)
    if not dataflow.editable:
        raise OnboardingError.refused("This dataflow is already being created; its choices can no longer change.")
    return actions.start(
        CHOOSE_DATASET,
        choose_task,
        onboarding=dataflow.onboarding,
        dataflow=dataflow,
        actor=actor,
        payload=asdict(choice),
    )


def dataflow_schema_fields(*, dataflow: Dataflow, actor: Any) -> list[SchemaField]:
    try:
        return schema_fields(client_for(dataflow, actor).get_schema(dataflow.schema_id))
    except FlowServiceError as error:
        raise failed(error, doing="reading the schema", dataflow=dataflow) from None


@task
def schema_fields_task(action_id: str) -> str:
    return actions.run(action_id, _schema_fields_in_background)


def _schema_fields_in_background(run: actions.ActionRun) -> ActionResult:
    dataflow = _dataflow(run)
    fields = dataflow_schema_fields(dataflow=dataflow, actor=run.actor)
    return ActionResult(answer={"about": dataflow.schema_id, "fields": [asdict(f) for f in fields]})


def schema_fields_of(read: Read) -> list[SchemaField]:
    return [SchemaField(**f) for f in read.held["fields"]] if read.held else []


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
    problems = mapping_row_problems(answer, len(rows))
    if problems:
        raise MappingProblems(problems)
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.mappings = rows
        locked.save(update_fields=["mappings", "updated_at"])
    return locked


def mapping_rows(
    dataflow: Dataflow, rows: list[dict[str, str]], targets: list[SchemaField], *, unmatched: bool
) -> list[dict[str, str]]:
    """The rows the Mapping page shows (see `completed`): the fields of this dataflow's events."""
    return completed(rows, fields_of(dataflow), targets, unmatched=unmatched)


def left_out(dataflow: Dataflow) -> list[str]:
    """The fields of the events that the dataflow's mapping does not read (they never reach Adobe)."""
    read = {r.get("source") for r in dataflow.mappings or []}
    return [f.path for f in fields_of(dataflow) if f.path not in read] if dataflow.is_raw else []


def _usable(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if r["source"] and r["destination"]]


@task
def check_mapping_task(action_id: str) -> str:
    return actions.run(action_id, _check_mapping_in_background)


def _check_mapping_in_background(run: actions.ActionRun) -> ActionResult:
    """The rows sent are kept with a refusal, and Data Prep's word on each refused row, for the page to show."""
    run.keep["rows"] = _usable(run.payload["rows"])
    try:
        dataflow_save_mapping(dataflow=_dataflow(run), actor=run.actor, rows=run.payload["rows"])
    except MappingProblems as error:
        run.keep["row_errors"] = {str(index): said for index, said in error.rows.items()}
        raise
    return ActionResult()


class RequiredUnmapped(OnboardingError):
    """Required schema fields no row fills: `rows` maps each such row's index to what to do."""

    def __init__(self, rows: dict[int, str]) -> None:
        count = f"{len(rows)} field{'s' if len(rows) > 1 else ''}"
        message = (
            f"The schema requires {count} that the mapping leaves empty. Adobe refuses every record without them "
            "(they go to the dataset's failed records, not into the dataset). Choose a field of your events on "
            "each row shown. Nothing was created."
        )
        super().__init__(Problem(title="Required fields are not mapped", message=message, retryable=False))
        self.rows = rows


def dataflow_start_mapping_check(*, dataflow: Dataflow, actor: Any, rows: list[dict[str, str]]) -> RemoteAction:
    """Check and continue: an empty mapping, or one leaving a required field of the schema empty (each its own
    row, see `completed`), is refused here; Data Prep is asked by a background task."""
    if not _usable(rows):
        raise OnboardingError.refused("Map at least one field of your events to a field of the schema.")
    targets = schema_fields_of(dataflow_read(SCHEMA, dataflow=dataflow, actor=actor, ask=Ask.NEVER))
    if missing := unmapped_required(rows, targets):
        raise RequiredUnmapped(missing)
    return actions.start(
        MAPPING,
        check_mapping_task,
        onboarding=dataflow.onboarding,
        dataflow=dataflow,
        actor=actor,
        payload={"rows": rows},
    )


@dataclass(frozen=True)
class MappingCheck:
    """What a mapping check said: the rows sent, a refusal per row (by index) and the problem, if any."""

    rows: list[dict[str, str]]
    row_errors: dict[int, str]
    problem: Problem | None


def mapping_check(dataflow: Dataflow, public_id: Any) -> MappingCheck | None:
    """What a refused check of this dataflow's mapping said (None if there is no such refusal)."""
    action = RemoteAction.objects.of(dataflow.onboarding, dataflow).filter(kind=MAPPING, public_id=public_id).first()
    if action is None or not action.failed:
        return None
    kept = action.outcome.answer
    errors = {int(index): said for index, said in (kept.get("row_errors") or {}).items()}
    return MappingCheck(kept.get("rows") or list(dataflow.mappings or []), errors, actions.problem_of(action))


def mapping_row_problems(answer: dict[str, Any], count: int) -> dict[int, str]:
    """Data Prep's refusal of each refused row, as the Mapping step shows it beside the row."""
    return {index: f"Data Prep: {said}" for index, said in mapping_refusals(answer, count).items()}


# Detail


def dataflow_save_detail(*, dataflow: Dataflow, name: str, description: str) -> Dataflow:
    with transaction.atomic():
        locked = _editable(dataflow)
        locked.name, locked.description = name, description
        locked.save(update_fields=["name", "description", "updated_at"])
    return locked


# Watching it arrive


# The runs the activity counts: those of the last week, at most a week of hourly runs and a day more. The app's
# choice (Adobe's documents are silent on how long runs are kept): a long history costs two pages, never more.
ACTIVITY_WINDOW = datetime.timedelta(days=7)
ACTIVITY_RUNS = 200


@dataclass(frozen=True)
class Activity:
    """What Adobe reports of a dataflow: its state and its records (the runs of ACTIVITY_WINDOW), with the
    newest run's status and the newest reasons for failing."""

    state: str
    received: int = 0
    ingested: int = 0
    failed: int = 0
    runs: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    latest_status: str = ""
    # When the runs fail because what they read does not exist in Azure: that, first ({} otherwise).
    reads_nothing: dict[str, str] = field(default_factory=dict)
    latest: dict[str, Any] = field(default_factory=dict)  # the newest run's own counts and start (ms since 1970)
    errors_of_latest: bool = False  # whether `errors` are the newest run's (else an earlier run's)


def dataflow_activity(*, dataflow: Dataflow, actor: Any) -> Activity:
    """The dataflow's state and its runs' record counts (Records received, ingested and failed, as Adobe's
    Dataflow activity page shows them: inputRecordCount, outputRecordCount, failedRecordCount)."""
    flow, runs = read_runs(dataflow=dataflow, actor=actor, doing="reading the dataflow's activity")
    return activity_from(dataflow, flow, runs)


def read_runs(*, dataflow: Dataflow, actor: Any, doing: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The one read of a dataflow and its runs of ACTIVITY_WINDOW, newest first, that every watcher shares: the
    answer is sent to whoever keeps a summary (the fleet view and the alerts), which then need not ask again."""
    client = client_for(dataflow, actor)
    asked_at = timezone.now()
    since = int((asked_at - ACTIVITY_WINDOW).timestamp() * 1000)
    try:
        flow = client.get_flow(dataflow.flow_id)
        runs = client.list_runs(dataflow.flow_id, since_ms=since, most=ACTIVITY_RUNS)
    except FlowServiceError as error:
        raise failed(error, doing=doing, dataflow=dataflow) from None
    dataflow_runs_read.send(sender=Dataflow, dataflow=dataflow, flow=flow, runs=runs, at=asked_at)
    return flow, runs


def activity_from(dataflow: Dataflow, flow: dict[str, Any], runs: list[dict[str, Any]]) -> Activity:
    records = [run_records(run) for run in runs]
    newest = newest_run(runs)
    reasons, of_newest = newest_reasons(runs)
    errors = reasons[:5]
    latest = run_status(newest) if newest is not None else ""
    return Activity(
        state=str(flow.get("state", "")),
        received=sum(received for received, _, _ in records),
        ingested=sum(ingested for _, ingested, _ in records),
        failed=sum(failed for _, _, failed in records),
        runs=len(runs),
        errors=errors,
        latest_status=latest,
        latest=_own_counts(newest),
        errors_of_latest=of_newest,
        reads_nothing=_reads_nothing(dataflow, errors) if latest == "failed" else {},
    )


def _own_counts(run: dict[str, Any] | None) -> dict[str, Any]:
    """A run's own counts and start (ms since 1970), for "the latest run"."""
    if run is None:
        return {}
    received, ingested, failed = run_records(run)
    return {"received": received, "ingested": ingested, "failed": failed, "started_ms": run_started_ms(run)}


def _reads_nothing(dataflow: Dataflow, errors: list[dict[str, Any]]) -> dict[str, str]:
    """Why the runs read nothing, when Azure says the event hub or the consumer group does not exist."""
    diagnosis = diagnose_refusal(str(errors[0].get("message", "")) if errors else "", hub_field="event_hub_name")
    hub, group = dataflow.event_hub_name, dataflow.consumer_group
    if diagnosis.key == "event_hub_unknown":
        said = f"the namespace {dataflow.onboarding.namespace} has no event hub named {hub}"
        action = (
            f"{diagnosis.action} Adobe does not carry a corrected event hub into a dataflow that exists: set up a "
            "dataflow on the right one, then delete this one."
        )
    elif diagnosis.key == "consumer_group_unknown":
        said, action = f"the event hub {hub} has no consumer group {group}", diagnosis.action
    else:
        return {}
    return {
        "headline": f"The dataflow runs, but reads nothing: {said}.",
        "action": action,
        "details": diagnosis.details,
    }


def activity_of(read: Read, dataflow: Dataflow) -> dict[str, Any] | None:
    """The activity to show: Adobe's latest answer, its state overtaken by a pause or resume made since."""
    if not read.held:
        return None
    if dataflow.flow_state and (read.held_asked_at is None or read.held_asked_at < dataflow.updated_at):
        return {**read.held, "state": dataflow.flow_state}
    return read.held


@task
def activity_task(action_id: str) -> str:
    return actions.run(action_id, activity_in_background)


def activity_in_background(run: actions.ActionRun) -> ActionResult:
    dataflow = _dataflow(run)
    return ActionResult(
        answer={"about": dataflow.flow_id, **asdict(dataflow_activity(dataflow=dataflow, actor=run.actor))}
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


@task
def pause_task(action_id: str) -> str:
    return actions.run(action_id, functools.partial(_set_paused_in_background, paused=True))


@task
def resume_task(action_id: str) -> str:
    return actions.run(action_id, functools.partial(_set_paused_in_background, paused=False))


def _set_paused_in_background(run: actions.ActionRun, *, paused: bool) -> ActionResult:
    dataflow_set_paused(dataflow=_dataflow(run), actor=run.actor, paused=paused)
    return ActionResult(notice="The dataflow is paused." if paused else "The dataflow is running again.")


def dataflow_start_pausing(*, dataflow: Dataflow, actor: Any, paused: bool) -> RemoteAction:
    """Pause or Resume: a background task asks Adobe; the page shows progress, then the dataflow's state."""
    if not dataflow.is_created:
        raise OnboardingError.refused("The dataflow does not exist in Adobe yet.")
    kind, background = (PAUSE, pause_task) if paused else (RESUME, resume_task)
    return actions.start(kind, background, onboarding=dataflow.onboarding, dataflow=dataflow, actor=actor)


# The task that asks Adobe for each read a page waits on (`dataflow_read`).
_READ_TASKS = {
    PREVIEW: preview_task,
    CATALOGUE: catalogue_task,
    DATASET_SEARCH: dataset_search_task,
    SCHEMA: schema_fields_task,
    ACTIVITY: activity_task,
}
