"""The emulator's answers for the rest of the journey validate against Adobe's published OpenAPI files (Flow
Service's vendored one; Catalog, Data Prep, Schema Registry and Observability Insights from the shared reference
folder when present, otherwise the hand-written minimal schemas of tests/openapi_minimal/: see tests/openapi.py),
and so do the request bodies the client sends."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import requests

from connections.flowservice import DataLakeTarget, DatasetInput, FieldMapping, MappingSetInput, StreamingFlowInput
from connections.flowservice.payloads import (
    dataset_body,
    flow_body,
    mapping_preview_body,
    mapping_set_body,
    mapping_validation_body,
    target_connection_body,
)
from tests.conftest import EmulatorHandle
from tests.openapi import MINIMAL, PUBLISHED, check_answer, check_component, published_file
from tests.test_emulator_flows import build_journey
from tests.test_emulator_flows import flow_body as tutorial_flow_body
from tests.test_emulator_runs import clock
from tests.test_flowservice_emulator import post

ORDERS_ID = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
CATALOG = "/data/foundation/catalog"
DATA_PREP = "/data/foundation/conversion"
SCHEMA_REGISTRY = "/data/foundation/schemaregistry"
INSIGHTS = "/data/infrastructure/observability/insights"
MAPPINGS = MappingSetInput(ORDERS_ID, (FieldMapping("id", "_eventhubsdemo.order.orderId"),))


def call(emulator: EmulatorHandle, method: str, url: str, body: Any = None, **headers: str) -> Any:
    response = requests.request(
        method, emulator.url + url, json=body, headers={**emulator.headers(), **headers}, timeout=5
    )
    assert response.ok, response.text
    return response.status_code, response.json()


def day(offset: int) -> str:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=offset)
    return moment.strftime("%Y-%m-%dT00:00:00.000Z")


@pytest.fixture
def journey(emulator: EmulatorHandle) -> dict[str, Any]:
    clock(emulator, freeze=True)
    made = build_journey(emulator)
    made["flow"] = post(emulator, "/flows", tutorial_flow_body(made)).json()
    return made


def answers(emulator: EmulatorHandle, journey: dict[str, Any]) -> list[tuple[str, str, str, int, Any]]:
    """(service, OpenAPI path, method, status, answer) for every new call of the journey."""
    flow_id, dataset, mapping = journey["flow"]["id"], journey["dataset"], journey["mapping"]["id"]
    xdm_ids = {"Accept": "application/vnd.adobe.xed-id+json"}
    xdm_full = {"Accept": "application/vnd.adobe.xed-full+json; version=1"}
    metrics = {
        "start": day(-1),
        "end": day(1),
        "granularity": "day",
        "metrics": [
            {
                "name": "timeseries.ingestion.dataset.recordsuccess.count",
                "filters": [{"name": "dataSetId", "value": dataset, "groupBy": True}],
                "aggregator": "sum",
                "downsample": "sum",
            }
        ],
    }
    found = [
        ("schema-registry", "/{CONTAINER_ID}/schemas", "GET", f"{SCHEMA_REGISTRY}/tenant/schemas", None, xdm_ids),
        ("schema-registry", "/{CONTAINER_ID}/schemas/{SCHEMA_ID}", "GET",
         f"{SCHEMA_REGISTRY}/tenant/schemas/{requests.utils.quote(ORDERS_ID, safe='')}", None, xdm_full),
        ("catalog", "/dataSets", "POST", f"{CATALOG}/dataSets?requestDataSource=true",
         dataset_body(DatasetInput("Another", ORDERS_ID)), {}),
        ("catalog", "/dataSets/{DATASET_ID}", "GET", f"{CATALOG}/dataSets/{dataset}", None, {}),
        ("catalog", "/dataSets", "GET", f"{CATALOG}/dataSets?limit=5", None, {}),
        ("data-prep", "/mappingSets", "POST", f"{DATA_PREP}/mappingSets", mapping_set_body(MAPPINGS), {}),
        ("data-prep", "/mappingSets/validate", "POST", f"{DATA_PREP}/mappingSets/validate",
         mapping_validation_body(MAPPINGS), {}),
        ("data-prep", "/mappingSets/{MAPPING_SET_ID}", "GET", f"{DATA_PREP}/mappingSets/{mapping}", None, {}),
        ("data-prep", "/mappingSets", "GET", f"{DATA_PREP}/mappingSets?limit=5&start=0", None, {}),
        ("observability-insights", "/metrics", "POST", f"{INSIGHTS}/metrics", metrics, {}),
    ]  # fmt: skip
    return [
        (service, path, method, *call(emulator, method, url, body, **headers))
        for service, path, method, url, body, headers in found
    ] + [
        ("flow-service", "/flows/{FLOW_ID}", "GET", 200, emulator.get(f"/flows/{flow_id}").json()),
        ("flow-service", "/flows", "GET", 200, emulator.get("/flows").json()),
        ("flow-service", "/runs", "GET", 200, emulator.get(f"/runs?property=flowId=={flow_id}").json()),
        ("flow-service", "/targetConnections", "GET", 200, emulator.get("/targetConnections").json()),
    ]


def test_every_new_answer_validates(emulator, journey):
    checked = {}
    for service, path, method, status, answer in answers(emulator, journey):
        answer = tutorial_wins(service, path, method, answer)
        checked[f"{method} {path}"] = check_answer(service, path, method, status, answer)
    assert len(checked) == 14


def tutorial_wins(service: str, path: str, method: str, answer: Any) -> Any:
    """Where Adobe's file and Adobe's tutorials disagree, the emulator answers as the tutorials print it; the rest
    of the answer is still checked against the file."""
    if service == "schema-registry" and isinstance(answer.get("_page"), dict) and answer["_page"].get("next") is None:
        # schema-registry.yaml types `_page.next` as a string, its own example and schemas.md show null on the
        # last page.
        answer = {**answer, "_page": {k: v for k, v in answer["_page"].items() if k != "next"}}
    if service == "data-prep" and published_file(service) is not None:
        listed = answer.get("data")
        if isinstance(listed, list):  # GET /mappingSets: each set of the page as a read of one
            return {**answer, "data": [_data_prep_tutorial_wins(item) for item in listed]}
        answer = _data_prep_tutorial_wins(answer)
    return answer


def _data_prep_tutorial_wins(answer: Any) -> Any:
    # data-prep.yaml draws createdDate/modifiedDate as date-time strings; the streaming tutorial's answer and
    # mapping-set.md's examples carry epoch milliseconds.
    answer = {k: v for k, v in answer.items() if k not in ("createdDate", "modifiedDate")}
    for mapping in answer.get("mappings", []):
        for key in ("createdDate", "modifiedDate"):
            mapping.pop(key, None)
        # It enumerates sourceType as ATTRIBUTE/EXPRESSION/STATIC (what a request sends); mapping-set.md's
        # read answers show the stored media type, `text/x.schema-path`.
        if str(mapping.get("sourceType", "")).startswith("text/"):
            mapping.pop("sourceType")
    # It types a validation's `errors` as an array; mapping-set.md's example answers `"errors": null` for a
    # mapping that passed.
    for result in answer.get("validationResponse", []):
        if result.get("errors") is None:
            result.pop("errors", None)
    return answer


def test_flow_service_answers_of_the_journey(emulator, journey):
    """Flow Service's vendored file covers target connections, flows, flow specs and runs."""
    flow_id = journey["flow"]["id"]
    check_component("flow-service", "CreateFlowResponse", journey["flow"])
    check_component("flow-service", "CreateTargetConnectionResponse", journey["target"])
    check_component("flow-service", "FlowListResponse", emulator.get(f"/flows/{flow_id}").json())
    check_component("flow-service", "FlowRunsListResponse", emulator.get(f"/runs?property=flowId=={flow_id}").json())
    (run,) = emulator.get(f"/runs?property=flowId=={flow_id}").json()["items"]
    check_component("flow-service", "FlowRunsListResponse", emulator.get(f"/runs/{run['id']}").json())
    headers = {k: v for k, v in emulator.headers().items() if k != "Content-Type"}
    url = f"{emulator.flow_url}/flows/{flow_id}"
    disabled = requests.post(url + "/action?op=disable", headers=headers, timeout=5).json()
    check_component("flow-service", "CreateFlowResponse", disabled)
    patched = requests.patch(
        url,
        json=[{"op": "replace", "path": "/name", "value": "Renamed"}],
        headers={**emulator.headers(), "If-Match": disabled["etag"]},
        timeout=5,
    ).json()
    check_component("flow-service", "CreateFlowResponse", patched)


