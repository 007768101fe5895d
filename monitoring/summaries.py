"""One shared, time-bounded read of a dataflow's runs, kept as its summary: claimed, then asked of Adobe once.

The read is the dataflow page's own (`read_runs`: a week of runs, newest first and bounded in number, so a long
history never costs more than a page or two); whoever makes it, the answer lands here, so a dataflow watched on
its page is not asked again by the background check. Run times are Adobe's; the windows are counted back from the
app's clock, and a run that started after it (a clock ahead of ours) counts as the newest.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from connections.flowservice import newest_reasons, newest_run, run_ended_ms, run_records, run_started_ms, run_status
from connections.models import Dataflow
from connections.services.dataflow_choices import read_runs
from connections.services.errors import OnboardingError

from .models import DataflowSummary

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)
REASONS_KEPT = 5


def claim(dataflow: Dataflow, now: datetime.datetime | None = None) -> bool:
    """Take the right to ask Adobe about this dataflow for the next interval: one conditional UPDATE, so of several
    workers (or several people's pages) asking at once exactly one gets it."""
    now = now or timezone.now()
    DataflowSummary.objects.get_or_create(dataflow=dataflow)
    until = now + datetime.timedelta(seconds=settings.MONITORING_INTERVAL)
    return DataflowSummary.objects.filter(pk=dataflow.pk).claimable(now).update(claimed_until=until) == 1


def refresh(dataflow: Dataflow, now: datetime.datetime | None = None) -> DataflowSummary:
    """The dataflow's state and its last day of runs: what a page watching it asked Adobe lately, or Adobe's answer
    now (kept by `keep`, like every read of runs), or why it could not be had."""
    now = now or timezone.now()
    held_since = now - datetime.timedelta(seconds=settings.MONITORING_INTERVAL / 2)
    held = DataflowSummary.objects.filter(pk=dataflow.pk).first()
    if held is not None and held.asked_at is not None and held.asked_at > held_since and not held.problem:
        held.dataflow = dataflow  # the checks read its name and creation time: no second query
        return held
    try:
        read_runs(dataflow=dataflow, actor=None, doing="reading the dataflow's runs")
    except OnboardingError as error:
        DataflowSummary.objects.filter(pk=dataflow.pk).update(problem=error.message)
    return _read_back(dataflow)


def keep(
    sender: Any,
    *,
    dataflow: Dataflow,
    flow: dict[str, Any],
    runs: list[dict[str, Any]],
    at: datetime.datetime,
    **kwargs: Any,
) -> None:
    """Keep any read of the dataflow's runs (the page's or ours) as its summary: one answer serves every watcher."""
    counted = summarise(runs, at)
    counted.update(state=str(flow.get("state", "")), asked_at=at, problem="")
    DataflowSummary.objects.update_or_create(dataflow=dataflow, defaults=counted)


def _read_back(dataflow: Dataflow) -> DataflowSummary:
    summary = DataflowSummary.objects.get(pk=dataflow.pk)
    summary.dataflow = dataflow  # the checks read its name and creation time: no second query
    return summary


def summarise(runs: list[dict[str, Any]], now: datetime.datetime) -> dict[str, Any]:
    """The fields of a summary from a dataflow's runs (Adobe's recordSummary counts per run)."""
    hour_ago, day_ago = _ms(now - HOUR), _ms(now - DAY)
    counts = {f"{what}_{window}": 0 for what in ("received", "ingested", "failed") for window in ("hour", "day")}
    trend = [0] * 24
    last_records_ms = 0
    for run in runs:
        started, ended, records = run_started_ms(run), run_ended_ms(run), run_records(run)
        if started < day_ago:
            continue
        windows = ("hour", "day") if started >= hour_ago else ("day",)
        for window in windows:
            for what, count in zip(("received", "ingested", "failed"), records, strict=True):
                counts[f"{what}_{window}"] += count
        trend[min(23, max(0, (started - day_ago) // _ms_of(HOUR)))] += records[0]
        if records[0]:
            last_records_ms = max(last_records_ms, min(ended or started, _ms(now)))
    newest = newest_run(runs)
    latest_status = run_status(newest) if newest is not None else ""
    reasons = newest_reasons(runs)[0][:REASONS_KEPT]
    return {
        **counts,
        "trend": trend,
        "reasons": reasons,
        "latest_status": latest_status,
        "failing": latest_status == "failed" or counts["failed_day"] > 0,
        "last_records_at": _when(last_records_ms) if last_records_ms else None,
    }


def _ms(moment: datetime.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _ms_of(span: datetime.timedelta) -> int:
    return int(span.total_seconds() * 1000)


def _when(ms: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.UTC)
