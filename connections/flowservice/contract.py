"""The contract check: run the journey the app makes, record the *shape* of every answer, compare two.

A shape is what the code relies on, never a value: the HTTP status, which headers that matter are
present (and the media type), and, recursively, the keys of each JSON object and the JSON type of each
value. Recorded against Adobe (in a sandbox the user names) and replayed against the emulator, the
two recordings differ exactly where the emulator is not faithful to what the app meets.

`requests` and the client load when a journey runs: the admin's web process imports this module (through the
go-live check's service) and never loads the HTTP stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from .answers import mapping_refusals
from .errors import FlowServiceError
from .types import (
    GENERATED_ID_MAPPING,
    DataLakeTarget,
    DatasetInput,
    EventHubAuth,
    FieldMapping,
    FlowAction,
    MappingSetInput,
    SourceParams,
    StreamingFlowInput,
    Verdict,
    scalar_type,
)

if TYPE_CHECKING:
    import requests

    from .client import FlowServiceClient
    from .ims import ImsTokenProvider

    Connect = Callable[[requests.Session], tuple[ImsTokenProvider, FlowServiceClient]]

FORMAT = "eventhubs-onboarding contract shapes, version 1"
# The headers the client reads or the README promises; only their presence is kept (the media type for
# Content-Type), never their values: an etag or a request id says nothing about the contract.
# Adobe's documents are silent: on an x-request-id header (only `report.request-id` in error bodies is
# documented) and on Retry-After; both are recorded so that a real recording shows what Adobe sends.
HEADERS_THAT_MATTER = ("content-type", "etag", "location", "retry-after", "x-request-id")

ID_KEY = re.compile(r"[0-9a-f]{24}|[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
Shape = Any  # "string" | "integer" | ... | {"object": {key: Shape}} | {"array": Shape} | {"anyOf": [Shape]}


# Shapes


def shape_of(value: Any) -> Shape:
    """The JSON type of `value`, recursively: objects keep their keys, arrays merge their items' shapes."""
    if isinstance(value, list):
        merged: Shape = None
        for item in value:
            merged = merge(merged, shape_of(item))
        return {"array": merged if merged is not None else "empty"}
    if isinstance(value, dict):
        keys: dict[str, Shape] = {}
        for key, item in sorted(value.items()):
            name = "{id}" if ID_KEY.fullmatch(str(key)) else str(key)  # Catalog keys its answers by id: a value
            keys[name] = merge(keys.get(name), shape_of(item))
        return {"object": keys}
    return scalar_type(value)


def merge(a: Shape, b: Shape) -> Shape:
    """One shape covering both (array items of several shapes; keys present in only some items)."""
    if a is None or a == b:
        return b
    if _is(a, "object") and _is(b, "object"):
        left, right = a["object"], b["object"]
        keys = sorted(set(left) | set(right))
        return {"object": {k: merge(left.get(k), right[k]) if k in right else left[k] for k in keys}}
    if _is(a, "array") and _is(b, "array"):
        items = [shape for shape in (a["array"], b["array"]) if shape != "empty"]
        return {"array": merge(items[0], items[-1]) if items else "empty"}
    options = [*(a["anyOf"] if isinstance(a, dict) and "anyOf" in a else [a])]
    for option in b["anyOf"] if isinstance(b, dict) and "anyOf" in b else [b]:
        if option not in options:
            options.append(option)
    return {"anyOf": sorted(options, key=lambda s: json.dumps(s, sort_keys=True))}


def answer_shape(response: requests.Response) -> dict[str, Any]:
    headers = {name: "present" for name in HEADERS_THAT_MATTER if name in response.headers}
    if "content-type" in headers:
        headers["content-type"] = response.headers["Content-Type"].split(";")[0].strip().lower()
    if not response.content:
        body: Shape = "empty"
    else:
        try:
            body = shape_of(response.json())
        except ValueError:
            body = "text"
    return {"status": response.status_code, "headers": headers, "body": body}


# The journey


@dataclass(frozen=True)
class DataflowInputs:
    """What the dataflow steps create with: a tenant schema (`$id`) and mappings onto its fields."""

    schema_id: str
    mappings: tuple[FieldMapping, ...]


@dataclass(frozen=True)
class JourneyInputs:
    """What the journey creates with. `auth` may be credentials Azure refuses: the refusals are shapes too.
    Without `dataflow`, the dataflow steps are recorded as skipped."""

    auth: EventHubAuth = field(repr=False)
    event_hub_name: str
    name: str = "contract-check"
    dataflow: DataflowInputs | None = None


