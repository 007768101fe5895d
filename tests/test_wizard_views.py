"""The wizard's pages through Django's test client, against the live emulator."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from connections.models import Onboarding
from tests.conftest import (
    DEMO_HUB_KEY,
    DEMO_MANAGE_KEY,
    DEMO_OWNER_SECRET,
    account_post,
    source_post,
)

pytestmark = pytest.mark.django_db
Status = Onboarding.Status
CONNECTION_STRING = (
    "Endpoint=sb://contoso-events.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;"
    f"SharedAccessKey={DEMO_MANAGE_KEY}"
)


def field_error(response, name: str) -> str:
    """The error message shown next to a field ('' when none)."""
    match = re.search(rf'<p class="error" id="id_{name}_error">(.*?)</p>', response.content.decode(), re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Error: ", "").strip() if match else ""


def new_account(client, **overrides: str):
    return client.post(reverse("onboarding:new"), account_post(**overrides))


class TestAccess:
    @pytest.mark.parametrize("name", ["onboarding:list", "onboarding:new"])
    def test_login_required(self, client, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_login_page_matches_the_app(self, client):
        response = client.get(reverse("login"))
        assert b"Event Hubs Onboarding" in response.content
        assert b"app.css" in response.content

    def test_another_users_onboarding_is_404_on_every_url(self, client, make_onboarding, other_user):
        onboarding = make_onboarding("source")
        client.force_login(other_user)
        for name in ("detail", "account", "source", "done", "status"):
            assert client.get(reverse(f"onboarding:{name}", args=[onboarding.public_id])).status_code == 404
        assert client.post(reverse("onboarding:retry", args=[onboarding.public_id])).status_code == 404
        assert client.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post()).status_code == 404
        assert client.get(reverse("onboarding:auth_fields"), {"onboarding": onboarding.public_id}).status_code == 404
        assert onboarding.name.encode() not in client.get(reverse("onboarding:list")).content

    def test_unknown_id_is_404(self, alice):
        assert alice.get(reverse("onboarding:account", args=[uuid.uuid4()])).status_code == 404


class TestAccountStep:
    def test_new_page_offers_the_four_tabs_and_the_lock_warning(self, alice):
        html = alice.get(reverse("onboarding:new")).content.decode()
        for label in ("Standard", "SAS", "Microsoft Entra ID", "Microsoft Entra ID, one event hub"):
            assert f">{label}</button>" in html
        assert 'role="tablist"' in html and 'role="tabpanel"' in html
        assert "cannot be changed after the base connection exists" in html
        assert 'type="password" name="sas_key"' in html

    def test_valid_submit_creates_the_base_connection_and_moves_to_source(self, alice, emulator):
        response = new_account(alice)
        onboarding = Onboarding.objects.get()
        assert response["Location"] == reverse("onboarding:source", args=[onboarding.public_id])
        assert onboarding.status == Status.BASE_CREATED
        item = emulator.get(f"/connections/{onboarding.base_connection_id}").json()["items"][0]
        assert item["name"] == onboarding.base_connection_name

    def test_htmx_submit_swaps_in_the_next_step_and_moves_the_url(self, alice):
        response = alice.post(reverse("onboarding:new"), account_post(), headers={"HX-Request": "true"})
        onboarding = Onboarding.objects.get()
        assert response.status_code == 200
        # The blank "new" page is replaced by the onboarding's step (back then leads where the user came from).
        assert response["HX-Replace-Url"] == reverse("onboarding:source", args=[onboarding.public_id])
        assert response.content.decode().lstrip().startswith('<div id="wizard"')
        assert "Choose what to read" in response.content.decode()

    def test_double_submit_of_the_first_page_makes_one_onboarding(self, alice, emulator):
        token = str(uuid.uuid4())
        new_account(alice, creation_token=token)
        new_account(alice, creation_token=token)
        assert Onboarding.objects.count() == 1
        assert emulator.stats()["connections"] == 1

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("namespace", "abc", "6 to 50 characters"),
            ("namespace", "1contoso", "starts with a letter"),
            ("namespace", "contoso-", "ends with a letter or a digit"),
            ("namespace", "contoso_events", "only letters, digits and hyphens"),
            ("sas_key_name", "-policy", "starts and ends with a letter or a digit"),
            ("sas_key_name", "p" * 51, "at most 50 characters"),
            ("sas_key", "short", "44 characters of base64"),
            ("sas_key", "x" * 44, "44 characters of base64"),
            ("name", "", "This field is required."),
            ("sandbox_name", "Prod", "lowercase letters"),
        ],
    )
    def test_validation_message_is_next_to_the_field(self, alice, field, value, message):
        response = new_account(alice, **{field: value})
        assert response.status_code == 200
        assert message in field_error(response, field)
        assert Onboarding.objects.count() == 0

    @pytest.mark.parametrize(
        ("auth_type", "field", "value", "message"),
        [
            ("sas", "auth_event_hub_name", "-orders", "starts and ends with a letter or a digit"),
            ("sas", "auth_event_hub_name", "", "This field is required."),
            ("aad", "tenant_id", "not a tenant", "Directory (tenant) ID"),
            ("aad", "client_id", "1234", "GUID"),
            ("aad", "client_secret_value", "", "This field is required."),
        ],
    )
    def test_validation_per_auth_type(self, alice, auth_type, field, value, message):
        response = new_account(alice, auth_type=auth_type, **{field: value})
        assert message in field_error(response, field)

    def test_what_one_user_typed_never_shows_on_a_new_page(self, alice):
        """The new page's credential fields are rendered once per process; a refused form is always its own."""
        alice.get(reverse("onboarding:new"))
        refused = new_account(alice, namespace="typed-namespace", sas_key_name="TypedPolicy", name="")
        assert 'value="typed-namespace"' in refused.content.decode() and "TypedPolicy" in refused.content.decode()
        page = alice.get(reverse("onboarding:new")).content.decode()
        assert "typed-namespace" not in page and "TypedPolicy" not in page and 'id="id_namespace"' in page

    def test_the_key_is_never_rendered_back(self, alice):
        response = new_account(alice, namespace="bad")
        assert DEMO_MANAGE_KEY not in response.content.decode()
        assert field_error(response, "namespace")

    def test_whitespace_is_trimmed_and_a_host_name_reduced_to_the_namespace(self, alice):
        new_account(
            alice,
            namespace="  sb://contoso-events.servicebus.windows.net/ ",
            sas_key_name=" RootManageSharedAccessKey\t",
        )
        onboarding = Onboarding.objects.get()
        assert onboarding.namespace == "contoso-events"
        assert onboarding.sas_key_name == "RootManageSharedAccessKey"

    def test_connection_string_fills_the_fields(self, alice):
        response = new_account(alice, namespace="", sas_key_name="", sas_key="", connection_string=CONNECTION_STRING)
        assert response.status_code == 302
        onboarding = Onboarding.objects.get()
        assert (onboarding.namespace, onboarding.sas_key_name, onboarding.sas_key) == (
            "contoso-events",
            "RootManageSharedAccessKey",
            DEMO_MANAGE_KEY,
        )

    def test_connection_string_pasted_into_the_key_field_is_understood(self, alice):
        new_account(alice, namespace="", sas_key_name="", sas_key=CONNECTION_STRING)
        assert Onboarding.objects.get().sas_key == DEMO_MANAGE_KEY

    def test_connection_string_with_entity_path_selects_sas(self, alice):
        text = CONNECTION_STRING.replace("RootManageSharedAccessKey", "orders-aep").replace(
            DEMO_MANAGE_KEY, DEMO_HUB_KEY
        )
        new_account(alice, namespace="", sas_key_name="", sas_key="", connection_string=text + ";EntityPath=orders")
        onboarding = Onboarding.objects.get()
        assert (onboarding.auth_type, onboarding.auth_event_hub_name) == ("sas", "orders")

    def test_incomplete_connection_string_is_explained(self, alice):
        response = new_account(alice, connection_string="Endpoint=sb://contoso-events.servicebus.windows.net/")
        assert "lacks SharedAccessKeyName, SharedAccessKey" in field_error(response, "connection_string")

    def test_paste_helper_splits_without_sending_the_key_back(self, alice):
        response = alice.post(
            reverse("onboarding:parse_connection_string"),
            {**account_post(namespace="", sas_key_name=""), "connection_string": CONNECTION_STRING},
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert 'value="contoso-events"' in html and 'value="RootManageSharedAccessKey"' in html
        assert DEMO_MANAGE_KEY not in html
        assert "The key in it will be used" in html

    def test_paste_helper_reports_a_broken_string_on_its_field(self, alice):
        response = alice.post(
            reverse("onboarding:parse_connection_string"), {"connection_string": "nonsense", "auth_type": "standard"}
        )
        assert "not a complete Event Hubs connection string" in field_error(response, "connection_string")

    def test_tab_swap_returns_only_the_fields_and_no_secret(self, alice):
        response = alice.get(reverse("onboarding:auth_fields"), {"switch_auth": "aad"}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert html.lstrip().startswith('<div id="auth-section"')
        assert 'id="tab-aad"' in html and 'aria-selected="true"' in html
        assert 'name="tenant_id"' in html and "<form" not in html

    def test_tab_switch_works_without_javascript(self, alice):
        response = alice.post(reverse("onboarding:new"), {**account_post(), "switch_auth": "sas"})
        html = response.content.decode()
        assert response.status_code == 200
        assert re.search(r'id="tab-sas"[^>]*aria-selected="true"', html, re.S)
        assert 'value="Orders stream"' in html  # what was typed is kept...
        assert DEMO_MANAGE_KEY not in html  # ...except the secret
        assert Onboarding.objects.count() == 0


class TestFlowServiceErrors:
    def test_a_refused_create_keeps_the_form_editable(self, alice, emulator):
        emulator.fault("/connections", method="POST", status=400, code="1304-400")
        html = alice.get(new_account(alice)["Location"]).content.decode()
        assert "Adobe refused the details" in html
        assert 'value="Orders stream"' in html
        assert ">Retry" not in html  # a refusal of the details: the form's own button sends the correction
        assert DEMO_MANAGE_KEY not in html
        assert "A key is saved" in html  # leaving the key empty keeps it

    def test_error_is_a_sentence_with_code_and_request_id_and_retry_works(self, alice, emulator):
        emulator.fault("/connections", method="POST", status=503)
        response = alice.get(new_account(alice)["Location"])
        html = response.content.decode()
        onboarding = Onboarding.objects.get()
        assert "Adobe Experience Platform failed or is unavailable" in html
        assert "1103-503" in html and onboarding.last_error["request_id"] in html
        assert 'action="/onboardings/' in html and ">Retry with the same details</button>" in html
        assert "<dd>Orders stream</dd>" in html  # the data stays (read-only until Retry resolves the outcome)
        retry = alice.post(reverse("onboarding:retry", args=[onboarding.public_id]))
        assert retry["Location"] == reverse("onboarding:source", args=[onboarding.public_id])
        assert emulator.stats()["connections"] == 1

    def test_unreachable_emulator_is_explained(self, alice, settings):
        settings.FLOW_SERVICE_URL = "http://127.0.0.1:9/data/foundation/flowservice"
        settings.IMS_URL = "http://127.0.0.1:9"
        settings.FLOW_SERVICE_RETRY_BUDGET = 0.5
        response = alice.get(new_account(alice)["Location"])
        assert "Could not reach the local Flow Service emulator" in response.content.decode()


class TestSourceStep:
    def test_cannot_be_reached_before_the_base_connection(self, alice, make_onboarding, user):
        onboarding = make_onboarding("draft")
        response = alice.get(reverse("onboarding:source", args=[onboarding.public_id]))
        assert response["Location"] == reverse("onboarding:account", args=[onboarding.public_id])
        response = alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        assert response.status_code == 302 and Onboarding.objects.get().status == Status.DRAFT

    def test_done_cannot_be_reached_early(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        response = alice.get(reverse("onboarding:done", args=[onboarding.public_id]))
        assert response["Location"] == reverse("onboarding:source", args=[onboarding.public_id])

    def test_offers_the_hubs_adobe_found(self, alice):
        html = alice.get(new_account(alice)["Location"]).content.decode()
        for hub in ("clickstream", "inventory-updates", "orders"):
            assert f'value="{hub}"' in html
        assert "Credentials accepted" in html

    def test_defaults(self, alice):
        html = alice.get(new_account(alice)["Location"]).content.decode()
        assert re.search(r'value="earliest"[^>]*checked', html)
        assert 'value="$Default"' not in html  # a dedicated consumer group is safer: nothing is pre-filled

    def test_sas_prefills_the_hub_and_explains_the_empty_list(self, alice):
        html = alice.get(new_account(alice, auth_type="sas")["Location"]).content.decode()
        assert re.search(r'name="event_hub_name" value="orders"[^>]*readonly', html)

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("event_hub_name", "-bad", "starts and ends with a letter or a digit"),
            ("consumer_group", "a" * 51, "at most 50 characters"),
            ("consumer_group", "bad group", "only letters, digits"),
            ("data_type", "csv", "Select a valid choice"),
            ("reset", "now", "Select a valid choice"),
        ],
    )
    def test_validation(self, alice, make_onboarding, field, value, message):
        onboarding = make_onboarding("base")
        response = alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post(**{field: value}))
        assert message in field_error(response, field)
        assert Onboarding.objects.get().status == Status.BASE_CREATED

    def test_consumer_group_conflict_is_explained_on_the_field(self, alice, make_onboarding, other_user):
        make_onboarding("source", owner=other_user, name="Someone else's")
        onboarding = make_onboarding("base", name="Mine")
        response = alice.post(reverse("onboarding:source", args=[onboarding.public_id]), source_post())
        assert "one reader at a time" in field_error(response, "consumer_group")
        assert "Someone else" not in response.content.decode()

    def test_complete_flow_ends_on_done_with_the_ids(self, alice, emulator):
        source_url = new_account(alice)["Location"]
        done_url = alice.post(source_url, source_post())["Location"]
        onboarding = Onboarding.objects.get()
        html = alice.get(done_url).content.decode()
        for value in (onboarding.base_connection_id, onboarding.source_connection_id, "aep-orders", "prod"):
            assert value in html
        assert html.count('class="copy" data-copy="') == 4  # three ids and the dataflow request
        assert DEMO_MANAGE_KEY not in html
        assert emulator.get(f"/connections/{onboarding.base_connection_id}").status_code == 200


