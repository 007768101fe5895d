"""The client where Adobe's documents are silent or differ from the emulator: paging, 500 on reads,
If-Match quoting, and answers it does not recognise. Real HTTP: the emulator, sometimes behind a
test-only proxy that makes it behave as Adobe might (tests/contract/proxy.py)."""

from __future__ import annotations

from typing import Any

import pytest

from connections.flowservice import (
    ConnectionFailedError,
    FlowServiceClient,
    Operation,
    PreconditionFailedError,
    ServerError,
    StandardAuth,
    TooManyPagesError,
    UnrecognisedAnswerError,
    Verdict,
)
from connections.flowservice_emulator import FLOW_PREFIX
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, DEMO_MANAGE_KEY, DEMO_NAMESPACE
from tests.contract.clients import flow_client
from tests.contract.proxy import AlteringProxy, Exchange, Reply, flow_error

STANDARD = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name="RootManageSharedAccessKey", sas_key=DEMO_MANAGE_KEY)
LISTEN = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)


@pytest.fixture
def client_at(emulator: Any, calls: list[Any]) -> Any:
    """A client for the emulator, or for a proxy in front of it, with any client option (page_size...)."""

    def build(proxy: AlteringProxy | None = None, **options: Any) -> FlowServiceClient:
        url = proxy.url if proxy else emulator.url
        return flow_client(flow_url=url + FLOW_PREFIX, ims_url=emulator.url, observer=calls.append, **options)

    return build


def ignore_name_filter(exchange: Exchange) -> None:
    """An Adobe whose `property` filter did not narrow the list: the client must search every page."""
    query = exchange.query
    if exchange.method == "GET" and query.pop("property", None) is not None:
        exchange.with_query(query)


class TestPaging:
    def test_every_page_is_read(self, client_at, calls):
        client = client_at(page_size=2)
        for n in range(5):
            client.create_base_connection(name=f"c{n}", description="", auth=STANDARD)
        assert [c["name"] for c in client.list_connections()] == ["c0", "c1", "c2", "c3", "c4"]
        pages = [c for c in calls if c.operation == Operation.LIST_BASE]
        assert len(pages) == 3
        assert "continuationToken=" in pages[1].path and "continuationToken=" in pages[2].path

    def test_adopt_by_name_searches_through_three_pages(self, make_client, client_at, emulator, calls):
        setup = make_client()
        for n in range(4):
            setup.create_base_connection(name=f"other {n}", description="", auth=STANDARD)
        wanted = setup.create_base_connection(name="Orders (eh-1a2b3c4d)", description="", auth=STANDARD)
        with AlteringProxy(emulator.url, before=ignore_name_filter) as proxy:
            client = client_at(proxy, page_size=2)
            found = client.find_base_connection("Orders (eh-1a2b3c4d)")
            assert found is not None and found["id"] == wanted.id
            assert len([c for c in calls if c.operation == Operation.LIST_BASE]) == 3
            assert client.find_base_connection("Orders (eh-99999999)") is None

    def test_the_page_bound_stops_an_endless_list(self, client_at):
        client = client_at(page_size=1, max_pages=3)
        for n in range(4):
            client.create_base_connection(name=f"c{n}", description="", auth=STANDARD)
        with pytest.raises(TooManyPagesError, match="after 3 pages"):
            client.list_connections()

    def test_a_next_link_to_another_host_is_not_followed(self, make_client, client_at, emulator):
        def elsewhere(exchange: Exchange, reply: Reply) -> Reply:
            return reply.with_json({"items": [], "_links": {"next": {"href": "https://elsewhere.example/connections"}}})

        with AlteringProxy(emulator.url, after=elsewhere) as proxy:
            with pytest.raises(UnrecognisedAnswerError, match="another host"):
                client_at(proxy).list_connections()
            assert all("elsewhere" not in e.path for e in proxy.seen)


class TestServerErrors:
    def test_a_read_answered_500_is_retried(self, make_client, emulator, calls):
        emulator.fault("/connectionSpecs/*", status=500)
        assert make_client().get_connection_spec()["id"]
        assert [c.status for c in calls if c.operation == Operation.GET_SPEC] == [500, 200]

    def test_a_create_answered_500_is_not_resent(self, make_client, emulator, calls):
        emulator.fault("/connections", method="POST", status=500)
        with pytest.raises(ServerError) as caught:
            make_client().create_base_connection(name="g", description="", auth=STANDARD)
        assert caught.value.outcome_unknown and not caught.value.should_retry
        assert len([c for c in calls if c.operation == Operation.CREATE_BASE]) == 1

    def test_retry_facts_are_declared_by_the_error(self):
        refused = ConnectionFailedError("refused", request_sent=False, should_retry=True)
        masked = refused.with_message(lambda m: m.upper())
        assert type(masked) is ConnectionFailedError and masked.message == "REFUSED"
        assert (masked.request_sent, masked.should_retry, masked.outcome_unknown) == (False, True, False)


