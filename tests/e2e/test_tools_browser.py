"""The onboarding's tools in Chromium: replacing a key runs in the background; the page shows progress and moves
on by itself to the result. The worker is a thread of this process, so the test holds Adobe's answer with an
event (no clock): the progress is seen for certain, then released."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import Page, expect

from connections.models import FlowServiceCall, Onboarding
from connections.services import credentials as credentials_service
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held_replacement(monkeypatch) -> threading.Event:
    """The credentials task waits for the returned event before it asks Adobe."""
    release = threading.Event()
    replace = credentials_service.onboarding_replace_credentials

    def held(**kwargs):
        assert release.wait(timeout=60), "the test never released the task"
        return replace(**kwargs)

    monkeypatch.setattr(credentials_service, "onboarding_replace_credentials", held)
    return release


def test_replacing_the_key_shows_progress_then_the_result(
    logged_in: Page, live_server, make_onboarding, browser_user, emulator, held_replacement
):
    page = logged_in
    onboarding = make_onboarding("source", owner=browser_user)
    page.goto(live_server.url + f"/onboardings/{onboarding.public_id}/credentials/")
    page.get_by_label("SAS key name").fill(DEMO_LISTEN_KEY_NAME)
    page.get_by_text("Replace", exact=True).click()
    page.get_by_label("SAS key", exact=True).fill(DEMO_LISTEN_KEY)
    page.get_by_role("button", name="Test and save").click()

    expect(page.get_by_role("heading", name="Saving and testing the new credentials")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="in Adobe… This page moves on by itself")).to_be_visible()
    assert not FlowServiceCall.objects.filter(onboarding=onboarding, operation="update_credentials").exists()
    held_replacement.set()

    expect(page.get_by_role("heading", name="Your Event Hubs account is connected")).to_be_visible()
    expect(page.locator(".messages")).to_contain_text("The new credentials are saved in Adobe")
    assert DEMO_LISTEN_KEY not in page.content()
    onboarding.refresh_from_db()
    assert (onboarding.sas_key_name, onboarding.sas_key) == (DEMO_LISTEN_KEY_NAME, DEMO_LISTEN_KEY)
    assert (
        Onboarding.objects.get(pk=onboarding.pk).base_connection_etag
        == (emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]["etag"])
    )
