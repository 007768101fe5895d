"""Runs of a streaming dataflow, computed from the simulated clock: one run per hourly window since the flow was
created (help/sources/tutorials/ui/monitor-streaming.md), counting the hub's events read from `reset` (earliest:
the backlog too; latest: only what arrived after the flow was made), mapped onto the target schema.

Adobe documents runs with a batch example only (help/dataflows/api/monitor.md) and is silent on streaming runs'
errors: the emulator reuses that example's shape and codes. The run's `metrics.statusSummary.errors` carries the
summary (CONNECTOR-2001-500); the record-level reasons sit in `activities[]`, under the promotion activity's
`statusSummary.extensions.errors` with their `recordCount` (MAPPER-3700-400 for a value the mapping cannot convert;
INGEST-1212-400 for a record that is not JSON). Flow Service's OpenAPI file spells the list `activites`; the
tutorial's `activities` is followed, as that is what its example answer shows.

A flow on an event hub or consumer group that the namespace does not have reads nothing: each run fails, its copy
activity carrying Azure's words. Adobe's documents are silent on that error's code: the example's only connector
code (CONNECTOR-2001-500) is reused. The few minutes' pause Adobe mentions after a flow is created is not simulated.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from connections.flowservice_emulator import eventdata
from connections.flowservice_emulator.dataprep import values
from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.store import Store

from . import exceptions as refused
from .listing import ListQuery
from .objects import StoredConnections

Doc = dict[str, Any]
HOUR_MS = 3_600_000
MappingOf = Callable[[Caller, str], Doc | None]  # (caller, mapping id) -> the mapping set
FieldTypes = Callable[[str], dict[str, str]]  # schema $id -> {leaf path: XDM type}
RequiredFields = Callable[[str], tuple[str, ...]]  # schema $id -> the leaf paths every record must have
ReadingOf = Callable[[Caller, Doc], Doc]  # (caller, flow) -> the source connection the flow reads
CONNECTOR_ERROR = "CONNECTOR-2001-500"  # the monitoring example's code for a failing activity
PROMOTION_FAILED = "Error occurred at promotion activity."
TRUE, FALSE = {"y", "yes", "on", "true"}, {"n", "no", "off", "false"}  # Data Prep's boolean strings


class Schemas(Protocol):
    """What the runs ask Data Prep and the Schema Registry."""

    @property
    def mapping_of(self) -> MappingOf: ...
    @property
    def field_types(self) -> FieldTypes: ...
    @property
    def required_fields(self) -> RequiredFields: ...


class Runs:
    def __init__(self, store: Store, connections: StoredConnections, schemas: Schemas, reading: ReadingOf) -> None:
        self.store, self.connections, self.reading = store, connections, reading
        self.mapping_of, self.types, self.required = schemas.mapping_of, schemas.field_types, schemas.required_fields

    def listed(self, caller: Caller, query: ListQuery) -> Doc:
        flows = self.store.all("flows", caller.org, caller.sandbox)
        return query.answer("runs", [run for flow in flows for run in self._runs(caller, flow)])

    def by_dataset(self, caller: Caller) -> list[tuple[str, int, int]]:
        """(dataset id, run start, records ingested) of every run of the sandbox, for Observability."""
        found = []
        for flow in self.store.all("flows", caller.org, caller.sandbox):
            datasets = [
                self.connections.target_connection(caller, t)["params"]["dataSetId"]
                for t in flow["targetConnectionIds"]
            ]
            for run in self._runs(caller, flow):
                ingested = run["metrics"]["recordSummary"]["outputRecordCount"]
                found += [(d, run["createdAt"], ingested) for d in datasets]
        return found

    def get(self, caller: Caller, run_id: str) -> Doc:
        for flow in self.store.all("flows", caller.org, caller.sandbox):
            for run in self._runs(caller, flow):
                if run["id"] == run_id:
                    return run
        raise refused.ResourceNotFound()

    def _runs(self, caller: Caller, flow: Doc) -> list[Doc]:
        source = self.reading(caller, flow)  # what the flow was created on, whatever the source became since
        hub, reset = source["params"]["eventHubName"], source["params"].get("reset", "earliest")
        created, now, epoch = flow["createdAt"], self.store.now_ms(), self.store.epoch_ms()
        if flow["state"] == "disabled":
            now = min(now, flow["lastOperation"]["started"])
        convert, problem = self._converter(caller, flow), self.connections.reading_problem(caller, source)
        runs, start = [], created
        while start <= now:
            after = (0 if reset == "earliest" else created) if start == created else start
            read = [] if problem else eventdata.events(hub, epoch, after, min(now, start + HOUR_MS))
            runs.append(_run(flow, Window(start, now), [convert(e.body) for e in read], problem))
            start += HOUR_MS
        return runs[::-1]  # newest first

    def _converter(self, caller: Caller, flow: Doc) -> Callable[[str], str | None]:
        """A function from an event's body to why it fails (None: ingested)."""
        transformations = flow.get("transformations") or []
        mapping = self.mapping_of(caller, transformations[0]["params"]["mappingId"]) if transformations else None
        mappings: list[Doc] = (mapping or {}).get("mappings", [])
        types = self.types(mapping["xdmSchema"]) if mapping else {}
        required = self.required(mapping["xdmSchema"]) if mapping else ()

        def convert(body: str) -> str | None:
            try:
                record = json.loads(body)
            except ValueError:
                return "INGEST-1212-400|The record is not valid JSON."
            if not isinstance(record, dict):
                return "INGEST-1212-400|The record is not a JSON object."
            written = [(values.destination(m), values.value(record, m)) for m in mappings]
            found = next(filter(None, (_problem(v, d, types.get(d, "string")) for d, v in written)), None)
            return found or _missing(written, required)

        return convert


