"""The contract check: shapes recorded from a journey, compared with the emulator's.

Every tests/contract/*.json recording is replayed against the emulator, so a recording made against a
real Adobe organisation (`flowservice_check --contract`) becomes a regression test by being added there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command

from connections.flowservice import FlowServiceClient, ImsTokenProvider
from connections.flowservice.contract import (
    DATAFLOW_STEPS,
    FORMAT,
    differences,
    dump,
    run_journey,
    shape_of,
    verdicts,
)
from connections.flowservice_emulator import FLOW_PREFIX, BackgroundEmulator, make_emulator
from connections.services.contract_check import EMULATOR_DATAFLOW, emulator_inputs, replay
from tests.conftest import DEMO_MANAGE_KEY, DEMO_NAMESPACE
from tests.contract.clients import flow_client
from tests.contract.proxy import AlteringProxy, Exchange, Reply

RECORDINGS = sorted(Path(__file__).with_name("contract").glob("*.json"))
JOURNEY = [
    "ims_token",
    "get_connection_spec",
    "token_for_another_org",
    "create_base_connection",
    "test_connection",
    "explore",
    "preview",
    "update_credentials",
    "create_source_connection",
    "list_connections",
    "list_source_connections",
    *(name for name, _, _ in DATAFLOW_STEPS),
    "delete_flow_on_unknown_hub",
    "delete_flow",
    "delete_target_for_unknown_hub",
    "delete_target_connection",
    "delete_profile_dataset",
    "delete_dataset",
    "delete_source_on_unknown_hub",
    "delete_source_connection",
    "delete_base_connection",
]
LEFT_BEHIND = ("connections", "sourceConnections", "targetConnections", "flows", "dataSets")


@pytest.fixture(scope="module")
def adobe_stand_in() -> Iterator[BackgroundEmulator]:
    """A second emulator standing in for Adobe."""
    server = BackgroundEmulator(make_emulator()).start()
    yield server
    server.stop()


def record(
    url: str,
    credentials: str = "working",
    recorded: str = "Adobe",
    ims_url: str | None = None,
    dataflow: bool = True,
) -> dict[str, Any]:
    def connect(session: requests.Session) -> tuple[ImsTokenProvider, FlowServiceClient]:
        client = flow_client(flow_url=url + FLOW_PREFIX, ims_url=ims_url or url, session=session)
        return client._tokens, client

    return run_journey(connect, emulator_inputs(credentials, dataflow), recorded=recorded)


def left_behind(url: str) -> dict[str, int]:
    stats = requests.get(f"{url}/__emulator__/stats", timeout=5).json()
    return {kind: stats[kind] for kind in LEFT_BEHIND if stats[kind]}


def test_shapes_keep_keys_and_types_never_values():
    assert shape_of({"id": "abc", "n": 1, "ok": True, "items": [{"a": 1}, {"b": "x"}], "none": None}) == {
        "object": {
            "id": "string",
            "items": {"array": {"object": {"a": "integer", "b": "string"}}},
            "n": "integer",
            "none": "null",
            "ok": "boolean",
        }
    }


@pytest.mark.parametrize("credentials", ["working", "refused"])
def test_an_emulator_standing_in_for_adobe_shows_no_difference(adobe_stand_in, emulator, credentials):
    recording = record(adobe_stand_in.url, credentials)
    assert [step["step"] for step in recording["steps"]] == JOURNEY
    assert recording["credentials"] == credentials
    assert left_behind(adobe_stand_in.url) == {}
    statuses = {step["step"]: step["status"] for step in recording["steps"]}
    assert statuses["create_flow"] == 201 and statuses["list_runs"] == 200
    assert differences(recording, record(emulator.url, credentials, recorded="the emulator")) == []


def test_the_journey_deletes_what_it_created_even_when_a_step_fails(adobe_stand_in, emulator):
    emulator.fault("/sourceConnections", method="POST", status=400, code="1100-400")
    recording = record(emulator.url)
    statuses = {step["step"]: step.get("status", step.get("skipped")) for step in recording["steps"]}
    assert statuses["create_source_connection"] == 400
    assert statuses["create_flow"] == "the source connection was not created"
    assert statuses["delete_target_connection"] == 204 and statuses["delete_dataset"] == 200
    assert statuses["delete_base_connection"] == 204 and "delete_source_connection" not in statuses
    assert left_behind(emulator.url) == {}


def test_a_flow_whose_answer_was_lost_is_found_by_name_and_deleted(emulator):
    emulator.fault("/flows", method="POST", status=500, phase="after")
    recording = record(emulator.url)
    statuses = {step["step"]: step.get("status", step.get("skipped")) for step in recording["steps"]}
    assert statuses["create_flow"] == 500 and statuses["list_runs"] == "the flow was not created"
    assert statuses["delete_flow"] == 204
    assert left_behind(emulator.url) == {}


def test_without_a_schema_the_dataflow_steps_are_skipped_on_both_sides(emulator):
    recording = record(emulator.url, dataflow=False)
    skipped = {step["step"]: step["skipped"] for step in recording["steps"] if "skipped" in step}
    assert set(skipped) == {name for name, _, _ in DATAFLOW_STEPS}
    assert set(skipped.values()) == {"no schema was named for the dataflow"}
    said = {what: verdict for what, verdict, _ in verdicts(recording, [])}
    assert said["The Schema Registry pages with `orderby` and `_page.next`"] == "not exercised"
    assert differences(recording, replay(recording, emulator.url)) == []


def test_a_recording_holds_no_value_and_no_secret(emulator):
    text = dump(record(emulator.url))
    for value in (DEMO_MANAGE_KEY, DEMO_NAMESPACE, "orders", "contract-check", "Bearer", "@AdobeOrg"):
        assert value not in text


def test_an_altered_emulator_is_reported(emulator):
    """An 'Adobe' whose connection spec names a key otherwise and whose test answers a string."""

    def altered(exchange: Exchange, reply: Reply) -> Reply:
        body = reply.json()
        if "/connectionSpecs/" in exchange.path and reply.status == 200:
            body["items"][0]["authSpecs"] = body["items"][0].pop("authSpec")
            return reply.with_json(body)
        if exchange.path.split("?")[0].endswith("/test"):
            return reply.with_json({"result": str(body["result"]).lower()})
        return reply

    with AlteringProxy(emulator.url, after=altered) as proxy:
        recording = record(proxy.url, ims_url=emulator.url)
    found = differences(recording, record(emulator.url, recorded="the emulator"))
    assert found == [
        "get_connection_spec: body.items[].authSpec: only in the emulator's answer",
        "get_connection_spec: body.items[].authSpecs: only in Adobe's answer",
        "test_connection: body.result: string from Adobe, boolean from the emulator",
    ]


def test_catalog_answers_keyed_by_id_record_no_id(emulator):
    recording = record(emulator.url)
    (found,) = [step for step in recording["steps"] if step["step"] == "find_dataset"]
    assert list(found["body"]["object"]) == ["{id}"]
    (again,) = [step for step in recording["steps"] if step["step"] == "pause_flow_again"]
    assert [(a["method"], a["status"]) for a in again["answers"]] == [("POST", 400), ("GET", 200)]


def test_every_answer_of_a_step_is_recorded_not_only_the_last(emulator):
    """An 'Adobe' that refuses the first If-Match quoting: the 412, the re-read and the PATCH in the other quoting
    are three answers; the emulator's one 200 differs from them although the last answers agree."""
    refused: list[str] = []

    def other_quoting(exchange: Exchange) -> Reply | None:
        if exchange.method == "PATCH" and "/connections/" in exchange.path and not refused:
            refused.append(exchange.path)
            error = {"type": "https://ns.adobe.com/aep/errors/FLOW-1404-412", "title": "Version not matching"}
            return Reply(412).with_json({**error, "status": 412, "report": {"detailed-message": "quoting"}})
        return None

    with AlteringProxy(emulator.url, before=other_quoting) as proxy:
        recording = record(proxy.url, ims_url=emulator.url)
    (patch,) = [step for step in recording["steps"] if step["step"] == "update_credentials"]
    assert [(a["method"], a["status"]) for a in patch["answers"]] == [("PATCH", 412), ("GET", 200), ("PATCH", 200)]
    found = differences(recording, record(emulator.url, recorded="the emulator"))
    assert found == [
        "update_credentials: answers PATCH 412, GET 200, PATCH 200 from Adobe, PATCH 200 from the emulator"
    ]
    said = {what: verdict for what, verdict, _ in verdicts(recording, found)}
    assert said["If-Match for a connection is accepted unquoted"] == "refuted"
    assert set(said.values()) == {"confirmed", "refuted"}


