"""The contract check: run the journey the app makes, record the *shape* of every answer, compare two.

A shape is what the code relies on, never a value: the HTTP status, which headers that matter are
present (and the media type), and, recursively, the keys of each JSON object and the JSON type of each
value. Recorded against Adobe (in a sandbox the user names) and replayed against the emulator, the
two recordings differ exactly where the emulator is not faithful to what the app meets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

from .client import FlowServiceClient
from .errors import FlowServiceError
from .ims import ImsTokenProvider
from .types import (
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

    def skipped(self, name: str, method: str, path: str, why: str) -> None:
        self._recorded({"step": name, "method": method, "path": path, "skipped": why})

    def _recorded(self, step: dict[str, Any]) -> None:
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)


Connect = Callable[[requests.Session], tuple[ImsTokenProvider, FlowServiceClient]]


def run_journey(
    connect: Connect,
    inputs: JourneyInputs,
    *,
    recorded: str,
    on_step: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Token, spec, create base, test, explore, PATCH with If-Match, create source, lists by name;
    then delete what was created, even when a step failed. Returns the recording (shapes only); `on_step` is told
    of each step as it is recorded."""
    recorder = Recorder(on_step=on_step)
    session = requests.Session()
    session.hooks["response"].append(recorder.hook)
    provider, client = connect(session)
    created: dict[str, str] = {}
    verdict = Verdict.UNKNOWN
    try:
        verdict = _journey(recorder, provider, client, inputs, created)
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
    provider: ImsTokenProvider,
    client: FlowServiceClient,
    inputs: JourneyInputs,
    created: dict[str, str],
) -> Verdict:
    verdict = Verdict.UNKNOWN
    with recorder.step("ims_token", "POST", "/ims/token/v3"):
        provider.token()
    with recorder.step("get_connection_spec", "GET", "/connectionSpecs/{id}"):
        client.get_connection_spec()
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
    with recorder.step("update_credentials", "PATCH", "/connections/{id}"):
        client.update_credentials(base.id, etag=base.etag, auth=inputs.auth)
    with recorder.step("create_source_connection", "POST", "/sourceConnections"):
        source = client.create_source_connection(
            name=inputs.name,
            description="flowservice_check --contract",
            base_connection_id=base.id,
            params=SourceParams(event_hub_name=inputs.event_hub_name, consumer_group="$Default"),
        )
        created["source"] = source.id
    with recorder.step("list_connections", "GET", "/connections?property=name=={name}"):
        client.find_base_connection(inputs.name)
    with recorder.step("list_source_connections", "GET", "/sourceConnections?property=name=={name}"):
        client.find_source_connection(inputs.name)
    _dataflow(recorder, client, inputs, created)
    return verdict


# The streaming tutorial's calls after the source connection (help/sources/tutorials/api/collect/streaming.md).
DATAFLOW_STEPS = (
    ("list_schemas", "GET", "/tenant/schemas"),
    ("create_dataset", "POST", "/dataSets"),
    ("create_target_connection", "POST", "/targetConnections"),
    ("create_mapping_set", "POST", "/mappingSets"),
    ("create_flow", "POST", "/flows"),
    ("list_runs", "GET", "/runs?property=flowId=={id}&property=metrics.durationSummary.startedAtUTC>{t}"),
    # Probes of what the documents leave open: a lookup by a name with a comma (Catalog reads `name=a,b` as
    # "a or b"), and a second pause (the catalogue's 1422-400 for an action the state does not allow).
    ("find_dataset", "GET", "/dataSets?name={name}"),
    ("find_dataset_with_comma", "GET", "/dataSets?properties=name&orderBy=asc:name"),
    ("pause_flow", "POST", "/flows/{id}/action?op=disable"),
    ("pause_flow_again", "POST", "/flows/{id}/action?op=disable"),
)
RUNS_WINDOW_MS = 86_400_000  # the journey reads the runs of its last day


_KINDS = {"source": "source connection", "target": "target connection", "mapping": "mapping set", "dataset": "dataset"}
_KINDS["flow"] = "flow"


