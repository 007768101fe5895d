"""Admin pieces that cost the same on a thousand rows as on a million.

Django's changelist counts every matching row, its date hierarchy and its "all values" filters
scan the table. Here the count stops at a cap, distinct values come from a loose index scan (one
index probe per value), and the date hierarchy reads the first and the last date (two index probes)
and asks one EXISTS per calendar bucket it cannot tell from them, in one query.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Iterable
from functools import cached_property
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection, models
from django.db.models import Exists
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.html import format_html

from . import safe_input
from .admin_safety import SafeChangeList
from .models import Onboarding

PAGES_AHEAD = 5
PK_SLOT = "0pkslot0"  # reversed once in place of a row's key, then replaced by each row's


class NoWritesMixin:
    """Admin pages that are read, never written: nobody may add, change or delete a row from them."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class CappedCountPaginator(Paginator[Any]):
    """Counts at most `cap` + 1 rows, so a page costs the same on a thousand rows or a million.

    The cap follows the page being read (five pages ahead of it): deeper pages stay reachable,
    one stretch at a time, and the admin says "more than N" instead of a total.
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
    def for_request(cls, request: Any, queryset: Any, per_page: int, **kwargs: Any) -> CappedCountPaginator:
        # A page that is not a page counts as the first; one past the last is the admin's own "?e=1".
        number = min(safe_input.page_number(request.GET.get("p")) or 1, safe_input.MAX_PAGE)
        return cls(queryset, per_page, cap=(number + PAGES_AHEAD) * per_page, **kwargs)


def unread(model: type[models.Model], read: Iterable[str], prefix: str = "") -> tuple[str, ...]:
    """The columns of `model` (reached through `prefix`, e.g. "owner__") a list does not read, as defer() names."""
    return tuple(
        f"{prefix}{field.name}"
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in read
    )


class OwnerFilter(admin.RelatedFieldListFilter):
    """Django's filter by a user, its choices read as (id, user name) pairs instead of whole users."""

    def field_choices(self, field: Any, request: Any, model_admin: Any) -> list[Any]:
        users = field.related_model._default_manager.complex_filter(field.get_limit_choices_to())
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            users = users.order_by(*ordering)
        # A user's str() is its user name (AbstractBaseUser.__str__).
        return list(
            users.values_list(field.remote_field.get_related_field().attname, field.related_model.USERNAME_FIELD)
        )


class ShownChangeList(SafeChangeList):
    """Django's changelist, cheaper per row: the rows' link is reversed once per page, not once a row, and
    the columns the model admin names in `list_deferred` (shown nowhere in the list) are left unread."""

    def get_results(self, request: Any) -> None:
        deferred = getattr(self.model_admin, "list_deferred", ())
        if deferred:
            self.queryset = self.queryset.defer(*deferred)
        super().get_results(request)

    def url_for_result(self, result: models.Model) -> str:
        return self._change_url.replace(PK_SLOT, str(quote(getattr(result, self.pk_attname))))

    @cached_property
    def _change_url(self) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
        return reverse(name, args=(PK_SLOT,), current_app=self.model_admin.admin_site.name)


def distinct_values(model: type[models.Model], field_name: str, limit: int = 100) -> list[Any]:
    """Distinct non-null values of an indexed column, one index probe each (a loose index scan)."""
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(str(getattr(model._meta.get_field(field_name), "column", field_name)))
    sql = (
        f"WITH RECURSIVE found(value) AS ("
        f" SELECT MIN({column}) FROM {table}"
        f" UNION ALL"
        f" SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value) FROM found"
        f" WHERE found.value IS NOT NULL"
        f") SELECT value FROM found WHERE value IS NOT NULL LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [limit])
        return [row[0] for row in cursor.fetchall()]


class DistinctValuesFilter(admin.SimpleListFilter):
    """A filter whose choices are the column's distinct values, found without scanning."""

    field_name = ""
    empty_label: str | StrPromise = ""

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        values = distinct_values(model_admin.model, self.field_name)
        choices = [(str(value), self.label_for(value)) for value in values if value != ""]
        if self.empty_label:
            choices.append(("__none__", str(self.empty_label)))
        return choices

    def label_for(self, value: Any) -> str:
        return str(value)

    def queryset(self, request: Any, queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == "__none__":
            field = queryset.model._meta.get_field(self.field_name)
            return queryset.filter(**{f"{self.field_name}__isnull": True} if field.null else {self.field_name: ""})
        return queryset.filter(**{self.field_name: value})


def _aware(year: int, month: int = 1, day: int = 1) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day))


