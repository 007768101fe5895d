"""Emulator answers and client requests validate against Adobe's published OpenAPI schemas."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from connections.flowservice import DataType, SourceParams, StandardAuth
from connections.flowservice.payloads import base_connection_body, source_connection_body
from tests.conftest import DEMO_MANAGE_KEY, DEMO_NAMESPACE

OPENAPI = Path(__file__).resolve().parent.parent / "docs" / "reference" / "flow-service.openapi.yaml"
STANDARD = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name="RootManageSharedAccessKey", sas_key=DEMO_MANAGE_KEY)


@pytest.fixture(scope="module")
def validate() -> Any:
    spec = yaml.safe_load(OPENAPI.read_text())
    registry = Registry().with_resource("urn:flow-service", Resource.from_contents(spec, default_specification=DRAFT7))

    def check(instance: Any, schema_name: str) -> None:
        schema = {"$ref": f"urn:flow-service#/components/schemas/{schema_name}"}
        jsonschema.Draft7Validator(schema, registry=registry).validate(instance)

    return check


@pytest.fixture
def created(emulator: Any) -> dict[str, Any]:
    import requests

    headers = emulator.headers()
    base = requests.post(
        emulator.flow_url + "/connections",
        json=base_connection_body(name="n", description="d", auth=STANDARD),
        headers=headers,
        timeout=5,
    ).json()
    source = requests.post(
        emulator.flow_url + "/sourceConnections",
        json=source_connection_body(
            name="s", description="", base_connection_id=base["id"], params=SourceParams("orders", DataType.RAW)
        ),
        headers=headers,
        timeout=5,
    ).json()
    return {"base": base, "source": source, "headers": headers}


def test_create_responses(validate, created):
    validate(created["base"], "CreateConnectionResponse")
    validate(created["source"], "CreateSourceConnectionResponse")


@pytest.mark.parametrize(
    ("path", "schema"),
    [
        ("/connections/{base}", "ConnectionListResponse"),
        ("/connections", "ConnectionListResponse"),
        ("/sourceConnections/{source}", "SourceConnectionsListResponse"),
        ("/sourceConnections", "SourceConnectionsListResponse"),
        ("/connectionSpecs/bf9f5905-92b7-48bf-bf20-455bc6b60a4e", "ConnectionSpecResponse"),
        ("/connections/{base}/test", "TestConnectionResponse"),
        ("/connections/{base}/explore?objectType=root", "ExploreConnectionResponse"),
    ],
)
def test_read_responses(validate, created, emulator, path, schema):
    url = path.format(base=created["base"]["id"], source=created["source"]["id"])
    response = emulator.get(url)
    assert response.status_code == 200
    validate(response.json(), schema)


def test_client_request_bodies(validate):
    validate(base_connection_body(name="n", description="d", auth=STANDARD), "CreateConnectionRequest")
    validate(
        source_connection_body(
            name="s", description="", base_connection_id="x", params=SourceParams("orders", DataType.XDM)
        ),
        "CreateSourceConnectionRequest",
    )
    # The PATCH body follows the tutorials (a lowercase op array); the spec draws one uppercase
    # instruction. The emulator accepts both (see test_flowservice_emulator.TestUpdates).


@pytest.mark.parametrize(
    ("query", "key"),
    [("limit=1", "_links"), ("count=true", "count")],
    ids=["a-page-with-a-next-link", "count-only"],
)
def test_paged_and_counted_lists(validate, created, emulator, query, key):
    import requests

    base_id = created["base"]["id"]
    body = source_connection_body(
        name="t", description="", base_connection_id=base_id, params=SourceParams("orders", DataType.RAW)
    )
    requests.post(emulator.flow_url + "/sourceConnections", json=body, headers=created["headers"], timeout=5)
    response = emulator.get(f"/sourceConnections?{query}")
    assert key in response.json()
    validate(response.json(), "SourceConnectionsListResponse")
