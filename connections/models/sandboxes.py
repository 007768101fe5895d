"""The sandboxes Adobe last said the credential may use: read by a background task, offered on the Account step."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SandboxListing(models.Model):
    """Adobe's last list for the app's credential (one row), or why it could not be read; empty while being read."""

    read_at = models.DateTimeField(_("read at"), default=timezone.now)
    sandboxes = models.JSONField(_("sandboxes"), default=list, blank=True)  # [{name, title, production}]
    problem = models.TextField(_("why it could not be read"), blank=True)

    class Meta:
        verbose_name = _("sandbox listing")

    def fresh(self, lifetime: datetime.timedelta) -> bool:
        return timezone.now() - self.read_at < lifetime
