"""The form renderer: the common widgets written in Python, every other template as Django renders it.

Django renders each widget through three or four small templates (the widget's, input.html, attrs.html,
an option's); on the Account step that was over half the page's time, and the admin renders a checkbox
per row the same way. The functions here write exactly the markup of Django's own widget templates
(tests/test_form_renderer.py compares them, widget by widget); a template a project overrides, or a
widget not listed, still goes through the templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape

Widget = Mapping[str, Any]


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`, escaped unless already safe."""
    return str(conditional_escape(value if hasattr(value, "__html__") else f"{value}"))


def attrs(widget: Widget) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(
            f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"'
        )
    return "".join(parts)


def input_tag(widget: Widget) -> str:
    """django/forms/widgets/input.html (text, password, hidden, checkbox and the other inputs)"""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{attrs(widget)}>'


def input_option(widget: Widget) -> str:
    """django/forms/widgets/input_option.html (a radio or checkbox of a choice widget)"""
    if not widget["wrap_label"]:
        return input_tag(widget)
    label_id = widget["attrs"].get("id")
    opening = f'<label for="{conditional_escape(label_id)}">' if label_id else "<label>"
    # input.html ends with a newline, which the include keeps.
    return f"{opening}{input_tag(widget)}\n {conditional_escape(widget['label'])}</label>"


def textarea(widget: Widget) -> str:
    """django/forms/widgets/textarea.html"""
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{attrs(widget)}>\n{value}</textarea>'


def select_option(widget: Widget) -> str:
    """django/forms/widgets/select_option.html"""
    return f'<option value="{_text(widget["value"])}"{attrs(widget)}>{conditional_escape(widget["label"])}</option>'


def select(widget: Widget) -> str:
    """django/forms/widgets/select.html, its options written here when they use Django's own template."""
    parts = [f'<select name="{conditional_escape(widget["name"])}"{attrs(widget)}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in group_choices:
            parts.append(f"\n  {_option(option)}")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def _option(option: Widget) -> str:
    if option["template_name"] != "django/forms/widgets/select_option.html":
        raise _NotWritten
    return select_option(option) + "\n"  # the included template's last newline


class _NotWritten(Exception):
    """An option uses a template this module does not write: the whole widget goes through templates."""


INPUTS = ("text", "password", "hidden", "email", "number", "url", "search", "tel", "color", "checkbox", "input")
PYTHON_TEMPLATES: dict[str, Callable[[Widget], str]] = {
    **{f"django/forms/widgets/{name}.html": input_tag for name in INPUTS},
    "django/forms/widgets/radio_option.html": input_option,
    "django/forms/widgets/checkbox_option.html": input_option,
    "django/forms/widgets/input_option.html": input_option,
    "django/forms/widgets/textarea.html": textarea,
    "django/forms/widgets/select_option.html": select_option,
    "django/forms/widgets/select.html": select,
}


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the widgets above written in Python."""

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        write = PYTHON_TEMPLATES.get(template_name)
        if write is not None and "widget" in context:
            try:
                return write(context["widget"]).strip()
            except _NotWritten:
                pass
        return str(super().render(template_name, context, request))
