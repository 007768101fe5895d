"""The admin list page around its rows, written in Python with Django's markup: the filters.

Django renders each list filter through admin/filter.html, one template render per filter and a
loop of template nodes per choice; on the onboardings list that was a millisecond. Here a filter
that uses Django's template is written out in Python, character for character the same
(tests/test_admin_page.py compares every filter of every list with Django's own rendering); a
filter with its own template still goes through Django's code.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils import formats
from django.utils.encoding import iri_to_uri
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext

from .admin_rows import escaped

FILTER_TEMPLATE = "admin/filter.html"


def _choice(choice: dict[str, Any]) -> str:
    selected = ' class="selected"' if choice["selected"] else ""
    href = escaped(iri_to_uri(choice["query_string"]))
    return f'\n    <li{selected}>\n    <a href="{href}">{escaped(choice["display"])}</a></li>\n  '


def list_filter(cl: Any, spec: Any) -> str:
    """What Django's `admin_list_filter` tag writes for this filter."""
    if spec.template != FILTER_TEMPLATE:
        return str(admin_list.admin_list_filter(cl, spec))
    title = escaped(spec.title)
    # {% blocktranslate %} keeps the spaces around its text, and so the message id has them too.
    summary = gettext(" By %(filter_title)s ") % {"filter_title": title}
    choices = "".join(_choice(choice) for choice in spec.choices(cl))
    return SafeString(
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    {summary}\n  </summary>\n'
        f"  <ul>\n  {choices}\n  </ul>\n</details>\n"
    )


def _within(url: Any, path: str) -> bool:
    # The template's `url in path`; a missing URL (None) is never in it.
    return isinstance(url, str) and url in path


def _model_row(app: dict[str, Any], model: dict[str, Any], path: str) -> str:
    """One model's row of admin/app_list.html, as the sidebar includes it (no change links)."""
    label, name = escaped(app["app_label"]), escaped(model["object_name"].lower())
    current = " current-model" if _within(model["admin_url"], path) else ""
    if model["admin_url"]:
        aria = ' aria-current="page"' if _within(model["admin_url"], path) else ""
        link = f'<a href="{escaped(model["admin_url"])}"{aria}>{escaped(model["name"])}</a>'
    else:
        link = escaped(model["name"])
    if model["add_url"]:
        add = (
            f'<td><a href="{escaped(model["add_url"])}" class="addlink" aria-describedby="{label}-{name}">'
            f"{escaped(gettext('Add'))}</a></td>"
        )
    else:
        add = "<td></td>"
    return (
        f'\n          \n            <tr class="model-{name}{current}">\n'
        f'              <th scope="row" id="{label}-{name}">\n                \n                  {link}\n'
        f"                \n              </th>\n\n              \n                {add}\n              \n\n"
        f"              \n            </tr>\n          \n        "
    )


def _app(app: dict[str, Any], path: str) -> str:
    current = " current-app" if _within(app["app_url"], path) else ""
    headers = "".join(
        f'            <th scope="col">{escaped(gettext(text))}</th>\n'
        for text in ("Model name", "Add link", "Change or view list link")
    )
    models = "".join(_model_row(app, model, path) for model in app["models"])
    return (
        f'\n    <div class="app-{escaped(app["app_label"])} module{current}">\n      <table>\n'
        f'        <caption>\n          <a href="{escaped(app["app_url"])}" class="section">'
        f"{escaped(app['name'])}</a>\n        </caption>\n"
        f'        <thead class="visually-hidden">\n          <tr>\n{headers}          </tr>\n        </thead>\n'
        f"        {models}\n      </table>\n    </div>\n  "
    )


def nav_sidebar(apps: list[dict[str, Any]], path: str) -> str:
    """What admin/nav_sidebar.html writes (with admin/app_list.html) for these apps on a page at `path`.

    Django's two templates cost most of a millisecond on each list page, the app list's loops of
    template nodes above all.
    """
    path = quote(path, safe="/")  # the template's request.path|urlencode
    if apps:
        app_list = "\n\n\n  " + "".join(_app(app, path) for app in apps) + "\n\n"
    else:
        refused = escaped(gettext("You don’t have permission to view or edit anything."))
        app_list = f"\n\n\n  <p>{refused}</p>\n\n"
    toggle, sidebar, placeholder, label = (
        escaped(gettext(text))
        for text in ("Toggle navigation", "Sidebar", "Start typing to filter…", "Filter navigation items")
    )
    return SafeString(
        f'\n<button class="sticky toggle-nav-sidebar" id="toggle-nav-sidebar" aria-label="{toggle}"></button>\n'
        f'<nav class="sticky" id="nav-sidebar" aria-label="{sidebar}">\n  <input type="search" id="nav-filter"\n'
        f'         placeholder="{placeholder}"\n         aria-label="{label}">\n  {app_list}\n</nav>\n'
    )


