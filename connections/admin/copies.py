"""The links Copy to another sandbox made between two onboardings: read-only."""

from __future__ import annotations

from django.contrib import admin

from connections.models import OnboardingCopy

from .readonly import ReadOnlyAdmin


@admin.register(OnboardingCopy)
class OnboardingCopyAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "original", "copy", "run", "actor")
    list_select_related = ("original", "copy", "actor")
    ordering = ("-created_at", "-id")
    fields = ("original", "copy", "run", "actor", "created_at")
    readonly_fields = fields
