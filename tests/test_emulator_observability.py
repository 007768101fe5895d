"""Observability Insights over real HTTP (help/observability/api/metrics.md): records ingested into the dataset a
dataflow writes, per day, as the runs count them."""

from __future__ import annotations

import datetime

import requests

from tests.test_emulator_flows import build_journey, flow_body
from tests.test_emulator_runs import clock, records, runs
from tests.test_flowservice_emulator import post

URL = "/data/infrastructure/observability/insights/metrics"


def metrics(emulator, body):
    return requests.post(emulator.url + URL, json=body, headers=emulator.headers(), timeout=5)


def day(offset: int) -> str:
    return (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=offset)).strftime("%Y-%m-%dT00:00:00.000Z")


def test_records_ingested_per_dataset_match_the_runs(emulator):
    clock(emulator, freeze=True)
    journey = build_journey(emulator)
    flow = post(emulator, "/flows", flow_body(journey)).json()
    ingested = records(runs(emulator, flow["id"])[0])[1]
    body = {
        "start": day(-1),
        "end": day(2),
        "granularity": "day",
        "metrics": [
            {
                "name": "timeseries.ingestion.dataset.recordsuccess.count",
                "filters": [
                    {"name": "dataSetId", "value": journey["dataset"] + "|5edcfb2fbb642119194c7d94", "groupBy": True}
                ],
                "aggregator": "sum",
                "downsample": "sum",
            }
        ],
    }
    response = metrics(emulator, body)
    assert response.status_code == 200
    (answer,) = response.json()["metricResponses"]
    (points,) = answer["datapoints"]
    assert points["groupBy"] == {"dataSetId": journey["dataset"]}
    assert sum(points["dps"].values()) == ingested > 0


def test_refusals_in_insights_shape(emulator):
    bad = metrics(emulator, {"start": day(1), "end": day(0), "metrics": [{"name": "x", "aggregator": "sum"}]})
    assert bad.status_code == 400
    assert bad.json()["type"].endswith("INSGHT-1000-400")
    assert bad.json()["error-chain"][0]["errorCode"] == "INSGHT-1000-400"
    unknown = metrics(emulator, {"start": day(0), "end": day(1), "metrics": [{"name": "x", "aggregator": "sum"}]})
    assert unknown.status_code == 400
