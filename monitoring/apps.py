from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring and alerts")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from connections.signals import dataflow_runs_read

        from .summaries import keep

        dataflow_runs_read.connect(keep, dispatch_uid="monitoring.keep_runs_read")