@dataclass
class Recorder:
    """Sees every answer on the journey's session (a `requests` response hook). A step keeps each answer in order
    under `answers` (a 412 and then a 200 in the other If-Match quoting are two answers, not one 200), and the last
    one's shape beside them (what recordings without `answers` compare)."""

    steps: list[dict[str, Any]] = field(default_factory=list)
    on_step: Callable[[dict[str, Any]], None] | None = None  # told of each step once recorded (a progress page)
    _current: dict[str, Any] | None = None

    def hook(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if self._current is not None:
            shape = answer_shape(response)
            self._current.update(shape)
            self._current.setdefault("answers", []).append({"method": response.request.method, **shape})

    @contextmanager
    def step(self, name: str, method: str, path: str) -> Iterator[None]:
        self._current = {"step": name, "method": method, "path": path}
        try:
            yield
        except FlowServiceError:
            pass  # the error answer's shape is recorded like any other; the journey goes on where it can
        finally:
            if "status" not in self._current:
                self._current["status"] = None  # no answer at all (transport failure)
            self._recorded(self._current)
            self._current = None

    def observe(self, finding: str | None) -> None:
        """What the step's probe saw, in a fixed sentence (never a value); None when there was nothing to see."""
        if self._current is not None and finding is not None:
            self._current["observed"] = finding

    def skipped(self, name: str, method: str, path: str, why: str) -> None:
        self._recorded({"step": name, "method": method, "path": path, "skipped": why})

    def _recorded(self, step: dict[str, Any]) -> None:
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)


