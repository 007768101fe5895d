"""The dataflow services against the live emulator over HTTP: choices, Finish, faults, watching."""

from __future__ import annotations

import json

import pytest
import requests

from connections.flowservice import DatasetInput
from connections.flowservice.payloads import mapping_set_body
from connections.flowservice_emulator import FLOW_PREFIX
from connections.models import Dataflow, DataflowChange, FlowServiceCall
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services.dataflow_fields import with_generated_id
from connections.services.errors import OnboardingError
from tests.conftest import DEMO_MANAGE_KEY
from tests.contract.proxy import AlteringProxy, Exchange, Reply

Status = Dataflow.Status
pytestmark = pytest.mark.django_db

CATALOG = "/data/foundation/catalog/dataSets"
ORDERS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"


def advance(emulator, seconds: float) -> None:
    response = requests.post(f"{emulator.url}/__emulator__/clock", json={"freeze": True, "advance": seconds}, timeout=5)
    response.raise_for_status()


def without_profile(exchange: Exchange, reply: Reply) -> Reply:
    """A proxy's alteration: Catalog's datasets read back without their Profile tag (`unifiedProfile`)."""
    body = reply.json()
    if exchange.method == "GET" and "/catalog/dataSets/" in exchange.path and isinstance(body, dict):
        for dataset in body.values():
            dataset.get("tags", {}).pop("unifiedProfile", None)
    return reply.with_json(body) if body is not None else reply


def chosen_raw_dataflow(make_onboarding, *, dataset: str = "Orders from Event Hubs") -> Dataflow:
    """A raw dataflow with the hub's preview, a new dataset on the order schema and the suggested mapping."""
    onboarding = make_onboarding("source")
    dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    dataflow = choices.dataflow_preview(dataflow=dataflow, actor=onboarding.owner)
    choice = choices.DatasetChoice(new_name=dataset, schema_id=ORDERS_SCHEMA, profile_enabled=False)
    return choices.dataflow_choose_dataset(dataflow=dataflow, actor=onboarding.owner, choice=choice)


def data_prep(emulator, method: str, path: str, body: object = None) -> requests.Response:
    url = emulator.url + "/data/foundation/conversion" + path
    return requests.request(method, url, json=body, headers=emulator.headers(), timeout=5)


def count(emulator, kind: str) -> int:
    return int(emulator.stats().get(kind, 0))


class TestChoices:
    def test_the_preview_flattens_the_hubs_events_and_the_mapping_is_suggested(self, make_onboarding):
        dataflow = chosen_raw_dataflow(make_onboarding)
        assert 0 < len(dataflow.sample) <= 100
        fields = {f.path: f.type for f in choices.fields_of(dataflow)}
        assert fields["total"] in ("number", "string") and fields["id"] == "string"
        suggested = {m["source"]: m["destination"] for m in dataflow.mappings}
        assert suggested["id"] == "_id"
        assert suggested["customerId"] == "_eventhubsdemo.order.customerId"
        assert dataflow.schema_title == "Order events"

    def test_required_fields_are_flagged(self, make_onboarding):
        dataflow = chosen_raw_dataflow(make_onboarding)
        fields = choices.dataflow_schema_fields(dataflow=dataflow, actor=dataflow.onboarding.owner)
        assert {f.path for f in fields if f.required} == {"_id", "timestamp"}

    def test_a_pasted_sample_is_kept_and_nonsense_is_refused_next_to_the_field(self, make_onboarding):
        onboarding = make_onboarding("source")
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        with pytest.raises(OnboardingError) as refused:
            choices.dataflow_use_sample(dataflow=dataflow, text="{not json")
        assert refused.value.field == "sample"
        dataflow = choices.dataflow_use_sample(dataflow=dataflow, text='{"a": {"b": 1}}\n{"a": {"b": 2}, "c": true}')
        assert [(f.path, f.type) for f in choices.fields_of(dataflow)] == [("a.b", "integer"), ("c", "boolean")]

    def test_data_prep_problems_come_back_per_row_before_anything_is_created(self, make_onboarding, emulator):
        dataflow = chosen_raw_dataflow(make_onboarding)
        rows = [{"source": "id", "destination": "_id"}, {"source": "total", "destination": "_eventhubsdemo.nope"}]
        with pytest.raises(choices.MappingProblems) as problems:
            choices.dataflow_save_mapping(dataflow=dataflow, actor=dataflow.onboarding.owner, rows=rows)
        assert list(problems.value.rows) == [1]
        assert "_eventhubsdemo.nope" in problems.value.rows[1]
        assert count(emulator, "mappingSets") == 0 and count(emulator, "dataSets") == 0

    def test_a_new_dataset_name_already_in_catalog_is_refused(self, make_onboarding, make_client):
        make_client().create_dataset(DatasetInput(name="Taken", schema_id=ORDERS_SCHEMA))
        with pytest.raises(OnboardingError) as refused:
            chosen_raw_dataflow(make_onboarding, dataset="Taken")
        assert refused.value.field == "dataset_name"


