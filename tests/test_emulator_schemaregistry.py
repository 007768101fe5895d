"""Schema Registry over real HTTP: the demo tenant's schemas, listed and looked up as Adobe's XDM API guide shows
(help/xdm/api/schemas.md, getting-started.md) with the coded errors of schema-registry.yaml."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.openapi import check_answer

PREFIX = "/data/foundation/schemaregistry"
SUMMARY = "application/vnd.adobe.xed-id+json"
RESOLVED = "application/vnd.adobe.xed-full+json; version=1"


def get(emulator: EmulatorHandle, path: str, accept: str | None, **headers: str) -> requests.Response:
    sent = {**emulator.headers(), **headers}
    if accept is not None:
        sent["Accept"] = accept
    return requests.get(emulator.url + PREFIX + path, headers=sent, timeout=5)


def xdm_code(response: requests.Response) -> str:
    body = response.json()
    assert body["status"] == response.status_code
    assert body["report"]["detailed-message"] == body["detail"]
    return str(body["type"].rsplit("XDM-", 1)[1])


@pytest.fixture
def listed(emulator: EmulatorHandle) -> list[dict[str, Any]]:
    response = get(emulator, "/tenant/schemas", SUMMARY)
    assert response.status_code == 200
    return list(response.json()["results"])


def test_list_answers_the_summary_form_with_paging(emulator, listed):
    body = get(emulator, "/tenant/schemas", SUMMARY).json()
    assert set(body) == {"results", "_page", "_links"}
    assert [s["title"] for s in listed] == ["Clickstream events", "Order events", "Shop customers"]
    assert all(set(s) == {"$id", "meta:altId", "version", "title"} for s in listed)
    assert body["_page"]["count"] == 3


@pytest.mark.parametrize("key", ["$id", "meta:altId"])
def test_lookup_by_url_encoded_id_or_alt_id_resolves_the_fields(emulator, listed, key):
    orders = next(s for s in listed if s["title"] == "Order events")
    response = get(emulator, "/tenant/schemas/" + quote(orders[key], safe=""), RESOLVED)
    assert response.status_code == 200
    schema = response.json()
    assert schema["$id"] == orders["$id"]
    assert schema["meta:class"] == "https://ns.adobe.com/xdm/context/experienceevent"
    order = schema["properties"]["_eventhubsdemo"]["properties"]["order"]["properties"]
    assert order["total"]["type"] == "number"
    assert schema["properties"]["timestamp"] == {
        "title": "timestamp",
        "type": "string",
        "format": "date-time",
        "meta:xdmType": "date-time",
    }


def test_raw_lookup_keeps_the_refs(emulator, listed):
    response = get(emulator, "/tenant/schemas/" + listed[2]["meta:altId"], "application/vnd.adobe.xed+json; version=1")
    assert "properties" not in response.json()
    assert response.json()["allOf"][0]["$ref"] == "https://ns.adobe.com/xdm/context/profile"


@pytest.mark.parametrize(
    ("path", "accept", "status", "code"),
    [
        ("/tenant/schemas", None, 400, "1006-400"),
        ("/tenant/schemas", "application/json", 400, "1006-400"),
        ("/tenant/schemas/_eventhubsdemo.schemas.x", SUMMARY, 400, "1007-400"),
        ("/tenant/schemas/_eventhubsdemo.schemas.x", "application/vnd.adobe.xed-full+json", 400, "1007-400"),
        ("/tenant/schemas/_eventhubsdemo.schemas.x", RESOLVED, 404, "1012-404"),
        ("/tenant/schemas", "application/vnd.adobe.xed-full+json; version=1", 406, "1010-406"),
    ],
    ids=["list-no-accept", "list-plain-json", "lookup-no-version", "lookup-version-missing", "unknown", "list-full"],
)
def test_refusals(emulator, path, accept, status, code):
    response = get(emulator, path, accept)
    assert response.status_code == status
    assert xdm_code(response) == code


def test_the_gateway_guards_it(emulator):
    response = requests.get(emulator.url + PREFIX + "/tenant/schemas", headers={"Accept": SUMMARY}, timeout=5)
    assert response.json()["error_code"] == "403010"


def test_faults_apply_in_its_own_shape(emulator):
    emulator.fault(PREFIX + "/tenant/schemas", status=503)
    response = get(emulator, "/tenant/schemas", SUMMARY)
    assert response.status_code == 503
    assert xdm_code(response) == "1000-503"
    assert get(emulator, "/tenant/schemas", SUMMARY).status_code == 200


def test_lists_page_as_the_appendix_says_orderby_limit_and_start_from_page_next(emulator, listed):
    titles = sorted(s["title"] for s in listed)
    first = get(emulator, "/tenant/schemas?orderby=title&limit=2", SUMMARY).json()
    check_answer("schema-registry", "/{CONTAINER_ID}/schemas", "GET", 200, first)
    assert [s["title"] for s in first["results"]] == titles[:2]
    assert first["_page"] == {"orderby": "title", "next": titles[1], "count": 2}
    last = get(emulator, f"/tenant/schemas?orderby=title&limit=2&start={quote(titles[1])}", SUMMARY).json()
    assert [s["title"] for s in last["results"]] == titles[2:]
    assert last["_page"]["next"] is None
    backwards = get(emulator, "/tenant/schemas?orderby=-title&limit=1", SUMMARY).json()
    assert [s["title"] for s in backwards["results"]] == titles[-1:]


@pytest.mark.parametrize(
    "query", ["limit=2", "start=Order%20events", "orderby=title&limit=501", "orderby=title&limit=x"]
)
def test_paging_the_appendix_does_not_allow_is_refused(emulator, query):
    response = get(emulator, f"/tenant/schemas?{query}", SUMMARY)
    assert response.status_code == 400
    assert xdm_code(response) == "1001-400"


def test_a_field_dropped_in_one_sandbox_is_missing_there_only(emulator, listed):
    orders = next(s for s in listed if s["title"] == "Order events")
    emulator.drop_schema_field(sandbox="prod", schema="Order events", field="_eventhubsdemo.order.total")
    path = "/tenant/schemas/" + quote(orders["$id"], safe="")

    def order_fields(sandbox: str) -> set[str]:
        schema = get(emulator, path, RESOLVED, **{"x-sandbox-name": sandbox}).json()
        return set(schema["properties"]["_eventhubsdemo"]["properties"]["order"]["properties"])

    assert "total" not in order_fields("prod")
    assert "total" in order_fields("dev") and "currency" in order_fields("prod")


def test_dropping_an_unknown_field_is_refused(emulator):
    order = {"sandbox": "prod", "schema": "Order events", "field": "_eventhubsdemo.order.nothing"}
    response = requests.post(f"{emulator.url}/__emulator__/schemas/fields/drop", json=order, timeout=5)
    assert response.status_code == 400
