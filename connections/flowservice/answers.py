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


def is_system_dataset(dataset: dict[str, Any]) -> bool:
    """A dataset Adobe's own processes made: it carries a tag of the `adobe` prefix that Catalog's filter guide
    reserves for them. Adobe's documents are silent on a system flag in Catalog's answer; this is the sign used."""
    tags = dataset.get("tags")
    return isinstance(tags, dict) and any(str(name).lower().startswith("adobe") for name in tags)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
