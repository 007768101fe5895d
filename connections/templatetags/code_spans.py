"""Text written with Markdown's code spans (`authSpec`), as the contract check's guesses and advice are."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

CODE_SPAN = re.compile(r"`([^`]+)`")


@register.filter(needs_autoescape=True)
def code_spans(text: Any, autoescape: bool = True) -> SafeString:
    """Each `span` as <code>span</code>; everything else escaped first, so only the code element is markup."""
    escaped = conditional_escape(text) if autoescape else str(text)
    return mark_safe(CODE_SPAN.sub(r"<code>\1</code>", escaped))  # noqa: S308 - escaped above
