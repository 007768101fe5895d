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