def _problem(value: Any, destination: str, xdm_type: str) -> str | None:
    if value is None or _converts(value, xdm_type):
        return None  # a missing attribute leaves the field empty (Data Prep nullifies it)
    return f"MAPPER-3700-400|Mapper Transform Error: cannot convert {value!r} to {xdm_type} for {destination}."


def _missing(written: list[tuple[str, Any]], required: tuple[str, ...]) -> str | None:
    """A required field of the schema that no mapping fills for the record: streaming validation refuses
    the record (help/ingestion/quality/overview.md: a required field check; the record goes to failed records)."""
    for path in required:
        if all(v in (None, "") for d, v in written if d == path):
            return f"INGEST-1212-400|Record is invalid: required key [{path}] not found."
    return None


def _converts(value: Any, xdm_type: str) -> bool:
    if xdm_type in ("number", "integer", "long"):
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        return xdm_type == "number" or number.is_integer()
    if xdm_type == "boolean":
        return isinstance(value, bool) or str(value).lower() in TRUE | FALSE
    return not isinstance(value, dict | list)


@dataclass(frozen=True)
class Window:
    """An hourly run's start, and the simulated clock's now."""

    start: int
    now: int

    @property
    def end(self) -> int:
        return min(self.now, self.start + HOUR_MS)

    @property
    def status(self) -> str:
        return "success" if self.start + HOUR_MS <= self.now else "inProgress"


def _run(flow: Doc, window: Window, outcomes: list[str | None], problem: str | None) -> Doc:
    run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{flow['id']}/{window.start}"))
    fields = ("createdBy", "updatedBy", "createdClient", "updatedClient", "sandboxId", "sandboxName", "imsOrgId")
    activities = [_copy(window, len(outcomes), problem), _promotion(window, outcomes)]
    return {
        "id": run_id,
        "flowId": flow["id"],
        "etag": f'"{hashlib.sha256(f"{run_id}{window.end}".encode()).hexdigest()[:8]}-0000-0200-0000-000000000000"',
        "createdAt": window.start,
        "updatedAt": window.end,
        **{f: flow[f] for f in fields},
        "metrics": {
            "durationSummary": _duration(window),
            "recordSummary": activities[1]["recordSummary"],
            "statusSummary": {
                "status": "failed" if problem else window.status,
                "errors": [e for a in activities for e in a["statusSummary"].get("errors", [])],
            },
        },
        "activities": activities,
    }


def _duration(window: Window) -> Doc:
    return {"startedAtUTC": window.start, "completedAtUTC": window.end}


def _copy(window: Window, read: int, problem: str | None) -> Doc:
    """Reading the event hub: fails, with Azure's words, when the hub or consumer group does not exist."""
    status: Doc = {"status": "failed", "errors": [{"code": CONNECTOR_ERROR, "message": problem}]} if problem else {}
    return {
        "id": "copyActivity",
        "updatedAtUTC": window.end,
        "durationSummary": _duration(window),
        "recordSummary": {"inputRecordCount": read, "outputRecordCount": read},
        "statusSummary": status or {"status": window.status},
    }


def _promotion(window: Window, outcomes: list[str | None]) -> Doc:
    """Mapping and ingesting: each record's reason for failing, counted per reason."""
    failures = Counter(o for o in outcomes if o)
    reasons = [
        {"code": code, "recordCount": count, "message": message}
        for (code, message), count in ((k.split("|", 1), n) for k, n in sorted(failures.items()))
    ]
    status: Doc = {"status": window.status}
    if reasons:
        status |= {
            "errors": [{"code": CONNECTOR_ERROR, "message": PROMOTION_FAILED}],
            "extensions": {"errors": reasons},
        }
    return {
        "id": "promotionActivity",
        "updatedAtUTC": window.end,
        "durationSummary": _duration(window),
        "recordSummary": {
            "inputRecordCount": len(outcomes),
            "outputRecordCount": len(outcomes) - sum(failures.values()),
            "failedRecordCount": sum(failures.values()),
        },
        "statusSummary": status,
    }
