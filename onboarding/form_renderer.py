"""The form renderer: the common widgets and the app's field group written in Python, every other template as
Django renders it.

Django renders each widget through three or four small templates (the widget's, input.html, attrs.html,
an option's); on the Account step that was over half the page's time, and the admin renders a checkbox
per row the same way. The functions here write exactly the markup of Django's own widget templates
(tests/test_form_renderer.py compares them, widget by widget); a template a project overrides, or a
widget not listed, still goes through the templates. The app's field group (label, help, error and widget:
templates/onboarding/_field.html, what `{{ form.name.as_field_group }}` renders) is written here too, and
compared with that template the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates

from .markup import escaped

Widget = Mapping[str, Any]
FIELD_GROUP = "onboarding/_field.html"


def _text(value: Any) -> str:
    """`{{ value|stringformat:'s' }}`, escaped unless already safe."""
    return escaped(value if hasattr(value, "__html__") else f"{value}")


def attrs(widget: Widget) -> str:
    """django/forms/widgets/attrs.html"""
    parts = []
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {escaped(name)}" if value is True else f' {escaped(name)}="{_text(value)}"')
    return "".join(parts)


def input_tag(widget: Widget) -> str:
    """django/forms/widgets/input.html (text, password, hidden, checkbox and the other inputs)"""
    value = "" if widget["value"] is None else f' value="{_text(widget["value"])}"'
    kind, name = escaped(widget["type"]), escaped(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{attrs(widget)}>'


def input_option(widget: Widget) -> str:
    """django/forms/widgets/input_option.html (a radio or checkbox of a choice widget)"""
    if not widget["wrap_label"]:
        return input_tag(widget)
    label_id = widget["attrs"].get("id")
    opening = f'<label for="{escaped(label_id)}">' if label_id else "<label>"
    # input.html ends with a newline, which the include keeps.
    return f"{opening}{input_tag(widget)}\n {escaped(widget['label'])}</label>"


def textarea(widget: Widget) -> str:
    """django/forms/widgets/textarea.html"""
    value = escaped(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{escaped(widget["name"])}"{attrs(widget)}>\n{value}</textarea>'


def select_option(widget: Widget) -> str:
    """django/forms/widgets/select_option.html"""
    return f'<option value="{_text(widget["value"])}"{attrs(widget)}>{escaped(widget["label"])}</option>'


def select(widget: Widget) -> str:
    """django/forms/widgets/select.html, its options written here when they use Django's own template."""
    parts = [f'<select name="{escaped(widget["name"])}"{attrs(widget)}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{escaped(group_name)}">')
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


INPUT_OPTIONS = ("django/forms/widgets/radio_option.html", "django/forms/widgets/checkbox_option.html")


def multiple_input(widget: Widget) -> str:
    """django/forms/widgets/multiple_input.html (radio.html and checkbox_select.html include it)"""
    attrs = widget["attrs"]
    parts = ["<div"]
    if attrs.get("id"):
        parts.append(f' id="{escaped(attrs["id"])}"')
    if attrs.get("class"):
        parts.append(f' class="{escaped(attrs["class"])}"')
    parts.append(">")
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f"\n  <div><label>{escaped(group_name)}</label>")
        for option in options:
            if option["template_name"] not in INPUT_OPTIONS:
                raise _NotWritten
            # input.html's last newline when no label wraps the input, then input_option.html's and the option's.
            unwrapped = "" if option["wrap_label"] else "\n"
            parts.append(f"<div>\n    {input_option(option)}{unwrapped}\n\n</div>")
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return "".join(parts)


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
    "django/forms/widgets/radio.html": multiple_input,
    "django/forms/widgets/checkbox_select.html": multiple_input,
}


def field_group(field: BoundField) -> str:
    """templates/onboarding/_field.html: one form field's label, help, error and widget, stripped as a renderer
    strips what it renders."""
    auto_id, errors, described = escaped(field.auto_id), field.errors, field.aria_describedby
    parts = [
        f'<div class="field{" field--invalid" if errors else ""}" id="{auto_id}_field" '
        f'data-describedby="{escaped(described)}">\n  '
    ]
    if field.use_fieldset:
        described_by = f' aria-describedby="{escaped(described)}"' if described else ""
        parts.append(f"<fieldset{described_by}>\n  <legend>{escaped(field.label)}</legend>\n  ")
    else:
        required = ' <span class="required">(required)</span>' if field.field.required else ""
        label = escaped(field.label)
        parts.append(f'<label for="{escaped(field.id_for_label)}">{label}{required}</label>')
    parts.append("\n  ")
    if field.help_text:
        parts.append(f'<p class="help" id="{auto_id}_helptext">{escaped(field.help_text)}</p>')
    parts.append("\n  ")
    if errors:
        said = " ".join(str(escaped(error)) for error in errors)
        parts.append(f'<p class="error" id="{auto_id}_error"><span class="visually-hidden">Error: </span>{said}</p>')
    parts.append(f"\n  {field}\n  {'</fieldset>' if field.use_fieldset else ''}\n</div>")
    return "".join(parts)


def explained_choices(field: BoundField) -> str:
    """templates/onboarding/_choices.html: a radio group whose choices each carry a one-line explanation."""
    auto_id, errors = escaped(field.auto_id), field.errors
    described = f' aria-describedby="{auto_id}_error"' if errors else ""
    parts = [
        f'<div class="field{" field--invalid" if errors else ""}" id="{auto_id}_field">\n'
        f"  <fieldset{described}>\n    <legend>{escaped(field.label)}</legend>\n    "
    ]
    if errors:
        said = " ".join(escaped(error) for error in errors)
        parts.append(f'<p class="error" id="{auto_id}_error"><span class="visually-hidden">Error: </span>{said}</p>')
    parts.append('\n    <div class="choices">\n      ')
    for radio, explanation in field.options:  # type: ignore[attr-defined]
        parts.append(
            f'\n      <label class="choice" for="{escaped(radio.id_for_label)}">\n        {radio.tag()}\n'
            f'        <span class="choice__text"><span class="choice__label">{escaped(radio.choice_label)}</span>'
            f'<span class="choice__help">{escaped(explanation)}</span></span>\n      </label>\n      '
        )
    parts.append("\n    </div>\n  </fieldset>\n</div>")
    return "".join(parts)


FIELD_TEMPLATES: dict[str, Callable[[BoundField], str]] = {
    FIELD_GROUP: field_group,
    "onboarding/_choices.html": explained_choices,
}


class FastWidgetRenderer(DjangoTemplates):
    """Django's default renderer, with the widgets above and the app's field group written in Python."""

    field_template_name = FIELD_GROUP

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        field = context.get("field")
        if template_name in FIELD_TEMPLATES and isinstance(field, BoundField):
            return FIELD_TEMPLATES[template_name](field)
        write = PYTHON_TEMPLATES.get(template_name)
        if write is not None and "widget" in context:
            try:
                return write(context["widget"]).strip()
            except _NotWritten:
                pass
        return str(super().render(template_name, context, request))