def date_hierarchy(context: dict[str, Any]) -> str:
    """What admin/date_hierarchy.html writes for a date hierarchy's context (its links, back link, field)."""
    if not context.get("show"):
        return SafeString("\n\n")
    label = gettext("Filter by %(field_name)s") % {"field_name": escaped(context["field_name"])}
    back, back_link = context.get("back"), ""
    if back:
        href, title = escaped(back["link"]), escaped(back["title"])
        back_link = f'<a href="{href}" class="date-back">&lsaquo; {title}</a>'
    choices = "".join(
        f'\n<a href="{escaped(choice["link"])}">{escaped(choice["title"])}</a>\n'
        if choice.get("link")
        else f"\n{escaped(choice['title'])}\n"
        for choice in context["choices"]
    )
    return SafeString(
        f'\n\n<nav class="toplinks" aria-labelledby="date-hierarchy-label">\n<span id="date-hierarchy-label">{label}'
        f"</span>\n\n\n{back_link}\n\n\n{choices}\n\n\n</nav>\n\n"
    )


def _value(value: Any) -> str:
    """A value as `{{ value }}` writes it: localized (numbers, dates), then escaped."""
    return escaped(formats.localize(value))


def pagination(cl: Any) -> str:
    """What templates/admin/connections/pagination.html writes for Django's `pagination` context."""
    context = admin_list.pagination(cl)
    name = _value(cl.opts.verbose_name_plural)
    pages = ""
    if context["pagination_required"]:
        items = "".join(f"\n        <li>{admin_list.paginator_number(cl, i)}</li>\n    " for i in context["page_range"])
        pages = f"\n    <ul>\n    {items}\n    </ul>\n    "
    if getattr(cl.paginator, "capped", False):
        count = gettext("more than %(cap)s %(name)s (filter or search to narrow them)")
        count %= {"cap": _value(cl.paginator.cap), "name": name}
    else:
        shown = cl.opts.verbose_name if cl.result_count == 1 else cl.opts.verbose_name_plural
        count = f"{_value(cl.result_count)} {_value(shown)}"
    show_all = ""
    if context["show_all_url"]:
        href, text = escaped(context["show_all_url"]), escaped(gettext("Show all"))
        show_all = f'<a href="{href}" class="showall">{text}</a>'
    heading = gettext("Pagination %(name)s") % {"name": name}
    return SafeString(
        f'\n<nav class="paginator" aria-labelledby="pagination">\n    <h2 id="pagination" class="visually-hidden">'
        f"{heading}</h2>\n    {pages}\n{count}\n{show_all}\n</nav>\n"
    )


def _result_count(cl: Any, context: dict[str, Any]) -> str:
    if getattr(cl.paginator, "capped", False):
        found = gettext("more than %(cap)s results") % {"cap": _value(cl.paginator.cap)}
    else:
        found = ngettext("%(counter)s result", "%(counter)s results", cl.result_count)
        found %= {"counter": _value(cl.result_count)}
    query = ""
    if cl.is_popup:
        query = f"{_value(context['is_popup_var'])}=1{'&' if cl.add_facets else ''}"
    if cl.add_facets:
        query += _value(context["is_facets_var"])
    if cl.show_full_result_count:
        total = gettext("%(full_result_count)s total") % {"full_result_count": _value(cl.full_result_count)}
    else:
        total = escaped(gettext("Show all"))
    return f'\n    <span class="small quiet">{found} (<a href="?{query}">{total}</a>)</span>\n'


def search_form(cl: Any) -> str:
    """What templates/admin/connections/search_form.html writes for Django's `search_form` context."""
    if not cl.search_fields:
        return SafeString("\n\n\n")
    context = admin_list.search_form(cl)
    search_var = context["search_var"]
    heading = gettext("Search %(name)s") % {"name": _value(cl.opts.verbose_name_plural)}
    search, icon = escaped(gettext("Search")), escaped(static("admin/img/search.svg"))
    described = ' aria-describedby="searchbar_helptext"' if cl.search_help_text else ""
    count = _result_count(cl, context) if context["show_result_count"] else ""
    hidden = "".join(
        f'\n    <input type="hidden" name="{_value(k)}" value="{_value(v)}">\n' if k != search_var else "\n    \n"
        for k, v in cl.params.items()
    )
    help_text = ""
    if cl.search_help_text:
        help_text = (
            f'\n<br class="clear">\n<div class="help" id="searchbar_helptext">{_value(cl.search_help_text)}</div>\n'
        )
    return SafeString(
        f'\n\n\n<div id="toolbar">\n<h2 id="changelist-search-form" class="visually-hidden">{heading}</h2>\n'
        f'<form id="changelist-search" method="get" role="search" aria-labelledby="changelist-search-form">\n'
        f"<div><!-- DIV needed for valid HTML -->\n"
        f'<label for="searchbar" class="searchbar-label"><img src="{icon}" alt=""> {search}</label>\n'
        f'<input type="text" size="40" name="{_value(search_var)}" value="{_value(cl.query)}" id="searchbar"'
        f'{described}>\n<input type="submit" value="{search}">\n{count}\n{hidden}\n</div>\n{help_text}\n'
        f"</form></div>\n\n"
    )
