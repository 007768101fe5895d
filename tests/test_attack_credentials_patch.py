"""A credentials PATCH whose answer is lost: settled by reading back, never Adobe with one key and the app another."""

from __future__ import annotations

import pytest
from django.urls import reverse

from connections.models import Onboarding
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, DEMO_MANAGE_KEY, account_post

NEW_KEY = {"sas_key_name": DEMO_LISTEN_KEY_NAME, "sas_key": DEMO_LISTEN_KEY, "namespace": "contoso-events"}


def create(client) -> Onboarding:
    client.post(reverse("onboarding:new"), account_post())
    return Onboarding.objects.get()


def remote(emulator, onboarding: Onboarding) -> dict:
    return emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]


def url(onboarding: Onboarding) -> str:
    return reverse("onboarding:credentials", args=[onboarding.public_id])


@pytest.mark.django_db
class TestLostPatchAnswer:
    def test_applied_by_adobe_then_the_answer_lost_the_app_adopts_the_new_key(self, alice, emulator):
        onboarding = create(alice)
        emulator.fault(f"/connections/{onboarding.base_connection_id}", method="PATCH", drop=True, phase="after")
        response = alice.post(url(onboarding), NEW_KEY)
        assert response.status_code == 302
        onboarding.refresh_from_db()
        adobe = remote(emulator, onboarding)
        assert adobe["auth"]["params"]["sasKeyName"] == DEMO_LISTEN_KEY_NAME
        assert (onboarding.sas_key_name, onboarding.sas_key) == (DEMO_LISTEN_KEY_NAME, DEMO_LISTEN_KEY)
        assert onboarding.base_connection_etag == adobe["etag"]

    def test_lost_before_adobe_applied_it_the_patch_is_sent_once_more(self, alice, emulator):
        onboarding = create(alice)
        emulator.fault(f"/connections/{onboarding.base_connection_id}", method="PATCH", drop=True, phase="before")
        assert alice.post(url(onboarding), NEW_KEY).status_code == 302
        onboarding.refresh_from_db()
        assert onboarding.sas_key == DEMO_LISTEN_KEY
        assert onboarding.base_connection_etag == remote(emulator, onboarding)["etag"]

    def test_when_even_the_read_back_fails_the_promised_retry_is_there_and_settles_it(self, alice, emulator):
        onboarding = create(alice)
        path = f"/connections/{onboarding.base_connection_id}"
        emulator.fault(path, method="PATCH", drop=True, phase="after")
        emulator.fault(path, method="GET", status=503, count=20)
        html = alice.post(url(onboarding), NEW_KEY, follow=True).content.decode()  # the task ran; its result
        assert ">Retry</button>" in html and 'name="resume" value="unknown-outcome"' in html
        assert f'value="{DEMO_LISTEN_KEY_NAME}"' in html and DEMO_LISTEN_KEY not in html  # typed, never the key
        onboarding.refresh_from_db()
        assert onboarding.sas_key == DEMO_MANAGE_KEY  # nothing adopted on a guess
        emulator.server.emulator.faults.clear()
        assert alice.post(url(onboarding), {**NEW_KEY, "resume": "unknown-outcome"}).status_code == 302
        onboarding.refresh_from_db()
        adobe = remote(emulator, onboarding)
        assert onboarding.sas_key == DEMO_LISTEN_KEY and onboarding.base_connection_etag == adobe["etag"]
        assert adobe["auth"]["params"]["sasKeyName"] == DEMO_LISTEN_KEY_NAME
