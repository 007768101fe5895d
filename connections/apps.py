"""The domain: onboardings, their Adobe connections, encryption and history."""

from __future__ import annotations

import logging

from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _

log = logging.getLogger("connections")


class ConnectionsConfig(AppConfig):
    name = "connections"
    verbose_name = _("Connections and history")

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .target import flow_service_target

        if flow_service_target().is_emulator:
            log.info("Flow Service: local emulator at %s (no Adobe credentials configured)", settings.FLOW_SERVICE_URL)
        else:
            log.info(
                "Flow Service: Adobe at %s, sandbox default %s", settings.FLOW_SERVICE_URL, settings.ADOBE_SANDBOX_NAME
            )
