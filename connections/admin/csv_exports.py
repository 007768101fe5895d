"""The admin actions' CSV downloads: onboardings and their Flow Service calls, streamed, never a secret."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from connections import csv_safety
from connections.auth_types import FIELDS
from connections.models import FlowServiceCall, Onboarding

# A row that shows its onboarding by name joins it, but never reads its encrypted credentials.
JOINED_CREDENTIALS = tuple(f"onboarding__{name}" for name in FIELDS)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(filename: str, header: list[str], rows: Iterable[list[Any]]) -> StreamingHttpResponse:
    """A CSV download written as it is read, so large exports do not sit in memory."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(csv_safety.row(header))
        for row in rows:
            yield writer.writerow(csv_safety.row(row))  # no cell a spreadsheet would run as a formula

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


CALL_HEADER = [
    "when",
    "onboarding",
    "who",
    "sandbox",
    "operation",
    "method",
    "path",
    "HTTP status",
    "outcome",
    "Adobe error code",
    "request id",
    "connection id",
    "duration ms",
    "attempt",
    "error",
]


def call_rows(calls: QuerySet[FlowServiceCall]) -> Iterator[list[Any]]:
    joined = calls.select_related("onboarding", "actor").defer(*JOINED_CREDENTIALS)
    for call in joined.order_by("created_at", "id").iterator(chunk_size=2000):
        yield [
            call.created_at.isoformat(),
            call.onboarding.reference if call.onboarding else "",
            call.actor.get_username() if call.actor else "",
            call.sandbox_name,
            call.operation,
            call.method,
            call.path,
            call.status_code,
            call.outcome,
            call.error_code,
            call.request_id,
            call.connection_id,
            call.duration_ms,
            call.attempt,
            call.error_message,
        ]


def calls_csv(calls: QuerySet[FlowServiceCall]) -> StreamingHttpResponse:
    return csv_response("flow-service-calls.csv", CALL_HEADER, call_rows(calls))


def _iso(moment: Any) -> str:
    return moment.isoformat() if moment else ""


def _yes_no(moment: Any) -> str:
    return f"yes, {moment.isoformat()}" if moment else "no"


def dataflows_cell(onboarding: Onboarding) -> str:
    """The onboarding's dataflows in one CSV cell: name, event hub, status and Adobe's id."""
    return "; ".join(
        f"{d.name} [{d.event_hub_name} → {d.dataset_name or d.dataset_id}] {d.get_status_display()} {d.flow_id}".strip()
        for d in onboarding.dataflows.all()
    )


# Each column's header and its attribute (or how to compute it); no secret.
ONBOARDING_COLUMNS: list[tuple[str, str | Callable[[Onboarding], Any]]] = [
    ("reference", "reference"),
    ("name", "name"),
    ("owner", lambda o: o.owner.get_username()),
    ("status", lambda o: o.plain_stage),
    ("archived", lambda o: _yes_no(o.archived_at)),
    ("deleted in Adobe", lambda o: _yes_no(o.removed_from_adobe_at)),
    ("auth type", "auth_type"),
    ("sandbox", "sandbox_name"),
    ("namespace", "namespace"),
    ("SAS key name", "sas_key_name"),
    ("tenant id", "tenant_id"),
    ("client id", "client_id"),
    ("credential event hub", "auth_event_hub_name"),
    ("secret last changed", lambda o: _iso(o.secret_changed_at)),
    ("event hub", "event_hub_name"),
    ("data type", "data_type"),
    ("reset", "reset"),
    ("consumer group", "consumer_group"),
    ("base connection id", "base_connection_id"),
    ("base connection etag", "base_connection_etag"),
    ("source connection id", "source_connection_id"),
    ("created", lambda o: _iso(o.created_at)),
    ("updated", lambda o: _iso(o.updated_at)),
    ("dataflows", dataflows_cell),
]


def onboardings_csv(onboardings: QuerySet[Onboarding]) -> StreamingHttpResponse:
    header = [name for name, _value in ONBOARDING_COLUMNS]
    rows = (
        [how(o) if callable(how) else getattr(o, how) for _name, how in ONBOARDING_COLUMNS]
        for o in onboardings.select_related("owner").prefetch_related("dataflows").iterator(chunk_size=1000)
    )
    return csv_response("onboardings.csv", header, rows)
