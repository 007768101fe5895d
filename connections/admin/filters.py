"""The list filters Django has no ready-made one for: values found without scanning the table, and "attention"."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import connection, models
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from connections.models import Onboarding


def distinct_values(model: type[models.Model], field_name: str, limit: int = 100) -> list[Any]:
    """Distinct non-null values of an indexed column, one index probe each (a loose index scan): Django's
    AllValuesFieldListFilter reads every row for them."""
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
    empty_label: str | Promise = ""

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        values = distinct_values(model_admin.model, self.field_name)
        choices = [(str(value), str(value)) for value in values if value != ""]
        if self.empty_label:
            choices.append(("__none__", str(self.empty_label)))
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == "__none__":
            field = queryset.model._meta.get_field(self.field_name)
            return queryset.filter(**{f"{self.field_name}__isnull": True} if field.null else {self.field_name: ""})
        return queryset.filter(**{self.field_name: value})


class SandboxFilter(DistinctValuesFilter):
    title = _("AEP sandbox")
    parameter_name = "sandbox"
    field_name = "sandbox_name"


class StatusCodeFilter(DistinctValuesFilter):
    title = _("HTTP status")
    parameter_name = "status"
    field_name = "status_code"
    empty_label = _("No answer (timeout or connection failed)")


class ErrorCodeFilter(DistinctValuesFilter):
    title = _("Adobe error code")
    parameter_name = "code"
    field_name = "error_code"
    empty_label = _("None")


class AttentionFilter(admin.SimpleListFilter):
    """Onboardings past the Account step whose last connection test did not pass, and archived ones."""

    title = _("attention")
    parameter_name = "attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("needs", _("Needs attention")), ("archived", _("Archived")), ("deleted", _("Deleted in Adobe"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "needs":
            untested_gate = Q(status=Onboarding.Status.BASE_CREATED, went_on_anyway_at__isnull=True)
            passed = Q(connection_test__accepted=True)
            return (
                queryset.exclude(base_connection_id="")
                .filter(removed_from_adobe_at__isnull=True)
                .exclude(passed)
                .exclude(untested_gate)
            )
        if self.value() == "archived":
            return queryset.filter(archived_at__isnull=False)
        if self.value() == "deleted":
            return queryset.filter(removed_from_adobe_at__isnull=False)
        return queryset
