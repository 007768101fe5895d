"""What the user takes away: the streaming dataflow request and a JSON export, secrets masked."""

from __future__ import annotations

import json
import shlex
from typing import Any

from django.conf import settings

from .encryption import Unreadable
from .flowservice import EVENT_HUBS_CONNECTION_SPEC_ID, EVENT_HUBS_CONNECTION_SPEC_VERSION
from .flowservice.payloads import redact, streaming_flow_body
from .models import Dataflow, Onboarding
from .target import flow_service_target

ADOBE_FLOW_SERVICE = "https://platform.adobe.io/data/foundation/flowservice"
TARGET_PLACEHOLDER = "{TARGET_CONNECTION_ID}"
MAPPING_PLACEHOLDER = "{MAPPING_ID}"


def flow_service_base() -> str:
    # The emulator stops at source connections; the next step happens in Adobe.
    return settings.FLOW_SERVICE_URL if flow_service_target().is_adobe else ADOBE_FLOW_SERVICE


def streaming_flow_request(onboarding: Onboarding) -> dict[str, Any]:
    """`POST /flows` for the streaming dataflow, the source connection filled in, the target left to fill."""
    mapping_id = MAPPING_PLACEHOLDER if onboarding.data_type == Onboarding.DataType.RAW else None
    name = f"{onboarding.name} dataflow"
    return _post_flows(onboarding, name, onboarding.source_connection_id, TARGET_PLACEHOLDER, mapping_id)


def dataflow_request(dataflow: Dataflow) -> dict[str, Any]:
    """`POST /flows` as Finish sent it for this dataflow, every id filled in (for developers)."""
    ids = (dataflow.source_connection_id, dataflow.target_connection_id, dataflow.mapping_set_id or None)
    return _post_flows(dataflow.onboarding, dataflow.remote_name(), *ids)


def _post_flows(onboarding: Onboarding, name: str, source: str, target: str, mapping: str | None) -> dict[str, Any]:
    body = streaming_flow_body(name=name, source_connection_id=source, target_connection_id=target, mapping_id=mapping)
    return {"method": "POST", "url": f"{flow_service_base()}/flows", "headers": _headers(onboarding), "body": body}


def _headers(onboarding: Onboarding) -> dict[str, str]:
    return {
        "Authorization": "Bearer {ACCESS_TOKEN}",
        "x-api-key": settings.ADOBE_CLIENT_ID if flow_service_target().is_adobe else "{API_KEY}",
        "x-gw-ims-org-id": settings.ADOBE_ORG_ID if flow_service_target().is_adobe else "{ORG_ID}",
        "x-sandbox-name": onboarding.sandbox_name,
        "Content-Type": "application/json",
    }


def _identity(prefix: str, item: Onboarding | Dataflow) -> dict[str, Any]:
    """What an export starts with, for an onboarding (eh-…) or a dataflow (df-…): which one, and how it stands."""
    return {
        "reference": f"{prefix}-{item.reference}",
        "name": item.name,
        "description": item.description,
        "status": item.status,
    }


def dataflow_export(dataflow: Dataflow) -> dict[str, Any]:
    """One dataflow of an onboarding: what it reads, where it writes, how it maps, and Adobe's ids."""
    d = dataflow
    return {
        **_identity("df", d),
        "state": d.flow_state or None,
        "source": {
            "sourceConnectionId": d.source_connection_id,
            "ownSourceConnection": d.own_source,
            "eventHubName": d.event_hub_name,
            "consumerGroup": d.consumer_group,
            "dataType": d.data_type,
            "reset": d.reset,
        },
        "dataset": {"id": d.dataset_id, "name": d.dataset_name or None, "new": d.new_dataset},
        "schema": {"id": d.schema_id, "title": d.schema_title},
        "profileEnabled": d.profile_enabled,
        "mapping": {"id": d.mapping_set_id or None, "rows": d.mappings or []},
        "targetConnectionId": d.target_connection_id,
        "flowId": d.flow_id,
        "createdAt": d.created_at.isoformat(),
    }


def as_curl(request: dict[str, Any]) -> str:
    lines = [f"curl -X {request['method']} {shlex.quote(request['url'])}"]
    lines += [f"  -H {shlex.quote(f'{name}: {value}')}" for name, value in request["headers"].items()]
    lines.append(f"  -d {shlex.quote(json.dumps(request['body'], indent=2))}")
    return " \\\n".join(lines)


def onboarding_export(onboarding: Onboarding) -> dict[str, Any]:
    """Everything about an onboarding a user may keep, with secrets masked by the auth spec."""
    auth = onboarding.client_auth()
    o = onboarding
    unreadable = [f"authentication.{name}" for name, value in auth.params().items() if isinstance(value, Unreadable)]
    return {
        # A value under a removed encryption key is exported as its label; this names each such one.
        **({"unreadable": unreadable} if unreadable else {}),
        **_identity("eh", o),
        "sandbox": o.sandbox_name,
        "authentication": {
            "type": o.auth_type,
            **redact({"auth": {"specName": auth.SPEC_NAME, "params": auth.params()}})["auth"],
            "secretLastChanged": o.secret_changed_at.isoformat() if o.secret_changed_at else None,
        },
        "connectionSpec": {"id": EVENT_HUBS_CONNECTION_SPEC_ID, "version": EVENT_HUBS_CONNECTION_SPEC_VERSION},
        "baseConnection": {"id": o.base_connection_id, "etag": o.base_connection_etag, "name": o.base_connection_name},
        "sourceConnection": {
            "id": o.source_connection_id,
            "etag": o.source_connection_etag,
            "name": o.source_connection_name,
            "data": {"format": "json"},
            "params": {
                "eventHubName": o.event_hub_name,
                "dataType": o.data_type,
                "reset": o.reset,
                "consumerGroup": o.consumer_group,
            },
        },
        "lastConnectionTest": o.connection_test,
        "createdAt": o.created_at.isoformat(),
        "updatedAt": o.updated_at.isoformat() if o.updated_at else None,
        "nextStep": streaming_flow_request(o) if o.source_connection_id else None,
        "dataflows": [dataflow_export(d) for d in o.dataflows.order_by("created_at", "id")],
    }
