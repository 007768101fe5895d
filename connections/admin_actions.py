"""The admin of remote actions (issue 17): read-only; what the task needed (`payload`) is never shown."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_safety import HostileQueryMixin
from .admin_tools import NoWritesMixin, link_to
from .models import RemoteAction


@admin.register(RemoteAction)
class RemoteActionAdmin(NoWritesMixin, HostileQueryMixin, admin.ModelAdmin[RemoteAction]):
    list_display = ("created_at", "kind", "state", "onboarding_link", "dataflow", "actor", "finished_at")
    list_filter = ("state", "kind", "created_at")
    list_select_related = ("onboarding", "dataflow", "actor")
    search_fields = ("kind", "onboarding__name")
    ordering = ("-created_at", "-id")
    fields = (
        "public_id",
        "kind",
        "state",
        "onboarding_link",
        "dataflow",
        "actor",
        "result",
        "created_at",
        "started_at",
        "finished_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description=_("onboarding"))
    def onboarding_link(self, action: RemoteAction) -> str:
        return link_to(action.onboarding)
