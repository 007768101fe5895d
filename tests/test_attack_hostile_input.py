"""Hostile input answers 4xx with the app's own page, never a 500 (issue 13)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from connections.models import Onboarding
from tests.conftest import account_post

OWN_PAGE = b"Event Hubs Onboarding"


def refused(response: Any) -> bool:
    return 400 <= response.status_code < 500


@pytest.fixture
def quiet(client: Client) -> Client:
    client.raise_request_exception = False
    return client


@pytest.mark.django_db
class TestHostileQueryStrings:
    def test_a_nul_in_a_filter_is_refused_by_the_admin_not_a_500(self, quiet, admin_user, make_onboarding):
        """PostgreSQL's driver refuses NUL in text before sending it (DataError): the admin's "?e=1" there."""
        make_onboarding("draft")
        quiet.force_login(admin_user)
        response = quiet.get(reverse("admin:connections_onboarding_changelist"), {"status": "\x00"})
        assert response.status_code == 200 or (response.status_code == 302 and "e=1" in response["Location"])
        assert quiet.get(reverse("onboarding:list"), {"page": "\x00"}).status_code == 404

    @pytest.mark.parametrize("page", ["²", "٣x", "9" * 20, "-1", "0x10", "1e3", " 2"])
    def test_page_number_attack_on_my_onboardings(self, quiet, user, page):
        quiet.force_login(user)
        response = quiet.get(reverse("onboarding:list"), {"page": page})
        assert response.status_code in (200, 404)
        assert OWN_PAGE in response.content

    @pytest.mark.parametrize(
        "query",
        [
            {"p": "²"},
            {"p": "9" * 20},
            {"created_at__year": "9999"},
            {"created_at__year": "9999", "created_at__month": "12"},
            {"created_at__year": "0"},
            {"created_at__day": "40"},
        ],
    )
    def test_admin_changelist_query_attack(self, admin_user, make_onboarding, query):
        client = Client(raise_request_exception=False)
        client.force_login(admin_user)
        make_onboarding("draft")
        for name in ("onboarding", "flowservicecall", "statechange"):
            response = client.get(reverse(f"admin:connections_{name}_changelist"), query)
            assert response.status_code < 500, (name, query, response.status_code)


@pytest.mark.django_db
class TestHostileBodies:
    @pytest.mark.parametrize("url", ["/login/", "/admin/login/", "/logout/", "/onboardings/new/"])
    def test_utf16_form_post_is_a_400_even_logged_out(self, url):
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)  # as a real server checks
        body = "username=alice&password=x".encode("utf-16")
        response = client.generic("POST", url, body, content_type="application/x-www-form-urlencoded; charset=utf-16")
        assert response.status_code == 400
        assert OWN_PAGE in response.content

    def test_unknown_charset_form_post_is_a_400(self, quiet, user):
        quiet.force_login(user)
        response = quiet.generic(
            "POST", reverse("onboarding:new"), b"name=x", content_type="application/x-www-form-urlencoded; charset=x-no"
        )
        assert response.status_code == 400

    def test_another_users_creation_token_on_the_first_step(self, quiet, user, other_user, make_onboarding):
        token = uuid.uuid4()
        quiet.force_login(other_user)
        quiet.post(reverse("onboarding:new"), account_post(creation_token=str(token)))
        quiet.force_login(user)
        response = quiet.post(reverse("onboarding:new"), account_post(creation_token=str(token), name="Mine"))
        assert response.status_code in (200, 302)
        mine = Onboarding.objects.get(owner=user)
        assert mine.name == "Mine"
        assert Onboarding.objects.get(owner=other_user).name == "Orders stream"


def list_urls(onboarding: Onboarding) -> list[str]:
    urls = [reverse("onboarding:list")]
    for name in ("onboarding", "flowservicecall", "statechange"):
        urls.append(reverse(f"admin:connections_{name}_changelist"))
    urls.append(reverse("admin:connections_onboarding_change", args=[onboarding.pk]))
    urls.append(reverse("admin:index"))
    return urls


QUERY_KEYS = st.sampled_from(
    [
        "page",
        "p",
        "o",
        "q",
        "e",
        "all",
        "status",
        "code",
        "sandbox",
        "owner__id__exact",
        "created_at__year",
        "created_at__month",
        "created_at__day",
        "created_at__gte",
        "operation__exact",
        "auth_type__exact",
        "status__exact",
        "_changelist_filters",
        "to_status__exact",
        "outcome__exact",
        "onboarding",
        "_to_field",
    ]
) | st.text(max_size=12)
QUERY_VALUES = st.text(max_size=25) | st.integers(min_value=-(10**25), max_value=10**25).map(str)


@pytest.mark.django_db
@hsettings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.dictionaries(QUERY_KEYS, QUERY_VALUES, max_size=4))
def test_fuzzed_query_strings_never_reach_a_500(admin_user, make_onboarding, query):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    onboarding = Onboarding.objects.first() or make_onboarding("source", owner=admin_user)
    for url in list_urls(onboarding):
        response = client.get(url, query)
        assert response.status_code < 500, (url, query)
        if response.status_code >= 400:
            assert OWN_PAGE in response.content, (url, query)
