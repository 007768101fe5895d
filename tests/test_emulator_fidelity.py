"""The emulator does what Adobe's documents say, over real HTTP.

Sources: the sort-and-filter guide (help/dataflows/api/sort-and-filter.md), the Flow Service error catalogue
(help/sources/errors/flow-service-errors.md), the OpenAPI file (PATCH /sourceConnections, x-sandbox-id), and
shared/reference/flow-service.md sections 3-4 (the gateway's and IMS's codes).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from connections.flowservice_emulator import DEFAULT_SCOPES, BackgroundEmulator, make_emulator
from tests.conftest import ORG_ID, EmulatorHandle
from tests.test_flowservice_emulator import SPEC_ID, STANDARD_BODY, create, flow_error_code, post


def names(emulator: EmulatorHandle, *filters: str, collection: str = "/connections", **params: str) -> list[str]:
    response = requests.get(
        emulator.flow_url + collection,
        params=[*(("property", f) for f in filters), *params.items()],
        headers=emulator.headers(),
        timeout=5,
    )
    assert response.status_code == 200, response.text
    return sorted(item["name"] for item in response.json()["items"])


def listed(emulator: EmulatorHandle, query: str) -> requests.Response:
    return requests.get(f"{emulator.flow_url}/connections?{query}", headers=emulator.headers(), timeout=5)


def source(emulator: EmulatorHandle, base_id: str, **body: Any) -> dict[str, Any]:
    payload = {
        "name": "orders source",
        "baseConnectionId": base_id,
        "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
        "data": {"format": "json"},
        "params": {"eventHubName": "orders", "dataType": "raw", "consumerGroup": "aep-orders"},
        **body,
    }
    response = post(emulator, "/sourceConnections", payload)
    assert response.status_code == 201, response.text
    return dict(response.json())


@pytest.fixture
def three(emulator: EmulatorHandle) -> list[dict[str, Any]]:
    """Connections a, b and c; only c has the description "other"."""
    return [
        create(emulator, {**STANDARD_BODY, "name": "a", "description": "same"}),
        create(emulator, {**STANDARD_BODY, "name": "b", "description": "same"}),
        create(emulator, {**STANDARD_BODY, "name": "c", "description": "other"}),
    ]


class TestFilters:
    def test_a_comma_is_a_list_of_values_any_of_which_matches(self, emulator, three):
        assert names(emulator, "name==a,c") == ["a", "c"]

    def test_repeated_property_parameters_are_anded(self, emulator, three):
        assert names(emulator, "name==a,b,c", "description==other") == ["c"]
        assert names(emulator, "name==a", "description==other") == []

    def test_not_equal_excludes_every_listed_value(self, emulator, three):
        assert names(emulator, "name!=a,b") == ["c"]

    def test_comparisons_on_numbers(self, emulator, three):
        first = emulator.get(f"/connections/{three[0]['id']}").json()["items"][0]["createdAt"]
        assert names(emulator, "createdAt>0") == ["a", "b", "c"]
        assert names(emulator, f"createdAt<{first}") == []
        assert "a" in names(emulator, f"createdAt<={first}")
        assert names(emulator, f"createdAt>={first}") == ["a", "b", "c"]

    def test_a_property_filter_on_a_nested_field(self, emulator):
        base = create(emulator)
        source(emulator, base["id"])
        assert names(emulator, "params.eventHubName==orders", collection="/sourceConnections") == ["orders source"]
        assert names(emulator, "params.eventHubName==clickstream", collection="/sourceConnections") == []

    def test_array_properties_look_inside_the_array(self, emulator):
        specs = "/connectionSpecs"
        assert names(emulator, "authSpec[].name==Event Hub Azure Active Directory Auth", collection=specs) == [
            "azure-eventhub"
        ]
        assert names(emulator, "authSpec[].name==Basic Authentication", collection=specs) == []

    @pytest.mark.parametrize(
        ("expression", "code"),
        [
            ("createdAt<=1,2", "1443-400"),
            ("createdAt>soon", "1452-400"),
            ("createdAt!>1", "1450-400"),
            ("createdAt==", "1453-400"),
        ],
        ids=["comparison-with-a-list", "not-a-number", "unknown-operator", "no-value"],
    )
    def test_malformed_filters_get_the_catalogues_codes(self, emulator, expression, code):
        response = listed(emulator, f"property={expression}")
        assert response.status_code == 400
        assert flow_error_code(response) == code


class TestCountAndPaging:
    def test_count_true_returns_only_the_count(self, emulator, three):
        response = listed(emulator, "property=description==same&count=true")
        assert response.json() == {"count": 2}

    def test_count_with_limit_is_refused(self, emulator):
        assert flow_error_code(listed(emulator, "count=true&limit=2")) == "1401-400"

    @pytest.mark.parametrize("limit", ["0", "-1", "many"])
    def test_a_limit_below_one_is_refused_rather_than_linking_to_itself(self, emulator, three, limit):
        response = listed(emulator, f"limit={limit}")
        assert response.status_code == 400
        assert flow_error_code(response) == "1453-400"

    def test_next_links_walk_every_page_and_keep_the_filter(self, emulator, three):
        create(emulator, {**STANDARD_BODY, "name": "d", "description": "other"})
        seen, href = [], "/connections?property=description==same,other&limit=1&orderby=name"
        while href:
            page = requests.get(emulator.flow_url + href, headers=emulator.headers(), timeout=5).json()
            seen += [item["name"] for item in page["items"]]
            href = page.get("_links", {}).get("next", {}).get("href")
            assert len(seen) <= 4, "a next link that never ends"
        assert seen == ["a", "b", "c", "d"]

    def test_the_last_page_has_no_next_link(self, emulator, three):
        assert "_links" not in listed(emulator, "limit=3").json()


class TestTypes:
    @pytest.mark.parametrize("field", ["name", "description"])
    @pytest.mark.parametrize("value", [42, ["x"], {"x": 1}, True])
    def test_a_non_string_name_or_description_is_refused(self, emulator, field, value):
        response = post(emulator, "/connections", {**STANDARD_BODY, field: value})
        assert response.status_code == 400
        assert flow_error_code(response) == "1100-400"
        assert emulator.stats()["connections"] == 0

    def test_a_non_string_source_connection_name_is_refused(self, emulator):
        base = create(emulator)
        response = post(
            emulator,
            "/sourceConnections",
            {
                "name": 7,
                "baseConnectionId": base["id"],
                "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
                "data": {"format": "json"},
                "params": {"eventHubName": "orders", "dataType": "raw"},
            },
        )
        assert flow_error_code(response) == "1100-400"

    def test_patching_a_name_to_a_number_is_refused(self, emulator):
        created = create(emulator)
        response = patch(emulator, "/connections", created, [{"op": "replace", "path": "/name", "value": 1}])
        assert flow_error_code(response) == "1100-400"


def patch(emulator: EmulatorHandle, collection: str, obj: dict[str, Any], body: Any, if_match: Any = True) -> Any:
    headers = emulator.headers()
    if if_match is True:
        headers["If-Match"] = obj["etag"]
    elif if_match:
        headers["If-Match"] = if_match
    url = f"{emulator.flow_url}{collection}/{obj['id']}"
    return requests.patch(url, data=json.dumps(body), headers=headers, timeout=5)


class TestSourceConnectionUpdates:
    @pytest.fixture
    def created(self, emulator: EmulatorHandle) -> dict[str, Any]:
        return source(emulator, create(emulator)["id"])

    @pytest.mark.parametrize("quoted", [True, False], ids=["quoted", "unquoted"])
    def test_patch_with_if_match_returns_a_new_etag(self, emulator, created, quoted):
        etag = created["etag"] if quoted else created["etag"].strip('"')
        body = [{"op": "replace", "path": "/params/consumerGroup", "value": "analytics"}]
        response = patch(emulator, "/sourceConnections", created, body, if_match=etag)
        assert response.status_code == 200
        assert set(response.json()) == {"id", "etag"}
        assert response.json()["etag"] != created["etag"]
        item = emulator.get(f"/sourceConnections/{created['id']}").json()["items"][0]
        assert item["params"]["consumerGroup"] == "analytics"
        assert item["etag"] == response.json()["etag"]

    def test_the_guides_single_instruction_is_accepted(self, emulator, created):
        response = patch(emulator, "/sourceConnections", created, {"op": "replace", "path": "/name", "value": "n"})
        assert response.status_code == 200

    def test_without_if_match_is_refused(self, emulator, created):
        body = [{"op": "replace", "path": "/name", "value": "x"}]
        assert flow_error_code(patch(emulator, "/sourceConnections", created, body, if_match=None)) == "1403-400"

    def test_a_stale_etag_is_412(self, emulator, created):
        body = [{"op": "replace", "path": "/name", "value": "x"}]
        response = patch(emulator, "/sourceConnections", created, body, if_match='"0-0000-0200-0000-0"')
        assert response.status_code == 412
        assert flow_error_code(response) == "1404-412"

    @pytest.mark.parametrize(
        ("operation", "code"),
        [
            ({"op": "replace", "path": "/params/reset", "value": "now"}, "1312-400"),
            ({"op": "remove", "path": "/params/eventHubName"}, "1304-400"),
            ({"op": "replace", "path": "/connectionSpec/id", "value": "x"}, "1414-400"),
            ({"op": "replace", "path": "/nothing", "value": "x"}, "1455-400"),
            ({"op": "move", "path": "/name", "from": "/description"}, "1434-400"),
        ],
        ids=["bad-enum", "required-param", "spec", "unknown-path", "move"],
    )
    def test_refusals(self, emulator, created, operation, code):
        response = patch(emulator, "/sourceConnections", created, [operation])
        assert response.status_code == 400
        assert flow_error_code(response) == code
        assert emulator.get(f"/sourceConnections/{created['id']}").json()["items"][0]["etag"] == created["etag"]


def test_an_unsupported_patch_operation_on_a_connection_is_1434(emulator):
    created = create(emulator)
    response = patch(emulator, "/connections", created, [{"op": "copy", "path": "/name", "from": "/description"}])
    assert response.status_code == 400
    assert flow_error_code(response) == "1434-400"
    assert "'copy'" in response.json()["report"]["detailed-message"]


class TestSandboxes:
    def test_another_sandbox_sees_none_of_the_objects(self, emulator, three):
        response = requests.get(
            emulator.flow_url + "/connections", headers={**emulator.headers(), "x-sandbox-name": "dev"}, timeout=5
        )
        assert response.json()["items"] == []
        assert names(emulator) == ["a", "b", "c"]

    def test_x_sandbox_id_of_the_named_sandbox_is_accepted(self, emulator, three):
        item = emulator.get(f"/connections/{three[0]['id']}").json()["items"][0]
        response = emulator.get(f"/connections/{three[0]['id']}", **{"x-sandbox-id": item["sandboxId"]})
        assert response.status_code == 200

    def test_x_sandbox_id_of_another_sandbox_is_2103(self, emulator, three):
        prod_id = emulator.get(f"/connections/{three[0]['id']}").json()["items"][0]["sandboxId"]
        response = emulator.get("/connections", **{"x-sandbox-name": "dev", "x-sandbox-id": prod_id})
        assert response.status_code == 404
        assert flow_error_code(response) == "2103-404"


def token_request(url: str, scope: str) -> requests.Response:
    form = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": scope}
    return requests.post(f"{url}/ims/token/v3", data=form, timeout=5)


class TestImsScopesAndOrg:
    def test_the_documented_aep_scopes_are_granted(self, emulator):
        assert token_request(emulator.url, ",".join(DEFAULT_SCOPES)).status_code == 200

    def test_a_scope_the_credential_was_not_given_is_refused(self, emulator):
        response = token_request(emulator.url, "openid,AdobeID,aem.folders")
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_scope"
        assert "aem.folders" in response.json()["error_description"]

    def test_scopes_follow_the_option(self):
        server = BackgroundEmulator(make_emulator(scopes=("openid",))).start()
        try:
            assert token_request(server.url, "openid").status_code == 200
            assert token_request(server.url, "openid,AdobeID").json()["error"] == "invalid_scope"
        finally:
            server.stop()

    def test_an_org_other_than_the_configured_one_is_refused_by_the_gateway(self):
        server = BackgroundEmulator(make_emulator(org_id=ORG_ID)).start()
        try:
            handle = EmulatorHandle(server)
            assert handle.get("/connectionSpecs/" + SPEC_ID).status_code == 200
            response = handle.get("/connectionSpecs/" + SPEC_ID, **{"x-gw-ims-org-id": "OTHER0000000000@AdobeOrg"})
            assert response.status_code == 403
            assert response.json() == {"error_code": "403025", "message": "Profile is not valid"}
        finally:
            server.stop()
