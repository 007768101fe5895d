"""Who came through the identity provider and which groups are its teams: shown, never edited (each sign-in
writes them)."""

from __future__ import annotations

from django.contrib import admin

from connections.admin.readonly import ReadOnlyAdmin

from .models import Identity, Team


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdmin):
    list_display = ("user", "subject", "issuer", "created_at", "signed_in_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "subject")


@admin.register(Team)
class TeamAdmin(ReadOnlyAdmin):
    list_display = ("group", "idp_group", "issuer")
    list_select_related = ("group",)
    search_fields = ("group__name", "idp_group")
