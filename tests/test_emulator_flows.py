"""Dataflows over real HTTP, the streaming tutorial's sequence request by request: schema, dataset, base and source
connections, target connection, mapping, flow spec, flow; then update, enable/disable and delete as Adobe documents
them (update-dataflows.md, delete-dataflows.md, the destinations guide's flow actions, the error catalogue)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.test_emulator_catalog import create as create_dataset
from tests.test_emulator_dataflow import STREAMING_SPEC, target_body
from tests.test_emulator_dataprep import PREFIX as DATA_PREP
from tests.test_emulator_dataprep import TUTORIAL_FORM
from tests.test_emulator_fidelity import patch, source
from tests.test_flowservice_emulator import create, flow_error_code, post

CLICKSTREAM_ID = "https://ns.adobe.com/eventhubsdemo/schemas/8b2e7d1f0c4a4e9b9d6a3c5f1e2b7a48"


@pytest.fixture
def journey(emulator: EmulatorHandle) -> dict[str, Any]:
    return build_journey(emulator)


# The tutorial's mapping, with the fields the ExperienceEvent class requires (a record without them is refused).
REQUIRED_ROWS = [
    {"destinationXdmPath": "_id", "sourceAttribute": "id", "identity": False, "version": 0},
    {"destinationXdmPath": "timestamp", "sourceAttribute": "placedAt", "identity": False, "version": 0},
]
JOURNEY_FORM = {**TUTORIAL_FORM, "mappings": [*TUTORIAL_FORM["mappings"], *REQUIRED_ROWS]}


def build_journey(emulator: EmulatorHandle, form: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every object a flow needs, made as the tutorial makes them."""
    base = create(emulator)
    src = source(emulator, base["id"])
    dataset_id = create_dataset(emulator)
    target = post(emulator, "/targetConnections", target_body(dataset_id)).json()
    mapping = requests.post(
        emulator.url + DATA_PREP + "/mappingSets", json=form or JOURNEY_FORM, headers=emulator.headers(), timeout=5
    ).json()
    return {"base": base, "source": src, "target": target, "mapping": mapping, "dataset": dataset_id}


def mapping(journey: dict[str, Any], version: Any = 0) -> list[dict[str, Any]]:
    return [{"name": "Mapping", "params": {"mappingId": journey["mapping"]["id"], "mappingVersion": version}}]


def flow_body(journey: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {
        "name": "Event Hubs dataflow",
        "description": "orders into the lake",
        "flowSpec": {"id": STREAMING_SPEC, "version": "1.0"},
        "sourceConnectionIds": [journey["source"]["id"]],
        "targetConnectionIds": [journey["target"]["id"]],
        "transformations": [
            {"name": "Mapping", "params": {"mappingId": journey["mapping"]["id"], "mappingVersion": 0}}
        ],
        **changes,
    }


def make_flow(emulator: EmulatorHandle, journey: dict[str, Any]) -> dict[str, Any]:
    response = post(emulator, "/flows", flow_body(journey))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_the_tutorials_flow_is_created_and_reads_back(emulator, journey):
    created = make_flow(emulator, journey)
    assert set(created) == {"id", "etag"}
    flow = emulator.get(f"/flows/{created['id']}").json()["items"][0]
    assert flow["state"] == "enabled"
    assert flow["sourceConnectionIds"] == [journey["source"]["id"]]
    assert flow["transformations"][0]["params"]["mappingVersion"] == "0"
    assert flow["inheritedAttributes"]["sourceConnections"][0]["baseConnection"]["id"] == journey["base"]["id"]
    assert flow["runs"] == f"/runs?property=flowId=={created['id']}"
    listed = emulator.get(f"/flows?property=sourceConnectionIds[]=={journey['source']['id']}").json()["items"]
    assert [f["id"] for f in listed] == [created["id"]]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda j: {"state": "enabled"}, "1410-400"),
        (lambda j: {"flowSpec": {"id": "c1a19761-d2c7-4702-b9fa-fe91f0613e81", "version": "1.0"}}, "1413-400"),
        (lambda j: {"sourceConnectionIds": ["4cdbb15c-fb1e-46ee-8049-0f55b53378fe"]}, "1100-400"),
        (lambda j: {"targetConnectionIds": []}, "1304-400"),
        (
            lambda j: {
                "transformations": [
                    {"name": "Mapping", "params": {"mappingId": j["mapping"]["id"], "mappingVersion": "x"}}
                ]
            },
            "1412-400",
        ),
        (
            lambda j: {
                "transformations": [
                    {"name": "Mapping", "params": {"mappingId": j["mapping"]["id"], "mappingVersion": 3}}
                ]
            },
            "1419-400",
        ),
    ],
    ids=["state-on-create", "other-flow-spec", "unknown-source", "no-target", "bad-mapping-version", "no-such-version"],
)
def test_refusals_on_create(emulator, journey, change, code):
    response = post(emulator, "/flows", flow_body(journey, **change(journey)))
    assert response.status_code == 400
    assert flow_error_code(response) == code
    assert emulator.stats()["flows"] == 0


