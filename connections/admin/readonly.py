"""What every page of this admin shares: nothing is added, changed or deleted from it, and the large lists count
their rows only as far as the page being read needs."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.contrib import admin
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from connections import safe_input
from connections.models import Onboarding

from .safety import HostileQueryMixin

PAGES_AHEAD = 5


class ReadOnlyAdmin(HostileQueryMixin, admin.ModelAdmin[Any]):
    """Admin pages that are read, never written: nobody may add, change or delete a row from them."""

    class Media:
        css = {"all": ("onboarding/admin.css",)}

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CappedCountPaginator(Paginator[Any]):
    """Counts at most `cap` + 1 rows, so a page costs the same on a thousand rows or a million.

    The cap follows the page being read (five pages ahead of it): deeper pages stay reachable,
    one stretch at a time, and the list says "more than N" (templates/admin/connections/pagination.html)
    instead of a total.
    """

    def __init__(self, *args: Any, cap: int = 500, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        # Ordering and columns do not change how many rows there are: the count reads keys only, unsorted.
        rows = self.object_list.order_by().values("pk")  # type: ignore[attr-defined]  # always a QuerySet here
        return int(rows[: self.cap + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > self.cap

    @classmethod
    def for_request(cls, request: HttpRequest, queryset: Any, per_page: int, **kwargs: Any) -> CappedCountPaginator:
        # A page that is not a page counts as the first; one past the last is the admin's own "?e=1".
        number = min(safe_input.page_number(request.GET.get("p")) or 1, safe_input.MAX_PAGE)
        return cls(queryset, per_page, cap=(number + PAGES_AHEAD) * per_page, **kwargs)


class LargeListAdmin(ReadOnlyAdmin):
    """A list that grows without end (onboardings, calls, state changes): no full count, no facet counts, and a
    hostile query string answered as a wrong filter, never a 500."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 25

    def get_paginator(
        self,
        request: HttpRequest,
        queryset: QuerySet[Any],
        per_page: int,
        orphans: int = 0,
        allow_empty_first_page: bool = True,
    ) -> CappedCountPaginator:
        return CappedCountPaginator.for_request(
            request, queryset, per_page, orphans=orphans, allow_empty_first_page=allow_empty_first_page
        )


def link_to(onboarding: Onboarding | None) -> str:
    """A link to an onboarding's admin page (None: a dash), for the history and dataflow lists."""
    if onboarding is None:
        return "—"
    url = reverse("admin:connections_onboarding_change", args=[onboarding.pk])
    return format_html('<a href="{}">{}</a>', url, onboarding.name)
