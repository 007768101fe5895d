"""Reading what Adobe answers: a dataflow run (help/dataflows/api/monitor.md), a Catalog dataset. No HTTP here."""

from __future__ import annotations

from typing import Any


def failure_reasons(run: dict[str, Any]) -> list[dict[str, Any]]:
    """Why a run failed, most precise first: each activity's record-level reasons (`statusSummary.extensions.
    errors`, where Adobe's monitoring example keeps MAPPER and INGEST codes with their `recordCount`), else the
    activity's own errors; the run's summary (`metrics.statusSummary.errors`) only when no activity says more."""
    found: list[dict[str, Any]] = []
    for activity in _dicts(run.get("activities")):
        status = _dict(activity.get("statusSummary"))
        found += _dicts(_dict(status.get("extensions")).get("errors")) or _dicts(status.get("errors"))
    found = found or _dicts(_dict(_dict(run.get("metrics")).get("statusSummary")).get("errors"))
    unique = {(str(e.get("code", "")), str(e.get("message", ""))): e for e in reversed(found)}
    return list(reversed(unique.values()))


def run_started_ms(run: dict[str, Any]) -> int:
    """When a run started (`metrics.durationSummary.startedAtUTC`, else `createdAt`), in ms since 1970; 0 unknown."""
    started = _dict(_dict(run.get("metrics")).get("durationSummary")).get("startedAtUTC") or run.get("createdAt")
    return int(started) if isinstance(started, int | float) else 0


def run_ended_ms(run: dict[str, Any]) -> int:
    ended = _dict(_dict(run.get("metrics")).get("durationSummary")).get("completedAtUTC")
    return int(ended) if isinstance(ended, int | float) else 0


def run_records(run: dict[str, Any]) -> tuple[int, int, int]:
    """Records received, ingested and failed (`recordSummary`: inputRecordCount, outputRecordCount,
    failedRecordCount), as Adobe's Dataflow activity page shows them."""
    summary = _dict(_dict(run.get("metrics")).get("recordSummary"))
    received, ingested, failed = (
        int(summary.get(key) or 0) for key in ("inputRecordCount", "outputRecordCount", "failedRecordCount")
    )
    return received, ingested, failed


def run_status(run: dict[str, Any]) -> str:
    return str(_dict(_dict(run.get("metrics")).get("statusSummary")).get("status", ""))


def newest_run(runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The run that started last: Adobe's documents are silent on the order of `/runs`."""
    return max(runs, key=run_started_ms) if runs else None


def newest_reasons(runs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Why runs failed lately: the newest run's reasons, else the first earlier run's that has some; and whether
    they are the newest run's."""
    newest = newest_run(runs)
    own = failure_reasons(newest) if newest is not None else []
    if own:
        return own, True
    return next((found for run in runs if (found := failure_reasons(run))), []), False


def mapping_refusals(answer: dict[str, Any], count: int) -> dict[int, str]:
    """Data Prep's refusal of each row a mapping validation refused, by the row's index (`validationResponse`, in
    the order sent; data-prep.yaml's MappingValidationResponse).

    Adobe's documents are silent: on the messages of a failed row (only `TransformErrorInfo.exception` is
    documented); its `exception` text is kept as Data Prep wrote it.
    """
    refusals = {}
    verdicts = answer.get("validationResponse")
    for index, verdict in enumerate(verdicts[:count] if isinstance(verdicts, list) else []):
        if isinstance(verdict, dict) and verdict.get("status") == "FAILED":
            errors = _dicts(verdict.get("errors")) or [{}]
            refusals[index] = "; ".join(str(e.get("exception") or "refused") for e in errors)
    return refusals


def is_system_dataset(dataset: dict[str, Any]) -> bool:
    """A dataset Adobe's own processes made: it carries a tag of the `adobe` prefix that Catalog's filter guide
    reserves for them. Adobe's documents are silent on a system flag in Catalog's answer; this is the sign used."""
    tags = dataset.get("tags")
    return isinstance(tags, dict) and any(str(name).lower().startswith("adobe") for name in tags)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
