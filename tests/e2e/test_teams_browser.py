"""Teams in Chromium, signed in through a real OpenID Connect provider: teammates share an onboarding, another
team's person gets 404s."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from playwright.sync_api import Page, expect

from connections.models import Onboarding
from tests.e2e.test_sso_browser import provider, sign_in_with_organisation, sso

__all__ = ["provider", "sso"]  # the fixtures, shared with the single sign-on tests

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = {
    "ada": {"preferred_username": "ada", "groups": ["team-blue"]},
    "bo": {"preferred_username": "bo", "groups": ["team-blue"]},
    "dee": {"preferred_username": "dee", "groups": ["team-red"]},
}


def signed_in_afresh(page: Page, live_server: Any, login: str) -> None:
    page.context.clear_cookies()  # the app's session and the provider's
    sign_in_with_organisation(page, live_server, login)
    expect(page.get_by_role("heading", name="My onboardings")).to_be_visible()


def test_teammates_share_an_onboarding_and_another_team_gets_404(csp_page: Page, live_server, sso, make_onboarding):
    sso.set_people(PEOPLE)
    signed_in_afresh(csp_page, live_server, "ada")
    onboarding = make_onboarding("draft", owner=User.objects.get(username="ada"), name="Blue orders")
    Onboarding.objects.filter(pk=onboarding.pk).update(team=Group.objects.get(name="team-blue"))
    detail = live_server.url + reverse("onboarding:detail", args=[onboarding.public_id])

    signed_in_afresh(csp_page, live_server, "bo")
    csp_page.get_by_role("link", name="Blue orders", exact=True).click()
    expect(csp_page.get_by_role("heading", name="Connect your Event Hubs account")).to_be_visible()  # ada's draft
    expect(csp_page.get_by_role("textbox", name="Name (required)")).to_have_value("Blue orders")

    signed_in_afresh(csp_page, live_server, "dee")
    expect(csp_page.get_by_role("link", name="Blue orders")).to_have_count(0)
    response = csp_page.goto(detail)
    assert response is not None and response.status == 404
