"""The onboardings' admin: who connected what, its credentials shown but never its secret, and its timeline."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from connections.encryption import blind_index
from connections.models import DataflowChange, FlowServiceCall, Onboarding

from .csv_exports import calls_csv, onboardings_csv
from .filters import AttentionFilter, SandboxFilter
from .history import bodies
from .readonly import LargeListAdmin
from .safety import SafeChangeList


class OnboardingChangeList(SafeChangeList):
    """The list leaves out what no list shows (`OnboardingQuerySet.in_lists`); each row's page still opens from
    the history that names it."""

    def get_queryset(self, request: Any, exclude_parameters: Any = None) -> Any:
        return super().get_queryset(request, exclude_parameters).in_lists()


@admin.register(Onboarding)
class OnboardingAdmin(LargeListAdmin):
    # What fits a laptop window beside the filters; authentication and the last test are on each onboarding's page.
    list_display = ("name", "owner", "team", "namespace_and_hub", "sandbox", "status_badge", "created_on")
    # "created_at" as a filter (today, past 7 days, this month, this year) costs no query; a date_hierarchy would
    # read the date of every matching row to find the years it offers.
    list_filter = (AttentionFilter, "status", "auth_type", "owner", "team", SandboxFilter, "created_at")
    list_select_related = ("owner", "team")
    search_fields = (
        "name",
        "base_connection_id__exact",
        "source_connection_id__exact",
        "owner__username__exact",
    )
    search_help_text = _(
        "Name (part of it), a namespace (exactly), a base or source connection ID, the reference, or the owner's "
        "user name."
    )
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
                    "team",
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

    def get_changelist(self, request: Any, **kwargs: Any) -> type[OnboardingChangeList]:
        return OnboardingChangeList

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            found |= queryset.filter(self.identity_match(term))
        return found, may_have_duplicates

    @staticmethod
    def identity_match(term: str) -> Q:
        """What `search_fields` cannot say: the namespace and the onboarding's reference."""
        # The namespace is stored encrypted: its keyed hash (blind index) finds it without decrypting a row, and
        # only as a whole name (a part of it has no hash).
        match = Q(namespace_fingerprint__in=blind_index(term.lower()))
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

    @admin.display(description=_("sandbox"), ordering="sandbox_name")
    def sandbox(self, onboarding: Onboarding) -> str:
        return onboarding.sandbox_name

    @admin.display(description=_("created"), ordering="created_at")
    def created_on(self, onboarding: Onboarding) -> str:
        return date_format(timezone.localtime(onboarding.created_at), "j M Y")  # the time is on the onboarding's page

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
        return onboardings_csv(queryset)

    @admin.action(description=_("Export the Flow Service calls of selected onboardings to CSV"), permissions=["view"])
    def export_calls(self, request: HttpRequest, queryset: QuerySet[Onboarding]) -> StreamingHttpResponse:
        return calls_csv(FlowServiceCall.objects.filter(onboarding__in=queryset.values("pk")))


def timeline(onboarding: Onboarding) -> list[dict[str, Any]]:
    """Every call and state change of an onboarding and of its dataflows, oldest first
    (templates/admin/connections/onboarding/change_form.html shows it)."""
    entries: list[dict[str, Any]] = [
        {"when": change.created_at, "is_state": True, "item": change}
        for change in onboarding.state_changes.select_related("actor")
    ]
    entries += [
        {"when": call.created_at, "is_state": False, "item": call, "bodies": bodies(call)}
        for call in onboarding.calls.select_related("actor")
    ]
    flow_changes = DataflowChange.objects.filter(dataflow__onboarding=onboarding).select_related("actor", "dataflow")
    entries += [{"when": change.created_at, "is_state": True, "item": change} for change in flow_changes]
    return sorted(entries, key=lambda entry: (entry["when"], entry["is_state"]))