class TestMyOnboardings:
    def test_newest_first_with_status(self, alice, make_onboarding):
        make_onboarding("draft", name="Older")
        make_onboarding("source", name="Newer", consumer_group="g2")
        html = alice.get(reverse("onboarding:list")).content.decode()
        assert html.index("Newer") < html.index("Older")
        assert "Enter the account" in html and "Connected" in html

    def test_paginated(self, alice, user):
        Onboarding.objects.bulk_create(
            [
                Onboarding(owner=user, name=f"Onboarding {i:02}", auth_type="standard", sandbox_name="prod")
                for i in range(25)
            ]
        )
        first = alice.get(reverse("onboarding:list")).content.decode()
        second = alice.get(reverse("onboarding:list"), {"page": 2}).content.decode()
        assert first.count('class="button small" href="/onboardings/') == 20 and 'rel="next"' in first
        assert second.count('class="button small" href="/onboardings/') == 5 and 'rel="next"' not in second

    def test_each_is_resumable(self, alice, make_onboarding):
        onboarding = make_onboarding("base")
        response = alice.get(reverse("onboarding:detail", args=[onboarding.public_id]))
        assert response["Location"] == reverse("onboarding:source", args=[onboarding.public_id])


class TestNoPlaintextAtRest:
    SECRETS = (DEMO_MANAGE_KEY, DEMO_OWNER_SECRET)

    def test_no_table_holds_a_secret_after_full_onboardings(self, alice, emulator):
        alice.post(new_account(alice)["Location"], source_post())
        alice.post(new_account(alice, auth_type="aad", name="AAD")["Location"], source_post(consumer_group="aad"))
        assert Onboarding.objects.filter(status=Status.SOURCE_CREATED).count() == 2
        dump = database_dump()
        for secret in self.SECRETS:
            assert secret not in dump
        assert "django_session" in dump  # the session table was read too


