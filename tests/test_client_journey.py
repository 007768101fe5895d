"""The client against the emulator over real HTTP: the streaming tutorial's sequence request by request
(help/sources/tutorials/api/collect/streaming.md), the documented refusals, updates, faults, and a dataflow on
the demo `orders` hub watched over the emulator's simulated clock (never a real sleep)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from connections.flowservice import (
    CallRecord,
    DataLakeTarget,
    DatasetInput,
    FieldMapping,
    FlowAction,
    FlowServiceClient,
    MappingSetInput,
    NotFoundError,
    Operation,
    PreconditionFailedError,
    Reset,
    ServerError,
    SourceParams,
    StandardAuth,
    StreamingFlowInput,
    TooManyPagesError,
    ValidationError,
    failure_reasons,
)
from connections.flowservice.types import (
    DATA_LAKE_CONNECTION_SPEC_ID,
    EVENT_HUBS_CONNECTION_SPEC_ID,
    GENERATED_ID_MAPPING,
)
from tests.conftest import DEMO_MANAGE_KEY, DEMO_MANAGE_KEY_NAME, DEMO_NAMESPACE, EmulatorHandle
from tests.contract.clients import flow_client
from tests.contract.proxy import AlteringProxy, Exchange, Reply

ORDERS_ID = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
ORDERS_ALT_ID = "_eventhubsdemo.schemas.3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
STREAMING_SPEC = "d69717ba-71b4-4313-b654-49f9cf126d7a"
AUTH = StandardAuth(namespace=DEMO_NAMESPACE, sas_key_name=DEMO_MANAGE_KEY_NAME, sas_key=DEMO_MANAGE_KEY)
ORDER_MAPPINGS = MappingSetInput(
    schema=ORDERS_ALT_ID,
    mappings=(
        FieldMapping("id", "_eventhubsdemo.order.orderId"),
        FieldMapping("customerId", "_eventhubsdemo.order.customerId"),
        FieldMapping("total", "_eventhubsdemo.order.total"),
        FieldMapping("placedAt", "_eventhubsdemo.order.placedAt"),
        FieldMapping("id", "_id"),  # the ExperienceEvent class requires `_id` and `timestamp` of every record
        FieldMapping("placedAt", "timestamp"),
    ),
)
CATALOG = "/data/foundation/catalog"
DATA_PREP = "/data/foundation/conversion"
SCHEMA_REGISTRY = "/data/foundation/schemaregistry"


def operations(calls: list[CallRecord]) -> list[tuple[Operation, int | None]]:
    return [(c.operation, c.status) for c in calls if c.operation is not Operation.IMS_TOKEN]


def clock(emulator: EmulatorHandle, **order: Any) -> None:
    requests.post(emulator.url + "/__emulator__/clock", json=order, timeout=5).raise_for_status()


@pytest.fixture
def client(make_client: Any) -> FlowServiceClient:
    return make_client()  # type: ignore[no-any-return]


def source_connection(client: FlowServiceClient, reset: Reset = Reset.EARLIEST) -> str:
    base = client.create_base_connection(name="Orders", description="the shop", auth=AUTH)
    group = "aep-orders" if reset is Reset.EARLIEST else "analytics"  # consumer groups the demo hub has
    params = SourceParams(event_hub_name="orders", reset=reset, consumer_group=group)
    return client.create_source_connection(
        name=f"orders from {reset}", description="", base_connection_id=base.id, params=params
    ).id


def dataflow(client: FlowServiceClient, source_id: str) -> dict[str, str]:
    """Dataset, target connection, mapping set and flow for a source connection, as the tutorial makes them."""
    dataset_id = client.create_dataset(DatasetInput(f"Orders {source_id}", ORDERS_ID))
    target = client.create_target_connection(DataLakeTarget("Orders into the lake", dataset_id))
    mapping_id = client.create_mapping_set(ORDER_MAPPINGS)
    flow = client.create_flow(StreamingFlowInput("Orders dataflow", source_id, target.id, mapping_id))
    return {"dataset": dataset_id, "target": target.id, "mapping": mapping_id, "flow": flow.id, "etag": flow.etag}


class TestTheTutorialsSequence:
    def test_request_by_request_with_the_answers_adobe_shows(self, client, calls):
        schemas = client.list_tenant_schemas()
        assert {"Order events", "Clickstream events", "Shop customers"} <= {s["title"] for s in schemas}
        assert all(set(s) == {"$id", "meta:altId", "version", "title"} for s in schemas)

        schema = client.get_schema(ORDERS_ID)
        assert (schema["$id"], schema["meta:altId"]) == (ORDERS_ID, ORDERS_ALT_ID)
        assert schema["properties"]["_eventhubsdemo"]["properties"]["order"]["properties"]["total"]["type"] == "number"
        assert client.get_schema(ORDERS_ALT_ID)["$id"] == ORDERS_ID  # by meta:altId too

        dataset_id = client.create_dataset(DatasetInput("Test streaming dataset", ORDERS_ID, profile_enabled=True))
        assert re.fullmatch(r"[0-9a-f]{24}", dataset_id)
        dataset = client.get_dataset(dataset_id)
        assert dataset["schemaRef"]["id"] == ORDERS_ID and dataset["name"] == "Test streaming dataset"
        assert dataset_id in client.list_datasets(properties=("name",))

        source_id = source_connection(client)
        target = client.create_target_connection(DataLakeTarget("Streaming target connection", dataset_id))
        assert target.etag.startswith('"')
        read_target = client.get_target_connection(target.id)
        assert read_target["params"] == {"dataSetId": dataset_id}
        assert read_target["connectionSpec"]["id"] == DATA_LAKE_CONNECTION_SPEC_ID

        validation = client.validate_mappings(ORDER_MAPPINGS)
        assert [v["status"] for v in validation["validationResponse"]] == ["SUCCESS"] * 6
        mapping_id = client.create_mapping_set(ORDER_MAPPINGS)
        assert re.fullmatch(r"[0-9a-f]{32}", mapping_id)
        stored = client.get_mapping_set(mapping_id)
        assert stored["xdmSchema"] == ORDERS_ID and len(stored["mappings"]) == 6

        spec = client.get_flow_spec()
        assert spec["name"] == "Stream data with optional transformation"
        assert EVENT_HUBS_CONNECTION_SPEC_ID in spec["sourceConnectionSpecIds"]
        assert STREAMING_SPEC in [s["id"] for s in client.list_flow_specs()]

        flow = client.create_flow(StreamingFlowInput("Streaming dataflow", source_id, target.id, mapping_id))
        read = client.get_flow(flow.id)
        assert (read["state"], read["etag"], read["flowSpec"]["id"]) == ("enabled", flow.etag, STREAMING_SPEC)
        assert read["transformations"][0]["params"]["mappingId"] == mapping_id
        assert [f["id"] for f in client.list_flows(property=f"sourceConnectionIds[]=={source_id}")] == [flow.id]

        dataflow_calls = [
            op for op, _ in operations(calls) if op not in (Operation.CREATE_BASE, Operation.CREATE_SOURCE)
        ]
        assert dataflow_calls == [
            Operation.LIST_SCHEMAS,
            Operation.GET_SCHEMA,
            Operation.GET_SCHEMA,
            Operation.CREATE_DATASET,
            Operation.GET_DATASET,
            Operation.LIST_DATASETS,
            Operation.CREATE_TARGET,
            Operation.GET_TARGET,
            Operation.VALIDATE_MAPPING,
            Operation.CREATE_MAPPING,
            Operation.GET_MAPPING,
            Operation.GET_FLOW_SPEC,
            Operation.LIST_FLOW_SPECS,
            Operation.CREATE_FLOW,
            Operation.GET_FLOW,
            Operation.LIST_FLOWS,
        ]
        assert all(status is not None and 200 <= status < 300 for _, status in operations(calls))
        created = {c.operation: c for c in calls if c.operation in (Operation.CREATE_TARGET, Operation.CREATE_FLOW)}
        assert created[Operation.CREATE_FLOW].connection_id == flow.id  # the record names what was created


class TestCatalogAndSchemaRegistryLists:
    def test_a_name_with_the_filters_signs_is_found_exactly_and_only_exactly(self, client):
        names = ["Orders", "EU", "Orders,EU", "Orders*", "!Orders", "Orders 2"]
        ids = {name: client.create_dataset(DatasetInput(name, ORDERS_ID)) for name in names}
        for name in names:
            assert client.find_dataset(name) == ids[name]
        assert client.find_dataset("Orders,US") is None  # `name=Orders,US` would have answered "Orders"
        assert client.find_dataset("Order*") is None

    def test_profile_is_enabled_with_catalogs_tags_and_read_back(self, client, emulator):
        enabled = client.create_dataset(
            DatasetInput("Profiles", ORDERS_ID, profile_enabled=True, identity_enabled=True)
        )
        assert client.dataset_profile_enabled(enabled)
        assert client.get_dataset(enabled)["tags"] == {
            "unifiedProfile": ["enabled:true"],
            "unifiedIdentity": ["enabled:true"],
        }
        assert not client.dataset_profile_enabled(client.create_dataset(DatasetInput("Lake only", ORDERS_ID)))

    def test_datasets_are_paged_by_name_and_searched_on_the_server(self, client, emulator, calls):
        for number in range(45):
            client.create_dataset(DatasetInput(f"set {number:02}", ORDERS_ID))
        calls.clear()
        every = client.datasets(properties=("name",))
        assert [d["name"] for d in every.values()] == [f"set {n:02}" for n in range(45)]
        assert [c.path for c in calls if c.operation is Operation.LIST_DATASETS][-1].endswith("start=40")
        assert len(calls) == 3  # 20, 20 and 5: the last page is short
        found = client.list_datasets(properties=("name",), search="t 4")
        assert sorted(d["name"] for d in found.values()) == [f"set {n}" for n in range(40, 45)]
        assert "name=*t 4*" in calls[-1].path
        assert len(client.list_datasets(search="t,4")) == 20  # not a filter Catalog reads as a name: one page

    def test_schemas_are_paged_with_orderby_and_page_next(self, make_client, calls):
        client = make_client(page_size=2)
        titles = [s["title"] for s in client.list_tenant_schemas()]
        assert titles == ["Clickstream events", "Order events", "Shop customers"]
        paths = [c.path for c in calls if c.operation is Operation.LIST_SCHEMAS]
        assert paths == [
            "/tenant/schemas?orderby=title&limit=2",
            "/tenant/schemas?orderby=title&limit=2&start=Order%20events",
        ]

    def test_a_schema_list_reads_pages_of_the_size_asked_up_to_the_most_asked(self, client, calls):
        titles = [s["title"] for s in client.list_tenant_schemas(page_size=1, most=2)]
        assert titles == ["Clickstream events", "Order events"]
        paths = [c.path for c in calls if c.operation is Operation.LIST_SCHEMAS]
        assert paths == [
            "/tenant/schemas?orderby=title&limit=1",
            "/tenant/schemas?orderby=title&limit=1&start=Clickstream%20events",
        ]  # two pages, never the third

    def test_source_connections_are_read_a_page_of_the_size_asked_up_to_the_most_asked(self, client, calls):
        made = [source_connection(client) for _ in range(3)]
        calls.clear()
        read = [source["id"] for source in client.list_source_connections(limit=1, most=2)]
        assert len(read) == 2 and len(set(read)) == 2 and set(read) <= set(made)
        assert [c.path.split("?")[1] for c in calls][0] == "limit=1"
        assert len(calls) == 2  # the first page and the one its `_links.next.href` names, never the third

    def test_a_name_pattern_is_sent_to_catalog_as_it_is(self, client, emulator, calls):
        for name in ("Orders", "US", "Orders,US"):
            client.create_dataset(DatasetInput(name, ORDERS_ID))
        found = client.datasets_matching("Orders,US")  # Catalog's filter: any of the two names
        assert sorted(d["name"] for d in found.values()) == ["Orders", "US"]
        assert "name=Orders,US&" in calls[-1].path

    def test_answers_without_the_audit_fields_are_read(self, emulator, calls):
        def unaudited(exchange: Exchange, reply: Reply) -> Reply:
            body = reply.json()
            if isinstance(body, dict):
                body.pop("createdBy", None)
                for item in body.get("items") or []:
                    item.pop("createdBy", None)
            return reply.with_json(body)

        with AlteringProxy(emulator.url, after=unaudited) as proxy:
            client = flow_client(
                flow_url=proxy.url + "/data/foundation/flowservice", ims_url=emulator.url, observer=calls.append
            )
            made = dataflow(client, source_connection(client))
            assert "createdBy" not in client.get_flow(made["flow"])
            assert client.get_flow(made["flow"])["id"] == made["flow"]


class TestRefusals:
    def test_a_dataset_on_a_schema_that_does_not_exist(self, client):
        missing = "https://ns.adobe.com/eventhubsdemo/schemas/00000000000000000000000000000000"
        with pytest.raises(ValidationError, match="schema .* was not found") as refused:
            client.create_dataset(DatasetInput("d", missing))
        assert refused.value.status == 400

    def test_a_target_connection_to_a_dataset_that_does_not_exist(self, client):
        with pytest.raises(ValidationError) as refused:
            client.create_target_connection(DataLakeTarget("t", "5f7187bac6d00f194fb937c0"))
        assert refused.value.code == "1100-400"

    @pytest.mark.parametrize(
        ("mapping", "said"),
        [
            (FieldMapping("colour", "_eventhubsdemo.order.colour"), "_eventhubsdemo.order.colour is not a field"),
            (FieldMapping("", "_eventhubsdemo.order.total"), "needs a source"),
            (FieldMapping("total", "_eventhubsdemo.order"), "cannot convert"),
        ],
        ids=["destination-the-schema-lacks", "no-source-attribute", "a-value-into-an-object"],
    )
    def test_mapping_sets_the_schema_cannot_take(self, client, emulator, mapping, said):
        wrong = MappingSetInput(ORDERS_ALT_ID, (FieldMapping("id", "_eventhubsdemo.order.orderId"), mapping))
        with pytest.raises(ValidationError, match=said):
            client.create_mapping_set(wrong)
        assert emulator.stats()["mappingSets"] == 0

    def test_validation_says_which_mapping_is_wrong(self, client):
        wrong = MappingSetInput(ORDERS_ALT_ID, (*ORDER_MAPPINGS.mappings, FieldMapping("x", "nowhere")))
        answers = client.validate_mappings(wrong)["validationResponse"]
        assert [a["status"] for a in answers] == ["SUCCESS"] * 6 + ["FAILED"]
        assert answers[-1]["errors"][0]["destination"] == "nowhere"

    def test_a_generated_id_is_validated_and_previewed_as_a_new_id_for_each_record(self, client, calls):
        kept = tuple(m for m in ORDER_MAPPINGS.mappings if m.destination_xdm_path != "_id")
        generated = MappingSetInput(ORDERS_ALT_ID, (*kept, GENERATED_ID_MAPPING))
        answers = client.validate_mappings(generated)["validationResponse"]
        assert [a["status"] for a in answers] == ["SUCCESS"] * 6
        records = client.preview_mappings(generated, [{"id": "o-1", "total": 5}, {"id": "o-2", "total": 7}])
        assert [r["_eventhubsdemo"]["order"]["orderId"] for r in records] == ["o-1", "o-2"]
        assert len({r["_id"] for r in records}) == 2
        assert operations(calls)[-2:] == [(Operation.VALIDATE_MAPPING, 200), (Operation.PREVIEW_MAPPING, 200)]

    def test_a_preview_answering_one_object_reads_as_one_record(self, emulator):
        def one_object(exchange: Exchange, reply: Reply) -> Reply:
            if exchange.path.endswith("/mappingSets/preview") and reply.status == 200:
                return reply.with_json({**reply.json(), "data": reply.json()["data"][0]})
            return reply

        with AlteringProxy(emulator.url, after=one_object) as proxy:
            client = flow_client(flow_url=proxy.url + "/data/foundation/flowservice", ims_url=emulator.url)
            records = client.preview_mappings(ORDER_MAPPINGS, [{"id": "o-1"}, {"id": "o-2"}])
        assert [r["_id"] for r in records] == ["o-1"]

    def test_a_type_that_cannot_convert_fails_those_records_with_the_reason(self, client, emulator):
        clock(emulator, freeze=True)
        flow_id = dataflow(client, source_connection(client))["flow"]
        errors = failure_reasons(client.list_runs(flow_id)[0])
        assert any("'n/a'" in e["message"] and "_eventhubsdemo.order.total" in e["message"] for e in errors)

    def test_a_flow_on_a_mapping_of_another_schema(self, client):
        source_id = source_connection(client)
        dataset_id = client.create_dataset(DatasetInput("Orders", ORDERS_ID))
        target = client.create_target_connection(DataLakeTarget("t", dataset_id))
        customers = MappingSetInput(
            "_eventhubsdemo.schemas.c5a4e3d2b1f04a7e8c9d0b1a2f3e4d5c", (FieldMapping("id", "_id"),)
        )
        mapping_id = client.create_mapping_set(customers)
        with pytest.raises(ValidationError) as refused:
            client.create_flow(StreamingFlowInput("f", source_id, target.id, mapping_id))
        assert refused.value.code == "1425-400"


class TestAFlowChanges:
    def test_patch_with_if_match_then_a_stale_etag_is_refused(self, client, calls):
        made = dataflow(client, source_connection(client))
        renamed = client.update_flow(made["flow"], etag=made["etag"], name="Orders, renamed")
        assert renamed.etag != made["etag"]
        assert client.get_flow(made["flow"])["name"] == "Orders, renamed"
        calls.clear()
        with pytest.raises(PreconditionFailedError):
            client.update_flow(made["flow"], etag=made["etag"], description="too late")
        # One re-check of the etag (a real conflict, not the quoting), and nothing sent twice.
        assert operations(calls) == [(Operation.UPDATE_FLOW, 412), (Operation.GET_FLOW, 200)]
        assert client.get_flow(made["flow"])["description"] != "too late"

    def test_disable_enable_and_delete(self, client, calls):
        made = dataflow(client, source_connection(client))
        assert client.set_flow_state(made["flow"], FlowAction.DISABLE)
        assert client.get_flow(made["flow"])["state"] == "disabled"
        calls.clear()
        assert not client.set_flow_state(made["flow"], FlowAction.DISABLE)  # disabled already: done, not an error
        assert operations(calls) == [(Operation.DISABLE_FLOW, 400), (Operation.GET_FLOW, 200)]
        assert client.set_flow_state(made["flow"], FlowAction.ENABLE)
        assert client.get_flow(made["flow"])["state"] == "enabled"
        client.delete_flow(made["flow"])
        with pytest.raises(NotFoundError):
            client.get_flow(made["flow"])
        recorded = [op for op, _ in operations(calls)]
        assert {Operation.DISABLE_FLOW, Operation.ENABLE_FLOW, Operation.DELETE_FLOW} <= set(recorded)


# Each new read, with the path the fault is put on; each new create.
READS = [
    ("list_tenant_schemas", (), f"{SCHEMA_REGISTRY}/tenant/schemas"),
    ("get_schema", (ORDERS_ALT_ID,), f"{SCHEMA_REGISTRY}/tenant/schemas/*"),
    ("get_dataset", ("{dataset}",), f"{CATALOG}/dataSets/*"),
    ("list_datasets", (), f"{CATALOG}/dataSets"),
    ("get_mapping_set", ("{mapping}",), f"{DATA_PREP}/mappingSets/*"),
    ("validate_mappings", (ORDER_MAPPINGS,), f"{DATA_PREP}/mappingSets/validate"),
    ("get_target_connection", ("{target}",), "/targetConnections/*"),
    ("list_flow_specs", (), "/flowSpecs"),
    ("get_flow_spec", (), "/flowSpecs/*"),
    ("get_flow", ("{flow}",), "/flows/*"),
    ("list_flows", (), "/flows"),
    ("list_runs", ("{flow}",), "/runs"),
]


class TestFaults:
    @pytest.mark.parametrize(("method", "args", "path"), READS, ids=[r[0] for r in READS])
    def test_a_read_is_retried_after_a_500(self, client, calls, emulator, method, args, path):
        made = dataflow(client, source_connection(client))
        emulator.fault(path, method="POST" if method == "validate_mappings" else "GET", status=500)
        calls.clear()
        getattr(client, method)(*[a.format(**made) if isinstance(a, str) else a for a in args])
        assert [status for _, status in operations(calls)] == [500, 200]

    def test_no_create_is_sent_again_after_a_500(self, client, calls, emulator):
        source_id = source_connection(client)
        dataset_id = client.create_dataset(DatasetInput("Orders", ORDERS_ID))
        target_id = client.create_target_connection(DataLakeTarget("t", dataset_id)).id
        mapping_id = client.create_mapping_set(ORDER_MAPPINGS)
        creates = [
            (f"{CATALOG}/dataSets", lambda: client.create_dataset(DatasetInput("Orders 2", ORDERS_ID))),
            ("/targetConnections", lambda: client.create_target_connection(DataLakeTarget("t2", dataset_id))),
            (f"{DATA_PREP}/mappingSets", lambda: client.create_mapping_set(ORDER_MAPPINGS)),
            ("/flows", lambda: client.create_flow(StreamingFlowInput("f", source_id, target_id, mapping_id))),
        ]
        before = emulator.stats()
        for path, create in creates:
            emulator.fault(path, method="POST", status=500, phase="after")  # made, but the answer is lost
            calls.clear()
            with pytest.raises(ServerError):
                create()
            assert [status for _, status in operations(calls)] == [500], path
        after = emulator.stats()
        assert {k: after[k] - before[k] for k in ("dataSets", "targetConnections", "mappingSets", "flows")} == {
            "dataSets": 1,
            "targetConnections": 1,
            "mappingSets": 1,
            "flows": 1,
        }


class TestADataflowOnTheOrdersHub:
    @pytest.fixture(autouse=True)
    def frozen(self, emulator: EmulatorHandle) -> None:
        clock(emulator, freeze=True)

    def ingested(self, client: FlowServiceClient, flow_id: str) -> tuple[int, int, int]:
        """Received, ingested and failed records over every run of the flow."""
        summaries = [run["metrics"]["recordSummary"] for run in client.list_runs(flow_id)]
        return (
            sum(s["inputRecordCount"] for s in summaries),
            sum(s["outputRecordCount"] for s in summaries),
            sum(s["failedRecordCount"] for s in summaries),
        )

    def test_records_are_ingested_over_time_and_a_few_fail_with_reasons(self, client, emulator):
        flow_id = dataflow(client, source_connection(client))["flow"]
        received, ingested, failed = self.ingested(client, flow_id)
        assert received >= 300 and 0 < failed < received // 10 and ingested == received - failed
        clock(emulator, advance=2 * 3600)
        later = self.ingested(client, flow_id)
        assert later[0] == received + 720 and later[1] > ingested  # an order every ten seconds
        runs = client.list_runs(flow_id)
        assert len(runs) == 3
        reasons = [e for run in runs for e in failure_reasons(run)]
        assert {e["code"] for e in reasons} == {"INGEST-1212-400", "MAPPER-3700-400"}
        assert all(e["message"] and e["recordCount"] for e in reasons)

    def test_runs_are_read_newest_first_in_a_window_and_a_long_history_costs_a_bounded_read(
        self, make_client, emulator, calls
    ):
        client = make_client(page_size=2, max_pages=3)  # 3 pages of 2: a short history already overflows
        flow_id = dataflow(client, source_connection(client, Reset.LATEST))["flow"]
        clock(emulator, advance=10 * 3600)
        with pytest.raises(TooManyPagesError):
            client.list_runs(flow_id)  # the whole history: 11 runs
        calls.clear()
        newest = client.list_runs(flow_id, most=4)
        started = [run["metrics"]["durationSummary"]["startedAtUTC"] for run in newest]
        assert len(started) == 4 and started == sorted(started, reverse=True)
        assert [c.operation for c in calls] == [Operation.LIST_RUNS] * 2
        windowed = client.list_runs(flow_id, since_ms=started[3], most=4)
        assert [r["id"] for r in windowed] == [r["id"] for r in newest[:3]]

    def test_a_run_on_a_consumer_group_the_hub_lacks_fails_with_azures_words(self, client):
        base = client.create_base_connection(name="Orders", description="the shop", auth=AUTH)
        params = SourceParams(event_hub_name="orders", consumer_group="nobody")
        source_id = client.create_source_connection(
            name="orders", description="", base_connection_id=base.id, params=params
        ).id
        (run,) = client.list_runs(dataflow(client, source_id)["flow"])
        assert run["metrics"]["statusSummary"]["status"] == "failed"
        (reason,) = failure_reasons(run)
        assert "orders/consumergroups/nobody' could not be found" in reason["message"]

    def test_reset_latest_reports_none_of_the_events_there_before(self, client, emulator):
        flow_id = dataflow(client, source_connection(client, Reset.LATEST))["flow"]
        assert self.ingested(client, flow_id) == (0, 0, 0)
        clock(emulator, advance=60)
        assert self.ingested(client, flow_id)[0] == 6  # only what arrived since
