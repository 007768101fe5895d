"""The form renderer writes the common widgets and the app's field group in Python: the markup must be exactly
what the templates write."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from onboarding.forms_dataflow import DatasetForm, DetailForm, SampleForm

from connections.auth_types import AuthType
from connections.models import Onboarding
from onboarding.auth import LoginForm
from onboarding.form_renderer import FIELD_GROUP, PYTHON_TEMPLATES, FastWidgetRenderer
from onboarding.forms import AccountForm, CredentialsForm, SourceForm

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
    radio_classed = forms.ChoiceField(
        choices=[(HOSTILE, [("1", "one"), ("2", HOSTILE)]), ("3", "three")],
        widget=forms.RadioSelect(attrs={"class": HOSTILE}),
        help_text=HOSTILE,
    )
    many = forms.MultipleChoiceField(choices=[("m", "Em"), ("n", "En")], widget=forms.SelectMultiple)
    boxes = forms.MultipleChoiceField(
        choices=[("m", HOSTILE), ("Group", [("n", "En"), ("o", "Oh")])], widget=forms.CheckboxSelectMultiple
    )
    unlabelled = forms.CharField(label=mark_safe("<em>safe</em> label"), help_text=mark_safe("<b>help</b>"))


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
        "radio_classed": "2",
        "many": ["m", "n"],
        "boxes": ["m", "o"],
        "unlabelled": "",
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
    built.append(DetailForm({"name": "", "description": HOSTILE}))
    lists = {"datasets": [{"id": "d1", "name": HOSTILE}], "schemas": [{"id": "s1", "title": "Orders"}]}
    built += [DatasetForm(**lists), DatasetForm({"choice": "new"}, **lists)]
    built += [SampleForm(), SampleForm({"sample": HOSTILE}), LoginForm(), LoginForm(data={})]
    stored = Onboarding(auth_type=AuthType.AAD, client_secret_value="s", tenant_id=HOSTILE)
    built.append(CredentialsForm(initial=AccountForm.initial_for(stored), onboarding=stored))
    built.append(CredentialsForm({"tenant_id": HOSTILE}, onboarding=stored))
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
    assert "django/forms/widgets/splitdatetime.html" not in PYTHON_TEMPLATES
    widget = forms.SplitDateTimeWidget(date_attrs={"class": HOSTILE})
    moment = datetime.datetime(2026, 1, 2, 3, 4)
    rendered = [widget.render("when", moment, renderer=r) for r in (FastWidgetRenderer(), DjangoTemplates())]
    assert rendered[0] == rendered[1]


def test_an_option_it_does_not_write_sends_its_whole_widget_through_the_templates() -> None:
    class Starred(forms.RadioSelect):
        option_template_name = "django/forms/widgets/input_option.html"  # not one multiple_input() writes

    widget = Starred(choices=[("a", "A"), ("b", HOSTILE)])
    rendered = [widget.render("r", "b", renderer=r) for r in (FastWidgetRenderer(), DjangoTemplates())]
    assert rendered[0] == rendered[1]


@pytest.mark.django_db
def test_every_field_group_is_written_exactly_as_the_app_s_templates_write_it() -> None:
    # {{ form.name.as_field_group }} on the pages (_field.html, or _choices.html for a radio group with
    # explanations); the template is what an {% include %} of it printed before.
    compared: dict[str, int] = {}
    for form in _forms():
        form.renderer = FastWidgetRenderer()
        for bound in form:
            written = bound.as_field_group()
            assert written == render_to_string(bound.template_name, {"field": bound}).strip(), bound.name
            compared[bound.template_name] = compared.get(bound.template_name, 0) + 1
    assert compared[FIELD_GROUP] > 100 and compared["onboarding/_choices.html"] >= 10


def test_the_field_group_is_the_renderer_s_field_template() -> None:
    assert FastWidgetRenderer.field_template_name == FIELD_GROUP == "onboarding/_field.html"
