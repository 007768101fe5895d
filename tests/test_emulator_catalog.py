"""Catalog over real HTTP: datasets as the streaming tutorial creates them and Catalog's guides read them
(help/sources/tutorials/api/collect/streaming.md, help/catalog/api/create-dataset.md, filter-data.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.openapi import check_answer

PREFIX = "/data/foundation/catalog"
ORDERS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
TUTORIAL_BODY = {
    "name": "Test streaming dataset",
    "schemaRef": {"id": ORDERS_SCHEMA, "contentType": "application/vnd.adobe.xed-full-notext+json; version=1"},
    "tags": {"identity": ["enabled:true"], "profile": ["enabled:true"]},
}


def call(emulator: EmulatorHandle, method: str, path: str, body: Any = None, **headers: str) -> requests.Response:
    url = emulator.url + PREFIX + path
    return requests.request(method, url, json=body, headers={**emulator.headers(), **headers}, timeout=5)


def create(emulator: EmulatorHandle, **changes: Any) -> str:
    response = call(emulator, "POST", "/dataSets?requestDataSource=true", {**TUTORIAL_BODY, **changes})
    assert response.status_code == 201, response.text
    (reference,) = response.json()
    assert re.fullmatch(r"@/dataSets/[0-9a-f]{24}", reference)
    assert response.headers["Location"].endswith(PREFIX + reference[1:])
    return str(reference.rsplit("/", 1)[1])


def test_the_tutorials_create_answers_a_reference_and_the_read_is_keyed_by_id(emulator):
    dataset_id = create(emulator)
    response = call(emulator, "GET", f"/dataSets/{dataset_id}")
    assert response.status_code == 200
    (key,) = response.json()
    dataset = response.json()[key]
    assert key == dataset_id
    assert dataset["name"] == "Test streaming dataset"
    assert dataset["schemaRef"]["id"] == ORDERS_SCHEMA
    assert dataset["tags"]["profile"] == ["enabled:true"]
    assert dataset["files"] == f"@/dataSetFiles?dataSetId={dataset_id}"


def test_list_pages_with_limit_and_start_and_projects_properties(emulator):
    ids = [create(emulator, name=f"set {n}") for n in range(3)]
    first = call(emulator, "GET", "/dataSets?limit=2&properties=name").json()
    rest = call(emulator, "GET", "/dataSets?limit=2&start=2&properties=name").json()
    assert list(first) + list(rest) == ids
    assert first[ids[0]] == {"name": "set 0"}


def test_list_filters_by_name(emulator):
    create(emulator, name="a")
    wanted = create(emulator, name="b")
    assert list(call(emulator, "GET", "/dataSets?name=b").json()) == [wanted]


def test_the_name_filter_is_a_pattern_as_catalogs_guide_says(emulator):
    ids = {name: create(emulator, name=name) for name in ("a", "b", "a,b", "a*b", "ab", "!a")}

    def found(name: str) -> set[str]:
        response = requests.get(
            emulator.url + PREFIX + "/dataSets", params={"name": name}, headers=emulator.headers(), timeout=5
        )
        check_answer("catalog", "/dataSets", "GET", 200, response.json())
        return {n for n, i in ids.items() if i in response.json()}

    assert found("a,b") == {"a", "b"}  # a comma: any of the names, never the name with the comma
    assert found("!a,b") == {"a,b", "a*b", "ab", "!a"}  # a leading `!` inverts the list
    assert found("a*b") == {"a,b", "a*b", "ab"}  # `*` matches any characters
    assert found("a**b") == {"a*b"}  # `**` is a literal asterisk


def test_order_by_name_and_paging_with_start(emulator):
    for name in ("delta", "Alpha", "charlie", "bravo"):
        create(emulator, name=name)
    first = call(emulator, "GET", "/dataSets?orderBy=asc:name&limit=3&properties=name").json()
    rest = call(emulator, "GET", "/dataSets?orderBy=asc:name&limit=3&start=3&properties=name").json()
    assert [d["name"] for d in [*first.values(), *rest.values()]] == ["Alpha", "bravo", "charlie", "delta"]
    newest = call(emulator, "GET", "/dataSets?orderBy=desc:name&limit=1&properties=name").json()
    assert [d["name"] for d in newest.values()] == ["delta"]


def test_profile_tags_as_catalogs_guide_sends_them_are_read_back(emulator):
    tags = {"unifiedProfile": ["enabled:true"], "unifiedIdentity": ["enabled:true"]}
    dataset_id = create(emulator, tags=tags)
    answer = call(emulator, "GET", f"/dataSets/{dataset_id}").json()
    check_answer("catalog", "/dataSets/{DATASET_ID}", "GET", 200, answer)
    assert answer[dataset_id]["tags"] == tags


def test_datasets_belong_to_their_sandbox(emulator):
    dataset_id = create(emulator)
    assert call(emulator, "GET", f"/dataSets/{dataset_id}", **{"x-sandbox-name": "dev"}).status_code == 404
    assert call(emulator, "GET", "/dataSets", **{"x-sandbox-name": "dev"}).json() == {}


def test_delete_answers_the_reference_then_the_dataset_is_gone(emulator):
    dataset_id = create(emulator)
    response = call(emulator, "DELETE", f"/dataSets/{dataset_id}")
    assert response.status_code == 200
    assert response.json() == [f"@/dataSets/{dataset_id}"]
    missing = call(emulator, "GET", f"/dataSets/{dataset_id}")
    assert missing.status_code == 404
    assert missing.json()["title"] == "NotFoundError"


@pytest.mark.parametrize(
    "body",
    [
        {**TUTORIAL_BODY, "schemaRef": {"id": "https://ns.adobe.com/eventhubsdemo/schemas/nope"}},
        {**TUTORIAL_BODY, "name": ""},
        {**TUTORIAL_BODY, "name": 3},
        {"name": "no schema"},
        {**TUTORIAL_BODY, "tags": {"profile": "enabled:true"}},
        ["not", "an", "object"],
    ],
    ids=["unknown-schema", "empty-name", "number-name", "no-schemaRef", "tag-not-a-list", "array"],
)
def test_invalid_datasets_are_refused_and_nothing_is_created(emulator, body):
    response = call(emulator, "POST", "/dataSets", body)
    assert response.status_code == 400
    assert response.json()["title"] == "BadRequestError"
    assert emulator.stats()["dataSets"] == 0


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "start=-1", "limit=%C2%B2", "start=" + "9" * 5000]
)
def test_out_of_range_paging_is_refused(emulator, query):
    assert call(emulator, "GET", f"/dataSets?{query}").status_code == 400


def test_the_gateway_and_faults_apply(emulator):
    assert requests.get(emulator.url + PREFIX + "/dataSets", timeout=5).json()["error_code"] == "403010"
    emulator.fault(PREFIX + "/dataSets", method="POST", status=500, phase="after")
    assert call(emulator, "POST", "/dataSets", TUTORIAL_BODY).status_code == 500
    assert emulator.stats()["dataSets"] == 1  # created, answer lost