def test_the_clients_request_bodies(emulator):
    check_component("flow-service", "CreateTargetConnectionRequest", target_connection_body(DataLakeTarget("t", "d")))
    mapped = flow_body(StreamingFlowInput("f", "s", "t", "m"))
    # The file types mappingVersion as a string ("0", as a flow reads back); the streaming tutorial's request sends
    # the number 0, and so does the client: the tutorial's request is the one shown to work.
    assert mapped["transformations"][0]["params"]["mappingVersion"] == 0
    mapped["transformations"][0]["params"]["mappingVersion"] = "0"
    check_component("flow-service", "CreateFlowRequest", mapped)
    check_component("flow-service", "CreateFlowRequest", flow_body(StreamingFlowInput("f", "s", "t")))
    if published_file("catalog") is not None:
        check_component("catalog", "dataSetRequest", dataset_body(DatasetInput("d", ORDERS_ID, profile_enabled=True)))
    if published_file("data-prep") is not None:
        check_component("data-prep", "MappingSet", mapping_validation_body(MAPPINGS))
        check_component("data-prep", "PreviewRequest", mapping_preview_body(MAPPINGS, [{"id": "o-1"}]))


def test_the_minimal_schemas_name_their_source_and_cover_every_published_file():
    import json

    for service, file_name in PUBLISHED.items():
        minimal = json.loads((MINIMAL / f"{service}.json").read_text())
        assert f"static/swagger-specs/{file_name}" in minimal["source"]
        assert minimal["answers"]


def test_a_wrong_answer_is_caught_either_way():
    """The check can fail: a dataset read that is a list, a mapping set id that is a number."""
    import jsonschema

    with pytest.raises(jsonschema.ValidationError):
        check_answer("catalog", "/dataSets/{DATASET_ID}", "GET", 200, {"5f7187bac6d00f194fb937c0": ["not", "one"]})
    with pytest.raises(jsonschema.ValidationError):
        check_answer("data-prep", "/mappingSets", "POST", 200, {"id": 380, "version": 0})
