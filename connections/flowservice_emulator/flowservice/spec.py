"""The emulator's own copy of the Azure Event Hubs connection spec, and validation against it.

Adobe does not publish the live spec document; its shape follows ConnectionSpecItemDTO in
Adobe's OpenAPI file and its content follows the newest Event Hubs tutorial (four auth types:
Standard and SAS share one auth spec name and differ only by `eventHubName`). Which params are
required and which are secret (`format: password`) is inferred from the tutorial; see
flow-service.md section 2 (UNCONFIRMED there).
"""

from __future__ import annotations

from typing import Any

from .exceptions import InvalidParamValue, InvalidRequest, MissingField

EVENT_HUBS_SPEC_ID = "bf9f5905-92b7-48bf-bf20-455bc6b60a4e"
SAS_SPEC_NAME = "Azure EventHub authentication credentials"
AAD_SPEC_NAME = "Event Hub Azure Active Directory Auth"
SCOPED_AAD_SPEC_NAME = "Event Hub Scoped Azure Active Directory Auth"
JSON_SCHEMA = "http://json-schema.org/draft-07/schema#"


def _text(description: str, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "description": description, **extra}


_NAMESPACE = _text("The Event Hubs namespace, e.g. contoso-events.")
_HUB = _text("The event hub to read from.")

AUTH_SPECS: list[dict[str, Any]] = [
    {
        "name": SAS_SPEC_NAME,
        "type": "KeyBased",
        "spec": {
            "$schema": JSON_SCHEMA,
            "type": "object",
            "description": (
                "Standard authentication (a namespace policy) or SAS authentication "
                "(add eventHubName to scope the credentials to one event hub)."
            ),
            "properties": {
                "sasKeyName": _text("The name of the shared access policy (authorization rule)."),
                "sasKey": _text("The policy's primary key.", format="password"),
                "namespace": _NAMESPACE,
                "eventHubName": _HUB,
            },
            "required": ["sasKeyName", "sasKey", "namespace"],
            "additionalProperties": False,
        },
    },
    {
        "name": AAD_SPEC_NAME,
        "type": "AzureActiveDirectory",
        "spec": {
            "$schema": JSON_SCHEMA,
            "type": "object",
            "description": "A Microsoft Entra ID application with a role on the namespace.",
            "properties": {
                "tenantId": _text("The Azure tenant (directory) id or domain."),
                "clientId": _text("The application (client) id."),
                "clientSecretValue": _text("The client secret value.", format="password"),
                "namespace": _NAMESPACE,
            },
            "required": ["tenantId", "clientId", "clientSecretValue", "namespace"],
            "additionalProperties": False,
        },
    },
    {
        "name": SCOPED_AAD_SPEC_NAME,
        "type": "AzureActiveDirectory",
        "spec": {
            "$schema": JSON_SCHEMA,
            "type": "object",
            "description": "A Microsoft Entra ID application scoped to one event hub.",
            "properties": {
                "tenantId": _text("The Azure tenant (directory) id or domain."),
                "clientId": _text("The application (client) id."),
                "clientSecretValue": _text("The client secret value.", format="password"),
                "namespace": _NAMESPACE,
                "eventHubName": _HUB,
            },
            "required": ["tenantId", "clientId", "clientSecretValue", "namespace", "eventHubName"],
            "additionalProperties": False,
        },
    },
]

SOURCE_SPEC: dict[str, Any] = {
    "name": "Stream",
    "type": "Stream",
    "spec": {
        "$schema": JSON_SCHEMA,
        "type": "object",
        "description": "Defines params required when this connection is used as a source in a flow.",
        "properties": {
            "eventHubName": _HUB,
            "dataType": _text("raw for any JSON, xdm for XDM-compliant records.", enum=["raw", "xdm"]),
            "reset": _text(
                "Where to start: earliest retained data or only new data.",
                enum=["latest", "earliest"],
                default="earliest",
            ),
            "consumerGroup": _text("The consumer group to read with.", default="$Default"),
        },
        "required": ["eventHubName", "dataType"],
        "additionalProperties": False,
    },
    "attributes": {
        "uiAttributes": {
            "isSource": True,
            "documentationLink": "https://www.adobe.com/go/sources-eventhub-en",
            "category": "streaming",
            "icon": "azure-eventhub",
            "description": "Stream data from Azure Event Hubs into Experience Platform.",
            "label": "Azure Event Hubs",
        }
    },
}

SUPPORTED_FORMATS = ["json"]
# What a source connection gets when it leaves them out (the newest Event Hubs tutorial).
SOURCE_DEFAULTS = {"reset": "earliest", "consumerGroup": "$Default"}

CONNECTION_SPEC: dict[str, Any] = {
    "id": EVENT_HUBS_SPEC_ID,
    "name": "azure-eventhub",
    "providerId": "521eee4d-8cbe-4906-bb48-fb6bd4450033",
    "version": "1.0",
    "authSpec": AUTH_SPECS,
    "sourceSpec": SOURCE_SPEC,
    "exploreSpec": {"name": "Stream", "type": "Stream"},
    "attributes": {
        "category": "Streaming",
        "connectorName": "Azure Event Hubs",
        "isSource": True,
        "isDraftModeSupported": False,
        "uiAttributes": {"apiFeatures": {"explorePaginationSupported": False}},
    },
    "permissionsInfo": {
        "manage": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["write"]}],
        "view": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["read"]}],
    },
}

# How each auth spec authenticates to (simulated) Azure.
AZURE_AUTH = {SAS_SPEC_NAME: "sas", AAD_SPEC_NAME: "aad", SCOPED_AAD_SPEC_NAME: "scoped_aad"}


def auth_spec(name: str) -> dict[str, Any] | None:
    return next((s["spec"] for s in AUTH_SPECS if s["name"] == name), None)


def secret_params(name: str) -> set[str]:
    spec = auth_spec(name) or {"properties": {}}
    return {k for k, v in spec["properties"].items() if v.get("format") == "password"}


def validate_params(schema: dict[str, Any], params: Any, *, where: str) -> None:
    """Check params against the small JSON Schema subset the spec uses; raise Flow Service's refusal."""
    if not isinstance(params, dict):
        raise MissingField(field=where)
    properties: dict[str, Any] = schema["properties"]
    for name in schema.get("required", []):
        if params.get(name) in (None, ""):
            raise MissingField(field=f"{where}.{name}")
    for name, value in params.items():
        prop = properties.get(name)
        if prop is None:
            if schema.get("additionalProperties") is False:
                raise InvalidRequest(reason=f"Unknown param {where}.{name}.")
            continue
        if not isinstance(value, str):
            raise InvalidParamValue(
                value=repr(value), name=name, hint="Please provide a valid param value and try again."
            )
        if "enum" in prop and value not in prop["enum"]:
            raise InvalidParamValue(value=value, name=name, hint=f"Allowed values: {', '.join(prop['enum'])}.")
