"""The admin lists' rows, with each column worked out once per page instead of once per cell.

Django's `items_for_result` looks every column up again for every row (the field, its choices, the
empty value, its CSS classes, the link); on a list of 50 rows that was over half the page. Here a
`Column` is built once from the first row and then only reads each row's value, writing the same
markup as Django (tests/test_admin_rows.py compares the two on every list). Lists this does not
cover (popups, editable lists, related lookups in list_display) go through Django's own code.
"""

from __future__ import annotations

import datetime
import html
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags import admin_list
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import display_for_field, display_for_value, lookup_field
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString
from django.utils.translation import gettext


def escaped(text: Any) -> str:
    """Django's conditional_escape without its check for lazy arguments, which costs a microsecond a call (a
    list page makes hundreds): safe text as it is, anything else HTML-escaped."""
    if isinstance(text, Promise):
        text = str(text)
    if hasattr(text, "__html__"):
        return str(text.__html__())
    return html.escape(str(text))


@dataclass(frozen=True)
class Column:
    """One list_display column: how to read a row's value and how Django would show it."""

    name: str
    classes: list[str]
    value: Callable[[Any], Any]
    show: Callable[[Any], Any]
    linked: bool
    nowrap_dates: bool  # a computed column showing a date gets Django's "nowrap" class, row by row
    missing: str  # shown when the row's related object is gone

    def cell(self, row: Any) -> tuple[str, str]:
        """The cell's class attribute and its shown value, as Django's items_for_result writes them."""
        try:
            value = self.value(row)
        except ObjectDoesNotExist:
            return f' class="{self.classes[0]}"', escaped(self.missing)
        classes = self.classes
        if self.nowrap_dates and isinstance(value, (datetime.date, datetime.time)):
            classes = [*classes, "nowrap"]
        return f' class="{" ".join(classes)}"', escaped(self.show(value))


def _checkbox() -> Callable[[Any], Any]:
    """ModelAdmin.action_checkbox's input, its label translated once: the widget machinery cost a row 30 µs."""
    label = gettext("Select this object for an action - {}")
    markup = f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{{}}" class="action-select"'
    markup += ' aria-label="{}">'
    # format_html's escaping, written out: each argument escaped, the label's (translated, trusted) text not.
    return lambda obj: SafeString(markup.format(escaped(str(obj.pk)), label.format(escaped(str(obj)))))


def _reader(name: str, row: Any, model_admin: Any, field: models.Field[Any, Any] | None) -> Callable[[Any], Any]:
    """lookup_field's choice of where a column's value comes from, made once for the column."""
    if field is not None:
        return lambda obj: getattr(obj, name)
    if name == "action_checkbox" and type(model_admin).action_checkbox is admin.ModelAdmin.action_checkbox:
        return _checkbox()
    if hasattr(model_admin, name) and name != "__str__":
        method = getattr(model_admin, name)
        return lambda obj: method(obj)
    if callable(getattr(row, name)):
        return lambda obj: getattr(obj, name)()
    return lambda obj: getattr(obj, name)


def _column(cl: Any, index: int, name: str, row: Any, linked: bool) -> Column:
    model_admin = cl.model_admin
    field, attr, _value = lookup_field(name, row, model_admin)
    missing = model_admin.get_empty_value_display()
    empty = getattr(attr, "empty_value_display", missing)
    classes = [f"field-{admin_list._coerce_field_name(name, index)}"]  # type: ignore[attr-defined]
    read = _reader(name, row, model_admin, field)
    if field is None or field.auto_created:
        if name == "action_checkbox":
            classes = ["action-checkbox"]
        boolean = getattr(attr, "boolean", False)
        if isinstance(attr, property) and hasattr(attr, "fget"):
            boolean = getattr(attr.fget, "boolean", False)
        return Column(name, classes, read, lambda v: display_for_value(v, empty, boolean), linked, True, missing)
    if isinstance(field, (models.DateField, models.TimeField, models.ForeignKey)):
        classes.append("nowrap")
    if isinstance(field.remote_field, models.ManyToOneRel):
        return Column(name, classes, read, lambda v: empty if v is None else v, linked, False, missing)
    if getattr(field, "flatchoices", None):
        choices = dict(field.flatchoices)
        return Column(name, classes, read, lambda v: choices.get(v, empty), linked, False, missing)
    return Column(
        name, classes, read, lambda v: display_for_field(v, field, empty, avoid_link=linked), linked, False, missing
    )


