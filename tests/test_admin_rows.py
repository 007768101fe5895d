"""The admin lists' rows are written once per column (connections/admin_rows.py): exactly Django's markup."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from connections import admin_rows
from connections.models import FlowServiceCall, Onboarding

pytestmark = pytest.mark.django_db
QUERIES = ["", "?o=-2.3", "?q=demo", "?p=2"]
FILTERED = {
    "onboarding": ["?status=source_created", "?attention=needs&auth_type=standard"],
    "flowservicecall": ["?status=503"],
}


def changelists(admin_user):
    """Every list of the connections app, plain, filtered, sorted, searched and paged."""
    factory = RequestFactory()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "connections":
            continue
        url = reverse(f"admin:connections_{model._meta.model_name}_changelist")
        for query in QUERIES + FILTERED.get(model._meta.model_name, []):
            request = factory.get(url + query)
            request.user = admin_user
            try:
                yield model_admin.get_changelist_instance(request)
            except admin.options.IncorrectLookupParameters:
                continue  # a filter this list does not have


def test_every_list_s_rows_are_django_s_own(admin_user):
    call_command("seed_demo_history", onboardings=120, calls_per_onboarding=3, owners=3, verbosity=0)
    Onboarding.objects.filter(pk__in=Onboarding.objects.values("pk")[:5]).update(description="<b>x</b> & 'y'")
    compared = 0
    for cl in changelists(admin_user):
        ours, django = admin_rows.result_list(cl), admin_list.result_list(cl)
        assert ours["result_headers"] == django["result_headers"]
        # Our rows come as one item each, its cells joined; Django's template writes the items side by side.
        assert ["".join(row) for row in ours["results"]] == ["".join(row) for row in django["results"]]
        compared += len(ours["results"]) if admin_rows.covered(cl) else 0
    assert compared > 300


def test_rows_link_to_their_page_and_leave_unshown_columns_unread(admin_user):
    call_command("seed_demo_history", onboardings=5, calls_per_onboarding=2, verbosity=0)
    for cl in changelists(admin_user):
        for row in cl.result_list:
            name = f"admin:connections_{cl.opts.model_name}_change"
            assert cl.url_for_result(row) == reverse(name, args=[row.pk])
        if cl.model is Onboarding and cl.result_list:
            assert {"sas_key", "client_secret_value", "tenant_id"} <= cl.result_list[0].get_deferred_fields()
            assert {"description", "event_hubs", "last_error"} <= cl.result_list[0].get_deferred_fields()
            assert "password" in cl.result_list[0].owner.get_deferred_fields()
        if cl.model is FlowServiceCall and cl.result_list:
            assert {"request_body", "prev_hash", "row_hash"} <= cl.result_list[0].get_deferred_fields()
            assert {"status", "connection_test", "sas_key"} <= cl.result_list[0].onboarding.get_deferred_fields()


def test_the_list_pages_use_them(admin_client, monkeypatch):
    call_command("seed_demo_history", onboardings=3, calls_per_onboarding=2, verbosity=0)
    written = []
    rows = admin_rows._rows
    monkeypatch.setattr(admin_rows, "_rows", lambda cl, columns: written.append(cl.model) or rows(cl, columns))
    for model in (Onboarding, FlowServiceCall):
        page = admin_client.get(reverse(f"admin:connections_{model._meta.model_name}_changelist")).content.decode()
        assert page.count('<td class="action-checkbox">') == model.objects.count() > 0
    assert written == [Onboarding, FlowServiceCall]


def test_escaped_is_conditional_escape():
    values = [
        "plain",
        "<b>x</b> & 'y' \"z\"",
        mark_safe("<b>kept</b>"),
        gettext_lazy("Select all"),
        mark_safe(gettext_lazy("<i>lazy and safe</i>")),
        format_html("<a href='{}'>{}</a>", "?q=1&o=2", "<x>"),
        7,
        None,
        1.5,
    ]
    for value in values:
        assert admin_rows.escaped(value) == conditional_escape(value), value
