"""Data Prep over real HTTP: mapping sets in both documented forms, checked against the target schema
(help/sources/tutorials/api/collect/streaming.md, help/data-prep/api/mapping-set.md, data-prep.yaml)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.conftest import EmulatorHandle

PREFIX = "/data/foundation/conversion"
ORDERS_ALT_ID = "_eventhubsdemo.schemas.3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
ORDERS_ID = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
TUTORIAL_FORM = {
    "version": 0,
    "xdmSchema": ORDERS_ALT_ID,
    "xdmVersion": "1.0",
    "mappings": [
        {
            "destinationXdmPath": "_eventhubsdemo.order.orderId",
            "sourceAttribute": "id",
            "identity": False,
            "version": 0,
        },
        {
            "destinationXdmPath": "_eventhubsdemo.order.total",
            "sourceAttribute": "total",
            "identity": False,
            "version": 0,
        },
    ],
}
DATA_PREP_FORM = {
    "outputSchema": {"schemaRef": {"id": ORDERS_ID, "contentType": "application/vnd.adobe.xed-full+json;version=1"}},
    "mappings": [
        {"sourceType": "ATTRIBUTE", "source": "id", "destination": "_id"},
        {"sourceType": "ATTRIBUTE", "source": "placed", "destination": "timestamp"},
    ],
}


def call(emulator: EmulatorHandle, method: str, path: str, body: Any = None) -> requests.Response:
    return requests.request(method, emulator.url + PREFIX + path, json=body, headers=emulator.headers(), timeout=5)


@pytest.mark.parametrize("body", [TUTORIAL_FORM, DATA_PREP_FORM], ids=["tutorial-form", "data-prep-form"])
def test_create_answers_200_with_id_and_version_then_reads_with_both_vocabularies(emulator, body):
    response = call(emulator, "POST", "/mappingSets", body)
    assert response.status_code == 200
    created = response.json()
    assert set(created) == {"id", "version", "createdDate", "modifiedDate", "createdBy", "modifiedBy"}
    assert re.fullmatch(r"[0-9a-f]{32}", created["id"])
    assert created["version"] == 0
    stored = call(emulator, "GET", f"/mappingSets/{created['id']}").json()
    assert stored["xdmSchema"] == ORDERS_ID
    first = stored["mappings"][0]
    assert first["source"] == first["sourceAttribute"]
    assert first["destination"] == first["destinationXdmPath"]
    assert first["sourceType"] == "text/x.schema-path"


@pytest.mark.parametrize(
    "change",
    [
        {"mappings": [{"destinationXdmPath": "_eventhubsdemo.order.colour", "sourceAttribute": "c"}]},
        {"mappings": [{"destinationXdmPath": "_eventhubsdemo.order.total"}]},
        {"mappings": []},
        {"xdmSchema": "_eventhubsdemo.schemas.nope"},
        {"mappings": [{"source": "a", "destination": "_id", "sourceType": "MAGIC"}]},
    ],
    ids=["destination-not-in-schema", "no-source", "no-mappings", "unknown-schema", "bad-sourceType"],
)
def test_invalid_mapping_sets_are_refused(emulator, change):
    response = call(emulator, "POST", "/mappingSets", {**TUTORIAL_FORM, **change})
    assert response.status_code == 400
    assert response.json()["title"] == "BadRequestError"
    assert emulator.stats()["mappingSets"] == 0


def test_validate_reports_each_mapping_in_order(emulator):
    body = {
        **TUTORIAL_FORM,
        "mappings": [*TUTORIAL_FORM["mappings"], {"destinationXdmPath": "nowhere", "sourceAttribute": "x"}],
    }
    response = call(emulator, "POST", "/mappingSets/validate", body)
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json()["validationResponse"]]
    assert statuses == ["SUCCESS", "SUCCESS", "FAILED"]
    assert response.json()["validationResponse"][2]["errors"][0]["destination"] == "nowhere"


def test_mapping_sets_belong_to_their_sandbox(emulator):
    created = call(emulator, "POST", "/mappingSets", TUTORIAL_FORM).json()
    other = requests.get(
        emulator.url + PREFIX + f"/mappingSets/{created['id']}",
        headers={**emulator.headers(), "x-sandbox-name": "dev"},
        timeout=5,
    )
    assert other.status_code == 404


def test_the_gateway_and_faults_apply(emulator):
    assert requests.post(emulator.url + PREFIX + "/mappingSets", json={}, timeout=5).status_code == 403
    emulator.fault(PREFIX + "/mappingSets", method="POST", status=503)
    assert call(emulator, "POST", "/mappingSets", TUTORIAL_FORM).status_code == 503
    assert call(emulator, "POST", "/mappingSets", TUTORIAL_FORM).status_code == 200


def listed(emulator: EmulatorHandle, query: str, **headers: str) -> requests.Response:
    url = f"{emulator.url}{PREFIX}/mappingSets?{query}"
    return requests.get(url, headers={**emulator.headers(), **headers}, timeout=5)


def make_named(emulator: EmulatorHandle, *names: str) -> list[str]:
    return [call(emulator, "POST", "/mappingSets", {**DATA_PREP_FORM, "name": n}).json()["id"] for n in names]


def test_a_mapping_set_keeps_its_name(emulator):
    (made,) = make_named(emulator, "Orders mapping (df-1)")
    assert call(emulator, "GET", f"/mappingSets/{made}").json()["name"] == "Orders mapping (df-1)"


def test_the_list_pages_with_limit_and_start_newest_first(emulator):
    """mapping-set.md: `{"data": [...], "_page": {"count", "limit"}}`; its example lists "the last two" first."""
    made = make_named(emulator, "a", "b", "c")
    first = listed(emulator, "limit=2&start=0")
    assert first.status_code == 200
    assert set(first.json()) == {"data", "_page"}
    assert [m["id"] for m in first.json()["data"]] == made[:0:-1]
    assert first.json()["_page"] == {"count": 2, "limit": 2}
    rest = listed(emulator, "limit=2&start=2").json()
    assert [m["id"] for m in rest["data"]] == made[:1] and rest["_page"] == {"count": 1, "limit": 2}
    assert {"imsOrgId", "sandboxName"}.isdisjoint(first.json()["data"][0])
    assert first.json()["data"][0]["mappings"][0]["sourceAttribute"] == "id"


def test_the_name_filter_finds_exactly_that_name(emulator):
    wanted = make_named(emulator, "Orders mapping (df-1)", "Orders mapping (df-12)", "Other")[0]
    answer = listed(emulator, f"limit=10&start=0&name={requests.utils.quote('Orders mapping (df-1)')}").json()
    assert [(m["id"], m["name"]) for m in answer["data"]] == [(wanted, "Orders mapping (df-1)")]
    assert listed(emulator, "limit=10&start=0&name=nobody").json()["data"] == []


def test_order_by_created_date_either_way(emulator):
    made = make_named(emulator, "a", "b")
    ascending = listed(emulator, "limit=5&start=0&orderBy=%2BcreatedDate").json()["data"]
    unencoded_plus = listed(emulator, "limit=5&start=0&orderBy=+createdDate").json()["data"]
    descending = listed(emulator, "limit=5&start=0&orderBy=-createdDate").json()["data"]
    assert [m["id"] for m in ascending] == [m["id"] for m in unencoded_plus] == made
    assert [m["id"] for m in descending] == made[::-1]


def test_expand_schema_adds_the_resolved_output_schema(emulator):
    (made,) = make_named(emulator, "a")
    plain = listed(emulator, "limit=1&start=0&expandSchema=false").json()["data"][0]
    expanded = listed(emulator, "limit=1&start=0&expandSchema=true").json()["data"][0]
    assert "jsonSchema" not in plain["outputSchema"]
    assert expanded["outputSchema"]["jsonSchema"]["properties"]["_eventhubsdemo"]["properties"]["order"]
    one = call(emulator, "GET", f"/mappingSets/{made}?expandSchema=true").json()
    assert one["outputSchema"]["jsonSchema"] == expanded["outputSchema"]["jsonSchema"]


BAD_LIST_QUERIES = {
    "no-limit": "start=0",
    "no-start": "limit=2",
    "limit-0": "limit=0&start=0",
    "negative-start": "limit=2&start=-1",
    "limit-not-a-number": "limit=x&start=0",
    "limit-of-5000-digits": f"limit={'9' * 5000}&start=0",
    "order-by-unknown-field": "limit=2&start=0&orderBy=name",
    "order-by-two-signs": "limit=2&start=0&orderBy=+-createdDate",
    "expand-not-a-boolean": "limit=2&start=0&expandSchema=maybe",
}


@pytest.mark.parametrize("query", BAD_LIST_QUERIES.values(), ids=BAD_LIST_QUERIES.keys())
def test_a_bad_list_request_is_refused_400(emulator, query):
    """mapping-set.md: `start` and `limit` must be included; data-prep.yaml: 400 "An invalid request was posted"."""
    response = listed(emulator, query)
    assert response.status_code == 400
    assert response.json()["title"] == "BadRequestError"
    assert response.json()["detail"].startswith("An invalid request was posted")


def test_the_list_belongs_to_its_sandbox(emulator):
    make_named(emulator, "a")
    assert len(listed(emulator, "limit=5&start=0").json()["data"]) == 1
    assert listed(emulator, "limit=5&start=0", **{"x-sandbox-name": "dev"}).json()["data"] == []


def test_a_name_that_is_not_a_string_is_refused(emulator):
    response = call(emulator, "POST", "/mappingSets", {**DATA_PREP_FORM, "name": 7})
    assert response.status_code == 400
    assert emulator.stats()["mappingSets"] == 0


# Data Prep's expression mapping (help/data-prep/mapping-set.md): `source` is a function of functions.md.
GENERATED_ID = {"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"}


@pytest.mark.parametrize("function", ["uuid()", "guid()"])
def test_a_preview_gives_each_record_its_own_generated_id(emulator, function):
    mapping_set = {**DATA_PREP_FORM, "mappings": [{**GENERATED_ID, "source": function}, DATA_PREP_FORM["mappings"][1]]}
    data = [{"placed": "2026-03-01T10:00:00Z"}, {"placed": "2026-03-01T10:00:01Z"}, {"placed": "2026-03-01T10:00:02Z"}]
    response = call(emulator, "POST", "/mappingSets/preview", {"data": data, "mappingSet": mapping_set})
    assert response.status_code == 200
    records = response.json()["data"]
    assert [r["timestamp"] for r in records] == [d["placed"] for d in data]
    ids = [r["_id"] for r in records]
    assert len(set(ids)) == 3 and all(re.fullmatch(r"[0-9a-f-]{36}", i) for i in ids)


def test_a_preview_of_one_record_answers_one_as_the_example_does(emulator):
    one = {"id": 1234, "placed": "2026-03-01T10:00:00Z"}
    response = call(emulator, "POST", "/mappingSets/preview", {"data": one, "mappingSet": DATA_PREP_FORM})
    assert response.json() == {"data": {"_id": 1234, "timestamp": "2026-03-01T10:00:00Z"}, "errors": []}