def _linked_columns(cl: Any) -> list[bool]:
    links = cl.list_display_links
    if links is None:
        return [False for _ in cl.list_display]
    if not links:
        return [index == 0 for index, _ in enumerate(cl.list_display)]
    return [name in links for name in cl.list_display]


def _rows(cl: Any, columns: list[Column]) -> Iterator[admin_list.ResultList]:
    context = {"preserved_filters": cl.preserved_filters, "opts": cl.opts}
    for row in cl.result_list:
        cells = []
        first = True
        for column in columns:
            classes, shown = column.cell(row)
            if not column.linked:
                cells.append(SafeString(f"<td{classes}>{shown}</td>"))
                continue
            tag, first = ("th" if first else "td"), False
            url = cl.url_for_result(row)
            if cl.preserved_filters:
                url = add_preserved_filters(context, url)
            cells.append(SafeString(f'<{tag}{classes}><a href="{escaped(url)}">{shown}</a></{tag}>'))
        # One item per row, its cells joined: change_list_results.html writes a row's items side by side, so the
        # markup is the same, and its loop runs once per row instead of once per cell.
        yield admin_list.ResultList(None, [SafeString("".join(cells))])


def covered(cl: Any) -> bool:
    """Whether these rows are Django's exactly: no popup, no editable list, no related lookups shown."""
    names = [name for name in cl.list_display if isinstance(name, str)]
    return not (cl.is_popup or cl.formset or len(names) != len(cl.list_display) or any("__" in n for n in names))


def result_list(cl: Any) -> dict[str, Any]:
    """Django's `result_list` context, with the rows written here when `covered`."""
    if not covered(cl) or not cl.result_list:
        return admin_list.result_list(cl)
    headers = list(admin_list.result_headers(cl))
    first = cl.result_list[0]
    linked = _linked_columns(cl)
    columns = [_column(cl, i, name, first, linked[i]) for i, name in enumerate(cl.list_display)]
    return {
        "cl": cl,
        "result_hidden_fields": [],
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": list(_rows(cl, columns)),
    }


def _capfirst(text: Any) -> str:
    """The template's `{{ text|capfirst }}`: escaped unless the text was safe already."""
    shown = str(text)
    shown = shown[:1].upper() + shown[1:]
    return SafeString(shown) if isinstance(text, SafeData) else escaped(shown)


def _header(header: dict[str, Any], num_sorted_fields: int) -> str:
    sort = ""
    if header["sortable"] and header["sort_priority"] > 0:
        priority = ""
        if num_sorted_fields > 1:
            title = gettext("Sorting priority: %(priority_number)s") % {"priority_number": header["sort_priority"]}
            priority = f'<span class="sortpriority" title="{title}">{header["sort_priority"]}</span>'
        order = "ascending" if header["ascending"] else "descending"
        sort = (
            f'\n       <div class="sortoptions">\n'
            f'         <a class="sortremove" href="{escaped(header["url_remove"])}" '
            f'title="{escaped(gettext("Remove from sorting"))}"></a>\n         {priority}\n'
            f'         <a href="{escaped(header["url_toggle"])}" class="toggle {order}" '
            f'title="{escaped(gettext("Toggle sorting"))}"></a>\n       </div>\n   '
        )
    text = _capfirst(header["text"])
    if header["sortable"]:
        text = f'<a role="button" href="{escaped(header["url_primary"])}">{text}</a>'
    else:
        text = f"<span>{text}</span>"
    return (
        f'\n<th scope="col"{escaped(header["class_attrib"])}>\n   {sort}\n'
        f'   <div class="text">{text}</div>\n   <div class="clear"></div>\n</th>'
    )


def results_html(context: dict[str, Any]) -> SafeString:
    """What admin/change_list_results.html writes for `result_list`'s context of a covered list with rows.

    The template's loops over headers and rows cost over half a millisecond a page.
    """
    headers = "".join(_header(header, context["num_sorted_fields"]) for header in context["result_headers"])
    rows = "".join(f"\n\n<tr>{''.join(row)}</tr>\n" for row in context["results"])
    return SafeString(
        f'\n\n\n<div class="results">\n<table id="result_list">\n<thead>\n<tr>\n{headers}\n</tr>\n</thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>\n</div>\n\n"
    )


def results_table(cl: Any) -> SafeString | None:
    """The list's results table as Django writes it, or None for lists `covered` leaves to Django."""
    if not covered(cl) or not cl.result_list:
        return None
    return results_html(result_list(cl))
