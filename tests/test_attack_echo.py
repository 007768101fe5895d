"""A key or connection string typed into the wrong field never comes back in the page (issue 13)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import DEMO_MANAGE_KEY, DEMO_OWNER_SECRET, account_post

CONNECTION_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
    f"SharedAccessKey={DEMO_MANAGE_KEY}"
)
SENTENCE = b"This looked like a key or a connection string, so it was not kept here"


@pytest.mark.django_db
class TestSecretShapedValuesAreNotEchoed:
    @pytest.mark.parametrize(
        ("field", "value", "secret"),
        [
            ("namespace", CONNECTION_STRING, DEMO_MANAGE_KEY),
            ("sas_key_name", DEMO_MANAGE_KEY, DEMO_MANAGE_KEY),
            ("description", f"key is {CONNECTION_STRING}", DEMO_MANAGE_KEY),
            ("name", DEMO_MANAGE_KEY, DEMO_MANAGE_KEY),
        ],
    )
    def test_a_secret_pasted_into_a_shown_field_is_dropped_with_a_sentence(self, alice, field, value, secret):
        response = alice.post(reverse("onboarding:new"), account_post(**{field: value}))
        assert response.status_code == 200
        assert secret.encode() not in response.content
        assert SENTENCE in response.content

    def test_a_client_secret_pasted_into_the_client_id_is_dropped(self, alice):
        response = alice.post(reverse("onboarding:new"), account_post("aad", client_id=DEMO_OWNER_SECRET))
        assert DEMO_OWNER_SECRET.encode() not in response.content and SENTENCE in response.content

    def test_nor_is_it_echoed_by_a_tab_switch_without_javascript(self, alice):
        response = alice.post(
            reverse("onboarding:new"), {**account_post(namespace=CONNECTION_STRING), "switch_auth": "sas"}
        )
        assert DEMO_MANAGE_KEY.encode() not in response.content

    def test_ordinary_values_are_kept_after_an_error(self, alice):
        response = alice.post(reverse("onboarding:new"), account_post(sas_key="short", namespace="contoso-events"))
        assert b'value="contoso-events"' in response.content and SENTENCE not in response.content
