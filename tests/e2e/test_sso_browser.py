"""Signing in through the organisation's identity provider in Chromium, against a real OpenID Connect provider."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from playwright.sync_api import Page, expect

from identity.membership import teams_of
from tests.e2e.test_accessibility import serious_violations
from tests.identity_provider import CLIENT_ID, CLIENT_SECRET, IdentityProvider, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = {
    "ada": {"preferred_username": "ada", "given_name": "Ada", "groups": ["team-blue", "team-green"]},
    "cy": {"preferred_username": "cy", "groups": ["auditors-idp"]},
}


@pytest.fixture(scope="module")
def provider(live_server: Any) -> Iterator[IdentityProvider]:
    with running_provider([live_server.url + "/oidc/callback/"], [live_server.url + "/login/"]) as running:
        running.set_people(PEOPLE)
        yield running


@pytest.fixture
def sso(settings: Any, provider: IdentityProvider) -> IdentityProvider:
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_AUDITOR_GROUPS = ["auditors-idp"]
    settings.LOGOUT_REDIRECT_URL = "identity:signed_out"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "identity.backends.organisation.OrganisationBackend",
    ]
    cache.clear()
    return provider


def sign_in_with_organisation(page: Page, live_server: Any, login: str, *, consent: bool = True) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.get_by_placeholder("Enter any login").fill(login)
    page.get_by_placeholder("and password").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    if consent:
        page.get_by_role("button", name="Continue").click()
    else:
        page.get_by_role("link", name="Cancel").click()


def test_a_team_member_signs_in_and_lands_on_my_onboardings(csp_page: Page, live_server, sso):
    sign_in_with_organisation(csp_page, live_server, "ada")
    expect(csp_page.get_by_role("heading", name="My onboardings")).to_be_visible()
    expect(csp_page.get_by_text("ada", exact=True)).to_be_visible()  # the header names who is signed in
    ada = User.objects.get(username="ada")
    assert set(teams_of(ada).values_list("name", flat=True)) == {"team-blue", "team-green"}
    assert not ada.has_usable_password()


def test_an_auditor_reads_the_admin(csp_page: Page, live_server, sso):
    sign_in_with_organisation(csp_page, live_server, "cy")
    csp_page.goto(live_server.url + "/admin/connections/onboarding/")
    expect(csp_page.get_by_role("heading", name="Select onboarding to view")).to_be_visible()
    expect(csp_page.get_by_role("link", name="Add onboarding")).to_have_count(0)


def test_a_refused_consent_gives_a_clear_page(csp_page: Page, live_server, sso):
    sign_in_with_organisation(csp_page, live_server, "ada", consent=False)
    expect(csp_page.get_by_role("heading", name="You did not allow the sign-in")).to_be_visible()
    expect(csp_page.get_by_role("link", name="Sign in with your organisation")).to_be_visible()
    assert serious_violations(csp_page) == []


def test_a_provider_that_is_down_gives_a_clear_page(csp_page: Page, live_server, sso, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        settings.OIDC_ISSUER = f"http://127.0.0.1:{probe.getsockname()[1]}"
    csp_page.goto(live_server.url + "/login/")
    csp_page.get_by_role("link", name="Sign in with your organisation").click()
    heading = csp_page.get_by_role("heading", name="Your organisation's sign-in service cannot be reached")
    expect(heading).to_be_visible()


def test_signing_out_ends_the_session_and_then_the_providers(csp_page: Page, live_server, sso):
    sign_in_with_organisation(csp_page, live_server, "ada")
    csp_page.get_by_role("button", name="Log out").click()
    expect(csp_page.get_by_role("heading", name="You are signed out")).to_be_visible()
    assert serious_violations(csp_page) == []
    csp_page.get_by_role("link", name="Sign out of your organisation too").click()
    csp_page.get_by_role("button", name="Yes, sign me out").click()
    expect(csp_page.get_by_role("heading", name="Log in")).to_be_visible()
    assert serious_violations(csp_page) == []  # the log-in page with single sign-on on
    csp_page.get_by_role("link", name="Sign in with your organisation").click()
    expect(csp_page.get_by_placeholder("Enter any login")).to_be_visible()  # the provider asks again
