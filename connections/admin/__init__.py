"""The auditors' admin: onboardings, their dataflows and remote actions, every Flow Service call and every state
change, all read-only. Importing the package registers every admin (Django's autodiscover imports it)."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import copies, dataflows, go_live, history, onboardings, remote_actions

__all__ = ["copies", "dataflows", "go_live", "history", "onboardings", "remote_actions"]

admin.site.site_header = _("Event Hubs Onboarding: administration")
admin.site.site_title = _("Event Hubs Onboarding admin")
admin.site.index_title = _("Onboardings and their history")
# Auditors move between lists from the home page and the breadcrumbs; the side menu would take a third of a laptop
# window from lists of many columns.
admin.site.enable_nav_sidebar = False
