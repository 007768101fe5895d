"""The form renderer: Django's, reading the project's templates, with the app's own field group."""

from __future__ import annotations

from django.forms.renderers import TemplatesSetting


class FieldGroupRenderer(TemplatesSetting):
    """`{{ form.name.as_field_group }}` renders templates/onboarding/_field.html (label, help, error and widget,
    tied together for screen readers); the widgets are Django's own templates, found through TEMPLATES (so the
    cached loader serves them) with `django.forms` installed."""

    field_template_name = "onboarding/_field.html"
