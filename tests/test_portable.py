"""An onboarding as a file: exported from the emulator's `dev` sandbox, imported into `prod` (real HTTP), through
the services and the `onboarding_file` command."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from django.core.management import call_command

from connections.flowservice import DatasetInput
from connections.models import Dataflow, DataflowChange
from connections.services import dataflow as df
from connections.services import dataflow_choices as choices
from connections.services.portable import (
    FileProblems,
    importing,
    onboarding_export_document,
    onboarding_import_document,
    read_document,
)
from connections.services.portable.document import file_schema

pytestmark = pytest.mark.django_db

ORDERS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/3f1c9a2e5b7d4c60a8e2f9b1d4c7a6e0"
CLICKS_SCHEMA = "https://ns.adobe.com/eventhubsdemo/schemas/8b2e7d1f0c4a4e9b9d6a3c5f1e2b7a48"
CREATED_KINDS = ("sourceConnections", "dataSets", "targetConnections", "mappingSets", "flows")


def create_orders_dataflow(onboarding: Any, *, actor: Any) -> Dataflow:
    """One dataflow created end to end on `onboarding` (tasks run as they are queued): orders into a new
    dataset, mapped."""
    dataflow = choices.dataflow_start(onboarding=onboarding, actor=actor)
    dataflow = choices.dataflow_preview(dataflow=dataflow, actor=actor)
    choice = choices.DatasetChoice(new_name="Orders from Event Hubs", schema_id=ORDERS_SCHEMA)
    dataflow = choices.dataflow_choose_dataset(dataflow=dataflow, actor=actor, choice=choice)
    dataflow = choices.dataflow_save_detail(dataflow=dataflow, name="Orders", description="Shop orders")
    dataflow = df.dataflow_finish(dataflow=dataflow, actor=actor)
    assert dataflow.is_created
    return dataflow


@pytest.fixture
def dev_onboarding(make_onboarding: Any) -> Any:
    """An onboarding in `dev` with one dataflow created end to end: orders into a new dataset, mapped."""
    onboarding = make_onboarding("source", sandbox_name="dev", name="Orders dev")
    create_orders_dataflow(onboarding, actor=onboarding.owner)
    return onboarding


@pytest.fixture
def prod_account(make_onboarding: Any) -> Any:
    """The same Event Hubs account connected in `prod`, reading `orders` with another consumer group."""
    return make_onboarding("source", sandbox_name="prod", name="Orders prod", consumer_group="analytics")


def created_counts(emulator: Any) -> dict[str, int]:
    stats = emulator.stats()
    return {kind: int(stats.get(kind, 0)) for kind in CREATED_KINDS}


def run(*args: str) -> str:
    out = StringIO()
    call_command("onboarding_file", *args, stdout=out)
    return out.getvalue()


def exported(onboarding: Any, tmp_path: Any, **edits: Any) -> str:
    """The onboarding's file as the command writes it, with `edits` applied to its first dataflow."""
    document = json.loads(run("export", str(onboarding.public_id)))
    document["dataflows"][0].update(edits)
    path = tmp_path / "orders.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return str(path)


def import_args(path: str, account: Any, *extra: str) -> list[str]:
    return ["import", path, "--sandbox", "prod", "--account", str(account.public_id), "--owner", "alice", *extra]