def run_journey(
    connect: Connect,
    inputs: JourneyInputs,
    *,
    recorded: str,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Token, spec (also with another organisation's id), create base, test, explore, preview, PATCH with If-Match,
    create source, lists by name, then the dataflow steps and probes (`DATAFLOW_STEPS`); then delete what was
    created, even when a step failed. Returns the recording (shapes and fixed observations only); `on_step` is told
    of each step as it is recorded."""
    import requests

    recorder = Recorder(on_step=on_step)
    session = requests.Session()
    session.hooks["response"].append(recorder.hook)
    provider, client = connect(session)
    created: dict[str, str] = {}
    verdict = Verdict.UNKNOWN
    try:
        verdict = _journey(recorder, (provider, client, session), inputs, created)
    finally:
        _clean_up(recorder, client, inputs.name, created)
    return {
        "format": FORMAT,
        "recorded": recorded,
        "recorded_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "credentials": "working" if verdict is Verdict.PASSED else "refused",
        "steps": recorder.steps,
    }


def _journey(
    recorder: Recorder,
    connected: tuple[ImsTokenProvider, FlowServiceClient, requests.Session],
    inputs: JourneyInputs,
    created: dict[str, str],
) -> Verdict:
    provider, client, session = connected
    verdict = Verdict.UNKNOWN
    with recorder.step("ims_token", "POST", "/ims/token/v3"):
        provider.token()
    with recorder.step("get_connection_spec", "GET", "/connectionSpecs/{id}"):
        client.get_connection_spec()
    with recorder.step("token_for_another_org", "GET", "/connectionSpecs/{id}"):
        _for_another_org(client, provider, session).get_connection_spec()
    with recorder.step("create_base_connection", "POST", "/connections"):
        base = client.create_base_connection(
            name=inputs.name, description="flowservice_check --contract", auth=inputs.auth
        )
        created["base"] = base.id
    if "base" not in created:
        for name, method, path in _BASE_STEPS + DATAFLOW_STEPS:
            recorder.skipped(name, method, path, "the base connection was not created")
        return verdict
    with recorder.step("test_connection", "GET", "/connections/{id}/test"):
        verdict = client.check_connection(base.id).verdict
    with recorder.step("explore", "GET", "/connections/{id}/explore?objectType=root"):
        client.list_event_hubs(base.id)
    with recorder.step("preview", "GET", "/connections/{id}/explore?objectType=file&object={hub}&preview=true"):
        client.preview_event_hub(base.id, inputs.event_hub_name)
    with recorder.step("update_credentials", "PATCH", "/connections/{id}"):
        client.update_credentials(base.id, etag=base.etag, auth=inputs.auth)
    etags: dict[str, str] = {}
    with recorder.step("create_source_connection", "POST", "/sourceConnections"):
        source = client.create_source_connection(
            name=inputs.name,
            description="flowservice_check --contract",
            base_connection_id=base.id,
            params=SourceParams(event_hub_name=inputs.event_hub_name, consumer_group="$Default"),
        )
        created["source"], etags["source"] = source.id, source.etag
    with recorder.step("list_connections", "GET", "/connections?property=name=={name}"):
        client.find_base_connection(inputs.name)
    with recorder.step("list_source_connections", "GET", "/sourceConnections?property=name=={name}"):
        client.find_source_connection(inputs.name)
    _dataflow(recorder, client, inputs, created, etags)
    return verdict


def _for_another_org(
    client: FlowServiceClient, provider: ImsTokenProvider, session: requests.Session
) -> FlowServiceClient:
    """The same token and sandbox, sent with another organisation's id: IMS binds a token to its organisation."""
    from .client import FlowServiceClient

    return FlowServiceClient(
        base_url=client.base_url,
        api_key=client.api_key,
        org_id=ANOTHER_ORG,
        sandbox_name=client.sandbox_name,
        token_provider=provider,
        session=session,
    )


# The streaming tutorial's calls after the source connection (help/sources/tutorials/api/collect/streaming.md),
# and probes of what the documents leave open, each recording what it saw in `observed` (a fixed sentence, never a
# value) so that a difference in meaning shows where shapes agree.
DATAFLOW_STEPS = (
    ("list_schemas", "GET", "/tenant/schemas"),
    # A page boundary as the Schema Registry appendix pages: `orderby`, one a page, `start` from `_page.next`.
    ("list_schemas_page_boundary", "GET", "/tenant/schemas?orderby=title&limit=1"),
    ("create_dataset", "POST", "/dataSets"),
    # A second dataset: its name holds a comma, and it is created with Catalog's Profile and Identity tags.
    ("create_profile_dataset", "POST", "/dataSets"),
    ("read_back_profile", "GET", "/dataSets/{id}"),
    ("create_target_connection", "POST", "/targetConnections"),
    ("validate_mapping", "POST", "/mappingSets/validate"),
    # The Mapping step's generated id: the mapping set with `_id` from `uuid()`, validated, then two records previewed.
    ("validate_generated_id", "POST", "/mappingSets/validate"),
    ("preview_generated_id", "POST", "/mappingSets/preview"),
    ("create_mapping_set", "POST", "/mappingSets"),
    ("create_flow", "POST", "/flows"),
    ("list_runs", "GET", "/runs?property=flowId=={id}&property=metrics.durationSummary.startedAtUTC>{t}"),
    # The source connection moved to a hub the namespace lacks: the flow's runs must read as before.
    ("update_source_connection", "PATCH", "/sourceConnections/{id}"),
    ("update_flow", "PATCH", "/flows/{id}"),
    ("find_dataset", "GET", "/dataSets?name={name}"),
    ("find_dataset_with_comma", "GET", "/dataSets?properties=name&orderBy=asc:name"),
    ("filter_names_with_comma", "GET", "/dataSets?name={name},{other}"),
    ("search_datasets_by_wildcard", "GET", "/dataSets?name=*{part of name}*"),
    ("list_datasets_page_boundary", "GET", "/dataSets?limit=1&start={0,1}"),
    # The error catalogue's 1422-400 for an action the flow's state does not allow: each way probed alone.
    ("pause_flow", "POST", "/flows/{id}/action?op=disable"),
    ("pause_flow_again", "POST", "/flows/{id}/action?op=disable"),
    ("resume_flow", "POST", "/flows/{id}/action?op=enable"),
    ("resume_flow_again", "POST", "/flows/{id}/action?op=enable"),
    # A flow on an event hub the namespace does not have: on Azure its runs fail.
    ("create_source_on_unknown_hub", "POST", "/sourceConnections"),
    # Two source connections now: a Flow Service page of one, and its next page by `_links.next.href`.
    ("list_source_connections_page_boundary", "GET", "/sourceConnections?limit=1"),
    ("create_target_for_unknown_hub", "POST", "/targetConnections"),
    ("create_flow_on_unknown_hub", "POST", "/flows"),
    (
        "list_runs_on_unknown_hub",
        "GET",
        "/runs?property=flowId=={id}&property=metrics.durationSummary.startedAtUTC>{t}",
    ),
)
RUNS_WINDOW_MS = 86_400_000  # the journey reads the runs of its last day
UNKNOWN_HUB = "contract-check-no-such-hub"  # an event hub no namespace is expected to have
ANOTHER_ORG = "000000000000000000000000@AdobeOrg"  # an organisation the journey's token does not belong to
NO_SCHEMA = "no schema was named for the dataflow"  # why the dataflow steps were skipped
PREVIEW_FIELD = "contractCheck"  # the field of the preview's records: no mapping reads it

# What each step needs created first (a step whose object was not created is recorded as skipped, saying which).
NEEDS: dict[str, tuple[str, ...]] = {
    "read_back_profile": ("profile_dataset",),
    "create_target_connection": ("dataset",),
    "create_flow": ("source", "target", "mapping"),
    "list_runs": ("flow",),
    "update_source_connection": ("source", "flow"),
    "update_flow": ("flow",),
    "find_dataset": ("dataset",),
    "find_dataset_with_comma": ("dataset", "profile_dataset"),
    "filter_names_with_comma": ("dataset",),
    "search_datasets_by_wildcard": ("dataset",),
    "list_source_connections_page_boundary": ("source", "source_unknown_hub"),
    "list_datasets_page_boundary": ("dataset", "profile_dataset"),
    "create_source_on_unknown_hub": ("base",),
    "create_target_for_unknown_hub": ("dataset",),
    "create_flow_on_unknown_hub": ("source_unknown_hub", "target_unknown_hub", "mapping"),
    "list_runs_on_unknown_hub": ("flow_unknown_hub",),
} | dict.fromkeys(("pause_flow", "pause_flow_again", "resume_flow", "resume_flow_again"), ("flow",))
_KINDS = {"source": "source connection", "target": "target connection", "mapping": "mapping set", "dataset": "dataset"}
_KINDS |= {"flow": "flow", "base": "base connection", "profile_dataset": "dataset with Profile"}
_KINDS |= {
    "source_unknown_hub": "source connection on the unknown hub",
    "target_unknown_hub": "second target connection",
}
_KINDS["flow_unknown_hub"] = "flow on the unknown hub"


def _dataflow(
    recorder: Recorder, client: FlowServiceClient, inputs: JourneyInputs, created: dict[str, str], etags: dict[str, str]
) -> None:
    """Schema list, datasets, Data Lake target connection, mapping set, flow, its runs and the probes; `etags` holds
    the source connection's, for its PATCH."""
    if inputs.dataflow is None:
        for name, method, path in DATAFLOW_STEPS:
            recorder.skipped(name, method, path, NO_SCHEMA)
        return
    steps = _DataflowSteps(client, inputs, inputs.dataflow, created, recorder)
    steps.seen["source_etag"] = etags.get("source", "")
    for name, method, path in DATAFLOW_STEPS:
        missing = [kind for kind in NEEDS.get(name, ()) if kind not in created]
        if missing:
            said = " and ".join(_KINDS[kind] for kind in missing)
            recorder.skipped(name, method, path, f"the {said} {'was' if len(missing) == 1 else 'were'} not created")
            continue
        with recorder.step(name, method, path):
            getattr(steps, name)()


class _DataflowSteps:
    """One method per dataflow step, named as the step; what a later step compares with is kept in `seen`."""

    ABOUT = "flowservice_check --contract"

    def __init__(
        self,
        client: FlowServiceClient,
        inputs: JourneyInputs,
        plan: DataflowInputs,
        created: dict[str, str],
        recorder: Recorder,
    ) -> None:
        self.client, self.inputs, self.plan, self.created, self.observe = (
            client,
            inputs,
            plan,
            created,
            recorder.observe,
        )
        self.seen: dict[str, Any] = {}

    def list_schemas(self) -> None:
        self.seen["schemas"] = len(self.client.list_tenant_schemas())

    def list_schemas_page_boundary(self) -> None:
        pages = self.client.list_tenant_schemas(page_size=1, most=2)
        self.observe(_boundary(self.seen.get("schemas", 0), [page.get("$id") for page in pages]))

    def create_dataset(self) -> None:
        made = DatasetInput(self.inputs.name, self.plan.schema_id, self.ABOUT)
        self.created["dataset"] = self.client.create_dataset(made)

    def create_profile_dataset(self) -> None:
        made = DatasetInput(
            self.comma_name, self.plan.schema_id, self.ABOUT, profile_enabled=True, identity_enabled=True
        )
        self.created["profile_dataset"] = self.client.create_dataset(made)

    @property
    def comma_name(self) -> str:
        return f"{self.inputs.name},profile"

    def read_back_profile(self) -> None:
        tags = self.client.get_dataset(self.created["profile_dataset"]).get("tags")
        on = [t for t in ("unifiedProfile", "unifiedIdentity") if "enabled:true" in (tags or {}).get(t, [])]
        self.observe(f"enabled on read-back: {', '.join(on) or 'neither'}")

    def create_target_connection(self) -> None:
        made = DataLakeTarget(self.inputs.name, self.created["dataset"], self.ABOUT)
        self.created["target"] = self.client.create_target_connection(made).id

    def validate_mapping(self) -> None:
        self.client.validate_mappings(MappingSetInput(self.plan.schema_id, self.plan.mappings))

    @cached_property
    def with_generated_id(self) -> MappingSetInput:
        """The plan's mappings with `_id` generated by `uuid()` instead, last, as the Mapping step sends them."""
        kept = [m for m in self.plan.mappings if m.destination_xdm_path != GENERATED_ID_MAPPING.destination_xdm_path]
        return MappingSetInput(self.plan.schema_id, (*kept, GENERATED_ID_MAPPING))

    def validate_generated_id(self) -> None:
        mappings = self.with_generated_id
        sent = len(mappings.mappings)
        answer = self.client.validate_mappings(mappings)
        verdicts = answer.get("validationResponse")
        if isinstance(verdicts, list) and len(verdicts) == sent:  # one verdict a row, in order: the id's is last
            refused = sent - 1 in mapping_refusals(answer, sent)
            self.observe("the generated id was refused" if refused else "the generated id was accepted")

    def preview_generated_id(self) -> None:
        """Two records that differ in a field nobody maps: each must get an `_id` of its own."""
        records = [{PREVIEW_FIELD: number} for number in (1, 2)]
        self.observe(_own_ids(self.client.preview_mappings(self.with_generated_id, records), len(records)))

    def create_mapping_set(self) -> None:
        self.created["mapping"] = self.client.create_mapping_set(
            MappingSetInput(self.plan.schema_id, self.plan.mappings)
        )

    def create_flow(self) -> None:
        c = self.created
        made = self.client.create_flow(
            StreamingFlowInput(self.inputs.name, c["source"], c["target"], c["mapping"], self.ABOUT)
        )
        c["flow"], self.seen["flow_etag"] = made.id, made.etag

    def list_runs(self) -> None:
        runs = self.client.list_runs(self.created["flow"], since_ms=_since(), most=10)
        self.seen["runs_failed"] = _failed(runs) if runs else None
        starts = [start for run in runs if isinstance(start := run.get("createdAt"), int)]
        if starts:  # one run is newest first too: the observation says there were runs to look at
            self.observe("newest first" if starts == sorted(starts, reverse=True) else "not newest first")

    def update_source_connection(self) -> None:
        params = SourceParams(event_hub_name=UNKNOWN_HUB, consumer_group="$Default")
        self.client.update_source_connection(self.created["source"], etag=self.seen["source_etag"], params=params)
        runs = self.client.list_runs(self.created["flow"], since_ms=_since(), most=10)
        before = self.seen.get("runs_failed")
        if runs and before is not None:
            self.observe("the flow's runs read as before" if _failed(runs) == before else "the flow's runs changed")

    def update_flow(self) -> None:
        self.client.update_flow(
            self.created["flow"], etag=self.seen["flow_etag"], description=f"{self.ABOUT} (patched)"
        )

    def find_dataset(self) -> None:
        self.observe("found" if self.client.find_dataset(self.inputs.name) else "not found")

    def find_dataset_with_comma(self) -> None:
        self.observe("found" if self.client.find_dataset(self.comma_name) else "not found")

    def filter_names_with_comma(self) -> None:
        found = self.client.datasets_matching(f"{self.inputs.name},{UNKNOWN_HUB}").values()
        said = any(dataset.get("name") == self.inputs.name for dataset in found)
        self.observe("a comma reads as any of the names" if said else "a comma does not read as any of the names")

    def search_datasets_by_wildcard(self) -> None:
        """The dataset picker's search: `name=*<text>*`."""
        found = self.client.list_datasets(properties=("name",), search=self.inputs.name[1:-1]).values()
        said = any(dataset.get("name") == self.inputs.name for dataset in found)
        self.observe("a `*` reads as any characters" if said else "a `*` does not read as any characters")

    def list_source_connections_page_boundary(self) -> None:
        pages = self.client.list_source_connections(limit=1, most=2)
        self.observe(_boundary(2, [page.get("id") for page in pages]))

    def list_datasets_page_boundary(self) -> None:
        pages = [list(self.client.list_datasets(properties=("name",), start=start, limit=1)) for start in (0, 1)]
        self.observe(_boundary(2, [page[0] if page else None for page in pages]))

    def pause_flow(self) -> None:
        self.client.set_flow_state(self.created["flow"], FlowAction.DISABLE)

    def pause_flow_again(self) -> None:
        self.observe(_acted_again(self.client.set_flow_state(self.created["flow"], FlowAction.DISABLE), "disable"))

    def resume_flow(self) -> None:
        self.client.set_flow_state(self.created["flow"], FlowAction.ENABLE)

    def resume_flow_again(self) -> None:
        self.observe(_acted_again(self.client.set_flow_state(self.created["flow"], FlowAction.ENABLE), "enable"))

    def create_source_on_unknown_hub(self) -> None:
        made = self.client.create_source_connection(
            name=unknown_hub_name(self.inputs.name),
            description=self.ABOUT,
            base_connection_id=self.created["base"],
            params=SourceParams(event_hub_name=UNKNOWN_HUB, consumer_group="$Default"),
        )
        self.created["source_unknown_hub"] = made.id

    def create_target_for_unknown_hub(self) -> None:
        made = DataLakeTarget(unknown_hub_name(self.inputs.name), self.created["dataset"], self.ABOUT)
        self.created["target_unknown_hub"] = self.client.create_target_connection(made).id

    def create_flow_on_unknown_hub(self) -> None:
        c = self.created
        made = StreamingFlowInput(
            unknown_hub_name(self.inputs.name),
            c["source_unknown_hub"],
            c["target_unknown_hub"],
            c["mapping"],
            self.ABOUT,
        )
        c["flow_unknown_hub"] = self.client.create_flow(made).id

    def list_runs_on_unknown_hub(self) -> None:
        runs = self.client.list_runs(self.created["flow_unknown_hub"], since_ms=_since(), most=10)
        if runs:
            self.observe("its runs fail" if _failed(runs) else "its runs read records")


def _boundary(total: int, firsts: list[Any]) -> str | None:
    """What two pages of one item each say about paging; None when fewer than two items exist to page through."""
    if total < 2:
        return None
    if len(firsts) < 2 or firsts[1] is None:
        return "no next page"
    return "the next page repeats the first" if firsts[0] == firsts[1] else "the next page follows the first"


def _own_ids(records: list[dict[str, Any]], sent: int) -> str:
    """What a preview of `sent` records says of their `_id`s, in a fixed sentence (never an id)."""
    if len(records) != sent:
        return "the preview did not answer one record for each record sent"
    ids = [record.get(GENERATED_ID_MAPPING.destination_xdm_path) for record in records]
    if not all(isinstance(written, str) and written for written in ids):
        return "a previewed record got no `_id`"
    return "each previewed record got its own `_id`" if len(set(ids)) == sent else "previewed records shared an `_id`"


def _failed(runs: list[dict[str, Any]]) -> bool:
    """Whether any of the runs failed (by its summary's status)."""
    return any((run.get("metrics") or {}).get("statusSummary", {}).get("status") == "failed" for run in runs)


def _since() -> int:
    return int(datetime.now(UTC).timestamp() * 1000) - RUNS_WINDOW_MS


_BASE_STEPS = (
    ("test_connection", "GET", "/connections/{id}/test"),
    ("explore", "GET", "/connections/{id}/explore?objectType=root"),
    ("preview", "GET", "/connections/{id}/explore?objectType=file&object={hub}&preview=true"),
    ("update_credentials", "PATCH", "/connections/{id}"),
    ("create_source_connection", "POST", "/sourceConnections"),
    ("list_connections", "GET", "/connections?property=name=={name}"),
    ("list_source_connections", "GET", "/sourceConnections?property=name=={name}"),
)


def _clean_up(recorder: Recorder, client: FlowServiceClient, name: str, created: dict[str, str]) -> None:
    """Delete what the journey created, in the reverse order of creation (a flow first: what a flow uses cannot
    go; a base connection last: one in use cannot go).

    A create whose answer was not understood may still have created: base and source connections and flows are
    found by name. Adobe documents no DELETE for mapping sets (data-prep.yaml, mapping-set.md): the journey's
    mapping set stays in the sandbox, unused.
    """
    _find_unanswered(client, name, created)
    deletes: tuple[tuple[str, str, str, Callable[[str], None]], ...] = (
        ("flow_unknown_hub", "delete_flow_on_unknown_hub", "/flows/{id}", client.delete_flow),
        ("flow", "delete_flow", "/flows/{id}", client.delete_flow),
        (
            "target_unknown_hub",
            "delete_target_for_unknown_hub",
            "/targetConnections/{id}",
            client.delete_target_connection,
        ),
        ("target", "delete_target_connection", "/targetConnections/{id}", client.delete_target_connection),
        ("profile_dataset", "delete_profile_dataset", "/dataSets/{id}", client.delete_dataset),
        ("dataset", "delete_dataset", "/dataSets/{id}", client.delete_dataset),
        (
            "source_unknown_hub",
            "delete_source_on_unknown_hub",
            "/sourceConnections/{id}",
            client.delete_source_connection,
        ),
        ("source", "delete_source_connection", "/sourceConnections/{id}", client.delete_source_connection),
        ("base", "delete_base_connection", "/connections/{id}", client.delete_base_connection),
    )
    for kind, step, path, delete in deletes:
        if kind in created:
            with recorder.step(step, "DELETE", path):
                delete(created.pop(kind))


def _find_unanswered(client: FlowServiceClient, name: str, created: dict[str, str]) -> None:
    """Find by name what a create whose answer was lost may have made (the flow on the unknown hub too)."""

    def flow_on(source: str) -> Callable[[str], dict[str, Any] | None]:
        def find(name: str) -> dict[str, Any] | None:
            if source not in created:  # a flow needs its source connection: none was sent without one
                return None
            return next((f for f in client.list_flows(property=f"name=={name}") if f.get("name") == name), None)

        return find

    finders = (
        ("base", client.find_base_connection, name),
        ("source", client.find_source_connection, name),
        ("flow", flow_on("source"), name),
        ("source_unknown_hub", client.find_source_connection, unknown_hub_name(name)),
        ("flow_unknown_hub", flow_on("source_unknown_hub"), unknown_hub_name(name)),
    )
    for kind, find, named in finders:
        if kind in created:
            continue
        try:
            found = find(named)
        except FlowServiceError:
            continue  # nothing more can be done here; the journey's name says what to delete by hand
        if found and isinstance(found.get("id"), str):
            created[kind] = found["id"]


def _acted_again(accepted: bool, action: str) -> str:
    """What a second `action` of a flow already in that state did, as the client saw it (the client reads the flow
    after a 1422-400 and takes it as done only when the flow is in the asked state)."""
    if accepted:
        return f"a second {action} was accepted"
    return f"a second {action} was refused (1422-400) and the flow read {action}d"


def unknown_hub_name(name: str) -> str:
    """The name of the journey's objects on the unknown hub."""
    return f"{name} unknown hub"


# What the journey tells about the client's guesses (where Adobe's documents are silent)


@dataclass(frozen=True)
class Guess:
    """A guess of the client's or the emulator's, and the steps whose answers confirm or refute it. A guess a
    probe decides by what it sees is exercised only where one of its `observed_in` steps made an observation (a
    streaming flow's runs, for one, may not be listed yet)."""

    what: str
    steps: tuple[str, ...]
    observed_in: tuple[str, ...] = ()


GUESSES = (
    Guess("The connection spec lists its auth types under `authSpec`", ("get_connection_spec",)),
    Guess("A token is bound to its organisation: another org's id is refused (403025)", ("token_for_another_org",)),
    Guess("The test answers 200 `{result}`, also for credentials Azure refuses", ("test_connection",)),
    Guess("Explore answers one entry per event hub", ("explore",)),
    Guess("A preview is explore with `objectType=file&preview=true`, answering `{format, schema, data}`", ("preview",)),
    Guess("If-Match for a connection is accepted unquoted", ("update_credentials",)),
    Guess(
        "Lists answer `items`, paged by `_links.next.href`",
        ("list_connections", "list_source_connections", "list_source_connections_page_boundary"),
    ),
    Guess(
        "The Schema Registry pages with `orderby` and `_page.next`",
        ("list_schemas", "list_schemas_page_boundary"),
        ("list_schemas_page_boundary",),
    ),
    Guess(
        "A dataset created with `unifiedProfile`/`unifiedIdentity` reads them back enabled",
        ("create_profile_dataset", "read_back_profile"),
    ),
    Guess("A mapping validation answers in the tutorial's shape", ("validate_mapping",)),
    Guess(
        "A `uuid()` expression (sourceType EXPRESSION) mapped to `_id` is validated, and the preview gives each "
        "record its own `_id`",
        ("validate_generated_id", "preview_generated_id"),
        ("validate_generated_id", "preview_generated_id"),
    ),
    Guess(
        "Runs of a streaming flow are listed in a time window, newest first, their reasons in `activities[]`",
        ("list_runs",),
        ("list_runs",),
    ),
    Guess(
        "A source connection's PATCH (If-Match unquoted) leaves its dataflow's runs as they were",
        ("update_source_connection",),
        ("update_source_connection",),
    ),
    Guess("A flow's PATCH takes a quoted If-Match", ("update_flow",)),
    Guess(
        "Catalog answers lists keyed by id; a name with a comma is found without the filter",
        ("find_dataset", "find_dataset_with_comma"),
    ),
    Guess(
        "Catalog's `name=` is a pattern: a comma reads as any of the names, `*` as any characters",
        ("filter_names_with_comma", "search_datasets_by_wildcard"),
    ),
    Guess("Catalog pages with `limit` and `start`", ("list_datasets_page_boundary",)),
    Guess(
        "Disabling a disabled flow is 1422-400, and the flow then reads disabled", ("pause_flow", "pause_flow_again")
    ),
    Guess(
        "Enabling an enabled flow is 1422-400, and the flow then reads enabled", ("resume_flow", "resume_flow_again")
    ),
    Guess(
        "A flow on an event hub the namespace lacks fails its runs",
        (
            "create_source_on_unknown_hub",
            "create_target_for_unknown_hub",
            "create_flow_on_unknown_hub",
            "list_runs_on_unknown_hub",
        ),
        ("list_runs_on_unknown_hub",),
    ),
)


def verdicts(recording: dict[str, Any], found: list[str]) -> list[tuple[str, str, list[str]]]:
    """For each guess: (what, "confirmed" | "refuted" | "not exercised", the differences that refute it)."""
    answered = {s["step"] for s in recording.get("steps", []) if "skipped" not in s}
    observed = {s["step"] for s in recording.get("steps", []) if "observed" in s}
    result = []
    for guess in GUESSES:
        said = [d for d in found if d.split(":", 1)[0] in guess.steps]
        seen = observed & set(guess.observed_in) if guess.observed_in else answered & set(guess.steps)
        verdict = "refuted" if said else "confirmed" if seen else "not exercised"
        result.append((guess.what, verdict, said))
    return result


# Comparison


def differences(reference: dict[str, Any], candidate: dict[str, Any]) -> list[str]:
    """Every way `candidate`'s answers are shaped otherwise than `reference`'s, one sentence each."""
    ours, theirs = str(reference.get("recorded", "reference")), str(candidate.get("recorded", "candidate"))
    found: list[str] = []
    steps = {s["step"]: s for s in candidate.get("steps", [])}
    for expected in reference.get("steps", []):
        name = expected["step"]
        actual = steps.pop(name, None)
        if actual is None:
            if "skipped" not in expected:  # a step one journey skips and the other never knew says nothing
                found.append(f"{name}: answered by {ours} only")
            continue
        found.extend(f"{name}: {d}" for d in _step_differences(expected, actual, ours, theirs))
    found.extend(f"{name}: answered by {theirs} only" for name, step in steps.items() if "skipped" not in step)
    return found


def _step_differences(expected: dict[str, Any], actual: dict[str, Any], ours: str, theirs: str) -> Iterator[str]:
    if "skipped" in expected or "skipped" in actual:
        if expected.get("skipped") != actual.get("skipped"):
            done = "answered"
            yield f"{expected.get('skipped', done)} with {ours}, {actual.get('skipped', done)} with {theirs}"
        return
    if expected.get("status") != actual.get("status"):
        yield f"status {expected.get('status')} from {ours}, {actual.get('status')} from {theirs}"
    mine, yours = expected.get("headers", {}), actual.get("headers", {})
    for header in sorted(set(mine) | set(yours)):
        if mine.get(header) != yours.get(header):
            mine_says, yours_say = mine.get(header, "absent"), yours.get(header, "absent")
            yield f"header {header}: {mine_says} from {ours}, {yours_say} from {theirs}"
    yield from _shape_differences("body", expected.get("body"), actual.get("body"), ours, theirs)
    if "observed" in expected and "observed" in actual and expected["observed"] != actual["observed"]:
        yield f"observed {expected['observed']!r} with {ours}, {actual['observed']!r} with {theirs}"
    if "answers" in expected and "answers" in actual:
        mine_seen, yours_seen = _exchanges(expected["answers"]), _exchanges(actual["answers"])
        if mine_seen != yours_seen:
            yield f"answers {mine_seen} from {ours}, {yours_seen} from {theirs}"


def _exchanges(answers: list[dict[str, Any]]) -> str:
    """The answers of a step, in order: `PATCH 412, GET 200, PATCH 200`."""
    return ", ".join(f"{a.get('method')} {a.get('status')}" for a in answers) or "none"


def _shape_differences(where: str, a: Shape, b: Shape, ours: str, theirs: str) -> Iterator[str]:
    if a == b:
        return
    if _is(a, "object") and _is(b, "object"):
        for key in sorted(set(a["object"]) | set(b["object"])):
            if key not in b["object"]:
                yield f"{where}.{key}: only in {ours}'s answer"
            elif key not in a["object"]:
                yield f"{where}.{key}: only in {theirs}'s answer"
            else:
                yield from _shape_differences(f"{where}.{key}", a["object"][key], b["object"][key], ours, theirs)
    elif _is(a, "array") and _is(b, "array"):
        if "empty" not in (a["array"], b["array"]):  # an empty list says nothing about its items
            yield from _shape_differences(f"{where}[]", a["array"], b["array"], ours, theirs)
    else:
        yield f"{where}: {_name(a)} from {ours}, {_name(b)} from {theirs}"


def _is(shape: Shape, kind: str) -> bool:
    return isinstance(shape, dict) and kind in shape


def _name(shape: Shape) -> str:
    if isinstance(shape, dict):
        kind = next(iter(shape))
        return " or ".join(_name(s) for s in shape[kind]) if kind == "anyOf" else kind
    return str(shape)


def dump(recording: dict[str, Any]) -> str:
    return json.dumps(recording, indent=2, sort_keys=True) + "\n"
