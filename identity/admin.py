"""Who came through the identity provider and which groups are its teams: shown, never edited (each sign-in
writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Identity, Team


class WrittenBySignInAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Identity)
class IdentityAdmin(WrittenBySignInAdmin):
    list_display = ("user", "subject", "issuer", "created_at", "signed_in_at")
    list_select_related = ("user",)
    search_fields = ("user__username", "subject")


@admin.register(Team)
class TeamAdmin(WrittenBySignInAdmin):
    list_display = ("group", "idp_group", "issuer")
    list_select_related = ("group",)
    search_fields = ("group__name", "idp_group")
