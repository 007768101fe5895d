"""A key or connection string typed into the wrong field never comes back in the page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import DEMO_HUB_KEY, DEMO_MANAGE_KEY, DEMO_OWNER_APP, DEMO_OWNER_SECRET, account_post, source_post

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


UNPADDED = DEMO_MANAGE_KEY.rstrip("=")


@pytest.mark.django_db
class TestTheKeyInAnyShape:
    """The key without its trailing "=", or inside other text, is recognised as well."""

    @pytest.mark.parametrize(
        ("auth_type", "field", "value", "secret"),
        [
            ("standard", "namespace", UNPADDED, UNPADDED),
            ("standard", "namespace", f"contoso-events {DEMO_MANAGE_KEY}", UNPADDED),
            ("standard", "namespace", f"contoso-events {UNPADDED}", UNPADDED),
            ("standard", "namespace", f" {UNPADDED} ", UNPADDED),
            ("standard", "sas_key_name", UNPADDED, UNPADDED),
            ("standard", "sas_key_name", f"RootManageSharedAccessKey:{UNPADDED}", UNPADDED),
            ("standard", "name", f"Orders ({UNPADDED})", UNPADDED),
            ("standard", "description", f"the key is {UNPADDED}, keep it safe", UNPADDED),
            ("standard", "description", f'{{"key": "{DEMO_MANAGE_KEY}"}}', UNPADDED),
            ("standard", "description", f"key={UNPADDED};", UNPADDED),
            ("sas", "auth_event_hub_name", f"orders {DEMO_HUB_KEY}", DEMO_HUB_KEY.rstrip("=")),
            ("sas", "auth_event_hub_name", DEMO_HUB_KEY.rstrip("="), DEMO_HUB_KEY.rstrip("=")),
            ("aad", "client_id", f"{DEMO_OWNER_APP} {DEMO_OWNER_SECRET}", DEMO_OWNER_SECRET),
            ("aad", "tenant_id", f"secret: {DEMO_OWNER_SECRET}", DEMO_OWNER_SECRET),
        ],
    )
    def test_the_key_is_not_echoed(self, alice, auth_type, field, value, secret):
        response = alice.post(reverse("onboarding:new"), account_post(auth_type, **{field: value}))
        assert response.status_code == 200
        assert secret.encode() not in response.content
        assert SENTENCE in response.content

    @pytest.mark.parametrize(
        "value",
        [
            "contoso-events",
            "Orders from the shop, 2026 edition",
            "a" * 43,
            "orders-" + "x1" * 30,
            "RootManageSharedAccessKey",
        ],
    )
    def test_ordinary_long_values_are_not_taken_for_keys(self, value):
        from onboarding.secret_echo import looks_secret

        assert not looks_secret(value)

    @pytest.mark.parametrize("value", [UNPADDED, f"orders {DEMO_MANAGE_KEY}", f"orders;{UNPADDED}"])
    @pytest.mark.parametrize("field", ["event_hub_name", "consumer_group"])
    def test_nor_on_the_source_step(self, alice, make_onboarding, field, value):
        onboarding = make_onboarding("source")
        response = alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post(**{field: value}))
        assert response.status_code == 200
        assert UNPADDED.encode() not in response.content


@pytest.mark.parametrize("text", [f"key {UNPADDED} here", f"key={DEMO_MANAGE_KEY}", f'"{UNPADDED}"'])
def test_the_log_masks_the_key_with_or_without_its_padding(text):
    from connections.log_filters import mask

    assert UNPADDED not in mask(text)