class TestExport:
    def test_the_file_carries_the_choices_and_no_secret_or_adobe_id(self, dev_onboarding):
        text = run("export", str(dev_onboarding.public_id))
        document = json.loads(text)
        assert read_document(text) == document  # what the export writes, the import reads
        [flow] = document["dataflows"]
        assert (flow["name"], flow["event_hub"], flow["consumer_group"], flow["data_type"]) == (
            "Orders",
            "orders",
            "aep-orders",
            "raw",
        )
        assert flow["dataset"] == {
            "name": "Orders from Event Hubs",
            "schema_title": "Order events",
            "profile_enabled": False,
        }
        assert {"source": "customerId", "destination": "_eventhubsdemo.order.customerId"} in flow["mapping"]
        created = Dataflow.objects.get(onboarding=dev_onboarding)
        for secret_or_id in (
            dev_onboarding.sas_key,
            dev_onboarding.namespace,
            dev_onboarding.base_connection_id,
            created.flow_id,
            created.dataset_id,
            created.schema_id,
        ):
            assert secret_or_id not in text

    def test_a_yaml_export_imports_into_prod_as_the_json_one_does(self, dev_onboarding, prod_account, tmp_path):
        text = run("export", str(dev_onboarding.public_id), "--yaml")
        assert text.startswith("format: eventhubs-onboarding\nversion: 1\n")
        assert read_document(text, as_yaml=True) == json.loads(run("export", str(dev_onboarding.public_id)))
        path = tmp_path / "orders.yaml"
        path.write_text(text, encoding="utf-8")
        run(*import_args(str(path), prod_account, "--consumer-group", "orders=$Default"))
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created and imported.sample == Dataflow.objects.get(onboarding=dev_onboarding).sample[:5]

    def test_a_dataflow_on_an_existing_dataset_is_exported_with_its_name_from_catalog(self, dev_onboarding):
        Dataflow.objects.filter(onboarding=dev_onboarding).update(dataset_name="", dataset_choice="existing")
        document = onboarding_export_document(dev_onboarding)
        assert document["dataflows"][0]["dataset"]["name"] == "Orders from Event Hubs"


