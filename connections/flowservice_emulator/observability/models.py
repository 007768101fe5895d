"""Observability's rules: `timeseries.ingestion.dataset.recordsuccess.count`, the records ingested into datasets
per day, summed from the dataflow runs that write to them. Adobe documents no failed-record ingestion metric (only
runs carry failures); other metric names are refused. No HTTP here."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from connections.flowservice_emulator.gateway import Caller

from . import exceptions as refused

Doc = dict[str, Any]
RECORDS_INGESTED = "timeseries.ingestion.dataset.recordsuccess.count"
RunsByDataset = Callable[[Caller], list[tuple[str, int, int]]]  # (dataset id, run start ms, records ingested)


class Observability:
    def __init__(self, runs_by_dataset: RunsByDataset) -> None:
        self.runs_by_dataset = runs_by_dataset

    def metrics(self, caller: Caller, body: Any) -> Doc:
        if not isinstance(body, dict) or not isinstance(body.get("metrics"), list) or not body["metrics"]:
            raise refused.BadPayload(reason="metrics is required.")
        start, end = _instant(body.get("start"), "start"), _instant(body.get("end"), "end")
        if start > end:
            raise refused.BadPayload(reason="Start date cannot be after end date.")
        runs = self.runs_by_dataset(caller)
        return {"metricResponses": [self._metric(m, start, end, runs) for m in body["metrics"]]}

    def _metric(self, metric: Any, start: datetime.datetime, end: datetime.datetime, runs: list[Any]) -> Doc:
        if not isinstance(metric, dict) or metric.get("name") != RECORDS_INGESTED:
            raise refused.BadPayload(
                reason=f"Invalid metric {metric.get('name') if isinstance(metric, dict) else metric}."
            )
        if not metric.get("aggregator"):
            raise refused.BadPayload(reason="aggregator is required.")
        filters = metric.get("filters") or []
        if not isinstance(filters, list) or not all(isinstance(f, dict) for f in filters):
            raise refused.BadPayload(reason="filters must be a list of objects.")
        wanted = {v for f in filters if f.get("name") == "dataSetId" for v in str(f.get("value", "")).split("|")}
        grouped = any(f.get("groupBy") for f in filters)
        days: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for dataset_id, started_ms, ingested in runs:
            at = datetime.datetime.fromtimestamp(started_ms / 1000, tz=datetime.UTC)
            if (not wanted or dataset_id in wanted) and start <= at <= end:
                days[dataset_id if grouped else ""][at.strftime("%Y-%m-%dT00:00:00Z")] += ingested
        datapoints = [{"groupBy": {"dataSetId": k} if k else {}, "dps": dict(v)} for k, v in sorted(days.items())]
        return {"metric": RECORDS_INGESTED, "filters": filters, "datapoints": datapoints, "granularity": "DAY"}


def _instant(value: Any, name: str) -> datetime.datetime:
    try:
        instant = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise refused.BadPayload(reason=f"{name} must be an ISO 8601 instant.") from None
    return instant if instant.tzinfo else instant.replace(tzinfo=datetime.UTC)
