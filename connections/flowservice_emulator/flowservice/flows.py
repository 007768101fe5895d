"""Dataflows: a flow joins source connections to target connections through a flow spec and, for raw data, a
Data Prep mapping (the streaming tutorial; update-dataflows.md; the destinations guide's flow actions)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.store import Store

from . import datalake, patching
from . import exceptions as refused
from .listing import ListQuery
from .objects import StoredConnections, check_spec_ref, current, json_object, new_doc, now_ms, touched

Doc = dict[str, Any]
FLOWS = "flows"
READINGS = "flow_readings"  # the emulator's own record, never answered: what each flow reads
MappingSchema = Callable[[Caller, str, int], str | None]  # (caller, mapping id, version) -> its schema $id
ACTIONS = {"enable": "enabled", "disable": "disabled"}


class Flows:
    def __init__(self, store: Store, connections: StoredConnections, mapping_schema: MappingSchema) -> None:
        self.store = store
        self.connections = connections
        self.mapping_schema = mapping_schema

    def create(self, caller: Caller, body: Any) -> Doc:
        body = json_object(body)
        if "state" in body:
            raise refused.StateNotAllowed()
        flow_spec = check_spec_ref(body, datalake.STREAMING_FLOW_SPEC_ID, field="flowSpec")
        sources = self._ends(caller, body, "sourceConnectionIds", "sourceConnectionSpecIds")
        targets = self._ends(caller, body, "targetConnectionIds", "targetConnectionSpecIds")
        transformations = [self._transformation(caller, t, targets) for t in _list(body, "transformations")]
        doc = new_doc(caller, body) | {
            "flowSpec": flow_spec,
            "sourceConnectionIds": [s["id"] for s in sources],
            "targetConnectionIds": [t["id"] for t in targets],
            "inheritedAttributes": _inherited(sources, targets),
            "transformations": transformations,
            "lastOperation": _operation("create", []),
        }
        doc["runs"] = f"/runs?property=flowId=={doc['id']}"
        doc["createdAt"] = doc["updatedAt"] = doc["lastOperation"]["started"] = self.store.now_ms()  # simulated clock
        self.store.insert(READINGS, _reading(doc, sources[0]))
        return self.store.insert(FLOWS, doc)

    def reading(self, caller: Caller, flow: Doc) -> Doc:
        """The source connection as it was when the flow was created: Adobe does not carry later changes to a
        source connection into its dataflows (update-dataflows.md), so the flow's runs keep reading this."""
        kept = self.store.get(READINGS, flow["id"], caller.org, caller.sandbox)
        if kept is None:  # a flow stored before readings were kept
            return self.connections.source_connection(caller, flow["sourceConnectionIds"][0])
        source: Doc = kept["source"]
        return source

    def get(self, caller: Caller, flow_id: str) -> Doc:
        doc = self.store.get(FLOWS, flow_id, caller.org, caller.sandbox)
        if doc is None:
            raise refused.ResourceNotFound()
        return doc

    def listed(self, caller: Caller, query: ListQuery) -> Doc:
        return query.answer(FLOWS, self.store.all(FLOWS, caller.org, caller.sandbox))

    def update(self, caller: Caller, flow_id: str, if_match: str | None, body: Any) -> Doc:
        doc = current(self.get(caller, flow_id), if_match)
        targets = [self.connections.target_connection(caller, t) for t in doc["targetConnectionIds"]]

        def apply(updated: Doc, operation: patching.Operation) -> None:
            if operation.path != "/transformations/0" or operation.removes:
                raise refused.InvalidPatch(reason=f'Missing field "{operation.path.lstrip("/")}".')
            updated["transformations"][:1] = [self._transformation(caller, operation.value, targets)]

        updated = patching.patched(doc, body, apply)
        ops = body if isinstance(body, list) else [body]
        updated["lastOperation"] = _operation("update", ops)
        return self._save(caller, updated)

    def act(self, caller: Caller, flow_id: str, op: str) -> Doc:
        """`op=enable|disable`. Enabling an enabled flow (or disabling a disabled one) is refused, as the error
        catalogue's 1422-400 shows for disable; a client that lost an answer reads the flow instead."""
        state = ACTIONS.get(op.lower())
        if state is None:
            raise refused.UnsupportedOperation(op=op)
        doc = self.get(caller, flow_id)
        if doc["state"] == state:
            raise refused.ActionNotApplicable(op=op.lower(), state=doc["state"])
        doc["state"] = state
        doc["lastOperation"] = _operation(op.lower(), []) | {"started": self.store.now_ms()}  # runs stop there
        return self._save(caller, doc)

    def delete(self, caller: Caller, flow_id: str) -> None:
        self.get(caller, flow_id)
        self.store.delete(FLOWS, flow_id)

    def using(self, caller: Caller, field: str, object_id: str) -> bool:
        """Does any flow of the sandbox name the object in `field` (sourceConnectionIds, targetConnectionIds)?"""
        return any(object_id in flow[field] for flow in self.store.all(FLOWS, caller.org, caller.sandbox))

    def use_base(self, caller: Caller, base_id: str) -> bool:
        """Does any flow read through a source connection on this base connection?"""
        return any(
            source["baseConnection"]["id"] == base_id
            for flow in self.store.all(FLOWS, caller.org, caller.sandbox)
            for source in flow["inheritedAttributes"]["sourceConnections"]
        )

    def counts(self) -> dict[str, int]:
        return {FLOWS: self.store.count(FLOWS)}

    def _save(self, caller: Caller, doc: Doc) -> Doc:
        self.store.replace(FLOWS, touched(caller, doc))
        return doc

    def _ends(self, caller: Caller, body: Doc, field: str, spec_field: str) -> list[Doc]:
        """The flow's source (or target) connections: existing, of a spec the flow spec allows."""
        ids = _list(body, field)
        if not ids or not all(isinstance(i, str) for i in ids):
            raise refused.MissingField(field=field)
        read = self.connections.source_connection if field.startswith("source") else self.connections.target_connection
        ends = [_existing(read, caller, i, field) for i in ids]
        allowed = datalake.STREAMING_FLOW_SPEC[spec_field]
        for end in ends:
            if end["connectionSpec"]["id"] not in allowed:
                raise refused.InvalidRequest(reason=f"The flow spec does not allow {field} {end['id']}.")
        return ends

    def _transformation(self, caller: Caller, raw: Any, targets: list[Doc]) -> Doc:
        """A Mapping transformation whose mapping set exists at that version and writes the target's schema."""
        params = raw.get("params") if isinstance(raw, dict) else None
        if not isinstance(params, dict) or raw.get("name") != "Mapping" or not params.get("mappingId"):
            raise refused.InvalidRequest(reason='Each transformation must be {"name": "Mapping", "params": {...}}.')
        version = str(params.get("mappingVersion", "0"))
        if not version.isdigit():
            raise refused.InvalidMappingVersion()
        mapping_id = str(params["mappingId"])
        schema = self.mapping_schema(caller, mapping_id, int(version))
        if schema is None:
            raise refused.MappingNotValid(mapping_id=mapping_id, version=version)
        for target in targets:
            dataset_id = target["params"]["dataSetId"]
            if self.connections.dataset_schema(caller, dataset_id) != schema:
                raise refused.SchemaMismatch(dataset_id=dataset_id, mapping_id=mapping_id)
        # GET shows mappingVersion as a string (update-dataflows.md).
        return {"name": "Mapping", "params": {"mappingId": mapping_id, "mappingVersion": version}}


