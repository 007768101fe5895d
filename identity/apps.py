"""The identity app: sign-in through the organisation's identity provider."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Organisation sign-in")
    default_auto_field = "django.db.models.BigAutoField"
