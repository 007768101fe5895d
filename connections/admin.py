"""The auditors' admin: onboardings, every Flow Service call and every state change, read-only."""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import csv_safety
from .admin_safety import HostileQueryMixin
from .admin_tools import (
    CappedCountPaginator,
    DistinctValuesFilter,
    NoWritesMixin,
    OwnerFilter,
    ShownChangeList,
    link_to,
    unread,
)
from .auth_types import FIELDS
from .encryption import blind_index
from .history_chain import HistoryStatusMixin
from .models import FlowServiceCall, Onboarding, StateChange

admin.site.site_header = _("Event Hubs Onboarding: administration")
admin.site.site_title = _("Event Hubs Onboarding admin")
admin.site.index_title = _("Onboardings and their history")


# History rows show their onboarding by name: its encrypted credentials are joined but never read.
JOINED_CREDENTIALS = tuple(f"onboarding__{name}" for name in FIELDS)
# A history list reads only its onboarding's name (the link and the rows' str()), no other of its columns.
JOINED_UNSHOWN = unread(Onboarding, ["name"], "onboarding__")


class ReadOnlyAdmin(NoWritesMixin, HostileQueryMixin, admin.ModelAdmin[Any]):
    """History is read, never written, from the admin; nobody may add, change or delete it."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # A page of 25 rows: each row costs about a quarter of a millisecond to render, the page around it 12.
    list_per_page = 25

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ShownChangeList]:
        return ShownChangeList

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> CappedCountPaginator:
        return CappedCountPaginator.for_request(
            request, queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        term = search_term.strip()
        if not term or not self.get_search_fields(request):
            return queryset, False
        return queryset.filter(self.search_match(term)), False

    def search_match(self, term: str) -> Q:
        """The rows a (stripped, non-empty) search term finds; each page says which of its fields it looks in."""
        raise NotImplementedError


class HistoryAdmin(ReadOnlyAdmin):
    """A history list: each row's onboarding is joined for its name, its encrypted credentials left unread."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer(*JOINED_CREDENTIALS)


def _pretty(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) if data is not None else "—"


def _bodies(call: FlowServiceCall) -> str:
    return format_html(
        '<details class="bodies"><summary>Bodies</summary><p>Request</p><pre>{}</pre><p>Response</p>'
        "<pre>{}</pre></details>",
        _pretty(call.request_body),
        _pretty(call.response_body),
    )


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


class SandboxFilter(DistinctValuesFilter):
    title = _("AEP sandbox")
    parameter_name = "sandbox"
    field_name = "sandbox_name"


def _iso(moment: Any) -> str:
    return moment.isoformat() if moment else ""


# The CSV export of onboardings: each column's header and its attribute (or how to compute it); no secret.
ONBOARDING_COLUMNS: list[tuple[str, str | Callable[[Onboarding], Any]]] = [
    ("reference", "reference"),
    ("name", "name"),
    ("owner", lambda o: o.owner.get_username()),
    ("status", "status"),
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
    ("dataflows", lambda o: dataflows_cell(o)),
]


LISTED_ONBOARDING_COLUMNS = [
    "name",
    "owner",
    "namespace",
    "event_hub_name",
    "auth_event_hub_name",
    "auth_type",
    "sandbox_name",
    "status",
    "base_connection_id",
    "connection_test",
    "went_on_anyway_at",
    "archived_at",
    "removed_from_adobe_at",
    "created_at",
]


