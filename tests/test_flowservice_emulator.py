"""The emulator's contract over real HTTP: the tutorial's requests, Adobe's checks and error shapes."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connections.flowservice_emulator import BackgroundEmulator, Store, make_emulator
from connections.flowservice_emulator.http import Request
from tests.conftest import DEMO_HUB_KEY, DEMO_HUB_KEY_NAME, DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, DEMO_MANAGE_KEY

SPEC_ID = "bf9f5905-92b7-48bf-bf20-455bc6b60a4e"
STANDARD_BODY = {
    "name": "Azure Event Hubs connection",
    "description": "Connector for Azure Event Hubs",
    "auth": {
        "specName": "Azure EventHub authentication credentials",
        "params": {"sasKeyName": "RootManageSharedAccessKey", "sasKey": DEMO_MANAGE_KEY, "namespace": "contoso-events"},
    },
    "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
}
# The tutorial's SAS example with its JSON fixed (the eventHubName string was never closed).
SAS_BODY = json.loads(
    json.dumps(STANDARD_BODY).replace(
        '"namespace": "contoso-events"', '"namespace": "contoso-events", "eventHubName": "orders"'
    )
)


def flow_error_code(response: requests.Response) -> str:
    body = response.json()
    assert body["type"].startswith("https://ns.adobe.com/aep/errors/FLOW-"), body
    assert body["status"] == response.status_code
    assert body["report"]["request-id"]
    return str(body["type"].rsplit("FLOW-", 1)[1])


def post(emulator: Any, path: str, body: Any, **headers: str) -> requests.Response:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return requests.post(emulator.flow_url + path, data=data, headers={**emulator.headers(), **headers}, timeout=5)


def create(emulator: Any, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = post(emulator, "/connections", body or STANDARD_BODY)
    assert response.status_code == 201, response.text
    return dict(response.json())


class TestTutorialRequests:
    def test_standard_auth_request_returns_201_with_id_and_quoted_etag(self, emulator):
        response = post(emulator, "/connections", STANDARD_BODY)
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "etag"}
        assert body["etag"].startswith('"') and body["etag"].endswith('"')
        assert response.headers["Location"].endswith(f"/data/foundation/flowservice/connections/{body['id']}")

    def test_sas_auth_request_returns_201(self, emulator):
        response = post(emulator, "/connections", SAS_BODY)
        assert response.status_code == 201
        item = emulator.get(f"/connections/{response.json()['id']}").json()["items"][0]
        assert item["auth"]["params"]["eventHubName"] == "orders"

    def test_tutorial_sas_example_as_published_is_refused_as_malformed_json(self, emulator):
        broken = json.dumps(SAS_BODY).replace('"orders"', '"orders ')
        response = post(emulator, "/connections", broken)
        assert response.status_code == 400
        assert flow_error_code(response) == "1100-400"

    def test_source_connection_request_returns_201(self, emulator):
        base = create(emulator)
        response = post(
            emulator,
            "/sourceConnections",
            {
                "name": "Azure Event Hubs source connection",
                "description": "A source connection for Azure Event Hubs",
                "baseConnectionId": base["id"],
                "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
                "data": {"format": "json"},
                "params": {
                    "eventHubName": "orders",
                    "dataType": "raw",
                    "reset": "latest",
                    "consumerGroup": "aep-orders",
                },
            },
        )
        assert response.status_code == 201
        item = emulator.get(f"/sourceConnections/{response.json()['id']}").json()["items"][0]
        assert item["baseConnectionId"] == base["id"]
        assert item["params"]["consumerGroup"] == "aep-orders"

    def test_source_connection_defaults_reset_and_consumer_group(self, emulator):
        base = create(emulator)
        response = post(
            emulator,
            "/sourceConnections",
            {
                "name": "s",
                "baseConnectionId": base["id"],
                "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
                "data": {"format": "json"},
                "params": {"eventHubName": "orders", "dataType": "xdm"},
            },
        )
        item = emulator.get(f"/sourceConnections/{response.json()['id']}").json()["items"][0]
        assert item["params"]["reset"] == "earliest"
        assert item["params"]["consumerGroup"] == "$Default"


class TestRefusals:
    @pytest.mark.parametrize(
        ("change", "code"),
        [
            (lambda b: b["connectionSpec"].update(id="00000000-0000-0000-0000-000000000000"), "1413-400"),
            (lambda b: b["auth"]["params"].pop("sasKey"), "1304-400"),
            (lambda b: b["auth"].update(specName="Basic Authentication"), "1415-400"),
            (lambda b: b.pop("name"), "1304-400"),
            (lambda b: b["auth"]["params"].update(servicePrincipalKey="x"), "1100-400"),
        ],
        ids=["wrong-spec-id", "missing-sasKey", "unknown-specName", "missing-name", "unknown-param"],
    )
    def test_invalid_base_connection_is_refused(self, emulator, change, code):
        body = json.loads(json.dumps(STANDARD_BODY))
        change(body)
        response = post(emulator, "/connections", body)
        assert response.status_code == 400
        assert flow_error_code(response) == code

    @pytest.mark.parametrize(
        ("params", "data", "code"),
        [
            ({"eventHubName": "orders", "dataType": "csv"}, {"format": "json"}, "1312-400"),
            ({"eventHubName": "orders", "dataType": "raw", "reset": "now"}, {"format": "json"}, "1312-400"),
            ({"eventHubName": "orders", "dataType": "raw"}, {"format": "parquet"}, "1327-400"),
            ({"dataType": "raw"}, {"format": "json"}, "1304-400"),
        ],
        ids=["dataType-csv", "reset-now", "format-parquet", "no-eventHubName"],
    )
    def test_invalid_source_connection_is_refused(self, emulator, params, data, code):
        base = create(emulator)
        response = post(
            emulator,
            "/sourceConnections",
            {
                "name": "s",
                "baseConnectionId": base["id"],
                "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
                "data": data,
                "params": params,
            },
        )
        assert response.status_code == 400
        assert flow_error_code(response) == code

    def test_unknown_base_connection_id_is_refused(self, emulator):
        response = post(
            emulator,
            "/sourceConnections",
            {
                "name": "s",
                "baseConnectionId": "4cdbb15c-fb1e-46ee-8049-0f55b53378fe",
                "connectionSpec": {"id": SPEC_ID, "version": "1.0"},
                "data": {"format": "json"},
                "params": {"eventHubName": "orders", "dataType": "raw"},
            },
        )
        assert response.status_code == 400
        assert "does not exist" in response.json()["report"]["detailed-message"]

    def test_request_without_token_is_refused_with_gateway_shape(self, emulator):
        headers = {k: v for k, v in emulator.headers().items() if k != "Authorization"}
        response = requests.post(emulator.flow_url + "/connections", json=STANDARD_BODY, headers=headers, timeout=5)
        assert response.status_code == 403
        assert response.json() == {"error_code": "403010", "message": "Oauth token is missing."}

    @pytest.mark.parametrize(
        ("headers", "status", "shape"),
        [
            ({"Authorization": "Bearer not-a-token"}, 401, {"error_code": "401013"}),
            ({"x-api-key": ""}, 403, {"error_code": "403000"}),
            ({"x-api-key": "someone-else"}, 403, {"error_code": "403003"}),
            ({"x-gw-ims-org-id": ""}, 400, {"error_code": "400003"}),
            ({"x-gw-ims-org-id": "not-an-org"}, 403, {"error_code": "403025"}),
        ],
        ids=["bad-token", "no-api-key", "wrong-api-key", "no-org", "bad-org"],
    )
    def test_gateway_header_checks(self, emulator, headers, status, shape):
        response = emulator.get("/connectionSpecs/" + SPEC_ID, **headers)
        assert response.status_code == status
        assert shape.items() <= response.json().items()

    def test_a_token_belongs_to_the_org_it_was_first_used_with(self, emulator):
        token = emulator.token()
        assert emulator.get("/connectionSpecs/" + SPEC_ID, Authorization=f"Bearer {token}").status_code == 200
        other = {"Authorization": f"Bearer {token}", "x-gw-ims-org-id": "OTHER0000000000@AdobeOrg"}
        response = emulator.get("/connectionSpecs/" + SPEC_ID, **other)
        assert response.status_code == 403
        assert response.json() == {"error_code": "403025", "message": "Profile is not valid"}
        fresh = {"x-gw-ims-org-id": "OTHER0000000000@AdobeOrg"}  # a token of its own may belong to another org
        assert emulator.get("/connectionSpecs/" + SPEC_ID, **fresh).status_code == 200

    def test_missing_sandbox_name(self, emulator):
        response = emulator.get("/connectionSpecs/" + SPEC_ID, **{"x-sandbox-name": ""})
        assert response.status_code == 400
        assert flow_error_code(response) == "2105-400"

    def test_unknown_sandbox(self, emulator):
        response = emulator.get("/connectionSpecs/" + SPEC_ID, **{"x-sandbox-name": "staging"})
        assert response.status_code == 404
        assert flow_error_code(response) == "2100-404"

    def test_body_without_content_type_is_refused(self, emulator):
        headers = {k: v for k, v in emulator.headers().items() if k != "Content-Type"}
        response = requests.post(
            emulator.flow_url + "/connections", data=json.dumps(STANDARD_BODY).encode(), headers=headers, timeout=5
        )
        assert response.status_code == 400
        assert response.json()["title"] == "BadRequestError"
        assert response.json()["detail"] == "A valid content-type must be specified"

    def test_headers_are_case_insensitive(self, emulator):
        headers = {k.lower(): v for k, v in emulator.headers().items()}
        response = requests.post(emulator.flow_url + "/connections", json=STANDARD_BODY, headers=headers, timeout=5)
        assert response.status_code == 201

    def test_empty_body_is_refused(self, emulator):
        response = post(emulator, "/connections", "")
        assert flow_error_code(response) == "1405-400"

    def test_unknown_connection_is_404(self, emulator):
        response = emulator.get("/connections/4cdbb15c-fb1e-46ee-8049-0f55b53378fe")
        assert response.status_code == 404
        assert flow_error_code(response) == "1101-404"


class TestReads:
    def test_get_wraps_in_items_and_never_echoes_the_secret(self, emulator):
        created = create(emulator)
        response = emulator.get(f"/connections/{created['id']}")
        item = response.json()["items"][0]
        assert item["etag"] == created["etag"]
        assert item["auth"]["params"]["sasKeyName"] == "RootManageSharedAccessKey"
        assert DEMO_MANAGE_KEY not in response.text
        assert item["auth"]["params"]["sasKey"] == "********"

    def test_list_filters_by_name_property(self, emulator):
        create(emulator, {**STANDARD_BODY, "name": "first"})
        wanted = create(emulator, {**STANDARD_BODY, "name": "second (eh-1234)"})
        response = requests.get(
            emulator.flow_url + "/connections",
            params={"property": "name==second (eh-1234)"},
            headers=emulator.headers(),
            timeout=5,
        )
        assert [item["id"] for item in response.json()["items"]] == [wanted["id"]]

    def test_objects_are_scoped_to_the_sandbox(self, emulator):
        created = create(emulator)
        response = emulator.get(f"/connections/{created['id']}", **{"x-sandbox-name": "dev"})
        assert response.status_code == 404

    def test_connection_spec_lists_the_event_hubs_auth_types(self, emulator):
        spec = emulator.get("/connectionSpecs/" + SPEC_ID).json()["items"][0]
        names = [auth["name"] for auth in spec["authSpec"]]
        assert names == [
            "Azure EventHub authentication credentials",
            "Event Hub Azure Active Directory Auth",
            "Event Hub Scoped Azure Active Directory Auth",
        ]
        secrets = {
            auth["name"]: sorted(k for k, v in auth["spec"]["properties"].items() if v.get("format") == "password")
            for auth in spec["authSpec"]
        }
        assert secrets["Azure EventHub authentication credentials"] == ["sasKey"]
        assert secrets["Event Hub Azure Active Directory Auth"] == ["clientSecretValue"]


class TestUpdates:
    def patch(self, emulator: Any, connection_id: str, body: Any, if_match: str | None, path_suffix: str = "") -> Any:
        headers = emulator.headers()
        if if_match is not None:
            headers["If-Match"] = if_match
        return requests.patch(
            f"{emulator.flow_url}/connections/{connection_id}{path_suffix}", json=body, headers=headers, timeout=5
        )

    def test_patch_without_if_match_is_refused(self, emulator):
        created = create(emulator)
        response = self.patch(emulator, created["id"], [{"op": "replace", "path": "/name", "value": "x"}], None)
        assert response.status_code == 400
        assert flow_error_code(response) == "1403-400"

    def test_patch_with_stale_etag_is_412(self, emulator):
        created = create(emulator)
        response = self.patch(
            emulator,
            created["id"],
            [{"op": "replace", "path": "/name", "value": "x"}],
            '"00000000-0000-0200-0000-000000000000"',
        )
        assert response.status_code == 412
        assert flow_error_code(response) == "1404-412"

    @pytest.mark.parametrize("quoted", [True, False])
    def test_patch_returns_a_new_etag(self, emulator, quoted):
        created = create(emulator)
        etag = created["etag"] if quoted else created["etag"].strip('"')
        params = {"sasKeyName": DEMO_LISTEN_KEY_NAME, "sasKey": DEMO_LISTEN_KEY, "namespace": "contoso-events"}
        response = self.patch(
            emulator, created["id"], [{"op": "replace", "path": "/auth/params", "value": params}], etag
        )
        assert response.status_code == 200
        assert response.json()["etag"] != created["etag"]
        item = emulator.get(f"/connections/{created['id']}").json()["items"][0]
        assert item["auth"]["params"]["sasKeyName"] == DEMO_LISTEN_KEY_NAME
        assert item["etag"] == response.json()["etag"]

    def test_patch_accepts_the_specs_single_uppercase_instruction_at_trailing_slash(self, emulator):
        created = create(emulator)
        response = self.patch(
            emulator,
            created["id"],
            {"op": "REPLACE", "path": "/name", "value": "renamed"},
            created["etag"],
            path_suffix="/",
        )
        assert response.status_code == 200
        assert emulator.get(f"/connections/{created['id']}").json()["items"][0]["name"] == "renamed"

    def test_patch_cannot_change_the_connection_spec(self, emulator):
        created = create(emulator)
        response = self.patch(
            emulator, created["id"], [{"op": "replace", "path": "/connectionSpec/id", "value": "x"}], created["etag"]
        )
        assert flow_error_code(response) == "1414-400"


class TestSimulatedAzure:
    def base(self, emulator: Any, **params: str) -> str:
        body = json.loads(json.dumps(STANDARD_BODY))
        body["auth"]["params"].update(params)
        return str(create(emulator, body)["id"])

    def test_matching_credentials_pass_the_test(self, emulator):
        connection_id = self.base(emulator)
        assert emulator.get(f"/connections/{connection_id}/test").json() == {"result": True}

    def test_wrong_key_fails_the_test(self, emulator):
        connection_id = self.base(emulator, sasKey=DEMO_LISTEN_KEY)
        assert emulator.get(f"/connections/{connection_id}/test").json() == {"result": False}

    def test_hub_level_policy_passes_for_its_hub(self, emulator):
        connection_id = self.base(emulator, sasKeyName=DEMO_HUB_KEY_NAME, sasKey=DEMO_HUB_KEY, eventHubName="orders")
        assert emulator.get(f"/connections/{connection_id}/test").json() == {"result": True}

    def test_explore_lists_event_hubs_with_manage_rights(self, emulator):
        connection_id = self.base(emulator)
        response = emulator.get(f"/connections/{connection_id}/explore?objectType=root")
        assert [entry["name"] for entry in response.json()] == ["clickstream", "inventory-updates", "orders"]

    def test_explore_without_object_type_lists_the_top_level(self, emulator):
        connection_id = create(emulator)["id"]  # objectType is optional in Adobe's OpenAPI file
        without = emulator.get(f"/connections/{connection_id}/explore")
        assert without.status_code == 200
        assert without.json() == emulator.get(f"/connections/{connection_id}/explore?objectType=root").json()

    def test_explore_without_manage_rights_passes_azures_refusal_on(self, emulator):
        connection_id = self.base(emulator, sasKeyName=DEMO_LISTEN_KEY_NAME, sasKey=DEMO_LISTEN_KEY)
        response = emulator.get(f"/connections/{connection_id}/explore?objectType=root")
        assert response.status_code == 400
        assert flow_error_code(response) == "1308-400"
        assert "Manage" in response.json()["report"]["detailed-message"]


class TestIms:
    def token_request(self, url: str, **form: str) -> requests.Response:
        data = {"grant_type": "client_credentials", "client_id": "c", "client_secret": "s", "scope": "openid", **form}
        return requests.post(f"{url}/ims/token/v3", data=data, timeout=5)

    def test_issues_a_bearer_token_with_expiry_in_seconds(self, emulator):
        body = self.token_request(emulator.url).json()
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 86399

    def test_empty_client_id_gets_ims_error_shape(self, emulator):
        response = self.token_request(emulator.url, client_id="")
        assert response.status_code == 400
        assert response.json() == {"error": "invalid_client", "error_description": "invalid client_id parameter"}

    def test_configured_credentials_are_enforced(self):
        server = BackgroundEmulator(make_emulator(client_id="app", client_secret="right")).start()
        try:
            assert (
                self.token_request(server.url, client_id="app", client_secret="wrong").json()["error"]
                == "invalid_client"
            )
            assert self.token_request(server.url, client_id="other", client_secret="right").status_code == 400
            assert self.token_request(server.url, client_id="app", client_secret="right").status_code == 200
        finally:
            server.stop()


class TestStateAndFaults:
    def test_state_survives_a_restart(self, tmp_path):
        path = str(tmp_path / "state.sqlite3")
        first = BackgroundEmulator(make_emulator(state=path)).start()
        try:
            from tests.conftest import EmulatorHandle

            handle = EmulatorHandle(first)
            token = handle.token()
            created = create(handle)
        finally:
            first.stop()
        second = BackgroundEmulator(make_emulator(state=path)).start()
        try:
            handle = EmulatorHandle(second)
            response = handle.get(f"/connections/{created['id']}", Authorization=f"Bearer {token}")
            assert response.status_code == 200
            assert response.json()["items"][0]["id"] == created["id"]
        finally:
            second.stop()
        assert DEMO_MANAGE_KEY.encode() not in open(path, "rb").read()  # noqa: SIM115

    def test_429_fault_carries_retry_after(self, emulator):
        emulator.fault("/connections", method="POST", status=429, retry_after=7)
        response = post(emulator, "/connections", STANDARD_BODY)
        assert response.status_code == 429
        assert response.headers["Retry-After"] == "7"
        assert post(emulator, "/connections", STANDARD_BODY).status_code == 201  # only the next call

    def test_fault_after_processing_creates_the_object_and_loses_the_answer(self, emulator):
        emulator.fault("/connections", method="POST", drop=True, phase="after")
        with pytest.raises(requests.ConnectionError):
            post(emulator, "/connections", STANDARD_BODY)
        assert emulator.stats()["connections"] == 1

    def test_fault_before_processing_creates_nothing(self, emulator):
        emulator.fault("/connections", method="POST", status=503)
        response = post(emulator, "/connections", STANDARD_BODY)
        assert response.status_code == 503
        assert flow_error_code(response) == "1103-503"
        assert emulator.stats()["connections"] == 0

    def test_controls_are_off_without_faults_flag(self):
        server = BackgroundEmulator(make_emulator(faults=False)).start()
        try:
            response = requests.post(f"{server.url}/__emulator__/faults", json={"path": "/x", "status": 500}, timeout=5)
            assert response.status_code == 404
        finally:
            server.stop()


MALFORMED = st.one_of(
    st.binary(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
        max_leaves=20,
    ).map(lambda value: json.dumps(value).encode()),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    body=MALFORMED,
    path=st.sampled_from(["/connections", "/sourceConnections", "/connections/x", "/connections/x/explore"]),
    method=st.sampled_from(["POST", "PATCH", "GET"]),
)
def test_malformed_requests_get_a_documented_error_never_a_crash(body, path, method):
    emulator = make_emulator()
    token = emulator.store.issue_token("c", 60)
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": "c",
        "x-gw-ims-org-id": "A@AdobeOrg",
        "x-sandbox-name": "prod",
        "Content-Type": "application/json",
        "If-Match": '"x"',
    }
    response = emulator.handle(Request.build(method, "/data/foundation/flowservice" + path, headers, body))
    assert response.status < 500
    if response.status >= 400:
        assert {"type", "title", "status"} <= set(response.body) or "error_code" in response.body


def test_store_keeps_no_plaintext_secret_in_memory_either():
    store = Store()
    emulator = make_emulator()
    emulator.store = store
    token = store.issue_token("c", 60)
    headers = {
        "Authorization": f"Bearer {token}",
        "x-api-key": "c",
        "x-gw-ims-org-id": "A@AdobeOrg",
        "x-sandbox-name": "prod",
        "Content-Type": "application/json",
    }
    emulator.handle(
        Request.build("POST", "/data/foundation/flowservice/connections", headers, json.dumps(STANDARD_BODY).encode())
    )
    dump = "\n".join(store._db.iterdump())
    assert DEMO_MANAGE_KEY not in dump
