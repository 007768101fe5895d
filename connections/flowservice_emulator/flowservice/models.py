"""Flow Service's state and rules for the Event Hubs journey: connection specs, base connections (with the
simulated Azure behind test and explore) and source connections. No HTTP here: refusals are typed errors."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from connections.flowservice_emulator.azure import AzureError, SimulatedAzure
from connections.flowservice_emulator.gateway import Caller
from connections.flowservice_emulator.store import CONNECTIONS, SOURCE_CONNECTIONS, Store

from . import credentials, patching, spec
from . import exceptions as refused
from .listing import ListQuery

Doc = dict[str, Any]
OBJECT_TYPES = ("root", "table", "file", "folder", "rest")


def new_etag() -> str:
    return f'"{secrets.token_hex(4)}-0000-0200-0000-{secrets.token_hex(6)}"'


def unquoted(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def now_ms() -> int:
    return int(time.time() * 1000)


class FlowService:
    def __init__(self, store: Store, azure: SimulatedAzure) -> None:
        self.store = store
        self.azure = azure

    # Connection specs

    def connection_specs(self, query: ListQuery) -> Doc:
        return query.answer("connectionSpecs", [spec.CONNECTION_SPEC])

    def connection_spec(self, spec_id: str) -> Doc:
        if spec_id != spec.EVENT_HUBS_SPEC_ID:
            raise refused.ResourceNotFound()
        return spec.CONNECTION_SPEC

    # Base connections

    def create_connection(self, caller: Caller, body: Any) -> Doc:
        body = _object(body)
        _check_spec_ref(body)
        auth = body.get("auth")
        if not isinstance(auth, dict) or not auth.get("specName"):
            raise refused.MissingField(field="auth.specName")
        schema = spec.auth_spec(str(auth["specName"]))
        if schema is None:
            raise refused.AuthSpecNotFound(spec_name=auth["specName"], spec_id=spec.EVENT_HUBS_SPEC_ID)
        spec.validate_params(schema, auth.get("params"), where="auth.params")
        doc = _new_doc(caller, body) | {
            "connectionSpec": {"id": spec.EVENT_HUBS_SPEC_ID, "version": "1.0"},
            "auth": {"specName": auth["specName"], "params": credentials.hashed(auth["specName"], auth["params"])},
        }
        self.store.insert(CONNECTIONS, doc)
        return doc

    def connection(self, caller: Caller, connection_id: str) -> Doc:
        return credentials.masked(self._stored(CONNECTIONS, caller, connection_id))

    def connections(self, caller: Caller, query: ListQuery) -> Doc:
        docs = [credentials.masked(d) for d in self.store.all(CONNECTIONS, caller.org, caller.sandbox)]
        return query.answer(CONNECTIONS, docs)

    def update_connection(self, caller: Caller, connection_id: str, if_match: str | None, body: Any) -> Doc:
        doc = _current(self._stored(CONNECTIONS, caller, connection_id), if_match)
        updated = patching.patched(doc, body, patching.apply_to_connection)
        schema = spec.auth_spec(updated["auth"]["specName"]) or {"properties": {}}
        spec.validate_params(schema, updated["auth"]["params"], where="auth.params")
        return self._save(CONNECTIONS, caller, updated)

    def delete_connection(self, caller: Caller, connection_id: str) -> None:
        self._stored(CONNECTIONS, caller, connection_id)
        self.store.delete(CONNECTIONS, connection_id)

    def test_connection(self, caller: Caller, connection_id: str) -> bool:
        auth = self._stored(CONNECTIONS, caller, connection_id)["auth"]
        return self.azure.test(spec.AZURE_AUTH[auth["specName"]], auth["params"], credentials.same_secret)

    def explore(self, caller: Caller, connection_id: str, object_type: str) -> list[Doc]:
        """One `folder` entry per event hub: Adobe publishes no Event Hubs example of this shape (UNCONFIRMED)."""
        auth = self._stored(CONNECTIONS, caller, connection_id)["auth"]
        if object_type.lower() not in OBJECT_TYPES:
            raise refused.InvalidObjectType(
                reason="The provided param 'objectType' is invalid. Please provide a valid objectType and try again."
            )
        if object_type.lower() != "root":
            raise refused.InvalidObjectType(
                reason=f"Azure Event Hubs can only be explored with objectType=root, not {object_type}."
            )
        try:
            hubs = self.azure.explore(spec.AZURE_AUTH[auth["specName"]], auth["params"], credentials.same_secret)
        except AzureError as exc:
            raise refused.ExploreFailed(reason=str(exc)) from None
        return [{"type": "folder", "name": h, "path": h, "canPreview": False, "canFetchSchema": False} for h in hubs]

    # Source connections

    def create_source_connection(self, caller: Caller, body: Any) -> Doc:
        body = _object(body)
        _check_spec_ref(body)
        data = body.get("data")
        data_format = patching.check_format(data.get("format") if isinstance(data, dict) else None)
        base_id = self._base_connection_id(caller, body)
        spec.validate_params(spec.SOURCE_SPEC["spec"], body.get("params"), where="params")
        spec_ref = {"id": spec.EVENT_HUBS_SPEC_ID, "version": "1.0"}
        doc = _new_doc(caller, body) | {
            "baseConnectionId": base_id,
            "connectionSpec": spec_ref,
            "data": {"format": data_format},
            "params": {**spec.SOURCE_DEFAULTS, **body["params"]},
            "providerRefId": spec.CONNECTION_SPEC["providerId"],
            "inheritedAttributes": {"baseConnection": {"id": base_id, "connectionSpec": spec_ref}},
        }
        self.store.insert(SOURCE_CONNECTIONS, doc)
        return doc

    def source_connection(self, caller: Caller, source_id: str) -> Doc:
        return self._stored(SOURCE_CONNECTIONS, caller, source_id)

    def source_connections(self, caller: Caller, query: ListQuery) -> Doc:
        return query.answer(SOURCE_CONNECTIONS, self.store.all(SOURCE_CONNECTIONS, caller.org, caller.sandbox))

    def update_source_connection(self, caller: Caller, source_id: str, if_match: str | None, body: Any) -> Doc:
        doc = _current(self._stored(SOURCE_CONNECTIONS, caller, source_id), if_match)
        updated = patching.patched(doc, body, patching.apply_to_source_connection)
        spec.validate_params(spec.SOURCE_SPEC["spec"], updated["params"], where="params")
        return self._save(SOURCE_CONNECTIONS, caller, updated)

    def delete_source_connection(self, caller: Caller, source_id: str) -> None:
        self._stored(SOURCE_CONNECTIONS, caller, source_id)
        self.store.delete(SOURCE_CONNECTIONS, source_id)

    # Shared

    def counts(self) -> dict[str, int]:
        return {"connections": self.store.count(CONNECTIONS), "sourceConnections": self.store.count(SOURCE_CONNECTIONS)}

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

    def _save(self, kind: str, caller: Caller, doc: Doc) -> Doc:
        doc.update(etag=new_etag(), updatedAt=now_ms(), updatedBy=caller.user, updatedClient=caller.client_id)
        doc["version"] = doc["etag"]
        self.store.replace(kind, doc)
        return doc


def _object(body: Any) -> Doc:
    if not isinstance(body, dict):
        raise refused.InvalidRequest(reason="The body must be a JSON object.")
    return body


def _check_spec_ref(body: Doc) -> None:
    ref = body.get("connectionSpec")
    if not isinstance(ref, dict) or not ref.get("id"):
        raise refused.MissingField(field="connectionSpec.id")
    if ref["id"] != spec.EVENT_HUBS_SPEC_ID or ref.get("version", "1.0") != "1.0":
        raise refused.InvalidSpecId()


def _current(doc: Doc, if_match: str | None) -> Doc:
    """The doc, if `If-Match` names its current version, quoted or not (Adobe's examples show both)."""
    if not if_match:
        raise refused.IfMatchMissing()
    if unquoted(if_match) != unquoted(doc["etag"]):
        raise refused.VersionNotMatching(supplied=if_match, current=unquoted(doc["etag"]))
    return doc


def _new_doc(caller: Caller, body: Doc) -> Doc:
    name = patching.text_field("name", body.get("name"), required=True)
    description = patching.text_field("description", body.get("description"), required=False)
    now, etag = now_ms(), new_etag()
    return {
        "id": str(uuid.uuid4()),
        "createdAt": now,
        "updatedAt": now,
        "createdBy": caller.user,
        "updatedBy": caller.user,
        "createdClient": caller.client_id,
        "updatedClient": caller.client_id,
        "sandboxId": caller.sandbox_id,
        "sandboxName": caller.sandbox,
        "imsOrgId": caller.org,
        "name": name,
        "description": description,
        "state": "enabled",
        "version": etag,
        "etag": etag,
    }
