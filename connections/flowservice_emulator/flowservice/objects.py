"""What every Flow Service object shares: ids, etags, the audit fields, the If-Match rule, the spec reference."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any, Protocol

from connections.flowservice_emulator.gateway import Caller

from . import exceptions as refused
from . import patching

Doc = dict[str, Any]


def new_etag() -> str:
    return f'"{secrets.token_hex(4)}-0000-0200-0000-{secrets.token_hex(6)}"'


def unquoted(etag: str) -> str:
    return etag.strip().removeprefix("W/").strip('"')


def now_ms() -> int:
    return int(time.time() * 1000)


def json_object(body: Any) -> Doc:
    if not isinstance(body, dict):
        raise refused.InvalidRequest(reason="The body must be a JSON object.")
    return body


def check_spec_ref(body: Doc, *allowed: str, field: str = "connectionSpec") -> dict[str, str]:
    """The `{id, version}` reference, if it names one of the allowed specs at version 1.0."""
    ref = body.get(field)
    if not isinstance(ref, dict) or not ref.get("id"):
        raise refused.MissingField(field=f"{field}.id")
    if ref["id"] not in allowed or ref.get("version", "1.0") != "1.0":
        raise refused.InvalidSpecId()
    return {"id": str(ref["id"]), "version": "1.0"}


def current(doc: Doc, if_match: str | None) -> Doc:
    """The doc, if `If-Match` names its current version, quoted or not (Adobe's examples show both)."""
    if not if_match:
        raise refused.IfMatchMissing()
    if unquoted(if_match) != unquoted(doc["etag"]):
        raise refused.VersionNotMatching(supplied=if_match, current=unquoted(doc["etag"]))
    return doc


def touched(caller: Caller, doc: Doc) -> Doc:
    """The doc after a change: a new etag (and version), who changed it, when."""
    doc.update(etag=new_etag(), updatedAt=now_ms(), updatedBy=caller.user, updatedClient=caller.client_id)
    doc["version"] = doc["etag"]
    return doc


def new_doc(caller: Caller, body: Doc) -> Doc:
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


class StoredConnections(Protocol):
    """What flows and runs read of the connections they join (FlowService gives it; they never import it)."""

    def source_connection(self, caller: Caller, source_id: str) -> Doc: ...

    def target_connection(self, caller: Caller, target_id: str) -> Doc: ...

    def dataset_schema(self, caller: Caller, dataset_id: str) -> str | None: ...

    def reading_problem(self, caller: Caller, source: Doc) -> str | None: ...