class TestImport:
    def test_an_export_from_dev_is_created_in_prod(self, dev_onboarding, prod_account, tmp_path, make_client):
        path = exported(dev_onboarding, tmp_path)
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert "Created: Orders (Created)" in out
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created and imported.own_source and imported.consumer_group == "$Default"
        original = Dataflow.objects.get(onboarding=dev_onboarding)
        assert imported.mappings == original.mappings and imported.schema_title == "Order events"
        prod, dev = make_client(sandbox="prod"), make_client(sandbox="dev")
        assert prod.find_flow(imported.remote_name())["id"] == imported.flow_id
        assert dev.find_flow(imported.remote_name()) is None
        assert prod.find_dataset("Orders from Event Hubs") == imported.dataset_id != original.dataset_id
        history = DataflowChange.objects.filter(dataflow=imported).order_by("created_at", "id")
        assert "Imported from an onboarding file" in history.first().reason
        assert history.last().to_status == Dataflow.Status.CREATED

    def test_a_generated_id_travels_with_the_file(self, dev_onboarding, prod_account, tmp_path, make_client):
        rows = [r for r in Dataflow.objects.get(onboarding=dev_onboarding).mappings if r["destination"] != "_id"]
        generated = {"source": "uuid()", "destination": "_id", "source_type": "EXPRESSION"}
        path = exported(dev_onboarding, tmp_path, mapping=[*rows, generated])
        run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created and generated in imported.mappings
        mapping_set = make_client(sandbox="prod").get_mapping_set(imported.mapping_set_id)
        assert [(m["source"], m["sourceType"]) for m in mapping_set["mappings"] if m["destination"] == "_id"] == [
            ("uuid()", "text/x.aep-xl")
        ]
        assert generated in onboarding_export_document(prod_account)["dataflows"][0]["mapping"]

    def test_a_check_says_what_the_import_would_create_and_creates_nothing(
        self, dev_onboarding, prod_account, tmp_path, emulator
    ):
        path = exported(dev_onboarding, tmp_path)
        before = created_counts(emulator)
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default", "--check"))
        assert out.splitlines() == [
            "Create “Orders”: the event hub orders read with $Default through a source connection of its own, into "
            "a new dataset “Orders from Event Hubs” on the schema “Order events”, 8 mapped fields.",
            "The file can be imported into prod; nothing was created.",
        ]
        assert created_counts(emulator) == before
        assert not Dataflow.objects.filter(onboarding=prod_account).exists()
        run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default", "--check"))
        assert out.splitlines()[0] == "Leave “Orders” as it is (Created)."
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=aep-orders-prod", "--check"))
        assert out.splitlines()[0] == (
            "Leave “Orders” as it is (Created). The file differs in: consumer group (an import never changes it)."
        )

    @pytest.mark.django_db(transaction=True)  # the worker's batch mode runs its tasks in transactions of its own
    def test_the_creates_wait_in_the_task_queue_as_the_wizards_do(
        self, dev_onboarding, prod_account, tmp_path, task_queue
    ):
        path = exported(dev_onboarding, tmp_path)
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert "Created: Orders (Creating in Adobe)" in out
        assert Dataflow.objects.get(onboarding=prod_account).is_in_flight
        task_queue()
        assert Dataflow.objects.get(onboarding=prod_account).is_created

    def test_importing_twice_creates_nothing_new(self, dev_onboarding, prod_account, tmp_path, emulator):
        path = exported(dev_onboarding, tmp_path)
        run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        before = created_counts(emulator)
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert "Already there, unchanged: Orders (Created)" in out and "0 dataflow(s) created" in out
        assert created_counts(emulator) == before
        assert Dataflow.objects.filter(onboarding=prod_account).count() == 1

    def test_a_dataflow_whose_creation_failed_is_retried_by_the_next_import_and_adopted(
        self, dev_onboarding, prod_account, tmp_path, emulator
    ):
        path = exported(dev_onboarding, tmp_path)
        before = created_counts(emulator)
        emulator.fault("/flows", method="POST", count=1, status=500, phase="after")  # created, answer lost
        with pytest.raises(Exception) as failed:
            run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert str(failed.value).startswith("1 dataflow(s) failed; run the same import again to retry. Orders: ")
        assert failed.value.returncode == 1
        out = run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert "Retried: Orders (Created)" in out
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created
        after = created_counts(emulator)
        assert {kind: after[kind] - before[kind] for kind in CREATED_KINDS} == dict.fromkeys(CREATED_KINDS, 1)
        reasons = [change.reason for change in DataflowChange.objects.filter(dataflow=imported)]
        assert any("Adopted the dataflow an earlier attempt created" in reason for reason in reasons)

    def test_two_imports_at_once_make_each_dataflow_once(
        self, dev_onboarding, prod_account, tmp_path, emulator, monkeypatch
    ):
        document = json.loads(run("export", str(dev_onboarding.public_id)))
        target = {"account": prod_account, "sandbox": "prod", "actor": prod_account.owner}
        groups = {"orders": "$Default"}
        stale = importing.onboarding_import_plan(document, consumer_groups=groups, **target)  # both see it new
        first = onboarding_import_document(document, consumer_groups=groups, **target)
        before = created_counts(emulator)
        monkeypatch.setattr(importing, "onboarding_import_plan", lambda *args, **kwargs: stale)
        second = onboarding_import_document(document, consumer_groups=groups, **target)
        assert [d.name for d in first.created] == ["Orders"] and second.created == []
        assert [d.pk for d in second.already_there] == [first.created[0].pk]
        assert created_counts(emulator) == before
        assert Dataflow.objects.filter(onboarding=prod_account).count() == 1

    def test_the_same_hub_and_consumer_group_as_the_account_reads_its_own_source(
        self, dev_onboarding, prod_account, tmp_path, emulator
    ):
        path = exported(dev_onboarding, tmp_path, consumer_group="analytics")
        sources = created_counts(emulator)["sourceConnections"]
        run(*import_args(path, prod_account))
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created and not imported.own_source
        assert imported.source_connection_id == prod_account.source_connection_id
        assert created_counts(emulator)["sourceConnections"] == sources

    def test_what_prod_lacks_is_listed_before_anything_is_created(
        self, dev_onboarding, prod_account, tmp_path, emulator
    ):
        mapping = [
            {"source": "id", "destination": "_id"},
            {"source": "coupon", "destination": "_eventhubsdemo.order.coupon"},
        ]
        path = exported(dev_onboarding, tmp_path, mapping=mapping)
        before = created_counts(emulator)
        with pytest.raises(Exception) as refused:
            run(*import_args(path, prod_account))
        message = str(refused.value)
        assert "The sandbox prod lacks what the file needs; nothing was created" in message
        assert "1. Dataflow “Orders”: the consumer group aep-orders already feeds a flow" in message
        assert "2. Dataflow “Orders”: the schema “Order events” in the sandbox prod has no field " in message
        assert "_eventhubsdemo.order.coupon (mapped from coupon)" in message
        assert refused.value.returncode == 2
        assert created_counts(emulator) == before
        assert not Dataflow.objects.filter(onboarding=prod_account).exists()

    def test_data_prep_is_asked_before_anything_is_created(self, dev_onboarding, prod_account, tmp_path, emulator):
        path = exported(dev_onboarding, tmp_path)
        before = created_counts(emulator)
        emulator.fault("/data/foundation/conversion/mappingSets/validate", method="POST", status=403)
        with pytest.raises(Exception) as refused:
            run(*import_args(path, prod_account, "--consumer-group", "orders=$Default"))
        assert "lacks a permission" in str(refused.value) and refused.value.returncode == 2
        assert created_counts(emulator) == before
        assert not Dataflow.objects.filter(onboarding=prod_account).exists()

    def test_a_dataset_of_that_name_in_prod_is_used_and_one_on_another_schema_is_reported(
        self, dev_onboarding, prod_account, tmp_path, emulator, make_client
    ):
        prod = make_client(sandbox="prod")
        there = prod.create_dataset(DatasetInput(name="Orders from Event Hubs", schema_id=ORDERS_SCHEMA))
        prod.create_dataset(DatasetInput(name="Clicks", schema_id=CLICKS_SCHEMA))
        clicks = exported(dev_onboarding, tmp_path, dataset={"name": "Clicks", "schema_title": "Order events"})
        with pytest.raises(Exception) as refused:
            run(*import_args(clicks, prod_account, "--consumer-group", "orders=$Default"))
        assert "Dataflow “Orders”: the dataset “Clicks” in the sandbox prod is on another schema." in str(refused.value)
        datasets = created_counts(emulator)["dataSets"]
        run(*import_args(exported(dev_onboarding, tmp_path), prod_account, "--consumer-group", "orders=$Default"))
        imported = Dataflow.objects.get(onboarding=prod_account)
        assert imported.is_created and imported.dataset_id == there
        assert created_counts(emulator)["dataSets"] == datasets

    def test_a_schema_title_prod_does_not_have_is_reported(self, dev_onboarding, prod_account, tmp_path):
        dataset = {"name": "Orders", "schema_title": "Returns"}
        path = exported(dev_onboarding, tmp_path, dataset=dataset, consumer_group="analytics")
        document = read_document(Path(path).read_text(encoding="utf-8"))
        with pytest.raises(FileProblems) as refused:
            onboarding_import_document(document, account=prod_account, sandbox="prod", actor=prod_account.owner)
        assert refused.value.problems == ["Dataflow “Orders”: there is no schema titled “Returns” in the sandbox prod."]

    def test_two_dataflows_of_the_file_on_one_consumer_group_are_reported(self, dev_onboarding, prod_account, tmp_path):
        document = json.loads(run("export", str(dev_onboarding.public_id)))
        twin = document["dataflows"][0] | {"name": "Orders again"}
        document["dataflows"].append(twin)
        with pytest.raises(FileProblems) as refused:
            onboarding_import_document(
                document,
                account=prod_account,
                sandbox="prod",
                actor=prod_account.owner,
                consumer_groups={"orders": "$Default"},
            )
        assert refused.value.problems == [
            "Dataflow “Orders again”: the consumer group $Default of the event hub orders is read by “Orders” too, "
            "and a consumer group serves one flow at a time."
        ]
        assert not Dataflow.objects.filter(onboarding=prod_account).exists()

    def test_an_account_in_another_sandbox_is_refused(self, dev_onboarding, tmp_path):
        path = exported(dev_onboarding, tmp_path)
        with pytest.raises(Exception) as refused:
            run(*import_args(path, dev_onboarding))
        assert "is connected in the sandbox dev, not prod" in str(refused.value)
        assert refused.value.returncode == 2


