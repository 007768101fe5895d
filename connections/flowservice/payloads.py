"""Request bodies built from typed inputs (never hand-templated), and their redaction."""

from __future__ import annotations

import copy
from typing import Any

from .types import (
    ALL_SECRET_PARAMS,
    DATA_LAKE_CONNECTION_SPEC_ID,
    EVENT_HUBS_CONNECTION_SPEC_ID,
    EVENT_HUBS_CONNECTION_SPEC_VERSION,
    MASK,
    RESOLVED_SCHEMA_CONTENT_TYPE,
    SCHEMA_CONTENT_TYPE,
    SECRET_PARAMS_BY_SPEC,
    STREAMING_FLOW_SPEC_ID,
    DataLakeTarget,
    DatasetInput,
    EventHubAuth,
    FieldMapping,
    MappingSetInput,
    SourceParams,
    StreamingFlowInput,
)

CONNECTION_SPEC = {"id": EVENT_HUBS_CONNECTION_SPEC_ID, "version": EVENT_HUBS_CONNECTION_SPEC_VERSION}


def base_connection_body(*, name: str, description: str, auth: EventHubAuth) -> dict[str, Any]:
    """POST /connections body for an Event Hubs base connection."""
    return {
        "name": name,
        "description": description,
        "auth": {"specName": auth.SPEC_NAME, "params": auth.params()},
        "connectionSpec": dict(CONNECTION_SPEC),
    }


def source_connection_body(
    *, name: str, description: str, base_connection_id: str, params: SourceParams
) -> dict[str, Any]:
    """POST /sourceConnections body for an Event Hubs source connection."""
    return {
        "name": name,
        "description": description,
        "baseConnectionId": base_connection_id,
        "connectionSpec": dict(CONNECTION_SPEC),
        "data": {"format": params.data_format},
        "params": params.params(),
    }


def credentials_patch_body(auth: EventHubAuth) -> list[dict[str, Any]]:
    """PATCH /connections/{id} body replacing every auth param (a JSON Patch array)."""
    return [{"op": "replace", "path": "/auth/params", "value": auth.params()}]


def source_patch_body(params: SourceParams) -> list[dict[str, Any]]:
    """PATCH /sourceConnections/{id} body replacing the source params (a JSON Patch array, as for credentials).

    Adobe's documents are silent: on which source params an update may change; all of them are sent.
    """
    return [{"op": "replace", "path": "/params", "value": params.params()}]


def dataset_body(dataset: DatasetInput) -> dict[str, Any]:
    """POST /dataSets body (Catalog): the schema reference, and the Profile and Identity tags when enabled.

    The tags are Catalog's reserved `unifiedProfile` / `unifiedIdentity` (Catalog's filter guide reserves them; the
    Profile dataset-configuration guide sends them), not the streaming tutorial's `profile` / `identity`: Catalog is
    the service that reads them, and its read-back confirms them (`DataflowMethods.dataset_profile_enabled`).
    """
    body: dict[str, Any] = {
        "name": dataset.name,
        "schemaRef": {"id": dataset.schema_id, "contentType": SCHEMA_CONTENT_TYPE},
    }
    if dataset.description:
        body["description"] = dataset.description
    tags = {
        name: ["enabled:true"]
        for name, enabled in (
            ("unifiedIdentity", dataset.identity_enabled),
            ("unifiedProfile", dataset.profile_enabled),
        )
        if enabled
    }
    if tags:
        body["tags"] = tags
    return body


def mapping_set_body(mapping_set: MappingSetInput) -> dict[str, Any]:
    """POST /mappingSets body (Data Prep), in the streaming tutorial's form (plus Data Prep's optional `name`).

    The tutorial's mapping rows name attributes only; an expression row is written as Data Prep's mapping-set
    guide writes one (`{"source": <function>, "destination": <path>, "sourceType": "EXPRESSION"}`)."""
    named = {"name": mapping_set.name} if mapping_set.name else {}
    return {
        **named,
        "version": 0,
        "xdmSchema": mapping_set.schema,
        "xdmVersion": "1.0",
        "mappings": [_mapping_row(m) for m in mapping_set.mappings],
    }


def _mapping_row(mapping: FieldMapping) -> dict[str, Any]:
    if mapping.source_type == "EXPRESSION":
        return {
            "source": mapping.source_attribute,
            "destination": mapping.destination_xdm_path,
            "sourceType": "EXPRESSION",
        }
    return {
        "destinationXdmPath": mapping.destination_xdm_path,
        "sourceAttribute": mapping.source_attribute,
        "identity": mapping.identity,
        "version": 0,
    }


def mapping_validation_body(mapping_set: MappingSetInput) -> dict[str, Any]:
    """POST /mappingSets/validate body, in the form Data Prep's API guide shows (`schema` must be a `$id`)."""
    return {
        "outputSchema": {"schemaRef": {"id": mapping_set.schema, "contentType": RESOLVED_SCHEMA_CONTENT_TYPE}},
        "mappings": [
            {"sourceType": m.source_type, "source": m.source_attribute, "destination": m.destination_xdm_path}
            for m in mapping_set.mappings
        ],
    }


