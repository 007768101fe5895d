"""The admin's changelist, made to refuse hostile query strings with its own message, never a 500.

Django's ChangeList lets a few values through to Python or the database that fail there: a date
hierarchy year of 9999 (the year after it does not exist), a year 0 (refused when the SQL is
built), a filter value that is not of the column's type. Each is the same mistake as an unknown
lookup, so it gets the same answer: IncorrectLookupParameters, which the admin turns into a
redirect to the unfiltered list with "?e=1".
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db import DataError

HOSTILE = (ValueError, OverflowError, TypeError, ValidationError, DataError)


class SafeChangeList(ChangeList):
    def get_filters(self, request: Any) -> Any:
        try:
            return super().get_filters(request)
        except HOSTILE as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_queryset(self, request: Any, exclude_parameters: Any = None) -> Any:
        try:
            return super().get_queryset(request, exclude_parameters)
        except HOSTILE as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request: Any) -> None:
        try:
            super().get_results(request)
        except HOSTILE as exc:
            raise IncorrectLookupParameters(exc) from exc


class HostileQueryMixin:
    """For a ModelAdmin: the changelist above, and an empty `_to_field` read as no `_to_field`."""

    def get_changelist(self, request: Any, **kwargs: Any) -> type[SafeChangeList]:
        return SafeChangeList

    def get_object(self, request: Any, object_id: str, from_field: str | None = None) -> Any:
        # Django checks `_to_field` only when it is non-empty, then looks the empty name up (KeyError).
        return super().get_object(request, object_id, from_field or None)  # type: ignore[misc]