class TestCommandInput:
    def test_an_unknown_onboarding_is_said_plainly(self, prod_account, tmp_path):
        with pytest.raises(Exception) as refused:
            run("export", "0f6c2d1e-7a57-4d8e-9b38-2f4e1c0a9d11")
        assert str(refused.value) == "No onboarding 0f6c2d1e-7a57-4d8e-9b38-2f4e1c0a9d11."
        assert refused.value.returncode == 2
        with pytest.raises(Exception) as refused:
            run(*import_args(str(tmp_path / "missing.json"), prod_account))
        assert str(refused.value).startswith("The file cannot be read: ") and refused.value.returncode == 2


class TestBadFiles:
    def test_the_format_is_a_valid_json_schema(self):
        jsonschema.Draft202012Validator.check_schema(file_schema())

    def test_the_documented_example_is_a_valid_file(self):
        guide = (Path(__file__).parent.parent / "docs" / "onboarding-file.md").read_text(encoding="utf-8")
        example = guide.split("```json\n", 1)[1].split("```", 1)[0]
        assert read_document(example)["dataflows"][0]["dataset"]["schema_title"] == "Order events"

    def test_a_bad_file_gets_a_numbered_list_of_its_problems(self, prod_account, tmp_path, emulator):
        bad = {
            "format": "eventhubs-onboarding",
            "version": 2,
            "onboarding": {"name": "Orders"},
            "dataflows": [
                {
                    "name": "Orders",
                    "event_hub": "orders",
                    "consumer_group": "aep orders",
                    "data_type": "raw",
                    "reset": "earliest",
                    "dataset": {"name": "Orders", "schema_title": "Order events", "id": "abc"},
                    "sample": [{"id": 1}],
                }
            ],
        }
        path = tmp_path / "bad.json"
        path.write_text(json.dumps(bad), encoding="utf-8")
        with pytest.raises(Exception) as refused:
            run(*import_args(str(path), prod_account))
        lines = str(refused.value).splitlines()
        assert lines[0] == "The file does not follow the onboarding file format:"
        assert lines[1:] == [
            "  1. dataflows[0]: 'mapping' is a required property",
            "  2. dataflows[0].consumer_group: 'aep orders' is not an Azure consumer group name: $Default, or "
            "letters, digits, periods, hyphens and underscores, starting with a letter or digit",
            "  3. dataflows[0].dataset: Additional properties are not allowed ('id' was unexpected)",
            "  4. version: 1 was expected",
        ]
        assert refused.value.returncode == 2
        assert not Dataflow.objects.exists() and created_counts(emulator)["flows"] == 0

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("{not json", "The file is not JSON: "),
            ("[]", "the document: [] is not of type 'object'"),
        ],
    )
    def test_what_is_not_a_document_is_said_plainly(self, text, problem):
        with pytest.raises(FileProblems) as refused:
            read_document(text)
        assert refused.value.problems[0].startswith(problem)

    @pytest.mark.parametrize(
        ("text", "problem"),
        [
            ("format: [unclosed", "The file is not YAML: "),
            ("!!python/object/apply:os.system ['true']", "The file is not YAML: "),
            ("- 1", "the document: [1] is not of type 'object'"),
        ],
    )
    def test_yaml_that_is_not_a_document_is_said_plainly(self, text, problem):
        with pytest.raises(FileProblems) as refused:
            read_document(text, as_yaml=True)
        assert refused.value.problems[0].startswith(problem)
