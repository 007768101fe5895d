"""The identity app: sign-in through the organisation's identity provider."""

from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class IdentityConfig(AppConfig):
    name = "identity"
    verbose_name = _("Organisation sign-in")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After each of our apps' permissions are made; a flush (as between transactional tests) sends post_migrate
        # too, so the group is never left empty.
        post_migrate.connect(keep_auditors_group, dispatch_uid="identity.keep_auditors_group")


def keep_auditors_group(sender: AppConfig, **kwargs: Any) -> None:
    from .membership import AUDITED_APPS, auditors_group

    if sender.label not in AUDITED_APPS:
        return

    auditors_group()
