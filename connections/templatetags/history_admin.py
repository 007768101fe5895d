"""Admin template tags that stay fast on large history tables."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from connections.admin_tools import buckets_with_rows

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def fast_date_hierarchy(cl: Any) -> dict[str, Any]:
    """Django's date hierarchy, with its choices found by EXISTS probes instead of a table scan."""
    field = cl.date_hierarchy
    if not field:
        return {"show": False}
    params = {name: cl.params.get(f"{field}__{name}") for name in ("year", "month", "day")}
    year, month, day = (int(v) if v and str(v).isdigit() else None for v in params.values())
    verbose = cl.model._meta.get_field(field).verbose_name

    def link(filters: dict[str, Any]) -> str:
        return str(cl.get_query_string(filters, [f"{field}__"]))

    if year is None:
        years = buckets_with_rows(cl.queryset, field, "year")
        if len(years) != 1:
            return {
                "show": True,
                "back": None,
                "field_name": verbose,
                "choices": [{"link": link({f"{field}__year": y}), "title": str(y)} for y in years],
            }
        year = years[0]
    if month is None:
        months = buckets_with_rows(cl.queryset, field, "month", year)
        back = {"link": link({}), "title": _("All dates")}
        choices = [
            {
                "link": link({f"{field}__year": year, f"{field}__month": m}),
                "title": capfirst(formats.date_format(datetime.date(year, m, 1), "YEAR_MONTH_FORMAT")),
            }
            for m in months
        ]
        return {"show": True, "back": back, "choices": choices, "field_name": verbose}
    if day is None:
        days = buckets_with_rows(cl.queryset, field, "day", year, month)
        back = {"link": link({f"{field}__year": year}), "title": str(year)}
        choices = [
            {
                "link": link({f"{field}__year": year, f"{field}__month": month, f"{field}__day": d}),
                "title": capfirst(formats.date_format(datetime.date(year, month, d), "MONTH_DAY_FORMAT")),
            }
            for d in days
        ]
        return {"show": True, "back": back, "choices": choices, "field_name": verbose}
    the_day = datetime.date(year, month, day)
    return {
        "show": True,
        "field_name": verbose,
        "back": {
            "link": link({f"{field}__year": year, f"{field}__month": month}),
            "title": capfirst(formats.date_format(the_day, "YEAR_MONTH_FORMAT")),
        },
        "choices": [{"title": capfirst(formats.date_format(the_day, "MONTH_DAY_FORMAT"))}],
    }
