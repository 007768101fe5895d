"""The emulator's Sandbox Management answers validate against Adobe's Sandbox API file (sandbox.yaml from the shared
reference folder, else tests/openapi_minimal/sandbox.json), and list the configured sandboxes."""

from __future__ import annotations

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.openapi import check_answer

SANDBOXES = "/data/foundation/sandbox-management/"


def available(emulator: EmulatorHandle, **headers: str) -> requests.Response:
    sent = {key: value for key, value in emulator.headers().items() if key != "x-sandbox-name"}
    return requests.get(emulator.url + SANDBOXES, headers={**sent, **headers}, timeout=5)


def test_the_list_of_sandboxes_is_adobes_shape_with_production_marked(emulator):
    response = available(emulator)
    assert response.status_code == 200, response.text
    body = response.json()
    check_answer("sandbox", "/sandbox-management/", "GET", 200, body)
    kinds = {sandbox["name"]: (sandbox["type"], sandbox["isDefault"]) for sandbox in body["sandboxes"]}
    assert kinds == {"prod": ("production", True), "dev": ("development", False)}


@pytest.mark.parametrize("missing", ["Authorization", "x-api-key", "x-gw-ims-org-id"])
def test_the_gateway_still_guards_it(emulator, missing):
    sent = {key: value for key, value in emulator.headers().items() if key not in ("x-sandbox-name", missing)}
    response = requests.get(emulator.url + SANDBOXES, headers=sent, timeout=5)
    assert response.status_code in (400, 401, 403), response.text


def test_the_client_lists_the_sandboxes_with_production_marked(make_client, calls):
    from connections.flowservice import Operation, Sandbox

    assert make_client().list_sandboxes() == [Sandbox("prod", "Production", True), Sandbox("dev", "Dev", False)]
    assert [call.operation for call in calls if call.operation != Operation.IMS_TOKEN] == [Operation.LIST_SANDBOXES]
