"""The admin lists' pages are Django's own markup, written faster (connections/admin_page.py, admin_rows.py,
the date hierarchy in admin_tools.py): every list, plain, sorted, searched, filtered, paged and drilled by date,
compared character for character with the page Django's stock change_list.html writes."""

from __future__ import annotations

import datetime
import re
from urllib.parse import quote_plus

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import clear_script_prefix, reverse, set_script_prefix
from django.utils.html import format_html

from connections import admin_page
from connections.admin_tools import OwnerFilter, link_to
from connections.models import Onboarding

pytestmark = pytest.mark.django_db
QUERIES = ["", "?o=-2.3", "?o=3.-2.4", "?q=demo", "?q=nothing-matches", "?p=2", "?p=2&q=demo&o=2", "?_popup=1"]
FILTERED = {
    "onboarding": [
        "?status__exact=source_created",
        "?attention=needs&auth_type__exact=standard",
        "?sandbox=prod&o=4",
        "?owner__id__exact=1",
    ],
    "flowservicecall": ["?status=503", "?code=__none__&operation__exact=create_base_connection", "?outcome__exact=ok"],
    "statechange": ["?to_status__exact=source_created"],
}
OURS_ONLY = re.compile(r'<link rel="stylesheet" href="/static/onboarding/admin\.css">')
VARYING = re.compile(r'((?:nonce|name="csrfmiddlewaretoken" value)=)"[^"]*"')


def connections_admins():
    return [(m, ma) for m, ma in admin.site._registry.items() if m._meta.app_label == "connections"]


def date_queries() -> list[str]:
    """The date hierarchy at each level: years, a year's months, a month's days, one day, and a
    filtered list whose rows all fall in one month (Django then starts at that month's days)."""
    when = Onboarding.objects.order_by("created_at").first().created_at
    year, month, day = f"created_at__year={when.year}", f"created_at__month={when.month}", f"created_at__day={when.day}"
    start = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + datetime.timedelta(days=32)).replace(day=1)
    one_month = f"created_at__gte={quote_plus(str(start))}&created_at__lt={quote_plus(str(end))}"
    return [f"?{year}", f"?{year}&{month}", f"?{year}&{month}&{day}", f"?{one_month}"]


def page(client, url: str, ours: bool) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    assert bool(OURS_ONLY.search(html)) is ours, "our template, then Django's"
    return VARYING.sub(r'\1"…"', OURS_ONLY.sub("", html))


