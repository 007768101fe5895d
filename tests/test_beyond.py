"""Beyond the tutorial: connection tests, the hub list, replacing a key, Entra ID, the next step."""

from __future__ import annotations

import json

import pytest
import requests
from django.urls import reverse

from connections.models import FlowServiceCall, Onboarding
from tests.conftest import (
    DEMO_LISTEN_KEY,
    DEMO_LISTEN_KEY_NAME,
    DEMO_MANAGE_KEY,
    DEMO_OWNER_SECRET,
    DEMO_READER_APP,
    DEMO_READER_SECRET,
    account_post,
    source_post,
)

pytestmark = pytest.mark.django_db
Status = Onboarding.Status


def checks(onboarding: Onboarding) -> dict[str, tuple[str, str]]:
    return {c["key"]: (c["state"], c["detail"]) for c in onboarding.connection_test["checks"]}


def create(client, **account: str) -> Onboarding:
    client.post(reverse("onboarding:new"), account_post(**account))
    return Onboarding.objects.get(name=account.get("name", "Orders stream"))


class TestConnectionTest:
    def test_matching_credentials_pass_every_check(self, alice):
        onboarding = create(alice)
        alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        response = alice.post(reverse("onboarding:test", args=[onboarding.public_id]), headers={"HX-Request": "true"})
        onboarding.refresh_from_db()
        assert {key: state for key, (state, _) in checks(onboarding).items()} == {
            "credentials": "passed",
            "namespace": "passed",
            "event_hub": "passed",
            "consumer_group": "passed",
        }
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="checks-region">') and "Credentials accepted" in html
        assert FlowServiceCall.objects.filter(onboarding=onboarding, operation="test_connection").count() == 2

    def test_a_wrong_key_fails_with_a_diagnosis_and_azures_words_kept(self, alice):
        onboarding = create(alice, sas_key=DEMO_LISTEN_KEY)  # the right shape, the wrong policy key
        state, detail = checks(onboarding)["credentials"]
        assert state == "failed" and "did not accept the SAS key" in detail
        assert checks(onboarding)["namespace"][0] == "passed"
        diagnosis = onboarding.diagnosis
        assert diagnosis is not None and diagnosis.field == "sas_key"
        assert "InvalidSignature" in diagnosis.details and "TrackingId" not in diagnosis.details

    def test_an_unknown_namespace_fails_the_namespace_check(self, alice):
        onboarding = create(alice, namespace="fabrikam-events")
        assert checks(onboarding)["credentials"][0] == "skipped"  # not reached
        state, detail = checks(onboarding)["namespace"]
        assert state == "failed" and "no Event Hubs namespace with this name" in detail

    def test_the_result_is_shown_as_named_checks_with_details(self, alice):
        onboarding = create(alice, sas_key=DEMO_LISTEN_KEY)
        html = alice.get(reverse("onboarding:account", args=[onboarding.public_id])).content.decode()
        assert "check--failed" in html and "Credentials accepted" in html
        assert "<summary>Details</summary>" in html and "InvalidSignature" in html


class TestHubList:
    def test_manage_policy_lists_the_hubs(self, alice):
        onboarding = create(alice)
        assert onboarding.event_hubs["hubs"] == ["clickstream", "inventory-updates", "orders"]

    def test_listen_only_policy_falls_back_to_typing_and_says_why(self, alice):
        onboarding = create(alice, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)
        assert onboarding.event_hubs["hubs"] is None
        html = alice.get(reverse("onboarding:source", args=[onboarding.public_id])).content.decode()
        assert 'type="text" name="event_hub_name"' in html
        assert "needs Manage rights" in html

    def test_data_receiver_app_falls_back_too(self, alice):
        onboarding = create(alice, auth_type="aad", client_id=DEMO_READER_APP, client_secret_value=DEMO_READER_SECRET)
        assert onboarding.event_hubs["hubs"] is None
        assert "Data Owner role" in onboarding.event_hubs["note"]


