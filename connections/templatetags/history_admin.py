"""Admin template tags that stay fast on large history tables."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.utils import formats
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from connections import admin_page, admin_rows
from connections.admin_tools import buckets_with_rows, date_range, years_with_rows

register = template.Library()


@register.simple_tag
def fast_date_hierarchy(cl: Any) -> str:
    """Django's date hierarchy, written by connections/admin_page.py."""
    return admin_page.date_hierarchy(date_hierarchy_context(cl))


def date_hierarchy_context(cl: Any) -> dict[str, Any]:
    """Django's date hierarchy's context, its choices found by index probes and EXISTS instead of a table scan.

    As Django's does, with no date chosen it starts at the months of the only year, or at the days
    of the only month, that the rows fall in.
    """
    field = cl.date_hierarchy
    if not field:
        return {"show": False}
    params = {name: cl.params.get(f"{field}__{name}") for name in ("year", "month", "day")}
    year, month, day = (int(v) if v and str(v).isdigit() else None for v in params.values())
    level = _Level(cl, field)
    ends = None
    if year is None and month is None and day is None:
        ends = date_range(cl.queryset, field)
        if ends and ends[0].year == ends[1].year:
            year = ends[0].year
            month = ends[0].month if ends[0].month == ends[1].month else None
    if year and month and day:
        the_day = datetime.date(year, month, day)
        back = {"link": level.link(year=year, month=month), "title": _title(the_day, "YEAR_MONTH_FORMAT")}
        return level.shown(back, [{"title": _title(the_day, "MONTH_DAY_FORMAT")}])
    if year and month:
        days = buckets_with_rows(cl.queryset, field, "day", year, month)
        choices = [
            {
                "link": level.link(year=year, month=month, day=d),
                "title": _title(datetime.date(year, month, d), "MONTH_DAY_FORMAT"),
            }
            for d in days
        ]
        return level.shown({"link": level.link(year=year), "title": str(year)}, choices)
    if year:
        months = buckets_with_rows(cl.queryset, field, "month", year)
        choices = [
            {"link": level.link(year=year, month=m), "title": _title(datetime.date(year, m, 1), "YEAR_MONTH_FORMAT")}
            for m in months
        ]
        return level.shown({"link": level.link(), "title": _("All dates")}, choices)
    years = years_with_rows(cl.queryset, field, ends or date_range(cl.queryset, field))
    return level.shown(None, [{"link": level.link(year=y), "title": str(y)} for y in years])


def _title(date: datetime.date, format_name: str) -> str:
    return capfirst(formats.date_format(date, format_name))


class _Level:
    """Links and the context of one level of the hierarchy (years, months or days)."""

    def __init__(self, cl: Any, field: str) -> None:
        self.cl, self.field = cl, field
        self.verbose = cl.model._meta.get_field(field).verbose_name

    def link(self, **parts: int) -> str:
        filters = {f"{self.field}__{name}": value for name, value in parts.items()}
        return str(self.cl.get_query_string(filters, [f"{self.field}__"]))

    def shown(self, back: dict[str, Any] | None, choices: list[dict[str, Any]]) -> dict[str, Any]:
        return {"show": True, "back": back, "choices": choices, "field_name": self.verbose}


class ResultListNode(InclusionAdminNode):
    """Django's `result_list`: written by connections/admin_rows.py, table and rows, for the lists it covers;
    through Django's template (and its per-app overrides), rows still written there, for the others."""

    def render(self, context: Any) -> SafeString:
        table = admin_rows.results_table(self.args[0].resolve(context))
        return table if table is not None else super().render(context)


@register.tag(name="shown_result_list")
def shown_result_list(parser: Any, token: Any) -> ResultListNode:
    return ResultListNode(
        "shown_result_list",
        parser,
        token,
        func=admin_rows.result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


@register.simple_tag
def shown_list_filter(cl: Any, spec: Any) -> str:
    """Django's `admin_list_filter`, written by connections/admin_page.py."""
    return admin_page.list_filter(cl, spec)


@register.simple_tag(takes_context=True)
def shown_nav_sidebar(context: Any) -> str:
    """Django's admin/nav_sidebar.html, written by connections/admin_page.py."""
    return admin_page.nav_sidebar(context["available_apps"], context["request"].path)


@register.simple_tag
def shown_pagination(cl: Any) -> str:
    """Django's `pagination` (with templates/admin/connections/pagination.html), written by admin_page.py."""
    return admin_page.pagination(cl)


@register.simple_tag
def shown_search_form(cl: Any) -> str:
    """Django's `search_form` (with templates/admin/connections/search_form.html), written by admin_page.py."""
    return admin_page.search_form(cl)