class TestFinish:
    def test_finish_creates_each_object_once_and_records_arrive(self, make_onboarding, emulator):
        dataflow = chosen_raw_dataflow(make_onboarding)
        owner = dataflow.onboarding.owner
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        assert dataflow.dataset_id and dataflow.target_connection_id and dataflow.mapping_set_id and dataflow.flow_id
        flow = emulator.get(f"/flows/{dataflow.flow_id}").json()["items"][0]
        assert flow["sourceConnectionIds"] == [dataflow.onboarding.source_connection_id]
        assert flow["transformations"][0]["params"]["mappingId"] == dataflow.mapping_set_id
        advance(emulator, 120)
        activity = choices.dataflow_activity(dataflow=dataflow, actor=owner)
        assert activity.state == "enabled" and activity.received > 0 and activity.ingested > 0
        assert activity.received == activity.ingested + activity.failed
        operations = set(
            FlowServiceCall.objects.filter(onboarding=dataflow.onboarding).values_list("operation", flat=True)
        )
        assert {"create_dataset", "create_target_connection", "create_mapping_set", "create_flow"} <= operations
        steps = list(
            DataflowChange.objects.filter(dataflow=dataflow, to_status=Status.CREATING)
            .order_by("id")
            .values_list("step", flat=True)
        )
        assert steps == ["dataset", "target_connection", "mapping_set", "flow"]

    def test_a_generated_id_is_sent_as_an_expression_and_each_record_gets_its_own(self, make_onboarding, emulator):
        """Events with no id of their own: `_id` from Data Prep's `uuid()`, sent as its mapping-set guide writes an
        expression mapping, fills every record's required `_id`, each with a different one."""
        dataflow = chosen_raw_dataflow(make_onboarding)
        owner = dataflow.onboarding.owner
        rows = [r for r in dataflow.mappings if r["destination"] != "_id"]
        dataflow = choices.dataflow_save_mapping(dataflow=dataflow, actor=owner, rows=with_generated_id(rows))
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        sent = mapping_set_body(df.mapping_input(dataflow))
        assert {"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"} in sent["mappings"]
        stored = data_prep(emulator, "GET", f"/mappingSets/{dataflow.mapping_set_id}").json()
        assert [(m["source"], m["sourceType"]) for m in stored["mappings"] if m["destination"] == "_id"] == [
            ("uuid()", "text/x.aep-xl")
        ]
        events = [json.loads(e) if isinstance(e, str) else e for e in dataflow.sample[:5]]
        previewed = data_prep(emulator, "POST", "/mappingSets/preview", {"data": events, "mappingSet": sent}).json()
        ids = [record["_id"] for record in previewed["data"]]
        assert len(ids) == 5 and len(set(ids)) == 5 and not {e.get("id") for e in events} & set(ids)
        advance(emulator, 120)
        activity = choices.dataflow_activity(dataflow=dataflow, actor=owner)
        assert activity.ingested > 0
        assert not any("[_id]" in str(error) for error in activity.errors), activity.errors

    def test_an_xdm_hub_into_an_existing_dataset_needs_no_mapping(self, make_onboarding, make_client, emulator):
        dataset_id = make_client().create_dataset(DatasetInput(name="Orders (XDM)", schema_id=ORDERS_SCHEMA))
        onboarding = make_onboarding("source")
        source = choices.DataflowSource("clickstream", "aep-clicks", "xdm", "earliest")
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=source)
        dataflow = choices.dataflow_choose_dataset(
            dataflow=dataflow, actor=onboarding.owner, choice=choices.DatasetChoice(existing_id=dataset_id)
        )
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=onboarding.owner)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        assert not dataflow.mapping_set_id and dataflow.dataset_id == dataset_id
        assert dataflow.source_connection_id != onboarding.source_connection_id  # its own, on the same account
        assert count(emulator, "mappingSets") == 0 and count(emulator, "dataSets") == 1

    @pytest.mark.parametrize(
        ("path", "kind"),
        [
            ("/data/foundation/catalog/dataSets", "dataSets"),
            ("/targetConnections", "targetConnections"),
            ("/data/foundation/conversion/mappingSets", "mappingSets"),
            ("/flows", "flows"),
        ],
    )
    def test_a_fault_during_each_create_is_retried_to_exactly_one_object(self, make_onboarding, emulator, path, kind):
        dataflow = chosen_raw_dataflow(make_onboarding)
        owner = dataflow.onboarding.owner
        emulator.fault(path, method="POST", status=503)
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.FAILED and dataflow.last_error["status"] == 503
        assert dataflow.sample and dataflow.mappings  # nothing to choose again
        dataflow = df.dataflow_retry(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        assert count(emulator, kind) == 1

    @pytest.mark.parametrize(
        ("path", "kind"),
        [
            ("/data/foundation/catalog/dataSets", "dataSets"),
            ("/targetConnections", "targetConnections"),
            ("/flows", "flows"),
        ],
    )
    def test_an_unknown_outcome_is_adopted_by_name(self, make_onboarding, emulator, path, kind):
        dataflow = chosen_raw_dataflow(make_onboarding)
        owner = dataflow.onboarding.owner
        emulator.fault(path, method="POST", drop=True, phase="after")
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.FAILED and dataflow.outcome_unknown
        dataflow = df.dataflow_retry(dataflow=dataflow, actor=owner)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        assert count(emulator, kind) == 1
        assert DataflowChange.objects.filter(dataflow=dataflow, reason__contains="Adopted").count() == 1

    def test_a_dataset_named_with_a_comma_is_adopted_once_after_an_unknown_outcome(
        self, make_onboarding, emulator, make_client
    ):
        make_client().create_dataset(DatasetInput("Orders", ORDERS_SCHEMA))  # what `name=Orders, EU` would match
        dataflow = chosen_raw_dataflow(make_onboarding, dataset="Orders, EU")
        emulator.fault("/data/foundation/catalog/dataSets", method="POST", drop=True, phase="after")
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=None)
        assert dataflow.status == Status.FAILED and dataflow.outcome_unknown
        dataflow = df.dataflow_retry(dataflow=dataflow, actor=None)
        assert dataflow.status == Status.CREATED, dataflow.last_error
        assert count(emulator, "dataSets") == 2  # "Orders" and the one "Orders, EU", adopted, not made again
        dataset = make_client().get_dataset(dataflow.dataset_id)
        assert dataset["name"] == "Orders, EU"

    def test_pause_and_resume(self, make_onboarding):
        dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
        dataflow = choices.dataflow_set_paused(dataflow=dataflow, actor=None, paused=True)
        assert dataflow.flow_state == "disabled" and dataflow.paused
        # A second Pause (another tab, a stale page): Adobe answers 1422-400; it is done, not a failure.
        dataflow = choices.dataflow_set_paused(dataflow=dataflow, actor=None, paused=True)
        assert dataflow.flow_state == "disabled" and dataflow.paused
        dataflow = choices.dataflow_set_paused(dataflow=dataflow, actor=None, paused=False)
        assert dataflow.flow_state == "enabled"

    def test_activity_counts_the_last_week_and_keeps_the_newest_reasons_with_their_counts(
        self, make_onboarding, emulator
    ):
        dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
        advance(emulator, 3 * 3600)
        activity = choices.dataflow_activity(dataflow=dataflow, actor=None)
        assert activity.runs == 4 and activity.latest_status == "inProgress"
        assert {e["code"] for e in activity.errors} <= {"INGEST-1212-400", "MAPPER-3700-400"}
        assert activity.errors and all(e["recordCount"] for e in activity.errors)
        runs = FlowServiceCall.objects.filter(onboarding=dataflow.onboarding, operation="list_runs").last()
        assert "metrics.durationSummary.startedAtUTC>" in runs.path and "orderby=-createdAt" in runs.path

    def test_a_dataflow_on_a_consumer_group_the_hub_lacks_shows_azures_reason(self, make_onboarding):
        onboarding = make_onboarding("source")
        lacking = choices.DataflowSource("orders", "not-created-yet", "raw", "earliest")
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=lacking)
        dataflow.sample = [{"id": "o-1", "total": 3}]
        dataflow.save()
        choice = choices.DatasetChoice(new_name="Orders again", schema_id=ORDERS_SCHEMA)
        dataflow = choices.dataflow_choose_dataset(dataflow=dataflow, actor=None, choice=choice)
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=None)
        assert dataflow.status == Status.CREATED, dataflow.last_error  # Adobe creates it; its runs fail
        activity = choices.dataflow_activity(dataflow=dataflow, actor=None)
        assert activity.latest_status == "failed" and activity.received == 0
        (reason,) = activity.errors
        assert "orders/consumergroups/not-created-yet' could not be found" in reason["message"]

    def test_the_catalogue_pages_through_catalog_and_hides_system_datasets(
        self, make_onboarding, make_client, emulator
    ):
        client = make_client()
        for number in range(25):
            client.create_dataset(DatasetInput(f"Orders {number:02}", ORDERS_SCHEMA))
        system = {"name": "Profile snapshot", "schemaRef": {"id": ORDERS_SCHEMA}, "tags": {"adobe/pqs/table": ["x"]}}
        requests.post(emulator.url + CATALOG, json=system, headers=emulator.headers(), timeout=5).raise_for_status()
        onboarding = make_onboarding("source")
        dataflow = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner)
        catalogue = choices.dataflow_catalogue(dataflow=dataflow, actor=None)
        assert [d["name"] for d in catalogue.datasets] == [f"Orders {n:02}" for n in range(25)]
        assert all(d["schema"] == "Order events" for d in catalogue.datasets)

    @pytest.mark.parametrize("existing", ["Orders,EU", "Orders*", "!Orders"])
    def test_a_name_with_catalogs_filter_signs_is_still_found_taken(self, make_onboarding, make_client, existing):
        make_client().create_dataset(DatasetInput(existing, ORDERS_SCHEMA))
        dataflow = chosen_raw_dataflow(make_onboarding, dataset="Orders")  # "Orders" alone is free
        assert dataflow.dataset_name == "Orders"
        with pytest.raises(OnboardingError) as refused:
            choice = choices.DatasetChoice(new_name=existing, schema_id=ORDERS_SCHEMA)
            choices.dataflow_choose_dataset(dataflow=dataflow, actor=None, choice=choice)
        assert refused.value.field == "dataset_name"

    def test_profile_is_read_back_after_the_dataset_is_created(self, make_onboarding, emulator):
        dataflow = chosen_raw_dataflow(make_onboarding)
        dataflow.profile_enabled = True
        dataflow.save()
        dataflow = df.dataflow_finish(dataflow=dataflow, actor=None)
        assert dataflow.status == Status.CREATED and dataflow.profile_enabled
        created = DataflowChange.objects.get(dataflow=dataflow, reason__contains="Adobe created the dataset")
        assert "Catalog shows it enabled for Profile" in created.reason

    def test_profile_not_read_back_is_said_and_no_longer_claimed(self, make_onboarding, emulator, settings):
        dataflow = chosen_raw_dataflow(make_onboarding)
        dataflow.profile_enabled = True
        dataflow.save()
        with AlteringProxy(emulator.url, after=without_profile) as proxy:
            settings.FLOW_SERVICE_URL = proxy.url + FLOW_PREFIX
            dataflow = df.dataflow_finish(dataflow=dataflow, actor=None)
        assert dataflow.status == Status.CREATED and not dataflow.profile_enabled
        created = DataflowChange.objects.get(dataflow=dataflow, reason__contains="Adobe created the dataset")
        assert "does not show it enabled for Profile" in created.reason

    def test_the_consumer_group_guard_covers_dataflows(self, make_onboarding):
        onboarding = make_onboarding("source")  # reads orders with aep-orders
        same = choices.DataflowSource("orders", "aep-orders", "raw", "earliest")
        with pytest.raises(OnboardingError) as refused:
            choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=same)
        assert refused.value.field == "consumer_group"
        other = choices.DataflowSource("clickstream", "aep-clicks", "raw", "earliest")
        first = choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=other)
        first.status = Status.CREATED
        first.save()
        with pytest.raises(OnboardingError):
            choices.dataflow_start(onboarding=onboarding, actor=onboarding.owner, source=other)

    def test_no_secret_in_the_dataflows_calls(self, make_onboarding):
        dataflow = df.dataflow_finish(dataflow=chosen_raw_dataflow(make_onboarding), actor=None)
        calls = FlowServiceCall.objects.filter(onboarding=dataflow.onboarding)
        assert DEMO_MANAGE_KEY not in str(list(calls.values()))


def test_a_default_dataflow_name_never_repeats_a_word():
    assert choices.default_dataflow_name("Web shop orders", "orders") == "Web shop orders dataflow"
    assert choices.default_dataflow_name("Web shop", "orders") == "Web shop orders dataflow"
