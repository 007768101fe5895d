from __future__ import annotations

from django.contrib import admin

from connections.admin.readonly import ReadOnlyAdmin

from .models import AlertDelivery, DataflowSummary, Subscription


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "dataflow", "event", "channel", "recipient", "delivered", "error")
    list_filter = ("delivered", "event", "channel")
    search_fields = ("dataflow__name", "recipient", "subject")
    list_select_related = ("dataflow",)
    date_hierarchy = "created_at"


@admin.register(DataflowSummary)
class DataflowSummaryAdmin(ReadOnlyAdmin):
    list_display = ("dataflow", "state", "latest_status", "received_day", "failed_day", "failing", "asked_at")
    list_filter = ("failing", "state")
    list_select_related = ("dataflow",)


@admin.register(Subscription)
class SubscriptionAdmin(ReadOnlyAdmin):
    list_display = ("dataflow", "condition", "channel", "recipient", "firing", "changed_at")
    list_filter = ("condition", "channel", "firing")
    list_select_related = ("dataflow",)
    exclude = ("webhook_url",)  # its path is its secret
