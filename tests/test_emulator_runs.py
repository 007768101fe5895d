"""A dataflow on the demo `orders` hub reports records over the simulated clock (never real sleeps): the backlog
with reset=earliest, only new events with reset=latest, a few failed records with reasons, hourly runs."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.conftest import EmulatorHandle
from tests.openapi import check_answer
from tests.test_emulator_dataprep import TUTORIAL_FORM
from tests.test_emulator_fidelity import source
from tests.test_emulator_flows import build_journey, flow_body
from tests.test_flowservice_emulator import post


def clock(emulator: EmulatorHandle, **order: Any) -> None:
    requests.post(emulator.url + "/__emulator__/clock", json=order, timeout=5).raise_for_status()


def runs(emulator: EmulatorHandle, flow_id: str) -> list[dict[str, Any]]:
    response = emulator.get(f"/runs?property=flowId=={flow_id}")
    assert response.status_code == 200
    return list(response.json()["items"])


def records(run: dict[str, Any]) -> tuple[int, int, int]:
    summary = run["metrics"]["recordSummary"]
    return summary["inputRecordCount"], summary["outputRecordCount"], summary["failedRecordCount"]


@pytest.fixture
def frozen(emulator: EmulatorHandle) -> EmulatorHandle:
    clock(emulator, freeze=True)
    return emulator


@pytest.fixture
def journey(frozen: EmulatorHandle) -> dict[str, Any]:
    return build_journey(frozen)


def test_earliest_reads_the_backlog_and_then_what_arrives(frozen, journey):
    flow = post(frozen, "/flows", flow_body(journey)).json()
    (first,) = runs(frozen, flow["id"])
    received, ingested, failed = records(first)
    assert 300 <= received < 310  # the backlog (and an order that may have arrived while the test set up)
    assert 0 < failed < 30
    assert ingested == received - failed
    assert first["metrics"]["statusSummary"]["status"] == "inProgress"
    clock(frozen, advance=60)
    (later,) = runs(frozen, flow["id"])
    assert records(later)[0] == received + 6  # then an order every ten seconds


def test_failed_records_carry_their_reasons_in_the_activities_as_adobes_example_does(frozen, journey):
    flow = post(frozen, "/flows", flow_body(journey)).json()
    (run,) = runs(frozen, flow["id"])
    assert run["metrics"]["statusSummary"]["errors"] == [
        {"code": "CONNECTOR-2001-500", "message": "Error occurred at promotion activity."}
    ]
    promotion = next(a for a in run["activities"] if a["id"] == "promotionActivity")
    errors = promotion["statusSummary"]["extensions"]["errors"]
    assert {e["code"] for e in errors} == {"INGEST-1212-400", "MAPPER-3700-400"}
    assert sum(e["recordCount"] for e in errors) == records(run)[2]
    assert any("'n/a'" in e["message"] and "_eventhubsdemo.order.total" in e["message"] for e in errors)


def test_a_record_the_mapping_leaves_without_a_required_field_fails(frozen):
    """Streaming ingestion checks required fields (help/ingestion/quality/overview.md): the tutorial's mapping
    alone fills neither `_id` nor `timestamp` of the ExperienceEvent schema, so no record is ingested."""
    journey = build_journey(frozen, TUTORIAL_FORM)
    flow = post(frozen, "/flows", flow_body(journey)).json()
    (run,) = runs(frozen, flow["id"])
    received, ingested, failed = records(run)
    assert received >= 300 and ingested == 0 and failed == received
    promotion = next(a for a in run["activities"] if a["id"] == "promotionActivity")
    said = [e["message"] for e in promotion["statusSummary"]["extensions"]["errors"]]
    assert any("required key [_id] not found" in m for m in said)
    check_answer("flow-service", "/runs", "GET", 200, frozen.get(f"/runs?property=flowId=={flow['id']}").json())


@pytest.mark.parametrize(
    ("params", "entity"),
    [
        ({"eventHubName": "orders", "consumerGroup": "nobody"}, "/orders/consumergroups/nobody'"),
        ({"eventHubName": "returns", "consumerGroup": "$Default"}, "/returns'"),
    ],
    ids=["unknown-consumer-group", "unknown-hub"],
)
def test_a_flow_on_what_the_namespace_lacks_reads_nothing_and_each_run_fails_with_azures_words(
    frozen, journey, params, entity
):
    lacking = source(frozen, journey["base"]["id"], params={**params, "dataType": "raw"})
    flow = post(frozen, "/flows", flow_body(journey, sourceConnectionIds=[lacking["id"]])).json()
    clock(frozen, advance=3600 + 5)
    listed = runs(frozen, flow["id"])
    assert [r["metrics"]["statusSummary"]["status"] for r in listed] == ["failed", "failed"]
    assert all(records(r) == (0, 0, 0) for r in listed)
    (error,) = listed[0]["metrics"]["statusSummary"]["errors"]
    assert "could not be found" in error["message"] and entity in error["message"]
    copy = next(a for a in listed[0]["activities"] if a["id"] == "copyActivity")
    assert copy["statusSummary"] == {"status": "failed", "errors": [error]}
    check_answer("flow-service", "/runs", "GET", 200, frozen.get(f"/runs?property=flowId=={flow['id']}").json())


def test_latest_reports_none_of_what_was_there_before(frozen, journey):
    latest = source(
        frozen, journey["base"]["id"], params={"eventHubName": "orders", "dataType": "raw", "reset": "latest"}
    )
    flow = post(frozen, "/flows", flow_body(journey, sourceConnectionIds=[latest["id"]])).json()
    assert records(runs(frozen, flow["id"])[0])[0] == 0
    clock(frozen, advance=60)
    assert records(runs(frozen, flow["id"])[0])[0] == 6


def test_runs_are_hourly_windows_newest_first_and_readable_by_id(frozen, journey):
    flow = post(frozen, "/flows", flow_body(journey)).json()
    clock(frozen, advance=2 * 3600 + 5)
    listed = runs(frozen, flow["id"])
    assert len(listed) == 3
    assert [r["metrics"]["statusSummary"]["status"] for r in listed] == ["inProgress", "success", "success"]
    assert records(listed[1])[0] == 360  # one order every ten seconds for an hour
    one = frozen.get(f"/runs/{listed[1]['id']}").json()["items"][0]
    assert one == listed[1]


def test_a_disabled_flow_stops_counting(frozen, journey):
    flow = post(frozen, "/flows", flow_body(journey)).json()
    headers = {k: v for k, v in frozen.headers().items() if k != "Content-Type"}
    requests.post(f"{frozen.flow_url}/flows/{flow['id']}/action?op=disable", headers=headers, timeout=5)
    before = records(runs(frozen, flow["id"])[0])
    clock(frozen, advance=600)
    assert records(runs(frozen, flow["id"])[0]) == before


def test_a_patched_source_connection_leaves_its_flows_runs_as_they_were(frozen, journey):
    flow = post(frozen, "/flows", flow_body(journey)).json()
    clock(frozen, advance=2 * 3600 + 5)
    before = [records(run) for run in runs(frozen, flow["id"])]
    src = journey["source"]
    patched = requests.patch(
        f"{frozen.flow_url}/sourceConnections/{src['id']}",
        json=[{"op": "replace", "path": "/params/reset", "value": "latest"}],
        headers={**frozen.headers(), "If-Match": src["etag"]},
        timeout=5,
    )
    assert patched.status_code == 200
    assert frozen.get(f"/sourceConnections/{src['id']}").json()["items"][0]["params"]["reset"] == "latest"
    assert [records(run) for run in runs(frozen, flow["id"])] == before  # Adobe: not reflected in the dataflow


def test_a_generated_id_fills_the_required_id_of_every_record(frozen):
    """`uuid()` (sourceType EXPRESSION) writes a new id for each record, so no record lacks `_id`."""
    generated = {"sourceType": "EXPRESSION", "source": "uuid()", "destination": "_id"}
    timestamp = {"destinationXdmPath": "timestamp", "sourceAttribute": "placedAt", "identity": False, "version": 0}
    journey = build_journey(frozen, {**TUTORIAL_FORM, "mappings": [*TUTORIAL_FORM["mappings"], generated, timestamp]})
    flow = post(frozen, "/flows", flow_body(journey)).json()
    (run,) = runs(frozen, flow["id"])
    received, ingested, failed = records(run)
    assert received >= 300 and ingested > 0 and ingested + failed == received
    promotion = next(a for a in run["activities"] if a["id"] == "promotionActivity")
    said = [e["message"] for e in promotion["statusSummary"].get("extensions", {}).get("errors", [])]
    assert not any("required key" in m for m in said)