class TestReplaceKey:
    def url(self, onboarding: Onboarding) -> str:
        return reverse("onboarding:credentials", args=[onboarding.public_id])

    def test_page_shows_the_secret_as_set_with_a_replace_control(self, alice):
        onboarding = create(alice)
        html = alice.get(self.url(onboarding)).content.decode()
        assert "<strong>SAS key</strong>: set on" in html and "<summary" in html and ">Replace</summary>" in html
        assert DEMO_MANAGE_KEY not in html
        assert "cannot change" in html

    def test_a_new_key_changes_the_etag(self, alice, emulator):
        onboarding = create(alice)
        old_etag = onboarding.base_connection_etag
        response = alice.post(
            self.url(onboarding),
            {"sas_key_name": DEMO_LISTEN_KEY_NAME, "sas_key": DEMO_LISTEN_KEY, "namespace": "contoso-events"},
        )
        assert response.status_code == 302
        onboarding.refresh_from_db()
        assert onboarding.base_connection_etag != old_etag
        assert (onboarding.sas_key_name, onboarding.sas_key) == (DEMO_LISTEN_KEY_NAME, DEMO_LISTEN_KEY)
        remote = emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]
        assert remote["etag"] == onboarding.base_connection_etag
        assert remote["auth"]["params"]["sasKeyName"] == DEMO_LISTEN_KEY_NAME
        patch = FlowServiceCall.objects.filter(onboarding=onboarding, operation="update_credentials").get()
        assert patch.status_code == 200 and DEMO_LISTEN_KEY not in json.dumps(patch.request_body)

    def test_a_key_that_fails_the_test_is_rolled_back(self, alice, emulator):
        onboarding = create(alice)
        wrong = DEMO_LISTEN_KEY  # valid shape, wrong key for RootManageSharedAccessKey
        response = alice.post(
            self.url(onboarding),
            {"sas_key_name": "RootManageSharedAccessKey", "sas_key": wrong, "namespace": "contoso-events"},
            follow=True,  # the task has run: the credentials page shows its result
        )
        assert "previous ones were put back" in response.content.decode() and wrong not in response.content.decode()
        onboarding.refresh_from_db()
        assert onboarding.sas_key == DEMO_MANAGE_KEY
        assert emulator.get(f"/connections/{onboarding.base_connection_id}/test").json() == {"result": True}
        assert (
            onboarding.base_connection_etag
            == emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]["etag"]
        )

    def test_a_stale_etag_is_explained_and_a_reload_fixes_it(self, alice, emulator):
        onboarding = create(alice)
        # Someone changes the connection in AEP meanwhile.
        changed = requests.patch(
            f"{emulator.flow_url}/connections/{onboarding.base_connection_id}",
            json=[{"op": "replace", "path": "/description", "value": "edited in AEP"}],
            headers={**emulator.headers(), "If-Match": onboarding.base_connection_etag},
            timeout=5,
        )
        assert changed.status_code == 200
        new_key = {"sas_key_name": DEMO_LISTEN_KEY_NAME, "sas_key": DEMO_LISTEN_KEY, "namespace": "contoso-events"}
        html = alice.post(self.url(onboarding), new_key, follow=True).content.decode()
        assert "Changed elsewhere" in html and "Reload from Adobe" in html
        assert f'value="{DEMO_LISTEN_KEY_NAME}"' in html and DEMO_LISTEN_KEY not in html  # what was typed, no key
        reloaded = alice.post(reverse("onboarding:reload", args=[onboarding.public_id]), follow=True)
        assert "Reloaded the base connection from Adobe" in reloaded.content.decode()
        assert alice.post(self.url(onboarding), new_key).status_code == 302
        onboarding.refresh_from_db()
        assert onboarding.sas_key_name == DEMO_LISTEN_KEY_NAME

    def test_the_auth_type_cannot_change(self, alice):
        onboarding = create(alice)
        alice.post(
            self.url(onboarding),
            {
                "auth_type": "aad",
                "namespace": "contoso-events",
                "sas_key_name": "RootManageSharedAccessKey",
                "sas_key": "",
            },
        )
        onboarding.refresh_from_db()
        assert onboarding.auth_type == "standard"

    def test_leaving_the_key_empty_keeps_it(self, alice):
        onboarding = create(alice)
        response = alice.post(
            self.url(onboarding),
            {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey", "sas_key": ""},
            follow=True,
        )
        assert "Nothing changed" in response.content.decode()


class TestEntraId:
    @pytest.mark.parametrize("auth_type", ["aad", "scoped_aad"])
    def test_both_entra_types_complete(self, alice, emulator, auth_type):
        onboarding = create(alice, auth_type=auth_type)
        alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        onboarding.refresh_from_db()
        assert onboarding.status == Status.SOURCE_CREATED
        remote = emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]
        assert (
            remote["auth"]["specName"]
            == {
                "aad": "Event Hub Azure Active Directory Auth",
                "scoped_aad": "Event Hub Scoped Azure Active Directory Auth",
            }[auth_type]
        )
        assert remote["auth"]["params"]["clientSecretValue"] == "********"
        assert checks(onboarding)["credentials"][0] == "passed"

    def test_secret_is_encrypted_and_redacted(self, alice):
        onboarding = create(alice, auth_type="aad")
        assert onboarding.client_secret_value == DEMO_OWNER_SECRET
        calls = json.dumps(list(FlowServiceCall.objects.values("request_body", "response_body")))
        assert DEMO_OWNER_SECRET not in calls and "clientSecretValue" in calls

    @pytest.mark.parametrize(
        ("tenant", "ok"),
        [
            ("contoso.onmicrosoft.com", True),
            ("e4e6de1c-11f1-5098-b455-491158968936", True),
            ("not a domain", False),
            ("contoso", False),
        ],
    )
    def test_tenant_is_a_guid_or_a_domain(self, alice, tenant, ok):
        response = alice.post(reverse("onboarding:new"), account_post("aad", tenant_id=tenant))
        assert (response.status_code == 302) is ok


class TestNextStep:
    def test_done_page_offers_the_dataflow_request_with_the_ids(self, alice):
        onboarding = create(alice)
        alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        onboarding.refresh_from_db()
        html = alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode()
        assert "d69717ba-71b4-4313-b654-49f9cf126d7a" in html
        assert f"&quot;sourceConnectionIds&quot;: [\n    &quot;{onboarding.source_connection_id}&quot;" in html
        assert "{TARGET_CONNECTION_ID}" in html and "{MAPPING_ID}" in html
        assert DEMO_MANAGE_KEY not in html

    def test_json_export_has_the_ids_and_no_secret(self, alice):
        onboarding = create(alice)
        alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post(data_type="xdm"))
        onboarding.refresh_from_db()
        response = alice.get(reverse("onboarding:export", args=[onboarding.public_id]))
        assert response["Content-Disposition"].startswith("attachment")
        data = response.json()
        assert data["baseConnection"]["id"] == onboarding.base_connection_id
        assert data["sourceConnection"]["id"] == onboarding.source_connection_id
        assert data["authentication"]["params"]["sasKey"] == "••••••••"
        assert data["nextStep"]["body"]["sourceConnectionIds"] == [onboarding.source_connection_id]
        assert "transformations" not in data["nextStep"]["body"]  # XDM needs no mapping
        assert DEMO_MANAGE_KEY not in response.content.decode()
