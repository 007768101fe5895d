"""The history admins: every Flow Service call and every state change, read-only, with the chain's last check."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from connections.history_chain import HistoryStatusMixin
from connections.models import FlowServiceCall, StateChange

from .csv_exports import JOINED_CREDENTIALS, calls_csv
from .filters import ErrorCodeFilter, StatusCodeFilter
from .readonly import LargeListAdmin, link_to


class HistoryAdmin(HistoryStatusMixin, LargeListAdmin):
    """A history list: each row's onboarding is joined for its name, its encrypted credentials left unread."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer(*JOINED_CREDENTIALS)

    @admin.display(description=_("onboarding"))
    def onboarding_link(self, row: FlowServiceCall | StateChange) -> str:
        return link_to(row.onboarding)


def pretty(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) if data is not None else "—"


def bodies(call: FlowServiceCall) -> str:
    """A call's (redacted) request and response bodies, folded."""
    return format_html(
        '<details class="bodies"><summary>Bodies</summary><p>Request</p><pre>{}</pre><p>Response</p>'
        "<pre>{}</pre></details>",
        pretty(call.request_body),
        pretty(call.response_body),
    )


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


@admin.register(FlowServiceCall)
class FlowServiceCallAdmin(HistoryAdmin):
    # Four columns fit 1280 px beside the admin's menu and filters; the rest is on each call's page.
    list_display = ("created_at", "operation", "result", "onboarding_link")
    list_filter = ("operation", StatusCodeFilter, ErrorCodeFilter, "outcome", "created_at")
    list_select_related = ("onboarding",)
    search_fields = ("request_id__exact", "connection_id__exact")
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
    readonly_fields = ("onboarding_link", "request_pretty", "response_pretty")

    @admin.display(description=_("result"))
    def result(self, call: FlowServiceCall) -> str:
        kind, text = call_result(call)
        return format_html('<span class="status status--{}">{}</span>', kind, text)

    @admin.display(description=_("request body (redacted)"))
    def request_pretty(self, call: FlowServiceCall) -> str:
        return format_html("<pre>{}</pre>", pretty(call.request_body))

    @admin.display(description=_("response body (redacted)"))
    def response_pretty(self, call: FlowServiceCall) -> str:
        return format_html("<pre>{}</pre>", pretty(call.response_body))

    @admin.action(description=_("Export selected calls to CSV"), permissions=["view"])
    def export_selected(self, request: HttpRequest, queryset: QuerySet[FlowServiceCall]) -> StreamingHttpResponse:
        return calls_csv(queryset)


@admin.register(StateChange)
class StateChangeAdmin(HistoryAdmin):
    list_display = ("created_at", "onboarding_link", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status", "created_at")
    list_select_related = ("onboarding", "actor")
    ordering = ("-created_at", "-id")
    fields = ("created_at", "onboarding_link", "from_status", "to_status", "actor", "reason")
    readonly_fields = ("onboarding_link",)
