"""The connection test gates the Account step; diagnoses match the cause; fix and discard."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.urls import reverse

from connections.diagnoses import diagnose_listing, diagnose_refusal
from connections.models import FlowServiceCall, Onboarding, StateChange
from tests.conftest import (
    DEMO_LISTEN_KEY,
    DEMO_LISTEN_KEY_NAME,
    DEMO_MANAGE_KEY,
    DEMO_OWNER_APP,
    account_post,
    source_post,
)

pytestmark = pytest.mark.django_db
Status = Onboarding.Status
GUID_SECRET_ID = "6c0f3a52-9d1e-4b7a-8f3c-2a5e1d9b7c40"  # what a pasted Secret ID looks like


def connect(client, **account: str) -> tuple[Onboarding, str]:
    """Submit the Account step; the onboarding and the page the user lands on (unescaped)."""
    response = client.post(reverse("onboarding:new"), account_post(**account))
    onboarding = Onboarding.objects.get(name=account.get("name", "Orders stream"))
    page = client.get(response["Location"], follow=True)
    return onboarding, html_lib.unescape(page.content.decode())


def field_error(page: str, field: str) -> str:
    """The error text shown next to a form field ("" when none)."""
    match = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', page, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


CAUSES = [
    # (what is wrong, account overrides, field at fault, sentence)
    ("wrong key", {"sas_key": DEMO_LISTEN_KEY}, "sas_key", "did not accept the SAS key"),
    ("namespace typo", {"namespace": "contoso-event"}, "namespace", "no Event Hubs namespace with this name"),
    (
        "unknown hub",
        {"auth_type": "sas", "auth_event_hub_name": "ordres"},
        "auth_event_hub_name",
        "no event hub with that name",
    ),
    (
        "Entra secret ID",
        {"auth_type": "aad", "client_secret_value": GUID_SECRET_ID},
        "client_secret_value",
        "secret's ID pasted instead of its Value",
    ),
    (
        "tenant typo",
        {"auth_type": "aad", "tenant_id": "e4e6de1c-11f1-5098-b455-491158968937"},
        "tenant_id",
        "cannot find this directory",
    ),
]


class TestTheTestGatesTheAccountStep:
    @pytest.mark.parametrize(("cause", "account", "field", "sentence"), CAUSES, ids=[c[0] for c in CAUSES])
    def test_a_failed_test_stays_on_account_with_the_sentence_on_the_field(
        self, alice, cause, account, field, sentence
    ):
        onboarding, page = connect(alice, **account)
        assert onboarding.status == Status.BASE_CREATED and onboarding.test_accepted is False
        assert 'data-step="account"' in page and "The connection test did not pass" in page
        assert sentence in field_error(page, field), cause
        assert "<summary>Details</summary>" in page  # Azure's own words, kept behind Details
        assert "Manage" not in field_error(page, field) and "Data Owner" not in page  # credentials failed first
        source = alice.get(reverse("onboarding:source", args=[onboarding.public_id]))
        assert source.status_code == 302 and source["Location"].endswith("/account/")
        assert "Your Event Hubs account is connected" not in page

    def test_the_correction_patches_the_kept_base_connection(self, alice, emulator):
        onboarding, _ = connect(alice, sas_key=DEMO_LISTEN_KEY)
        first_id, first_etag = onboarding.base_connection_id, onboarding.base_connection_etag
        response = alice.post(
            reverse("onboarding:account", args=[onboarding.public_id]),
            {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey", "sas_key": DEMO_MANAGE_KEY},
        )
        onboarding.refresh_from_db()
        assert response["Location"].endswith("/source/")
        assert onboarding.test_accepted is True and not onboarding.needs_attention
        assert onboarding.base_connection_id == first_id and onboarding.base_connection_etag != first_etag
        assert emulator.stats()["connections"] == 1  # kept and PATCHed, never created twice
        assert FlowServiceCall.objects.filter(onboarding=onboarding, operation="update_credentials").count() == 1

    def test_a_failed_correction_is_kept_not_reverted(self, alice):
        onboarding, _ = connect(alice, sas_key=DEMO_LISTEN_KEY)
        alice.post(
            reverse("onboarding:account", args=[onboarding.public_id]),
            {"namespace": "contoso-event", "sas_key_name": "RootManageSharedAccessKey", "sas_key": DEMO_MANAGE_KEY},
        )
        onboarding.refresh_from_db()
        assert onboarding.namespace == "contoso-event" and onboarding.sas_key == DEMO_MANAGE_KEY
        assert onboarding.diagnosis is not None and onboarding.diagnosis.field == "namespace"

    def test_going_on_anyway_leaves_a_needs_attention_trail(self, alice, admin_client):
        onboarding, page = connect(alice, sas_key=DEMO_LISTEN_KEY)
        assert "Go on anyway" in page
        response = alice.post(reverse("onboarding:go_on", args=[onboarding.public_id]))
        assert response["Location"].endswith("/source/")
        onboarding.refresh_from_db()
        assert onboarding.needs_attention and onboarding.went_on_anyway_at
        audit = StateChange.objects.filter(onboarding=onboarding).order_by("-id").first()
        assert audit is not None and audit.reason.startswith("Went on although the connection test did not pass")
        source = alice.get(response["Location"]).content.decode()
        assert "Needs attention" in source
        alice.post(response["Location"], source_post(event_hub_name="orders"))
        done = html_lib.unescape(alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode())
        assert "Created in Adobe, but the connection test did not pass" in done
        assert "Your Event Hubs account is connected" not in done
        listing = alice.get(reverse("onboarding:list")).content.decode()
        assert "badge--attention" in listing and "Needs attention" in listing
        admin = admin_client.get(reverse("admin:connections_onboarding_changelist")).content.decode()
        assert "Needs attention" in admin

    def test_listing_rights_are_blamed_only_when_the_credentials_passed(self, alice):
        onboarding, page = connect(alice, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)
        assert onboarding.test_accepted is True and 'data-step="source"' in page
        diagnosis = onboarding.diagnosis
        assert diagnosis is not None and diagnosis.rights and diagnosis.key == "listing_forbidden"


class TestChecksMeanWhatTheySay:
    def test_a_typed_hub_that_cannot_be_listed_is_not_verified(self, alice):
        onboarding, _ = connect(alice, sas_key_name=DEMO_LISTEN_KEY_NAME, sas_key=DEMO_LISTEN_KEY)
        alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        onboarding.refresh_from_db()
        alice.post(reverse("onboarding:test", args=[onboarding.public_id]))
        onboarding.refresh_from_db()
        checks = {c.key: c for c in onboarding.checks}
        assert checks["event_hub"].state == "unverified"
        page = alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode()
        assert "check--unverified" in page and "Consumer group not used by another onboarding here" in page


class TestRetryMeansRetry:
    def test_unknown_sandbox_is_refused_on_the_field_before_anything_is_created(self, alice, emulator):
        # Adobe's list of sandboxes is known (read in the background), so a typo never reaches Adobe.
        response = alice.post(reverse("onboarding:new"), account_post(sandbox_name="prdo"))
        page = html_lib.unescape(response.content.decode())
        assert response.status_code == 200 and not Onboarding.objects.exists()
        assert "valid choice" in field_error(page, "sandbox_name")
        response = alice.post(reverse("onboarding:new"), account_post(sandbox_name="prod"))
        onboarding = Onboarding.objects.get()
        assert onboarding.sandbox_name == "prod" and onboarding.status == Status.BASE_CREATED
        assert emulator.stats()["connections"] == 1


class TestFixAndDiscard:
    def test_source_settings_are_patched_in_adobe(self, alice, emulator, make_onboarding):
        onboarding = make_onboarding("source")
        old_etag = onboarding.source_connection_etag
        url = reverse("onboarding:source_edit", args=[onboarding.public_id])
        response = alice.post(url, source_post(consumer_group="analytics", reset="latest"))
        assert response.status_code == 302
        onboarding.refresh_from_db()
        assert (onboarding.consumer_group, onboarding.reset) == ("analytics", "latest")
        assert onboarding.source_connection_etag != old_etag
        remote = emulator.get(f"/sourceConnections/{onboarding.source_connection_id}").json()["items"][0]
        assert remote["params"]["consumerGroup"] == "analytics" and remote["params"]["reset"] == "latest"
        patch = FlowServiceCall.objects.get(onboarding=onboarding, operation="update_source_connection")
        assert patch.method == "PATCH" and patch.status_code == 200

    def test_archive_hides_and_keeps_the_audit(self, alice, make_onboarding):
        onboarding = make_onboarding("source")
        response = alice.post(reverse("onboarding:archive", args=[onboarding.public_id]))
        assert response["Location"] == f"{reverse('onboarding:list')}?archived={onboarding.public_id}"  # with Undo
        listing = alice.get(reverse("onboarding:list")).content.decode()
        assert reverse("onboarding:detail", args=[onboarding.public_id]) not in listing
        onboarding.refresh_from_db()
        assert onboarding.archived_at and onboarding.source_connection_id  # nothing deleted in Adobe
        assert StateChange.objects.filter(onboarding=onboarding, reason__startswith="Archived").exists()

    def test_delete_in_adobe_needs_confirmation_then_deletes_both_objects(self, alice, emulator, make_onboarding):
        onboarding = make_onboarding("source")
        url = reverse("onboarding:delete", args=[onboarding.public_id])
        assert "Delete Orders stream in Adobe?" in alice.get(url).content.decode()
        unconfirmed = alice.post(url, {})
        assert "Tick the box" in unconfirmed.content.decode()
        assert emulator.stats()["connections"] == 1
        response = alice.post(url, {"confirm": onboarding.reference})
        assert response["Location"] == reverse("onboarding:list")
        assert emulator.stats()["connections"] == 0 and emulator.stats()["sourceConnections"] == 0
        onboarding.refresh_from_db()
        assert onboarding.removed_from_adobe_at and onboarding.archived_at
        audit = StateChange.objects.filter(onboarding=onboarding, reason__startswith="Deleted in Adobe").get()
        assert onboarding.base_connection_id in audit.reason

    def test_edit_credentials_is_reachable_from_the_account_summary(self, alice, make_onboarding):
        onboarding = make_onboarding("source")
        page = alice.get(reverse("onboarding:account", args=[onboarding.public_id])).content.decode()
        assert reverse("onboarding:credentials", args=[onboarding.public_id]) in page and "Edit credentials" in page


class TestWords:
    def test_the_aep_account_name_is_shown_before_creation(self, alice):
        page = alice.get(reverse("onboarding:new")).content.decode()
        token = re.search(r'name="creation_token" value="([0-9a-f-]+)"', page).group(1)
        assert f"(eh-{token.replace('-', '')[:8]})" in page
        alice.post(reverse("onboarding:new"), {**account_post(), "creation_token": token})
        assert Onboarding.objects.get().base_connection_name == f"Orders stream (eh-{token.replace('-', '')[:8]})"

    def test_an_entity_path_switch_to_sas_is_said_out_loud(self, alice):
        string = (
            "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=orders-aep;"
            "SharedAccessKey=b8Z1D4+Si19BNHkZdZ7QwKcNVAmOLQ5rdcUPUQ3gjRE=;EntityPath=orders"
        )
        response = alice.post(
            reverse("onboarding:parse_connection_string"),
            {**account_post(namespace="", sas_key_name="", sas_key=""), "connection_string": string},
            headers={"HX-Request": "true"},
        )
        page = html_lib.unescape(response.content.decode())
        assert 'id="switched-to-sas"' in page and "EntityPath" in page

    def test_the_done_page_leads_with_next_steps_and_keeps_the_api_for_developers(self, alice, make_onboarding):
        onboarding = make_onboarding("source")
        page = alice.get(reverse("onboarding:done", args=[onboarding.public_id])).content.decode()
        assert page.index("Set up the dataflow") < page.index("Or set it up in Experience Platform")
        assert page.index("Or set it up in Experience Platform") < page.index("For developers")
        assert page.index("<summary>For developers</summary>") < page.index("Base connection etag")
        assert page.index("<summary>For developers</summary>") < page.index('id="flow-request"')


class TestDiagnosisTable:
    @pytest.mark.parametrize(
        ("azure", "key", "field"),
        [
            (
                "AADSTS7000222: The provided client secret keys for app 'x' are expired.",
                "entra_secret_expired",
                "client_secret_value",
            ),
            (
                "AADSTS700016: Application with identifier 'x' was not found in the directory 'y'.",
                "entra_unknown_app",
                "client_id",
            ),
            (
                "AADSTS900023: Specified tenant identifier 'asdf' is neither a valid DNS name",
                "entra_malformed_tenant",
                "tenant_id",
            ),
            ("AADSTS50034: The user account does not exist.", "entra_other", ""),
            ("getaddrinfo ENOTFOUND nope.servicebus.windows.net", "namespace_unknown", "namespace"),
            (
                "The messaging entity 'ns:eventhub:orders~32766|aep' could not be found.",
                "consumer_group_unknown",
                "consumer_group",
            ),
            (
                "rpc: failed, status code 401 and description: ExpiredToken: The token is expired.",
                "sas_token_expired",
                "sas_key",
            ),
            (
                "Unauthorized access. 'Listen' claim(s) are required to perform this operation.",
                "listen_missing",
                "sas_key_name",
            ),
            ("Something Azure never said before.", "unrecognised", ""),
        ],
    )
    def test_each_cause_maps_to_one_field(self, azure, key, field):
        relayed = f"The request could not be processed. Error message: {azure} TrackingId:abc, SystemTracker:x"
        diagnosis = diagnose_refusal(relayed)
        assert (diagnosis.key, diagnosis.field) == (key, field)
        assert "TrackingId" not in diagnosis.details and diagnosis.sentence and diagnosis.action
        assert diagnosis.recognised is (key != "unrecognised")

    def test_listing_rights_only_for_the_listing_refusal(self):
        assert diagnose_listing("Unauthorized: Manage,EntityRead claims required for this operation.") is not None
        assert diagnose_listing("Unauthorized: InvalidSignature: The token has an invalid signature.") is None

    def test_the_secret_id_shape_reaches_entra_and_comes_back_as_e1(self, alice):
        onboarding, _ = connect(alice, auth_type="aad", client_id=DEMO_OWNER_APP, client_secret_value=GUID_SECRET_ID)
        assert onboarding.diagnosis is not None and onboarding.diagnosis.key == "entra_secret_id"


class TestAdminForHumans:
    def test_result_column_reads_adobes_answer(self, alice, admin_client):
        connect(alice, sas_key=DEMO_LISTEN_KEY)  # Adobe answers the test 200 {"result": false}
        test_call = FlowServiceCall.objects.get(operation="test_connection")
        assert test_call.status_code == 200 and test_call.response_body == {"result": False}
        page = admin_client.get(reverse("admin:connections_flowservicecall_changelist")).content.decode()
        assert "Test failed" in page and "Test passed" not in page

    def test_namespace_column_and_search_through_the_blind_index(self, alice, admin_client, make_onboarding):
        make_onboarding("source", name="Shop")
        make_onboarding("draft", name="Elsewhere", namespace="fabrikam-events")
        url = reverse("admin:connections_onboarding_changelist")
        page = html_lib.unescape(admin_client.get(url).content.decode())
        assert "contoso-events › orders" in page and "fabrikam-events" in page
        found = admin_client.get(url, {"q": "contoso-events"}).content.decode()
        assert ">Shop<" in found and ">Elsewhere<" not in found

    def test_needs_attention_filter(self, alice, admin_client, make_onboarding):
        make_onboarding("source", name="Healthy")
        onboarding, _ = connect(alice, name="Broken", sas_key=DEMO_LISTEN_KEY)
        alice.post(reverse("onboarding:go_on", args=[onboarding.public_id]))
        url = reverse("admin:connections_onboarding_changelist")
        page = admin_client.get(url, {"attention": "needs"}).content.decode()
        assert ">Broken<" in page and ">Healthy<" not in page

    def test_no_template_source_on_admin_pages(self, alice, admin_client, make_onboarding):
        make_onboarding("source")
        for name in ("onboarding", "flowservicecall", "statechange"):
            page = admin_client.get(reverse(f"admin:connections_{name}_changelist")).content.decode()
            assert "{#" not in page and "#}" not in page and "{%" not in page


class TestMakeRunIsTheProduct:
    def test_debug_is_off_unless_asked_even_with_an_old_env_file(self):
        from scripts.run_dev import product_environment

        environ = {"DEBUG": "true"}  # what an older .env put in
        product_environment(environ, debug=False)
        assert environ["DEBUG"] == "false" and environ["ALLOWED_HOSTS"]
        product_environment(environ, debug=True)
        assert environ["DEBUG"] == "true"

    def test_a_mistyped_url_gets_the_apps_404_page(self, alice):
        response = alice.get("/onboardngs/")
        page = response.content.decode()
        assert response.status_code == 404 and "Page not found" in page and "Go to my onboardings" in page
        assert "URLconf" not in page and "Traceback" not in page
