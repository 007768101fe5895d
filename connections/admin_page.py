"""The admin list page around its rows, written in Python with Django's markup: the filters.

Django renders each list filter through admin/filter.html, one template render per filter and a
loop of template nodes per choice; on the onboardings list that was a millisecond. Here a filter
that uses Django's template is written out in Python, character for character the same
(tests/test_admin_page.py compares every filter of every list with Django's own rendering); a
filter with its own template still goes through Django's code.
"""

from __future__ import annotations

from typing import Any

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
