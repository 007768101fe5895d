"""The Flow Service client against the live emulator, over real HTTP."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests

from connections.flowservice import (
    AadAuth,
    AdobeAuth,
    AuthenticationError,
    ConnectionFailedError,
    DataType,
    FlowServiceError,
    ImsError,
    ImsTokenProvider,
    NotFoundError,
    PermissionDeniedError,
    PreconditionFailedError,
    RateLimitError,
    Reset,
    RetryPolicy,
    SasAuth,
    ScopedAadAuth,
    ServerError,
    SourceParams,
    StandardAuth,
    TimeoutError,
    Timeouts,
    ValidationError,
    Verdict,
)
from connections.flowservice.payloads import redact
from connections.flowservice_emulator import BackgroundEmulator, make_emulator
from tests.conftest import (
    DEMO_LISTEN_KEY,
    DEMO_LISTEN_KEY_NAME,
    DEMO_MANAGE_KEY,
    DEMO_NAMESPACE,
    DEMO_OWNER_APP,
    DEMO_OWNER_SECRET,
    DEMO_TENANT,
    ORG_ID,
    EmulatorHandle,
)

STANDARD = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name="RootManageSharedAccessKey", sas_key=DEMO_MANAGE_KEY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestCalls:
    def test_create_base_connection_returns_id_and_etag(self, make_client, emulator):
        created = make_client().create_base_connection(name="n", description="d", auth=STANDARD)
        assert created.etag.startswith('"')
        assert emulator.get(f"/connections/{created.id}").status_code == 200

    def test_get_base_connection_unwraps_items(self, make_client):
        client = make_client()
        created = client.create_base_connection(name="n", description="d", auth=STANDARD)
        item = client.get_base_connection(created.id)
        assert item["id"] == created.id
        assert item["auth"]["params"]["namespace"] == DEMO_NAMESPACE

    @pytest.mark.parametrize(
        "auth",
        [
            SasAuth(
                namespace=DEMO_NAMESPACE, sas_key_name="orders-aep", sas_key=DEMO_MANAGE_KEY, event_hub_name="orders"
            ),
            AadAuth(
                tenant_id=DEMO_TENANT,
                client_id=DEMO_OWNER_APP,
                client_secret_value=DEMO_OWNER_SECRET,
                namespace=DEMO_NAMESPACE,
            ),
            ScopedAadAuth(
                tenant_id=DEMO_TENANT,
                client_id=DEMO_OWNER_APP,
                client_secret_value=DEMO_OWNER_SECRET,
                namespace=DEMO_NAMESPACE,
                event_hub_name="orders",
            ),
        ],
        ids=["sas", "aad", "scoped-aad"],
    )
    def test_every_auth_type_is_accepted(self, make_client, auth):
        client = make_client()
        created = client.create_base_connection(name="n", description="", auth=auth)
        assert client.get_base_connection(created.id)["auth"]["specName"] == auth.SPEC_NAME

    def test_source_connection_round_trip(self, make_client):
        client = make_client()
        base = client.create_base_connection(name="n", description="", auth=STANDARD)
        params = SourceParams(event_hub_name="orders", data_type=DataType.XDM, reset=Reset.LATEST, consumer_group="aep")
        source = client.create_source_connection(name="s", description="", base_connection_id=base.id, params=params)
        item = client.get_source_connection(source.id)
        assert item["params"] == {
            "eventHubName": "orders",
            "dataType": "xdm",
            "reset": "latest",
            "consumerGroup": "aep",
        }
        assert item["data"] == {"format": "json"}

    def test_find_by_name_uses_the_property_filter(self, make_client, calls):
        client = make_client()
        client.create_base_connection(name="other", description="", auth=STANDARD)
        wanted = client.create_base_connection(name="Orders (eh-1a2b3c4d)", description="", auth=STANDARD)
        assert client.find_base_connection("Orders (eh-1a2b3c4d)")["id"] == wanted.id
        assert calls[-1].path == "/connections?property=name==Orders (eh-1a2b3c4d)"
        assert client.find_base_connection("missing") is None

    def test_connection_spec(self, make_client):
        spec = make_client().get_connection_spec()
        assert spec["id"] == "bf9f5905-92b7-48bf-bf20-455bc6b60a4e"

    def test_test_connection_true_and_false(self, make_client):
        client = make_client()
        good = client.create_base_connection(name="g", description="", auth=STANDARD)
        bad = client.create_base_connection(
            name="b",
            description="",
            auth=StandardAuth(
                namespace=DEMO_NAMESPACE, sas_key_name="RootManageSharedAccessKey", sas_key=DEMO_LISTEN_KEY
            ),
        )
        assert client.test_connection(good.id) is True
        assert client.test_connection(bad.id) is False
        # The same answers as verdicts, decided by Adobe's documented `result` field
        assert client.check_connection(good.id).verdict is Verdict.PASSED
        assert client.check_connection(bad.id).verdict is Verdict.FAILED

    def test_explore_lists_hubs(self, make_client):
        client = make_client()
        base = client.create_base_connection(name="g", description="", auth=STANDARD)
        assert [e["name"] for e in client.explore(base.id)] == ["clickstream", "inventory-updates", "orders"]

    def test_update_credentials_changes_the_etag(self, make_client):
        client = make_client()
        base = client.create_base_connection(name="g", description="", auth=STANDARD)
        listen = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)
        updated = client.update_credentials(base.id, etag=base.etag, auth=listen)
        assert updated.etag != base.etag
        assert client.get_base_connection(base.id)["auth"]["params"]["sasKeyName"] == DEMO_LISTEN_KEY_NAME

    def test_stale_etag_is_a_precondition_error(self, make_client):
        client = make_client()
        base = client.create_base_connection(name="g", description="", auth=STANDARD)
        client.update_credentials(base.id, etag=base.etag, auth=STANDARD)
        with pytest.raises(PreconditionFailedError) as caught:
            client.update_credentials(base.id, etag=base.etag, auth=STANDARD)
        assert caught.value.status == 412
        assert caught.value.code == "1404-412"


class TestHeaders:
    def test_adobe_auth_sets_every_header_in_one_place(self):
        request = requests.Request("POST", "http://x/connections", json={"a": 1}).prepare()
        AdobeAuth(token="tok", api_key="key", org_id=ORG_ID, sandbox_name="dev")(request)
        assert request.headers["Authorization"] == "Bearer tok"
        assert request.headers["x-api-key"] == "key"
        assert request.headers["x-gw-ims-org-id"] == ORG_ID
        assert request.headers["x-sandbox-name"] == "dev"
        assert request.headers["Content-Type"] == "application/json"

    def test_reprs_hide_secrets(self):
        assert DEMO_MANAGE_KEY not in repr(STANDARD)
        assert DEMO_OWNER_SECRET not in repr(AadAuth(DEMO_TENANT, DEMO_OWNER_APP, DEMO_OWNER_SECRET, DEMO_NAMESPACE))
        assert "tok" not in repr(AdobeAuth(token="tok", api_key="k", org_id=ORG_ID, sandbox_name="prod"))


class TestTypedErrors:
    def test_validation_error_carries_code_and_request_id(self, make_client):
        client = make_client()
        with pytest.raises(ValidationError) as caught:
            client.create_source_connection(
                name="s", description="", base_connection_id="nope", params=SourceParams(event_hub_name="orders")
            )
        error = caught.value
        assert (error.status, error.code) == (400, "1100-400")
        assert error.request_id and error.request_id in str(error)

    def test_not_found(self, make_client):
        with pytest.raises(NotFoundError) as caught:
            make_client().get_base_connection("4cdbb15c-fb1e-46ee-8049-0f55b53378fe")
        assert caught.value.code == "1101-404"

    def test_unknown_sandbox_is_not_found(self, make_client):
        with pytest.raises(NotFoundError) as caught:
            make_client(sandbox="nope").get_connection_spec()
        assert caught.value.code == "2100-404"

    def test_gateway_shape_is_parsed(self, make_client, emulator):
        client = make_client()
        client.org_id = "not-an-org"
        with pytest.raises(PermissionDeniedError) as caught:
            client.get_connection_spec()
        assert caught.value.code == "403025"
        assert caught.value.message == "Profile is not valid"

    def test_a_token_used_for_another_org_is_refused_and_not_retried(self, make_client, calls):
        client = make_client()
        client.get_connection_spec()
        client.org_id = "OTHER0000000000@AdobeOrg"
        with pytest.raises(PermissionDeniedError) as caught:
            client.get_connection_spec()
        assert caught.value.code == "403025"
        assert not caught.value.should_retry
        assert [c.status for c in calls].count(403) == 1  # asked once, not again

    def test_ims_refusal_is_an_ims_error(self):
        server = BackgroundEmulator(make_emulator(client_id="app", client_secret="right")).start()
        try:
            provider = ImsTokenProvider(ims_url=server.url, client_id="app", client_secret="wrong")
            with pytest.raises(ImsError) as caught:
                provider.token()
            assert caught.value.code == "invalid_client"
            assert isinstance(caught.value, AuthenticationError)
        finally:
            server.stop()

    def test_connection_refused_is_typed_and_fast(self, make_client):
        client = make_client(base_url=f"http://127.0.0.1:{free_port()}/data/foundation/flowservice")
        client._tokens.token()  # the token comes from the emulator; Flow Service is unreachable
        started = time.monotonic()
        with pytest.raises(ConnectionFailedError) as caught:
            client.get_connection_spec()
        assert time.monotonic() - started < 5
        assert caught.value.outcome_unknown is False

    def test_rate_limit_error_has_retry_after(self, make_client, emulator):
        client = make_client(retry=RetryPolicy(max_attempts=1))
        emulator.fault("/connectionSpecs/*", status=429, retry_after=30)
        with pytest.raises(RateLimitError) as caught:
            client.get_connection_spec()
        assert caught.value.retry_after == 30


class TestTokens:
    def test_many_calls_share_one_token(self, make_client, emulator):
        client = make_client()
        for _ in range(5):
            client.get_connection_spec()
        assert emulator.stats()["tokensIssued"] == 1

    def test_expired_token_is_renewed_once_and_the_call_succeeds(self, make_client, emulator, calls):
        client = make_client()
        client.get_connection_spec()
        emulator.expire_tokens()
        assert client.get_connection_spec()["id"]
        assert emulator.stats()["tokensIssued"] == 2
        statuses = [(c.operation, c.status) for c in calls]
        assert statuses[-3:] == [("get_connection_spec", 401), ("ims_token", 200), ("get_connection_spec", 200)]

    def test_a_second_401_is_not_retried_forever(self, make_client, emulator):
        client = make_client()
        emulator.fault("/connectionSpecs/*", status=401, count=5)
        with pytest.raises(AuthenticationError):
            client.get_connection_spec()
        assert emulator.stats()["tokensIssued"] == 2

    def test_token_is_renewed_before_its_lifetime_ends(self):
        server = BackgroundEmulator(make_emulator(token_lifetime=1)).start()
        try:
            now = [time.time()]
            provider = ImsTokenProvider(ims_url=server.url, client_id="c", client_secret="s", clock=lambda: now[0])
            first = provider.token()
            assert provider.token() == first
            now[0] += 1.1  # the provider's clock, not the test's: nothing waits
            assert provider.token() != first
            assert server.emulator.stats()["tokensIssued"] == 2
        finally:
            server.stop()

    def test_threads_share_one_token_request(self, emulator):
        provider = ImsTokenProvider(ims_url=emulator.url, client_id="c", client_secret="s")
        tokens: list[str] = []
        threads = [threading.Thread(target=lambda: tokens.append(provider.token())) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(set(tokens)) == 1
        assert emulator.stats()["tokensIssued"] == 1

    def test_ims_call_is_reported_redacted(self, make_client, calls):
        make_client().get_connection_spec()
        ims = next(c for c in calls if c.operation == "ims_token")
        assert ims.request_body["client_secret"] != "test-secret"
        assert ims.response_body["access_token"] == "••••••••"


class TestRetries:
    def test_reads_retry_transient_errors(self, make_client, emulator, calls):
        emulator.fault("/connectionSpecs/*", status=503, count=2)
        assert make_client().get_connection_spec()["id"]
        spec_calls = [c for c in calls if c.operation == "get_connection_spec"]
        assert [c.status for c in spec_calls] == [503, 503, 200]
        assert [c.attempt for c in spec_calls] == [1, 2, 3]

    @pytest.mark.parametrize("status", [429, 502, 503, 504])
    def test_each_transient_status_is_retried_on_reads(self, make_client, emulator, status):
        emulator.fault("/connectionSpecs/*", status=status)
        assert make_client().get_connection_spec()["id"]

    def test_retry_after_is_honoured(self, make_client, emulator):
        slept: list[float] = []
        client = make_client(retry=RetryPolicy(sleep=slept.append))
        emulator.fault("/connectionSpecs/*", status=429, retry_after=2)
        client.get_connection_spec()
        assert slept == [2.0]

    def test_retries_stop_at_the_time_budget(self, make_client, emulator):
        slept: list[float] = []
        client = make_client(retry=RetryPolicy(max_attempts=10, budget=5, sleep=slept.append))
        emulator.fault("/connectionSpecs/*", status=429, retry_after=60)
        with pytest.raises(RateLimitError):
            client.get_connection_spec()
        assert slept == []  # waiting 60 s would break the 5 s budget

    def test_backoff_is_capped_and_jittered(self):
        policy = RetryPolicy(initial_delay=1, max_delay=4)
        assert [policy.backoff(n) for n in (1, 2, 3, 4, 5)] == [1, 2, 4, 4, 4]
        assert all(2 <= policy.add_jitter(4) <= 4 for _ in range(50))

    def test_reads_retry_a_dropped_connection(self, make_client, emulator):
        emulator.fault("/connectionSpecs/*", drop=True)
        assert make_client().get_connection_spec()["id"]

    def test_read_timeout_is_typed_and_bounded(self, make_client, emulator):
        client = make_client(read_timeout=0.3, retry=RetryPolicy(max_attempts=2, initial_delay=0.01, budget=2))
        emulator.fault("/connectionSpecs/*", delay=1.5, count=2)
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            client.get_connection_spec()
        assert time.monotonic() - started < 2

    def test_create_is_not_retried_on_a_server_error(self, make_client, emulator, calls):
        emulator.fault("/connections", method="POST", status=503)
        with pytest.raises(ServerError) as caught:
            make_client().create_base_connection(name="n", description="", auth=STANDARD)
        assert caught.value.outcome_unknown is True
        assert [c.status for c in calls if c.operation == "create_base_connection"] == [503]

    def test_create_with_a_dropped_answer_has_an_unknown_outcome(self, make_client, emulator):
        emulator.fault("/connections", method="POST", drop=True, phase="after")
        with pytest.raises(ConnectionFailedError) as caught:
            make_client().create_base_connection(name="n", description="", auth=STANDARD)
        assert caught.value.outcome_unknown is True
        assert emulator.stats()["connections"] == 1

    def test_create_that_times_out_has_an_unknown_outcome(self, make_client, emulator):
        emulator.fault("/connections", method="POST", delay=1.0, phase="after")
        with pytest.raises(TimeoutError) as caught:
            make_client(read_timeout=0.3).create_base_connection(name="n", description="", auth=STANDARD)
        assert caught.value.outcome_unknown is True

    def test_create_refused_by_rate_limit_is_known_not_created(self, make_client, emulator):
        emulator.fault("/connections", method="POST", status=429, retry_after=1)
        with pytest.raises(RateLimitError) as caught:
            make_client().create_base_connection(name="n", description="", auth=STANDARD)
        assert caught.value.outcome_unknown is False
        assert emulator.stats()["connections"] == 0

    def test_create_is_retried_when_the_connection_was_refused(self, emulator):
        """Nothing was sent, so trying again is safe even for a create."""
        port = free_port()
        provider = ImsTokenProvider(
            ims_url=f"http://127.0.0.1:{port}",
            client_id="c",
            client_secret="s",
            retry=RetryPolicy(initial_delay=0.01, budget=2, max_attempts=3),
        )
        with pytest.raises(ConnectionFailedError) as caught:
            provider.token()
        assert caught.value.outcome_unknown is False


class TestRedaction:
    def test_create_is_reported_with_the_key_masked(self, make_client, calls):
        make_client().create_base_connection(name="n", description="", auth=STANDARD)
        create = next(c for c in calls if c.operation == "create_base_connection")
        assert create.request_body["auth"]["params"]["sasKey"] == "••••••••"
        assert create.request_body["auth"]["params"]["sasKeyName"] == "RootManageSharedAccessKey"
        assert DEMO_MANAGE_KEY not in repr(calls)

    def test_patch_bodies_are_redacted(self):
        body = [
            {"op": "replace", "path": "/auth/params", "value": {"sasKey": "k" * 44, "namespace": "n"}},
            {"op": "replace", "path": "/auth/params/clientSecretValue", "value": "s3cret"},
        ]
        assert "k" * 44 not in repr(redact(body))
        assert "s3cret" not in repr(redact(body))

    def test_a_secret_echoed_by_adobe_is_masked_in_the_error_and_the_record(self, make_client, emulator, calls):
        emulator.fault(
            "/connections",
            method="POST",
            status=400,
            code="1304-400",
            message=f"The value {DEMO_MANAGE_KEY} is not valid for sasKey.",
        )
        with pytest.raises(ValidationError) as caught:
            make_client().create_base_connection(name="n", description="", auth=STANDARD)
        assert DEMO_MANAGE_KEY not in str(caught.value) and "••••••••" in caught.value.message
        assert DEMO_MANAGE_KEY not in repr(calls)

    def test_errors_never_hold_a_secret(self, make_client):
        with pytest.raises(FlowServiceError) as caught:
            make_client().create_base_connection(
                name="n", description="", auth=StandardAuth(namespace="", sas_key_name="k", sas_key=DEMO_MANAGE_KEY)
            )
        assert DEMO_MANAGE_KEY not in str(caught.value) + repr(caught.value)


def test_timeouts_default_to_connect_and_read():
    assert Timeouts().as_tuple() == (5.0, 30.0)


def test_emulator_handle_headers_match_the_tutorial(emulator: EmulatorHandle):
    assert set(emulator.headers()) == {
        "Authorization",
        "x-api-key",
        "x-gw-ims-org-id",
        "x-sandbox-name",
        "Content-Type",
    }


def test_redaction_follows_the_secret_fields_of_the_served_auth_specs(make_client):
    """The client masks exactly the params the connection spec marks `format: password`."""
    from connections.flowservice.types import SECRET_PARAMS_BY_SPEC

    spec = make_client().get_connection_spec()
    served = {
        auth["name"]: frozenset(k for k, v in auth["spec"]["properties"].items() if v.get("format") == "password")
        for auth in spec["authSpec"]
    }
    assert served == SECRET_PARAMS_BY_SPEC


def test_a_call_s_duration_is_rounded_to_the_nearest_millisecond(monkeypatch):
    from connections.flowservice import transport

    monkeypatch.setattr(transport.time, "perf_counter", lambda: 10.0009)
    assert transport._ms_since(10.0) == 1  # 0.9 ms: truncating said 0 (half a millisecond lost a call)
    monkeypatch.setattr(transport.time, "perf_counter", lambda: 10.3004)
    assert transport._ms_since(10.0) == 300
