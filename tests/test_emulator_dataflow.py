"""The streaming tutorial's Flow Service calls after the source connection, over real HTTP
(help/sources/tutorials/api/collect/streaming.md): the Data Lake target connection and the flow spec."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.test_emulator_catalog import create as create_dataset
from tests.test_flowservice_emulator import flow_error_code, post

DATA_LAKE = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
STREAMING_SPEC = "d69717ba-71b4-4313-b654-49f9cf126d7a"
EVENT_HUBS = "bf9f5905-92b7-48bf-bf20-455bc6b60a4e"


def target_body(dataset_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Streaming target connection",
        "description": "Streaming target connection",
        "connectionSpec": {"id": DATA_LAKE, "version": "1.0"},
        "data": {"format": "parquet_xdm"},
        "params": {"dataSetId": dataset_id},
        **changes,
    }


@pytest.fixture
def dataset_id(emulator: EmulatorHandle) -> str:
    return create_dataset(emulator)


class TestTargetConnections:
    def test_the_tutorials_request_returns_201_and_reads_back(self, emulator, dataset_id):
        response = post(emulator, "/targetConnections", target_body(dataset_id))
        assert response.status_code == 201
        assert set(response.json()) == {"id", "etag"}
        item = emulator.get(f"/targetConnections/{response.json()['id']}").json()["items"][0]
        assert item["params"] == {"dataSetId": dataset_id}
        assert item["connectionSpec"] == {"id": DATA_LAKE, "version": "1.0"}
        assert item["data"]["format"] == "parquet_xdm"

    def test_listed_filtered_and_deleted(self, emulator, dataset_id):
        created = post(emulator, "/targetConnections", target_body(dataset_id)).json()
        listed = emulator.get(f"/targetConnections?property=params.dataSetId=={dataset_id}").json()["items"]
        assert [t["id"] for t in listed] == [created["id"]]
        url = f"{emulator.flow_url}/targetConnections/{created['id']}"
        assert requests.delete(url, headers=emulator.headers(), timeout=5).status_code == 204
        assert emulator.get(f"/targetConnections/{created['id']}").status_code == 404

    @pytest.mark.parametrize(
        ("change", "code"),
        [
            ({"connectionSpec": {"id": EVENT_HUBS, "version": "1.0"}}, "1413-400"),
            ({"data": {"format": "json"}}, "1327-400"),
            ({"params": {}}, "1304-400"),
            ({"params": {"dataSetId": "5f7187bac6d00f194fb937c0"}}, "1100-400"),
            ({"name": 5}, "1100-400"),
        ],
        ids=["not-the-data-lake", "format-json", "no-dataset", "unknown-dataset", "number-name"],
    )
    def test_refusals(self, emulator, dataset_id, change, code):
        response = post(emulator, "/targetConnections", target_body(dataset_id, **change))
        assert response.status_code == 400
        assert flow_error_code(response) == code

    def test_a_dataset_of_another_sandbox_is_unknown(self, emulator, dataset_id):
        response = post(emulator, "/targetConnections", target_body(dataset_id), **{"x-sandbox-name": "dev"})
        assert flow_error_code(response) == "1100-400"


class TestFlowSpecs:
    def test_the_streaming_spec_lists_event_hubs_and_the_data_lake(self, emulator):
        items = emulator.get("/flowSpecs?property=name==Stream data with optional transformation").json()["items"]
        (flow_spec,) = items
        assert flow_spec["id"] == STREAMING_SPEC
        assert EVENT_HUBS in flow_spec["sourceConnectionSpecIds"]
        assert DATA_LAKE in flow_spec["targetConnectionSpecIds"]
        assert flow_spec["attributes"]["uiAttributes"]["apiFeatures"]["flowRunsSupported"] is False

    def test_read_by_id(self, emulator):
        assert emulator.get(f"/flowSpecs/{STREAMING_SPEC}").json()["items"][0]["transformationSpecs"][0]["name"] == (
            "Mapping"
        )
        assert emulator.get("/flowSpecs/00000000-0000-0000-0000-000000000000").status_code == 404

    def test_the_data_lake_connection_spec_is_served(self, emulator):
        assert emulator.get(f"/connectionSpecs/{DATA_LAKE}").json()["items"][0]["name"] == "Data Lake"


def test_answers_validate_against_adobes_openapi_file(emulator, dataset_id):
    import jsonschema
    import yaml
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT7

    from tests.test_openapi_contract import OPENAPI  # the vendored file and its validator

    spec = yaml.safe_load(OPENAPI.read_text())
    registry = Registry().with_resource("urn:fs", Resource.from_contents(spec, default_specification=DRAFT7))

    def check(instance: Any, name: str) -> None:
        ref = {"$ref": f"urn:fs#/components/schemas/{name}"}
        jsonschema.Draft7Validator(ref, registry=registry).validate(instance)

    created = post(emulator, "/targetConnections", target_body(dataset_id)).json()
    check(created, "CreateTargetConnectionResponse")
    check(emulator.get(f"/targetConnections/{created['id']}").json(), "TargetConnectionsListResponse")
    # The OpenAPI file draws transformationSpecs as one object; the tutorial's recorded answer has an array, and
    # the tutorial wins: the rest of the spec is checked against the file.
    (flow_spec,) = emulator.get(f"/flowSpecs/{STREAMING_SPEC}").json()["items"]
    assert isinstance(flow_spec.pop("transformationSpecs"), list)
    check({"items": [flow_spec]}, "FlowSpecResponse")


class TestPreview:
    """The emulator's choice (Adobe documents no Event Hubs preview): the JSON preview form of REST sources."""

    def preview(self, emulator: EmulatorHandle, connection_id: str, hub: str) -> requests.Response:
        return emulator.get(f"/connections/{connection_id}/explore?objectType=file&object={hub}&preview=true")

    def test_the_newest_hundred_events_and_their_fields(self, emulator):
        from tests.test_flowservice_emulator import create

        response = self.preview(emulator, create(emulator)["id"], "orders")
        assert response.status_code == 200
        body = response.json()
        assert body["format"] == "hierarchical"
        assert len(body["data"]) == 100
        assert all(isinstance(record, dict) for record in body["data"])
        assert body["schema"]["properties"]["total"] == {"type": "number"}
        assert body["schema"]["properties"]["placedAt"] == {"type": "string"}

    def test_root_says_the_hubs_can_be_previewed(self, emulator):
        from tests.test_flowservice_emulator import create

        entries = emulator.get(f"/connections/{create(emulator)['id']}/explore?objectType=root").json()
        assert all(entry["canPreview"] for entry in entries)

    def test_a_hub_the_credentials_cannot_read_is_refused(self, emulator):
        from tests.conftest import DEMO_HUB_KEY, DEMO_HUB_KEY_NAME
        from tests.test_flowservice_emulator import STANDARD_BODY, create

        body = json.loads(json.dumps(STANDARD_BODY))
        body["auth"]["params"].update(sasKeyName=DEMO_HUB_KEY_NAME, sasKey=DEMO_HUB_KEY, eventHubName="orders")
        connection_id = create(emulator, body)["id"]
        assert self.preview(emulator, connection_id, "orders").status_code == 200
        refused = self.preview(emulator, connection_id, "clickstream")
        assert refused.status_code == 400
        assert flow_error_code(refused) == "1308-400"
