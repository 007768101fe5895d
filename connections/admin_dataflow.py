"""The admin of dataflows (issue 16): read-only, like the rest; their changes join the onboarding's timeline."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .admin_safety import HostileQueryMixin
from .admin_tools import NoWritesMixin, link_to
from .models import Dataflow, DataflowChange, Onboarding


def dataflows_cell(onboarding: Onboarding) -> str:
    """The onboarding's dataflows in one CSV cell: name, event hub, status and Adobe's id."""
    return "; ".join(
        f"{d.name} [{d.event_hub_name} → {d.dataset_name or d.dataset_id}] {d.status} {d.flow_id}".strip()
        for d in onboarding.dataflows.all()
    )


def dataflow_timeline(onboarding: Onboarding) -> list[dict[str, Any]]:
    """The onboarding's dataflows' state changes, as timeline entries."""
    changes = DataflowChange.objects.filter(dataflow__onboarding=onboarding).select_related("actor", "dataflow")
    return [{"when": change.created_at, "is_state": True, "item": change} for change in changes]


@admin.register(Dataflow)
class DataflowAdmin(NoWritesMixin, HostileQueryMixin, admin.ModelAdmin[Dataflow]):
    list_display = ("name", "onboarding_link", "event_hub_name", "status", "flow_state", "flow_id", "created_at")
    list_filter = ("status", "data_type", "created_at")
    list_select_related = ("onboarding",)
    search_fields = ("name", "flow_id", "dataset_id", "target_connection_id", "mapping_set_id", "onboarding__name")
    ordering = ("-created_at", "-id")
    fields = (
        "name",
        "description",
        "onboarding_link",
        "status",
        "current_step",
        "outcome_unknown",
        "last_error",
        "event_hub_name",
        "consumer_group",
        "data_type",
        "reset",
        "own_source",
        "source_connection_id",
        "dataset_choice",
        "dataset_name",
        "dataset_id",
        "schema_title",
        "schema_id",
        "profile_enabled",
        "mappings",
        "target_connection_id",
        "mapping_set_id",
        "flow_id",
        "flow_state",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    @admin.display(description=_("onboarding"))
    def onboarding_link(self, dataflow: Dataflow) -> str:
        return link_to(dataflow.onboarding)


@admin.register(DataflowChange)
class DataflowChangeAdmin(NoWritesMixin, HostileQueryMixin, admin.ModelAdmin[DataflowChange]):
    list_display = ("created_at", "dataflow", "step", "from_status", "to_status", "actor", "reason")
    list_filter = ("to_status", "step", "created_at")
    list_select_related = ("dataflow", "actor")
    ordering = ("-created_at", "-id")