def _list(body: Doc, field: str) -> list[Any]:
    value = body.get(field) or []
    if not isinstance(value, list):
        raise refused.InvalidRequest(reason=f"{field} must be a list.")
    return value


def _existing(read: Callable[[Caller, str], Doc], caller: Caller, object_id: str, field: str) -> Doc:
    try:
        return read(caller, object_id)
    except refused.ResourceNotFound:
        # Adobe's documents are silent on the code for a flow naming an unknown connection; a 400 to act on.
        raise refused.InvalidRequest(reason=f"The {field} {object_id} does not exist.") from None


def _inherited(sources: list[Doc], targets: list[Doc]) -> Doc:
    return {
        "sourceConnections": [
            {
                "id": s["id"],
                "connectionSpec": s["connectionSpec"],
                "baseConnection": s["inheritedAttributes"]["baseConnection"],
            }
            for s in sources
        ],
        "targetConnections": [{"id": t["id"], "connectionSpec": t["connectionSpec"]} for t in targets],
    }


def _operation(operation: str, ops: list[Any]) -> Doc:
    now = now_ms()
    return {
        "started": now,
        "updated": now,
        "percentCompleted": 100.0,
        "status": {"value": "completed", "errors": []},
        "ops": ops,
        "operation": operation,
    }


def _reading(flow: Doc, source: Doc) -> Doc:
    kept = {"baseConnectionId": source["baseConnectionId"], "params": dict(source["params"])}
    return {key: flow[key] for key in ("id", "imsOrgId", "sandboxName", "name")} | {"source": kept}