def test_an_unrecognised_create_answer_is_reported_and_its_object_still_deleted(emulator):
    def renamed(exchange: Exchange, reply: Reply) -> Reply:
        if exchange.method == "POST" and exchange.path.endswith("/connections"):
            body = reply.json()
            body["eTag"] = body.pop("etag")
            return reply.with_json(body)
        return reply

    with AlteringProxy(emulator.url, after=renamed) as proxy:
        recording = record(proxy.url, ims_url=emulator.url)
    assert left_behind(emulator.url) == {}
    found = differences(recording, record(emulator.url, recorded="the emulator"))
    assert "create_base_connection: body.eTag: only in Adobe's answer" in found
    assert "test_connection: the base connection was not created with Adobe, answered with the emulator" in found


@pytest.mark.parametrize("path", RECORDINGS, ids=[p.name for p in RECORDINGS])
def test_every_recorded_contract_holds_against_the_emulator(path, emulator):
    recording = json.loads(path.read_text())
    assert recording["format"] == FORMAT
    assert differences(recording, replay(recording, emulator.url)) == []


def test_at_least_one_recording_is_committed():
    assert RECORDINGS, "tests/contract/ holds no recording"


class TestCommand:
    def test_contract_needs_a_named_sandbox_and_refuses_prod(self):
        with pytest.raises(CommandError, match="--sandbox"):
            call_command("flowservice_check", contract=True)
        with pytest.raises(CommandError, match="--allow-prod"):
            call_command("flowservice_check", contract=True, sandbox="prod")

    def test_contract_against_an_emulator_standing_in_for_adobe(self, settings, adobe_stand_in, tmp_path, capsys):
        settings.IMS_URL = adobe_stand_in.url
        settings.FLOW_SERVICE_URL = adobe_stand_in.url + FLOW_PREFIX
        output = tmp_path / "shapes.json"
        call_command(
            "flowservice_check",
            contract=True,
            sandbox="dev",
            output=str(output),
            schema=EMULATOR_DATAFLOW.schema_id,
            map=["id=_eventhubsdemo.order.orderId"],
        )
        shown = capsys.readouterr().out
        assert "No difference between the local emulator and the emulator" in shown
        assert "  list_datasets_page_boundary: 200 (the next page follows the first)" in shown
        assert "CONFIRMED: A flow on an event hub the namespace lacks fails its runs" in shown
        assert [s["step"] for s in json.loads(output.read_text())["steps"]] == JOURNEY
        assert left_behind(adobe_stand_in.url) == {}

    def test_a_schema_needs_a_mapping(self):
        with pytest.raises(CommandError, match="--map"):
            call_command("flowservice_check", contract=True, sandbox="dev", schema="https://ns.adobe.com/x")

    def test_replay_prints_each_difference_and_fails(self, tmp_path, capsys):
        recording = json.loads(RECORDINGS[0].read_text())
        recording["steps"][1]["status"] = 201
        path = tmp_path / "changed.json"
        path.write_text(json.dumps(recording))
        with pytest.raises(CommandError, match="1 difference"):
            call_command("flowservice_check", replay=str(path))
        shown = capsys.readouterr().out
        assert "DIFFERENT get_connection_spec: status 201" in shown
        assert "REFUTED: The connection spec lists its auth types under `authSpec`" in shown
        assert "CONFIRMED: A flow on an event hub the namespace lacks fails its runs" in shown
