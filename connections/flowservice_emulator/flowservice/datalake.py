"""The Data Lake target and the streaming flow spec, as Adobe's streaming tutorial prints them
(help/sources/tutorials/api/collect/streaming.md)."""

from __future__ import annotations

from typing import Any

from .spec import EVENT_HUBS_SPEC_ID, JSON_SCHEMA

DATA_LAKE_SPEC_ID = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
STREAMING_FLOW_SPEC_ID = "d69717ba-71b4-4313-b654-49f9cf126d7a"
TARGET_FORMATS = ["parquet_xdm"]
PROVIDER_ID = "521eee4d-8cbe-4906-bb48-fb6bd4450033"

# Adobe publishes no Data Lake connection spec document; the emulator's has what a target connection needs.
DATA_LAKE_SPEC: dict[str, Any] = {
    "id": DATA_LAKE_SPEC_ID,
    "name": "Data Lake",
    "providerId": PROVIDER_ID,
    "version": "1.0",
    "targetSpec": {
        "name": "Data Lake",
        "type": "Data Lake",
        "spec": {
            "$schema": JSON_SCHEMA,
            "type": "object",
            "properties": {"dataSetId": {"type": "string", "description": "The dataset to write to."}},
            "required": ["dataSetId"],
        },
    },
    "attributes": {"isSource": False, "isDestination": False, "category": "Data Lake"},
}

# The tutorial's flow spec, copied (its sourceConnectionSpecIds list ends in a comma there: fixed here).
STREAMING_FLOW_SPEC: dict[str, Any] = {
    "id": STREAMING_FLOW_SPEC_ID,
    "name": "Stream data with optional transformation",
    "providerId": PROVIDER_ID,
    "version": "1.0",
    "sourceConnectionSpecIds": [
        "bc7b00d6-623a-4dfc-9fdb-f1240aeadaeb",
        EVENT_HUBS_SPEC_ID,
        "86043421-563b-46ec-8e6c-e23184711bf6",
        "70116022-a743-464a-bbfe-e226a7f8210c",
    ],
    "targetConnectionSpecIds": [EVENT_HUBS_SPEC_ID, DATA_LAKE_SPEC_ID, "db4fe783-ef79-4a12-bda9-32b2b1bc3b2c"],
    "transformationSpecs": [
        {
            "name": "Mapping",
            "spec": {
                "$schema": JSON_SCHEMA,
                "type": "object",
                "description": "defines various params required for different mapping from source to target",
                "properties": {"mappingId": {"type": "string"}},
            },
        }
    ],
    "attributes": {"uiAttributes": {"apiFeatures": {"flowRunsSupported": False}}},
    "permissionsInfo": {
        "view": [{"@type": "lowLevel", "name": "StreamingSource", "permissions": ["read"]}],
        "manage": [{"@type": "lowLevel", "name": "StreamingSource", "permissions": ["write"]}],
    },
}