@pytest.fixture
def auditor_client(client, django_user_model):
    auditor = django_user_model.objects.create_user("audrey", password="x", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(auditor)
    return client


def test_every_list_page_is_django_s_own(admin_client, auditor_client, monkeypatch):
    call_command("seed_demo_history", onboardings=80, calls_per_onboarding=3, owners=3, days=1500, verbosity=0)
    Onboarding.objects.filter(pk__in=Onboarding.objects.values("pk")[:5]).update(name="<b>x</b> & 'y'")
    compared = 0
    for model, model_admin in connections_admins():
        name = model._meta.model_name
        queries = QUERIES + FILTERED.get(name, []) + (date_queries() if model_admin.date_hierarchy else [])
        url = reverse(f"admin:connections_{name}_changelist")
        for user in (admin_client, auditor_client):
            ours = {query: page(user, url + query, ours=True) for query in queries}
            monkeypatch.setattr(model_admin, "change_list_template", "admin/change_list.html")
            for query in queries:
                assert ours[query] == page(user, url + query, ours=False), url + query
                compared += 1
            monkeypatch.undo()
    assert compared > 80


def test_the_sidebar_is_django_s_own(admin_user, django_user_model):
    auditor = django_user_model.objects.create_user("audrey", password="x", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditors"))
    nobody = django_user_model.objects.create_user("nobody", password="x", is_staff=True)
    django_s = get_template("admin/nav_sidebar.html")
    paths = ["/admin/connections/onboarding/", "/admin/auth/", "/admin/connections/onboarding/ü & 'x'/", "/"]
    for user in (admin_user, auditor, nobody):
        for path in paths:
            request = RequestFactory().get(path)
            request.user = user
            apps = admin.site.get_app_list(request)
            assert bool(apps) is (user is not nobody)
            expected = django_s.render({"available_apps": apps, "request": request})
            assert admin_page.nav_sidebar(apps, request.path) == expected, (user, path)


def test_the_pages_use_the_fast_paths(admin_client, monkeypatch):
    call_command("seed_demo_history", onboardings=30, calls_per_onboarding=2, verbosity=0)
    written = []
    original = admin_page.list_filter
    monkeypatch.setattr(admin_page, "list_filter", lambda cl, spec: written.append(spec.title) or original(cl, spec))
    admin_client.get(reverse("admin:connections_onboarding_changelist"))
    assert [str(title) for title in written] == [
        "attention",
        "status",
        "authentication",
        "owner",
        "AEP sandbox",
        "created",
    ]


def test_each_filter_is_written_as_django_writes_it(admin_user):
    call_command("seed_demo_history", onboardings=30, calls_per_onboarding=2, verbosity=0)
    factory = RequestFactory()
    for model, model_admin in connections_admins():
        for query in ["", "?o=2", *FILTERED.get(model._meta.model_name, [])]:
            request = factory.get(reverse(f"admin:connections_{model._meta.model_name}_changelist") + query)
            request.user = admin_user
            cl = model_admin.get_changelist_instance(request)
            for spec in cl.filter_specs:
                assert admin_page.list_filter(cl, spec) == admin_list.admin_list_filter(cl, spec)


def test_a_filter_with_its_own_template_goes_through_django(admin_user, monkeypatch):
    call_command("seed_demo_history", onboardings=3, calls_per_onboarding=1, verbosity=0)
    request = RequestFactory().get(reverse("admin:connections_onboarding_changelist"))
    request.user = admin_user
    cl = admin.site._registry[Onboarding].get_changelist_instance(request)
    spec = cl.filter_specs[0]
    monkeypatch.setattr(spec, "template", "admin/filter.html#custom")
    monkeypatch.setattr(admin_list, "admin_list_filter", lambda cl, spec: "Django's")
    assert admin_page.list_filter(cl, spec) == "Django's"


class TestLinkTo:
    def test_is_reverse_s_link(self):
        call_command("seed_demo_history", onboardings=2, calls_per_onboarding=1, verbosity=0)
        for onboarding in Onboarding.objects.all():
            url = reverse("admin:connections_onboarding_change", args=[onboarding.pk])
            assert link_to(onboarding) == format_html('<a href="{}">{}</a>', url, onboarding.name)

    def test_follows_the_script_prefix(self):
        call_command("seed_demo_history", onboardings=1, calls_per_onboarding=1, verbosity=0)
        onboarding = Onboarding.objects.get()
        set_script_prefix("/behind/a/proxy/")
        try:
            assert f'href="/behind/a/proxy/admin/connections/onboarding/{onboarding.pk}/change/"' in link_to(onboarding)
        finally:
            clear_script_prefix()
        assert f'href="/admin/connections/onboarding/{onboarding.pk}/change/"' in link_to(onboarding)

    def test_none_is_a_dash(self):
        assert link_to(None) == "—"


def test_the_owner_filter_offers_django_s_choices(admin_user, django_user_model):
    call_command("seed_demo_history", onboardings=20, calls_per_onboarding=1, owners=4, verbosity=0)
    django_user_model.objects.create_user("<zoë & co>", password="x")
    request = RequestFactory().get(reverse("admin:connections_onboarding_changelist"))
    request.user = admin_user
    model_admin = admin.site._registry[Onboarding]
    ours = next(s for s in model_admin.get_changelist_instance(request).filter_specs if isinstance(s, OwnerFilter))
    field = Onboarding._meta.get_field("owner")
    django = admin.RelatedFieldListFilter(field, request, {}, Onboarding, model_admin, "owner")
    assert ours.lookup_choices == django.lookup_choices
    assert len(ours.lookup_choices) == django_user_model.objects.count()