class AttentionFilter(admin.SimpleListFilter):
    """Onboardings past the Account step whose last connection test did not pass, and archived ones."""

    title = _("attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("needs", _("Needs attention")), ("archived", _("Archived")), ("deleted", _("Deleted in Adobe"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "needs":
            untested_gate = Q(status=Onboarding.Status.BASE_CREATED, went_on_anyway_at__isnull=True)
            passed = Q(connection_test__accepted=True)
            return (
                queryset.exclude(base_connection_id="")
                .filter(removed_from_adobe_at__isnull=True)
                .exclude(passed)
                .exclude(untested_gate)
            )
        if self.value() == "archived":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "deleted":
            return queryset.filter(removed_from_adobe_at__isnull=False)
        return queryset


@admin.register(Onboarding)
class OnboardingAdmin(ReadOnlyAdmin):
    list_display = (
        "name",
        "owner",
        "namespace_and_hub",
        "auth_type",
        "sandbox_name",
        "status_badge",
        "last_test",
        "created_at",
    )
    list_filter = (AttentionFilter, "status", "auth_type", ("owner", OwnerFilter), SandboxFilter, "created_at")
    list_select_related = ("owner",)
    # The list reads only the columns its cells show or work out (the status badge and the last test read the
    # test, the archive and removal dates); the other credentials stay encrypted, and the owner is a user name.
    list_deferred = (
        *unread(Onboarding, LISTED_ONBOARDING_COLUMNS),
        *unread(get_user_model(), [get_user_model().USERNAME_FIELD], "owner__"),
    )
    search_fields = ("name", "base_connection_id", "source_connection_id", "owner__username")
    search_help_text = _(
        "Name (part of it), a namespace (exactly), a base or source connection ID, the reference, or the owner's "
        "user name."
    )
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-id")
    actions = ("export_onboardings", "export_calls")
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "name",
                    "description",
                    "reference",
                    "owner",
                    "status_badge",
                    "outcome_unknown",
                    "problem",
                    "created_at",
                    "updated_at",
                )
            },
        ),
        (
            _("Adobe Experience Platform"),
            {
                "fields": (
                    "sandbox_name",
                    "base_connection_id",
                    "base_connection_etag",
                    "source_connection_id",
                    "source_connection_etag",
                )
            },
        ),
        (_("Credentials (secrets are never shown)"), {"fields": ("auth_type", "credentials")}),
        (_("Source"), {"fields": ("event_hub_name", "data_type", "reset", "consumer_group")}),
        (_("Last connection test"), {"fields": ("connection_test_summary",)}),
    )
    readonly_fields = ("reference", "status_badge", "problem", "credentials", "connection_test_summary")

    def search_match(self, term: str) -> Q:
        match = Q(name__icontains=term) | Q(base_connection_id=term) | Q(source_connection_id=term)
        match |= Q(owner__username=term)
        # The namespace is stored encrypted; its keyed hash (blind index) finds it without decrypting a row.
        match |= Q(namespace_fingerprint__in=blind_index(term.lower()))
        try:
            match |= Q(public_id=uuid.UUID(term))
        except ValueError:
            if len(term) == 8:
                match |= Q(public_id__startswith=term)  # the short reference shown in remote names
        return match

    @admin.display(description=_("reference"))
    def reference(self, onboarding: Onboarding) -> str:
        return f"eh-{onboarding.reference} ({onboarding.public_id})"

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, onboarding: Onboarding) -> str:
        kind = "attention" if onboarding.needs_attention else onboarding.status
        return format_html('<span class="status status--{}">{}</span>', kind, onboarding.plain_status)

    @admin.display(description=_("namespace › event hub"))
    def namespace_and_hub(self, onboarding: Onboarding) -> str:
        hub = onboarding.event_hub_name or onboarding.auth_event_hub_name
        return f"{onboarding.namespace or '—'}{' › ' + hub if hub else ''}"

    @admin.display(description=_("last test"), ordering="connection_tested_at")
    def last_test(self, onboarding: Onboarding) -> str:
        return onboarding.last_test_summary

    @admin.display(description=_("last error"))
    def problem(self, onboarding: Onboarding) -> str:
        error = onboarding.last_error
        if not error:
            return "—"
        return format_html(
            "<strong>{}</strong>: {}<br>code {} · request {} · HTTP {}",
            error.get("title"),
            error.get("message"),
            error.get("code") or "—",
            error.get("request_id") or "—",
            error.get("status") or "—",
        )

    @admin.display(description=_("credentials"))
    def credentials(self, onboarding: Onboarding) -> str:
        """The non-secret credential fields decrypted; the secret only as 'set' and when."""
        rows: list[tuple[Any, Any]] = list(onboarding.credential_summary)
        secret, changed = onboarding.auth.secret, onboarding.secret_changed_at
        is_set = bool(getattr(onboarding, secret.name))
        state: Any = _("set") if is_set else _("not set")
        if is_set and changed:
            state = _("set, last changed %s") % timezone.localtime(changed).strftime("%Y-%m-%d %H:%M %Z")
        rows.append((secret.label, state))
        return format_html(
            '<table class="credentials">{}</table>', format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        )

    @admin.display(description=_("checks"))
    def connection_test_summary(self, onboarding: Onboarding) -> str:
        if not onboarding.connection_test:
            return "—"
        return format_html_join(
            "",
            "<div>{}: <strong>{}</strong> {}</div>",
            ((check.label, check.state.value, check.detail) for check in onboarding.checks),
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> Any:
        onboarding = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if onboarding is not None:
            context["timeline"] = timeline(onboarding)
        return super().change_view(request, object_id, form_url, extra_context=context)

    @admin.action(description=_("Export selected onboardings to CSV"), permissions=["view"])
    def export_onboardings(self, request: HttpRequest, queryset: QuerySet[Onboarding]) -> StreamingHttpResponse:
        header = [name for name, _value in ONBOARDING_COLUMNS]
        rows = (
            [how(o) if callable(how) else getattr(o, how) for _name, how in ONBOARDING_COLUMNS]
            for o in queryset.select_related("owner").prefetch_related("dataflows").iterator(chunk_size=1000)
        )
        return csv_response("onboardings.csv", header, rows)

    @admin.action(description=_("Export the Flow Service calls of selected onboardings to CSV"), permissions=["view"])
    def export_calls(self, request: HttpRequest, queryset: QuerySet[Onboarding]) -> StreamingHttpResponse:
        calls = FlowServiceCall.objects.filter(onboarding__in=queryset.values("pk"))
        return csv_response("flow-service-calls.csv", CALL_HEADER, call_rows(calls))


def timeline(onboarding: Onboarding) -> list[dict[str, Any]]:
    """Every call and state change of an onboarding, oldest first."""
    entries: list[dict[str, Any]] = [
        {"when": change.created_at, "is_state": True, "item": change}
        for change in onboarding.state_changes.select_related("actor")
    ]
    entries += [
        {"when": call.created_at, "is_state": False, "item": call, "bodies": _bodies(call)}
        for call in onboarding.calls.select_related("actor")
    ]
    entries += dataflow_timeline(onboarding)
    return sorted(entries, key=lambda entry: (entry["when"], entry["is_state"]))


class StatusCodeFilter(DistinctValuesFilter):
    title = _("HTTP status")
    parameter_name = "status"
    field_name = "status_code"
    empty_label = _("No answer (timeout or connection failed)")


class ErrorCodeFilter(DistinctValuesFilter):
    title = _("Adobe error code")
    parameter_name = "code"
    field_name = "error_code"
    empty_label = _("None")


def call_result(call: FlowServiceCall) -> tuple[str, str]:
    """What Adobe's answer said, read from its body where the status alone does not tell: a test answered
    200 with `{"result": false}` is a failed test, not "OK"."""
    status = call.status_code
    if status is None:
        return "base_failed", str(call.get_outcome_display())
    if call.operation == FlowServiceCall.Operation.TEST and 200 <= status < 300:
        result = call.response_body.get("result") if isinstance(call.response_body, dict) else None
        if result is True:
            return "source_created", str(_("Test passed"))
        if result is False:
            return "base_failed", str(_("Test failed"))
        return "unknown", str(_("Answer not recognised"))
    if 200 <= status < 300:
        return "source_created", f"{_('OK')} ({status})"
    return "base_failed", f"{_('Refused') if status < 500 else _('Failed')} ({call.error_code or status})"


# What the calls list's cells and its rows' str() read: the request body, the chain's hashes and the joined
# onboarding's columns but its name are left unread.
LISTED_CALL_COLUMNS = [
    "onboarding",
    "created_at",
    "operation",
    "method",
    "path",
    "status_code",
    "outcome",
    "error_code",
    "response_body",
]


@admin.register(FlowServiceCall)
class FlowServiceCallAdmin(HistoryStatusMixin, HistoryAdmin):
    # Four columns fit 1280 px beside the admin's menu and filters; the rest is on each call's page.
    list_display = ("created_at", "operation", "result", "onboarding_link")
    list_filter = ("operation", StatusCodeFilter, ErrorCodeFilter, "outcome", "created_at")
    list_select_related = ("onboarding",)
    list_deferred = (*unread(FlowServiceCall, LISTED_CALL_COLUMNS), *JOINED_UNSHOWN)
    search_fields = ("request_id", "connection_id")
    search_help_text = _("A request ID or a connection ID (base or source), exactly.")
    ordering = ("-created_at", "-id")
    actions = ("export_selected",)
    fields = (
        "created_at",
        "onboarding_link",
        "actor",
        "sandbox_name",
        "operation",
        "method",
        "path",
        "status_code",
        "outcome",
        "error_code",
        "request_id",
        "connection_id",
        "duration_ms",
        "attempt",
        "error_message",
        "request_pretty",
        "response_pretty",
    )
    readonly_fields = ("onboarding_link", "bodies", "request_pretty", "response_pretty")

    def search_match(self, term: str) -> Q:
        return Q(request_id=term) | Q(connection_id=term)

    @admin.display(description=_("onboarding"))
    def onboarding_link(self, call: FlowServiceCall) -> str:
        return link_to(call.onboarding)

    @admin.display(description=_("bodies (redacted)"))
    def bodies(self, call: FlowServiceCall) -> str:
        return _bodies(call)

    @admin.display(description=_("result"))
    def result(self, call: FlowServiceCall) -> str:
        kind, text = call_result(call)
        return format_html('<span class="status status--{}">{}</span>', kind, text)

    @admin.display(description=_("request body (redacted)"))
    def request_pretty(self, call: FlowServiceCall) -> str:
        return format_html("<pre>{}</pre>", _pretty(call.request_body))

    @admin.display(description=_("response body (redacted)"))
    def response_pretty(self, call: FlowServiceCall) -> str:
        return format_html("<pre>{}</pre>", _pretty(call.response_body))

    @admin.action(description=_("Export selected calls to CSV"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[FlowServiceCall]) -> StreamingHttpResponse:
        return csv_response("flow-service-calls.csv", CALL_HEADER, call_rows(queryset))


@admin.register(StateChange)
class StateChangeAdmin(HistoryStatusMixin, HistoryAdmin):
    list_display = ("created_at", "onboarding_link", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status", "created_at")
    list_select_related = ("onboarding", "actor")
    list_deferred = JOINED_UNSHOWN
    ordering = ("-created_at", "-id")
    fields = ("created_at", "onboarding_link", "from_status", "to_status", "actor", "reason")
    readonly_fields = ("onboarding_link",)

    @admin.display(description=_("onboarding"))
    def onboarding_link(self, change: StateChange) -> str:
        return link_to(change.onboarding)


from .admin_actions import RemoteActionAdmin as RemoteActionAdmin  # noqa: E402  (registers the actions admin)
from .admin_dataflow import dataflow_timeline, dataflows_cell  # noqa: E402  (registers the dataflow admin)