def database_dump() -> str:
    """Every row of every table, as text (sessions and history included)."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            parts.append(table + "\n" + "\n".join(map(str, cursor.fetchall())))
    return "\n".join(parts)


@pytest.mark.django_db(transaction=True)
def test_the_database_file_holds_no_plaintext_secret(client, django_user_model, emulator):
    """After full onboardings and a committed session, the bytes on disk (SQLite and its WAL) hold no secret."""
    user = django_user_model.objects.create_user("disk", password="disk-password")
    assert client.login(username="disk", password="disk-password")  # a real session row
    client.post(client.post(reverse("onboarding:new"), account_post())["Location"], source_post())
    client.post(
        client.post(reverse("onboarding:new"), account_post("aad", name="AAD"))["Location"],
        source_post(consumer_group="aad"),
    )
    assert Onboarding.objects.filter(owner=user, status=Status.SOURCE_CREATED).count() == 2
    if connection.vendor == "sqlite":
        path = connection.settings_dict["NAME"]
        data = b"".join(Path(f).read_bytes() for f in (path, f"{path}-wal") if Path(f).exists())
        assert len(data) > 10_000
    else:
        data = database_dump().encode()
    for secret in (DEMO_MANAGE_KEY, DEMO_OWNER_SECRET):
        assert secret.encode() not in data
    assert b"enc:fernet:" in data
