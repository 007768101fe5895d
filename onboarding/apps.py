"""The wizard UI: forms, views and templates of the onboarding flow."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OnboardingConfig(AppConfig):
    name = "onboarding"
    verbose_name = _("Event Hubs onboarding")
