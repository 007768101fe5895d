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
from django.utils.encoding import iri_to_uri
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

FILTER_TEMPLATE = "admin/filter.html"


def _choice(choice: dict[str, Any]) -> str:
    selected = ' class="selected"' if choice["selected"] else ""
    href = conditional_escape(iri_to_uri(choice["query_string"]))
    return f'\n    <li{selected}>\n    <a href="{href}">{conditional_escape(choice["display"])}</a></li>\n  '


def list_filter(cl: Any, spec: Any) -> str:
    """What Django's `admin_list_filter` tag writes for this filter."""
    if spec.template != FILTER_TEMPLATE:
        return str(admin_list.admin_list_filter(cl, spec))
    title = conditional_escape(spec.title)
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
    label, name = conditional_escape(app["app_label"]), conditional_escape(model["object_name"].lower())
    current = " current-model" if _within(model["admin_url"], path) else ""
    if model["admin_url"]:
        aria = ' aria-current="page"' if _within(model["admin_url"], path) else ""
        link = f'<a href="{conditional_escape(model["admin_url"])}"{aria}>{conditional_escape(model["name"])}</a>'
    else:
        link = str(conditional_escape(model["name"]))
    if model["add_url"]:
        add = (
            f'<td><a href="{conditional_escape(model["add_url"])}" class="addlink" aria-describedby="{label}-{name}">'
            f"{conditional_escape(gettext('Add'))}</a></td>"
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
        f'            <th scope="col">{conditional_escape(gettext(text))}</th>\n'
        for text in ("Model name", "Add link", "Change or view list link")
    )
    models = "".join(_model_row(app, model, path) for model in app["models"])
    return (
        f'\n    <div class="app-{conditional_escape(app["app_label"])} module{current}">\n      <table>\n'
        f'        <caption>\n          <a href="{conditional_escape(app["app_url"])}" class="section">'
        f"{conditional_escape(app['name'])}</a>\n        </caption>\n"
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
        refused = conditional_escape(gettext("You don’t have permission to view or edit anything."))
        app_list = f"\n\n\n  <p>{refused}</p>\n\n"
    toggle, sidebar, placeholder, label = (
        conditional_escape(gettext(text))
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
    label = gettext("Filter by %(field_name)s") % {"field_name": conditional_escape(context["field_name"])}
    back, back_link = context.get("back"), ""
    if back:
        href, title = conditional_escape(back["link"]), conditional_escape(back["title"])
        back_link = f'<a href="{href}" class="date-back">&lsaquo; {title}</a>'
    choices = "".join(
        f'\n<a href="{conditional_escape(choice["link"])}">{conditional_escape(choice["title"])}</a>\n'
        if choice.get("link")
        else f"\n{conditional_escape(choice['title'])}\n"
        for choice in context["choices"]
    )
    return SafeString(
        f'\n\n<nav class="toplinks" aria-labelledby="date-hierarchy-label">\n<span id="date-hierarchy-label">{label}'
        f"</span>\n\n\n{back_link}\n\n\n{choices}\n\n\n</nav>\n\n"
    )