def _buckets(level: str, year: int, month: int | None) -> list[tuple[int, datetime.datetime, datetime.datetime]]:
    if level == "month":
        return [(m, _aware(year, m), _aware(year + (m == 12), m % 12 + 1)) for m in range(1, 13)]
    if level == "day" and month:
        start = _aware(year, month)
        days = (_aware(year + (month == 12), month % 12 + 1) - start).days
        return [
            (d, start + datetime.timedelta(days=d - 1), start + datetime.timedelta(days=d)) for d in range(1, days + 1)
        ]
    return []


def _one_row(model: type[models.Model], **values: Any) -> dict[str, Any]:
    """Subqueries read in one query, hung on a single known row: this model's content type."""
    anchor = ContentType.objects.get_for_model(model)
    row: dict[str, Any] = ContentType.objects.filter(pk=anchor.pk).annotate(**values).values(*values).get()
    return row


def _with_rows(
    queryset: models.QuerySet[Any], field: str, buckets: list[tuple[int, datetime.datetime, datetime.datetime]]
) -> list[int]:
    """The buckets that hold at least one row, in one query of EXISTS probes (none for no buckets)."""
    if not buckets:
        return []
    base = queryset.order_by().values("pk")
    probes = {
        f"b{number}": Exists(base.filter(**{f"{field}__gte": start, f"{field}__lt": end}))
        for number, start, end in buckets
    }
    row = _one_row(queryset.model, **probes)
    return [number for number, _, _ in buckets if row[f"b{number}"]]


def date_range(queryset: models.QuerySet[Any], field: str) -> tuple[datetime.datetime, datetime.datetime] | None:
    """The first and the last row's date (local time); None without rows."""
    # Two ordered LIMIT 1 reads walk an index; MIN and MAX together would read every match. (One query holding
    # both as subqueries costs twice their CPU to build.)
    dates = queryset.order_by().values_list(field, flat=True)
    first, last = dates.order_by(field).first(), dates.order_by(f"-{field}").first()
    if first is None or last is None:
        return None
    return timezone.localtime(first), timezone.localtime(last)


def years_with_rows(
    queryset: models.QuerySet[Any], field: str, ends: tuple[datetime.datetime, datetime.datetime] | None
) -> list[int]:
    """The years that hold at least one row: the first and the last row's, and those between them that
    hold one (a query only when years lie between)."""
    if ends is None:
        return []
    first, last = ends[0].year, ends[1].year
    between = [(y, _aware(y), _aware(y + 1)) for y in range(first + 1, last)]
    return sorted({first, last, *_with_rows(queryset, field, between)})


def buckets_with_rows(
    queryset: models.QuerySet[Any], field: str, level: str, year: int, month: int | None = None
) -> list[int]:
    """The months of a year, or the days of a month, that hold at least one row, in one query."""
    return _with_rows(queryset, field, _buckets(level, year, month))


@functools.cache
def _onboarding_url(prefix: str, urlconf: str | None) -> str:
    return reverse("admin:connections_onboarding_change", args=(PK_SLOT,), urlconf=urlconf)


def link_to(onboarding: Onboarding | None) -> str:
    """A link to an onboarding's admin page (None: a dash), for the history and dataflow lists.

    The URL is reversed once per script prefix and URLconf, not once per row (a reverse costs 30 µs).
    """
    if onboarding is None:
        return "—"
    url = _onboarding_url(get_script_prefix(), get_urlconf(settings.ROOT_URLCONF)).replace(PK_SLOT, str(onboarding.pk))
    return format_html('<a href="{}">{}</a>', url, onboarding.name)