def test_a_mapping_to_another_schema_than_the_datasets_is_1425(emulator, journey):
    clicks = create_dataset(emulator, name="clicks", schemaRef={"id": CLICKSTREAM_ID, "contentType": "x"})
    target = post(emulator, "/targetConnections", target_body(clicks)).json()
    response = post(emulator, "/flows", flow_body(journey, targetConnectionIds=[target["id"]]))
    assert flow_error_code(response) == "1425-400"


def test_patch_with_if_match_renames_and_changes_the_mapping(emulator, journey):
    created = make_flow(emulator, journey)
    body = [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {
            "op": "replace",
            "path": "/transformations/0",
            "value": {"name": "Mapping", "params": {"mappingId": journey["mapping"]["id"], "mappingVersion": 0}},
        },
    ]
    response = patch(emulator, "/flows", created, body)
    assert response.status_code == 200
    flow = emulator.get(f"/flows/{created['id']}").json()["items"][0]
    assert flow["name"] == "renamed"
    assert flow["etag"] == response.json()["etag"] != created["etag"]
    assert flow["lastOperation"]["operation"] == "update"
    assert flow_error_code(patch(emulator, "/flows", created, body)) == "1404-412"  # the old etag is stale now
    stale = {**created, "etag": flow["etag"]}
    assert flow_error_code(patch(emulator, "/flows", stale, [{"op": "move", "path": "/name"}])) == "1434-400"
    assert (
        flow_error_code(patch(emulator, "/flows", stale, [{"op": "add", "path": "/state", "value": 1}])) == "1455-400"
    )


def action(emulator: EmulatorHandle, flow_id: str, op: str) -> requests.Response:
    headers = {k: v for k, v in emulator.headers().items() if k != "Content-Type"}  # the guide sends no body
    return requests.post(f"{emulator.flow_url}/flows/{flow_id}/action?op={op}", headers=headers, timeout=5)


def test_disable_and_enable_answer_id_and_etag_and_a_repeat_is_1422(emulator, journey):
    created = make_flow(emulator, journey)
    assert flow_error_code(action(emulator, created["id"], "enable")) == "1422-400"  # enabled when created
    disabled = action(emulator, created["id"], "disable")
    assert disabled.status_code == 200
    assert emulator.get(f"/flows/{created['id']}").json()["items"][0]["state"] == "disabled"
    again = action(emulator, created["id"], "DISABLE")
    assert flow_error_code(again) == "1422-400"
    assert "cannot be applied on the current state disabled" in again.json()["report"]["detailed-message"]
    assert emulator.get(f"/flows/{created['id']}").json()["items"][0]["etag"] == disabled.json()["etag"]
    assert action(emulator, created["id"], "enable").json()["etag"] != disabled.json()["etag"]
    assert flow_error_code(action(emulator, created["id"], "pause")) == "1434-400"


def test_delete_order_is_enforced(emulator, journey):
    created = make_flow(emulator, journey)
    headers = emulator.headers()

    def delete(path: str) -> requests.Response:
        return requests.delete(emulator.flow_url + path, headers=headers, timeout=5)

    assert flow_error_code(delete(f"/connections/{journey['base']['id']}")) == "1418-400"
    assert flow_error_code(delete(f"/sourceConnections/{journey['source']['id']}")) == "1447-400"
    assert flow_error_code(delete(f"/targetConnections/{journey['target']['id']}")) == "1447-400"
    assert delete(f"/flows/{created['id']}").status_code == 204
    assert emulator.get(f"/flows/{created['id']}").status_code == 404
    for path in (f"/sourceConnections/{journey['source']['id']}", f"/targetConnections/{journey['target']['id']}"):
        assert delete(path).status_code == 204
    assert delete(f"/connections/{journey['base']['id']}").status_code == 204


def test_flows_validate_against_adobes_openapi_file(emulator, journey):
    import jsonschema
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    from tests.test_openapi_contract import OPENAPI

    spec = yaml.safe_load(OPENAPI.read_text())
    registry = Registry().with_resource("urn:fs", Resource.from_contents(spec, default_specification=DRAFT7))
    created = make_flow(emulator, journey)
    for instance, name in [
        (created, "CreateFlowResponse"),
        (emulator.get(f"/flows/{created['id']}").json(), "FlowListResponse"),
        # The tutorial sends mappingVersion 0 (a number), the OpenAPI file types it a string: both are taken.
        (json.loads(json.dumps(flow_body(journey, transformations=mapping(journey, "0")))), "CreateFlowRequest"),
    ]:
        ref = {"$ref": f"urn:fs#/components/schemas/{name}"}
        jsonschema.Draft7Validator(ref, registry=registry).validate(instance)
