"""The form renderer writes the common widgets in Python: the markup must be exactly Django's own."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from connections.auth_types import AuthType
from connections.models import Onboarding
from onboarding.form_renderer import PYTHON_TEMPLATES, FastWidgetRenderer
from onboarding.forms import AccountForm, SourceForm
from onboarding.forms_dataflow import DetailForm

HOSTILE = "\"><script>alert(1)</script> & 'x'"


class EveryWidget(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"placeholder": HOSTILE, "autofocus": True, "x": False}))
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))
    hidden = forms.CharField(widget=forms.HiddenInput)
    number = forms.IntegerField()
    email = forms.EmailField()
    box = forms.BooleanField(required=False)
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "class": "mono"}))
    empty_area = forms.CharField(widget=forms.Textarea, required=False)
    pick = forms.ChoiceField(choices=[("a", "Ay"), ("b", HOSTILE), (3, mark_safe("<b>safe</b>"))])
    grouped = forms.ChoiceField(choices=[("First", [("1", "one"), ("2", "two")]), ("3", "three")])
    radio = forms.ChoiceField(choices=[("r", "Ar"), ("s", HOSTILE)], widget=forms.RadioSelect)
    many = forms.MultipleChoiceField(choices=[("m", "Em"), ("n", "En")], widget=forms.SelectMultiple)


def _forms() -> list[forms.Form]:
    values = {
        "text": HOSTILE,
        "password": "pa<ss",
        "hidden": mark_safe("<i>safe</i>"),
        "number": "12",
        "email": "a@b.c",
        "box": "on",
        "area": f"line one\n{HOSTILE}",
        "pick": "b",
        "grouped": "2",
        "radio": "s",
        "many": ["m", "n"],
    }
    built: list[forms.Form] = [EveryWidget(), EveryWidget(values), EveryWidget(initial=values)]
    for auth_type in AuthType:
        built.append(AccountForm(initial={**AccountForm.initial_for(None), "auth_type": auth_type}))
        built.append(AccountForm(initial={"auth_type": auth_type, "namespace": HOSTILE, "sandbox_name": HOSTILE}))
    built.append(AccountForm({"name": HOSTILE, "description": HOSTILE, "auth_type": "nope"}))
    for onboarding in (
        Onboarding(auth_type=AuthType.SAS, consumer_group=HOSTILE),
        Onboarding(auth_type=AuthType.STANDARD, event_hubs={"hubs": ["one", HOSTILE]}),
    ):
        built.append(SourceForm(initial=SourceForm.initial_for(onboarding), onboarding=onboarding))
        built.append(SourceForm({"event_hub_name": HOSTILE, "reset": "nope"}, onboarding=onboarding))
    built.append(DetailForm(initial={"description": HOSTILE}))
    return built


def _rendered(renderer: Any) -> list[str]:
    out = []
    for form in _forms():
        form.renderer = renderer
        for bound in form:
            out.append(bound.as_widget())
            out += [option.tag(wrap_label=wrap) for option in bound.subwidgets for wrap in (False, True)]
    return out


@pytest.mark.django_db
def test_every_widget_is_written_exactly_as_django_templates_write_it() -> None:
    written, templated = _rendered(FastWidgetRenderer()), _rendered(DjangoTemplates())
    assert len(written) == len(templated) > 100
    for fast, slow in zip(written, templated, strict=True):
        assert fast == slow


def test_the_admin_row_checkbox_is_django_s_own() -> None:
    # As ModelAdmin.action_checkbox builds it, once per row.
    checkbox = forms.CheckboxInput({"aria-label": HOSTILE}, lambda value: False)
    rendered = [checkbox.render("_selected_action", "7", renderer=r) for r in (FastWidgetRenderer(), DjangoTemplates())]
    assert rendered[0] == rendered[1]


def test_a_template_it_does_not_write_goes_through_the_templates() -> None:
    assert "django/forms/widgets/radio.html" not in PYTHON_TEMPLATES
    widget = forms.RadioSelect(choices=[("a", "A")])
    assert widget.render("r", "a", renderer=FastWidgetRenderer()) == widget.render("r", "a", renderer=DjangoTemplates())