class TestIfMatch:
    def test_connections_are_patched_with_the_etag_unquoted_as_adobe_shows(self, make_client, client_at, emulator):
        base = make_client().create_base_connection(name="g", description="", auth=STANDARD)
        assert base.etag.startswith('"')
        with AlteringProxy(emulator.url) as proxy:
            client_at(proxy).update_credentials(base.id, etag=base.etag, auth=LISTEN)
        [patch] = [e for e in proxy.seen if e.method == "PATCH"]
        assert patch.headers["If-Match"] == base.etag.strip('"')

    def test_a_quoting_difference_does_not_lock_the_user_out(self, make_client, client_at, emulator, calls):
        """An Adobe that wants the quoted form answers 412 to the unquoted one: checked once, then sent quoted."""
        base = make_client().create_base_connection(name="g", description="", auth=STANDARD)

        def wants_quotes(exchange: Exchange) -> Reply | None:
            if exchange.method == "PATCH" and not exchange.headers.get("If-Match", "").startswith('"'):
                return flow_error("1404-412", "Version not matching")
            return None

        with AlteringProxy(emulator.url, before=wants_quotes) as proxy:
            updated = client_at(proxy).update_credentials(base.id, etag=base.etag, auth=LISTEN)
        assert updated.etag != base.etag
        steps = [(c.operation, c.status) for c in calls if c.operation != Operation.IMS_TOKEN][1:]
        assert steps == [
            (Operation.UPDATE_CREDENTIALS, 412),
            (Operation.GET_BASE, 200),
            (Operation.UPDATE_CREDENTIALS, 200),
        ]

    def test_a_real_conflict_still_reports_one(self, make_client, calls):
        client = make_client()
        base = client.create_base_connection(name="g", description="", auth=STANDARD)
        client.update_credentials(base.id, etag=base.etag, auth=LISTEN)  # someone else changed it
        calls.clear()
        with pytest.raises(PreconditionFailedError):
            client.update_credentials(base.id, etag=base.etag, auth=STANDARD)
        assert [(c.operation, c.status) for c in calls] == [
            (Operation.UPDATE_CREDENTIALS, 412),
            (Operation.GET_BASE, 200),
        ]


class TestDefensiveReads:
    def test_an_unrecognised_test_answer_is_unknown_with_adobe_s_words(self, make_client, client_at, emulator):
        base = make_client().create_base_connection(name="g", description="", auth=STANDARD)

        def prose(exchange: Exchange, reply: Reply) -> Reply:
            if exchange.path.split("?")[0].endswith("/test"):
                return reply.with_json({"status": "succeeded", "message": "Connection looks healthy"})
            return reply

        with AlteringProxy(emulator.url, after=prose) as proxy:
            client = client_at(proxy)
            test = client.check_connection(base.id)
            assert test.verdict is Verdict.UNKNOWN and test.accepted is None
            assert "Connection looks healthy" in test.adobe_said
            with pytest.raises(UnrecognisedAnswerError, match="Adobe said: .*Connection looks healthy"):
                client.test_connection(base.id)

    def test_hubs_are_listed_or_the_refusal_is_kept_in_adobe_s_words(self, make_client):
        client = make_client()
        manage = client.create_base_connection(name="m", description="", auth=STANDARD)
        listen = client.create_base_connection(name="l", description="", auth=LISTEN)
        listed = client.list_event_hubs(manage.id)
        assert listed.verdict is Verdict.PASSED
        assert listed.hubs == ("clickstream", "inventory-updates", "orders")
        refused = client.list_event_hubs(listen.id)
        assert refused.verdict is Verdict.FAILED and refused.code and refused.adobe_said

    def test_an_unrecognised_explore_answer_is_unknown(self, make_client, client_at, emulator):
        base = make_client().create_base_connection(name="g", description="", auth=STANDARD)

        def wrapped(exchange: Exchange, reply: Reply) -> Reply:
            return reply.with_json({"items": reply.json()}) if "/explore" in exchange.path else reply

        with AlteringProxy(emulator.url, after=wrapped) as proxy:
            listing = client_at(proxy).list_event_hubs(base.id)
        assert listing.verdict is Verdict.UNKNOWN and '"items"' in listing.adobe_said