def _dataflow(recorder: Recorder, client: FlowServiceClient, inputs: JourneyInputs, created: dict[str, str]) -> None:
    """Schema list, dataset, Data Lake target connection, mapping set, flow and its runs; a step whose object
    it needs was not created is recorded as skipped, saying which."""
    plan = inputs.dataflow
    if plan is None:
        for name, method, path in DATAFLOW_STEPS:
            recorder.skipped(name, method, path, "no schema was named for the dataflow")
        return
    about = "flowservice_check --contract"

    def dataset() -> None:
        created["dataset"] = client.create_dataset(DatasetInput(inputs.name, plan.schema_id, about))

    def target() -> None:
        created["target"] = client.create_target_connection(DataLakeTarget(inputs.name, created["dataset"], about)).id

    def mapping() -> None:
        created["mapping"] = client.create_mapping_set(MappingSetInput(plan.schema_id, plan.mappings))

    def flow() -> None:
        made = StreamingFlowInput(inputs.name, created["source"], created["target"], created["mapping"], about)
        created["flow"] = client.create_flow(made).id

    actions: dict[str, tuple[tuple[str, ...], Callable[[], object]]] = {
        "list_schemas": ((), client.list_tenant_schemas),
        "create_dataset": ((), dataset),
        "create_target_connection": (("dataset",), target),
        "create_mapping_set": ((), mapping),
        "create_flow": (("source", "target", "mapping"), flow),
        "list_runs": (("flow",), lambda: client.list_runs(created["flow"], since_ms=_since(), most=10)),
        "find_dataset": (("dataset",), lambda: client.find_dataset(inputs.name)),
        "find_dataset_with_comma": (("dataset",), lambda: client.find_dataset(f"{inputs.name},{inputs.name}")),
        "pause_flow": (("flow",), lambda: client.set_flow_state(created["flow"], FlowAction.DISABLE)),
        "pause_flow_again": (("flow",), lambda: client.set_flow_state(created["flow"], FlowAction.DISABLE)),
    }
    for name, method, path in DATAFLOW_STEPS:
        needs, action = actions[name]
        missing = [kind for kind in needs if kind not in created]
        if missing:
            said = " and ".join(_KINDS[kind] for kind in missing)
            recorder.skipped(name, method, path, f"the {said} {'was' if len(missing) == 1 else 'were'} not created")
            continue
        with recorder.step(name, method, path):
            action()


def _since() -> int:
    return int(datetime.now(UTC).timestamp() * 1000) - RUNS_WINDOW_MS


_BASE_STEPS = (
    ("test_connection", "GET", "/connections/{id}/test"),
    ("explore", "GET", "/connections/{id}/explore?objectType=root"),
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
        ("flow", "delete_flow", "/flows/{id}", client.delete_flow),
        ("target", "delete_target_connection", "/targetConnections/{id}", client.delete_target_connection),
        ("dataset", "delete_dataset", "/dataSets/{id}", client.delete_dataset),
        ("source", "delete_source_connection", "/sourceConnections/{id}", client.delete_source_connection),
        ("base", "delete_base_connection", "/connections/{id}", client.delete_base_connection),
    )
    for kind, step, path, delete in deletes:
        if kind in created:
            with recorder.step(step, "DELETE", path):
                delete(created.pop(kind))


def _find_unanswered(client: FlowServiceClient, name: str, created: dict[str, str]) -> None:
    def find_flow(name: str) -> dict[str, Any] | None:
        if "source" not in created:  # a flow needs the source connection: none was sent without one
            return None
        return next((f for f in client.list_flows(property=f"name=={name}") if f.get("name") == name), None)

    finders = {"base": client.find_base_connection, "source": client.find_source_connection, "flow": find_flow}
    for kind, find in finders.items():
        if kind in created:
            continue
        try:
            found = find(name)
        except FlowServiceError:
            continue  # nothing more can be done here; the journey's name says what to delete by hand
        if found and isinstance(found.get("id"), str):
            created[kind] = found["id"]


# What the journey tells about the client's guesses (where Adobe's documents are silent)


@dataclass(frozen=True)
class Guess:
    """A guess of the client's or the emulator's, and the steps whose answers confirm or refute it."""

    what: str
    steps: tuple[str, ...]


GUESSES = (
    Guess("The connection spec lists its auth types under `authSpec`", ("get_connection_spec",)),
    Guess("The test answers 200 `{result}`, also for credentials Azure refuses", ("test_connection",)),
    Guess("Explore answers one entry per event hub", ("explore",)),
    Guess("If-Match for a connection is accepted unquoted", ("update_credentials",)),
    Guess("Lists by name answer `items`, paged by `_links.next.href`", ("list_connections", "list_source_connections")),
    Guess("The Schema Registry pages with `orderby` and `_page.next`", ("list_schemas",)),
    Guess("Runs of a streaming flow are listed in a time window, their reasons in `activities[]`", ("list_runs",)),
    Guess(
        "Catalog answers lists keyed by id; a name with a comma is found without the filter",
        ("find_dataset", "find_dataset_with_comma"),
    ),  # fmt: skip
    Guess(
        "Disabling a disabled flow is 1422-400, and the flow then reads disabled", ("pause_flow", "pause_flow_again")
    ),
)


def verdicts(recording: dict[str, Any], found: list[str]) -> list[tuple[str, str, list[str]]]:
    """For each guess: (what, "confirmed" | "refuted" | "not exercised", the differences that refute it)."""
    answered = {s["step"] for s in recording.get("steps", []) if "skipped" not in s}
    result = []
    for guess in GUESSES:
        said = [d for d in found if d.split(":", 1)[0] in guess.steps]
        verdict = "refuted" if said else "confirmed" if answered & set(guess.steps) else "not exercised"
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
