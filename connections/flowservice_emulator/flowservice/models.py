"""Flow Service's state and rules for the Event Hubs journey: connection specs, base connections (with the
simulated Azure behind test and explore), source connections, Data Lake target connections, flow specs, and
(in flows.py) dataflows. No HTTP here: refusals are typed errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from connections.flowservice_emulator import eventdata
from connections.flowservice_emulator.azure import AzureError, SimulatedAzure
from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.store import CONNECTIONS, SOURCE_CONNECTIONS, Store

from . import credentials, datalake, patching, spec
from . import exceptions as refused
from .credentials import same_secret
from .flows import Flows, MappingSchema
from .listing import ListQuery
from .objects import check_spec_ref, current, json_object, new_doc, touched
from .preview import preview
from .runs import FieldTypes, MappingOf, RequiredFields, Runs

Doc = dict[str, Any]
TARGET_CONNECTIONS = "targetConnections"


@dataclass(frozen=True)
class Neighbours:
    """What Flow Service asks the other services (as Adobe's Flow Service asks Catalog and Data Prep)."""

    dataset_schema: Callable[[Caller, str], str | None]  # (caller, dataset id) -> its schema $id, or None
    mapping_schema: MappingSchema  # (caller, mapping id, version) -> its schema $id, or None
    mapping_of: MappingOf  # (caller, mapping id) -> the mapping set, or None
    field_types: FieldTypes  # schema $id -> {leaf path: XDM type}
    required_fields: RequiredFields  # schema $id -> the leaf paths every record must have


OBJECT_TYPES = ("root", "table", "file", "folder", "rest")
T = TypeVar("T")


class FlowService:
    def __init__(self, store: Store, azure: SimulatedAzure, neighbours: Neighbours) -> None:
        self.store = store
        self.azure = azure
        self.dataset_schema = neighbours.dataset_schema
        self.flows = Flows(store, self, neighbours.mapping_schema)
        self.runs = Runs(store, self, neighbours, self.flows.reading)

    # Connection specs

    def connection_specs(self, query: ListQuery) -> Doc:
        return query.answer("connectionSpecs", [spec.CONNECTION_SPEC, datalake.DATA_LAKE_SPEC])

    def connection_spec(self, spec_id: str) -> Doc:
        return _one([spec.CONNECTION_SPEC, datalake.DATA_LAKE_SPEC], spec_id)

    def flow_specs(self, query: ListQuery) -> Doc:
        return query.answer("flowSpecs", [datalake.STREAMING_FLOW_SPEC])

    def flow_spec(self, spec_id: str) -> Doc:
        return _one([datalake.STREAMING_FLOW_SPEC], spec_id)

    # Base connections

    def create_connection(self, caller: Caller, body: Any) -> Doc:
        body = json_object(body)
        check_spec_ref(body, spec.EVENT_HUBS_SPEC_ID)
        auth = body.get("auth")
        if not isinstance(auth, dict) or not auth.get("specName"):
            raise refused.MissingField(field="auth.specName")
        schema = spec.auth_spec(str(auth["specName"]))
        if schema is None:
            raise refused.AuthSpecNotFound(spec_name=auth["specName"], spec_id=spec.EVENT_HUBS_SPEC_ID)
        spec.validate_params(schema, auth.get("params"), where="auth.params")
        doc = new_doc(caller, body) | {
            "connectionSpec": {"id": spec.EVENT_HUBS_SPEC_ID, "version": "1.0"},
            "auth": {"specName": auth["specName"], "params": credentials.hashed(auth["specName"], auth["params"])},
        }
        return self.store.insert(CONNECTIONS, doc)

    def connection(self, caller: Caller, connection_id: str) -> Doc:
        return credentials.masked(self._stored(CONNECTIONS, caller, connection_id))

    def connections(self, caller: Caller, query: ListQuery) -> Doc:
        docs = [credentials.masked(d) for d in self.store.all(CONNECTIONS, caller.org, caller.sandbox)]
        return query.answer(CONNECTIONS, docs)

    def update_connection(self, caller: Caller, connection_id: str, if_match: str | None, body: Any) -> Doc:
        doc = current(self._stored(CONNECTIONS, caller, connection_id), if_match)
        updated = patching.patched(doc, body, patching.apply_to_connection)
        schema = spec.auth_spec(updated["auth"]["specName"]) or {"properties": {}}
        spec.validate_params(schema, updated["auth"]["params"], where="auth.params")
        return self._save(CONNECTIONS, caller, updated)

    def delete_connection(self, caller: Caller, connection_id: str) -> None:
        self._stored(CONNECTIONS, caller, connection_id)
        if self.flows.use_base(caller, connection_id):
            raise refused.BaseConnectionInUse(connection_id=connection_id)
        self.store.delete(CONNECTIONS, connection_id)

    def test_connection(self, caller: Caller, connection_id: str) -> bool:
        auth = self._stored(CONNECTIONS, caller, connection_id)["auth"]
        return self.azure.test(spec.AZURE_AUTH[auth["specName"]], auth["params"], credentials.same_secret)

    def explore(self, caller: Caller, connection_id: str, object_type: str, hub: str | None = None) -> Any:
        """`objectType=root`: one `folder` entry per event hub (Adobe publishes no Event Hubs example of this shape:
        UNCONFIRMED). `objectType=file&object=<hub>&preview=true`: the hub's newest events (see preview.py)."""
        auth = self._stored(CONNECTIONS, caller, connection_id)["auth"]
        kind = object_type.lower()
        if kind not in OBJECT_TYPES:
            raise refused.InvalidObjectType(
                reason="The provided param 'objectType' is invalid. Please provide a valid objectType and try again."
            )
        if kind == "file" and hub:
            return self._preview(auth, hub)
        if kind != "root":
            raise refused.InvalidObjectType(
                reason=f"Azure Event Hubs can be explored with objectType=root, or previewed with objectType=file "
                f"and object=<event hub>, not {object_type}."
            )
        hubs = self._azure(lambda: self.azure.explore(spec.AZURE_AUTH[auth["specName"]], auth["params"], same_secret))
        return [{"type": "folder", "name": h, "path": h, "canPreview": True, "canFetchSchema": True} for h in hubs]

    def _preview(self, auth: Doc, hub: str) -> Doc:
        access = self._azure(lambda: self.azure.access(spec.AZURE_AUTH[auth["specName"]], auth["params"], same_secret))
        if hub not in access.hubs:
            # A hub the namespace lacks: Azure says so to any reader; one it has but they may not read: a refusal.
            missing = self.azure.missing_hub(access.namespace, hub)
            raise refused.ExploreFailed(
                reason=missing or f"Unauthorized: the credentials cannot read the event hub '{hub}'."
            )
        now = self.store.now_ms()
        return preview([e.body for e in eventdata.events(hub, self.store.epoch_ms(), 0, now)])

    def _azure(self, call: Callable[[], T]) -> T:
        """Azure's refusal, passed on as Flow Service passes it (1308-400)."""
        try:
            return call()
        except AzureError as exc:
            raise refused.ExploreFailed(reason=str(exc)) from None

    # Source connections

    def create_source_connection(self, caller: Caller, body: Any) -> Doc:
        body = json_object(body)
        check_spec_ref(body, spec.EVENT_HUBS_SPEC_ID)
        data = body.get("data")
        data_format = patching.check_format(
            data.get("format") if isinstance(data, dict) else None, spec.SUPPORTED_FORMATS
        )
        base_id = self._base_connection_id(caller, body)
        spec.validate_params(spec.SOURCE_SPEC["spec"], body.get("params"), where="params")
        spec_ref = {"id": spec.EVENT_HUBS_SPEC_ID, "version": "1.0"}
        doc = new_doc(caller, body) | {
            "baseConnectionId": base_id,
            "connectionSpec": spec_ref,
            "data": {"format": data_format},
            "params": {**spec.SOURCE_DEFAULTS, **body["params"]},
            "providerRefId": spec.CONNECTION_SPEC["providerId"],
            "inheritedAttributes": {"baseConnection": {"id": base_id, "connectionSpec": spec_ref}},
        }
        return self.store.insert(SOURCE_CONNECTIONS, doc)

    def source_connection(self, caller: Caller, source_id: str) -> Doc:
        return self._stored(SOURCE_CONNECTIONS, caller, source_id)

    def source_connections(self, caller: Caller, query: ListQuery) -> Doc:
        return self._listed(SOURCE_CONNECTIONS, caller, query)

    def update_source_connection(self, caller: Caller, source_id: str, if_match: str | None, body: Any) -> Doc:
        doc = current(self._stored(SOURCE_CONNECTIONS, caller, source_id), if_match)
        updated = patching.patched(doc, body, patching.apply_to_source_connection)
        spec.validate_params(spec.SOURCE_SPEC["spec"], updated["params"], where="params")
        return self._save(SOURCE_CONNECTIONS, caller, updated)

    def reading_problem(self, caller: Caller, source: Doc) -> str | None:
        """Why a flow on this source connection reads nothing from Azure (an unknown hub or consumer group)."""
        base = self.store.get(CONNECTIONS, source["baseConnectionId"], caller.org, caller.sandbox)
        if base is None:
            return None  # the base connection is guarded while a flow uses it; a deleted one reads as before
        params = source["params"]
        namespace = str(base["auth"]["params"].get("namespace", ""))
        return self.azure.reading_problem(namespace, params["eventHubName"], params.get("consumerGroup", "$Default"))

    def delete_source_connection(self, caller: Caller, source_id: str) -> None:
        self._delete_unless_in_a_flow(SOURCE_CONNECTIONS, caller, source_id, "sourceConnectionIds")

    # Target connections (the Data Lake)

    def create_target_connection(self, caller: Caller, body: Any) -> Doc:
        body = json_object(body)
        spec_ref = check_spec_ref(body, datalake.DATA_LAKE_SPEC_ID)
        data = body.get("data") if isinstance(body.get("data"), dict) else {}
        data_format = patching.check_format(data.get("format"), datalake.TARGET_FORMATS, kind="TargetConnection")
        params = body.get("params")
        spec.validate_params(datalake.DATA_LAKE_SPEC["targetSpec"]["spec"], params, where="params")
        if self.dataset_schema(caller, params["dataSetId"]) is None:
            # Adobe's documents are silent on the code for an unknown dataset; a 400 a client can act on.
            raise refused.InvalidRequest(
                reason=f"The dataset {params['dataSetId']} does not exist in sandbox '{caller.sandbox}'."
            )
        doc = new_doc(caller, body) | {
            "connectionSpec": spec_ref,
            "data": {"format": data_format, **({"schema": data["schema"]} if "schema" in data else {})},
            "params": {"dataSetId": params["dataSetId"]},
        }
        return self.store.insert(TARGET_CONNECTIONS, doc)

    def target_connection(self, caller: Caller, target_id: str) -> Doc:
        return self._stored(TARGET_CONNECTIONS, caller, target_id)

    def target_connections(self, caller: Caller, query: ListQuery) -> Doc:
        return self._listed(TARGET_CONNECTIONS, caller, query)

    def delete_target_connection(self, caller: Caller, target_id: str) -> None:
        self._delete_unless_in_a_flow(TARGET_CONNECTIONS, caller, target_id, "targetConnectionIds")

    # Shared

    def counts(self) -> dict[str, int]:
        kinds = (CONNECTIONS, SOURCE_CONNECTIONS, TARGET_CONNECTIONS)
        return {kind: self.store.count(kind) for kind in kinds} | self.flows.counts()

    def _stored(self, kind: str, caller: Caller, object_id: str) -> Doc:
        """An object of the caller's org and sandbox: another sandbox does not see it."""
        doc = self.store.get(kind, object_id, caller.org, caller.sandbox)
        if doc is None:
            raise refused.ResourceNotFound()
        return doc

    def _base_connection_id(self, caller: Caller, body: Doc) -> str:
        base_id = body.get("baseConnectionId")
        if not base_id:
            raise refused.MissingField(field="baseConnectionId")
        if self.store.get(CONNECTIONS, str(base_id), caller.org, caller.sandbox) is None:
            # Adobe's documents are silent on the code for an unknown base connection; a 400 a client can act on.
            raise refused.InvalidRequest(
                reason=f"The base connection {base_id} does not exist in sandbox '{caller.sandbox}'."
            )
        return str(base_id)

    def _delete_unless_in_a_flow(self, kind: str, caller: Caller, object_id: str, flow_field: str) -> None:
        """Delete one of the caller's objects; refused while a flow names it in `flow_field`."""
        self._stored(kind, caller, object_id)
        if self.flows.using(caller, flow_field, object_id):
            raise refused.ActiveFlows(object_id=object_id)
        self.store.delete(kind, object_id)

    def _listed(self, kind: str, caller: Caller, query: ListQuery) -> Doc:
        """One page of the caller's objects of a kind, in Flow Service's list shape."""
        return query.answer(kind, self.store.all(kind, caller.org, caller.sandbox))

    def _save(self, kind: str, caller: Caller, doc: Doc) -> Doc:
        self.store.replace(kind, touched(caller, doc))
        return doc


def _one(specs: list[Doc], spec_id: str) -> Doc:
    found = next((s for s in specs if s["id"] == spec_id), None)
    if found is None:
        raise refused.ResourceNotFound()
    return found