def mapping_preview_body(mapping_set: MappingSetInput, records: list[dict[str, Any]]) -> dict[str, Any]:
    """POST /mappingSets/preview body (data-prep.yaml's PreviewRequest): the records as `data`, and the mapping set
    in the validation's form as `mappingSet` (both are the yaml's MappingSet)."""
    return {"data": records, "mappingSet": mapping_validation_body(mapping_set)}


def target_connection_body(target: DataLakeTarget) -> dict[str, Any]:
    """POST /targetConnections body for the Data Lake (parquet_xdm into one dataset)."""
    return {
        "name": target.name,
        "description": target.description,
        "connectionSpec": {"id": DATA_LAKE_CONNECTION_SPEC_ID, "version": "1.0"},
        "data": {"format": "parquet_xdm"},
        "params": {"dataSetId": target.dataset_id},
    }


def streaming_flow_body(
    *, name: str, source_connection_id: str, target_connection_id: str, mapping_id: str | None
) -> dict[str, Any]:
    """POST /flows body from loose values (the JSON export's form); see `flow_body`."""
    return flow_body(StreamingFlowInput(name, source_connection_id, target_connection_id, mapping_id))


def flow_body(flow: StreamingFlowInput) -> dict[str, Any]:
    """POST /flows body for the streaming dataflow that follows a source connection."""
    body: dict[str, Any] = {
        "name": flow.name,
        "description": flow.description,
        "flowSpec": {"id": STREAMING_FLOW_SPEC_ID, "version": "1.0"},
        "sourceConnectionIds": [flow.source_connection_id],
        "targetConnectionIds": [flow.target_connection_id],
    }
    if flow.mapping_id is not None:
        body["transformations"] = [{"name": "Mapping", "params": {"mappingId": flow.mapping_id, "mappingVersion": 0}}]
    return body


def flow_patch_body(*, name: str | None = None, description: str | None = None) -> list[dict[str, Any]]:
    """PATCH /flows/{id} body (a JSON Patch array) changing the name and/or the description."""
    fields = (("/name", name), ("/description", description))
    return [{"op": "replace", "path": path, "value": value} for path, value in fields if value is not None]


def _mask_params(params: Any, secret_names: frozenset[str]) -> Any:
    if not isinstance(params, dict):
        return params
    return {k: (MASK if k in secret_names and v not in (None, "") else v) for k, v in params.items()}


def _secrets_for(auth: Any) -> frozenset[str]:
    spec_name = auth.get("specName") if isinstance(auth, dict) else None
    # An unknown spec name still gets every secret name we know of masked.
    return SECRET_PARAMS_BY_SPEC.get(str(spec_name), ALL_SECRET_PARAMS)


def redact(body: Any) -> Any:
    """Return a copy of a Flow Service body with the auth spec's secret params masked.

    Covers the shapes that carry credentials: a connection (`auth.params`), a list of them
    (`items`), and a JSON Patch that replaces `/auth/params` or one of its fields.
    """
    body = copy.deepcopy(body)
    if isinstance(body, dict):
        if isinstance(body.get("auth"), dict):
            auth = body["auth"]
            auth["params"] = _mask_params(auth.get("params"), _secrets_for(auth))
        if isinstance(body.get("items"), list):
            body["items"] = [redact(item) for item in body["items"]]
        if "op" in body and "path" in body:
            return redact([body])[0]
        return body
    if isinstance(body, list):
        return [_redact_patch_op(op) for op in body]
    return body


def _redact_patch_op(op: Any) -> Any:
    if not isinstance(op, dict) or "path" not in op:
        return redact(op) if isinstance(op, dict) else op
    path = str(op.get("path", ""))
    if path.rstrip("/") == "/auth/params":
        return {**op, "value": _mask_params(op.get("value"), ALL_SECRET_PARAMS)}
    if path.startswith("/auth/params/") and path.rsplit("/", 1)[-1] in ALL_SECRET_PARAMS:
        return {**op, "value": MASK}
    return op


def secret_values(auth: EventHubAuth) -> tuple[str, ...]:
    """The secret values a request built from `auth` carries."""
    return tuple(value for name, value in auth.params().items() if name in auth.SECRET_PARAMS and value)


def forget(value: Any, secrets: tuple[str, ...]) -> Any:
    """`value` with every occurrence of the given secret strings masked (an answer that echoes them)."""
    if not secrets:
        return value
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {k: forget(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [forget(v, secrets) for v in value]
    return value


def redact_ims_form(form: dict[str, str]) -> dict[str, str]:
    """The IMS token request form with the client secret masked."""
    return {k: (MASK if k == "client_secret" else v) for k, v in form.items()}


def redact_ims_response(body: Any) -> Any:
    """The IMS token response with the access token masked."""
    if isinstance(body, dict) and "access_token" in body:
        return {**body, "access_token": MASK}
    return body
