"""Auditing in the admin: timelines, no secret anywhere, read-only history, auditors, volume."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connections.models import FlowServiceCall, Onboarding, StateChange
from tests.conftest import DEMO_MANAGE_KEY, DEMO_OWNER_SECRET, account_post, source_post

pytestmark = pytest.mark.django_db
SECRETS = (DEMO_MANAGE_KEY, DEMO_OWNER_SECRET)
CHANGELISTS = ("onboarding", "flowservicecall", "statechange")


def complete_onboardings(client, emulator) -> list[Onboarding]:
    """One Standard, one Entra ID, and one that fails on the base connection and is retried."""
    client.post(client.post(reverse("onboarding:new"), account_post(name="Standard"))["Location"], source_post())
    client.post(
        client.post(reverse("onboarding:new"), account_post("aad", name="Entra"))["Location"],
        source_post(consumer_group="aad-group"),
    )
    emulator.fault("/connections", method="POST", status=503)
    client.post(reverse("onboarding:new"), account_post(name="Retried"))
    retried = Onboarding.objects.get(name="Retried")
    client.post(reverse("onboarding:retry", args=[retried.public_id]))
    client.post(reverse("onboarding:source", args=[retried.public_id]), source_post(consumer_group="retried"))
    return list(Onboarding.objects.order_by("id"))


def admin_pages(onboardings: list[Onboarding]) -> list[str]:
    urls = [reverse("admin:index"), reverse("admin:app_list", args=["connections"])]
    for model in CHANGELISTS:
        base = reverse(f"admin:connections_{model}_changelist")
        urls += [base, base + "?created_at__gte=2000-01-01+00:00:00%2B00:00", base + "?o=1"]
    urls += [
        reverse("admin:connections_onboarding_changelist") + "?status=source_created&sandbox=prod&auth_type=aad",
        reverse("admin:connections_flowservicecall_changelist") + "?status=503&code=1103-503",
        reverse("admin:connections_flowservicecall_changelist") + "?status=__none__",
    ]
    for onboarding in onboardings:
        urls.append(reverse("admin:connections_onboarding_change", args=[onboarding.pk]))
        urls.append(reverse("admin:connections_onboarding_history", args=[onboarding.pk]))
    urls += [
        reverse("admin:connections_flowservicecall_change", args=[pk])
        for pk in FlowServiceCall.objects.values_list("pk", flat=True)
    ]
    urls += [
        reverse("admin:connections_statechange_change", args=[pk])
        for pk in StateChange.objects.values_list("pk", flat=True)
    ]
    return urls


@pytest.fixture
def auditor(django_user_model):
    user = django_user_model.objects.create_user("audrey", password="x", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    return user


class TestTimeline:
    def test_each_onboarding_shows_every_call_status_and_request_id(self, alice, admin_client, emulator):
        onboardings = complete_onboardings(alice, emulator)
        retried = next(o for o in onboardings if o.name == "Retried")
        html = admin_client.get(reverse("admin:connections_onboarding_change", args=[retried.pk])).content.decode()
        for call in retried.calls.all():
            assert call.get_operation_display() in html
            if call.request_id:
                assert call.request_id in html
        assert "HTTP 503" in html and "1103-503" in html and "HTTP 201" in html
        for change in retried.state_changes.all():
            assert change.get_to_status_display() in html
        assert "Base connection failed" in html and "Done" in html
        assert "Timeline: every call and state change" in html

    def test_detail_shows_non_secret_credentials_and_the_secret_only_as_set(self, alice, admin_client, emulator):
        onboardings = complete_onboardings(alice, emulator)
        html = admin_client.get(
            reverse("admin:connections_onboarding_change", args=[onboardings[0].pk])
        ).content.decode()
        assert "contoso-events" in html and "RootManageSharedAccessKey" in html
        assert re.search(r"SAS key</th><td>set, last changed \d{4}-\d\d-\d\d", html)
        entra = admin_client.get(
            reverse("admin:connections_onboarding_change", args=[onboardings[1].pk])
        ).content.decode()
        assert "Client secret value</th><td>set, last changed" in entra

    def test_a_call_opens_to_its_redacted_bodies(self, alice, admin_client, emulator):
        # The list stays readable at 1280 px: the bodies are on each call's own page.
        complete_onboardings(alice, emulator)
        create = FlowServiceCall.objects.filter(operation="create_base_connection").first()
        url = reverse("admin:connections_flowservicecall_change", args=[create.pk])
        html = admin_client.get(url).content.decode()
        assert "&quot;sasKey&quot;: &quot;••••••••&quot;" in html


class TestNoSecretAnywhere:
    def test_admin_html(self, alice, admin_client, emulator):
        onboardings = complete_onboardings(alice, emulator)
        for url in admin_pages(onboardings):
            response = admin_client.get(url)
            assert response.status_code == 200, url
            for secret in SECRETS:
                assert secret not in response.content.decode(), url

    def test_csv_exports(self, alice, admin_client, emulator):
        onboardings = complete_onboardings(alice, emulator)
        pks = [str(o.pk) for o in onboardings]
        for action, model in (
            ("export_onboardings", "onboarding"),
            ("export_calls", "onboarding"),
            ("export_selected", "flowservicecall"),
        ):
            selected = (
                pks
                if model == "onboarding"
                else [str(pk) for pk in FlowServiceCall.objects.values_list("pk", flat=True)]
            )
            response = admin_client.post(
                reverse(f"admin:connections_{model}_changelist"), {"action": action, "_selected_action": selected}
            )
            body = b"".join(response.streaming_content).decode()
            assert response["Content-Type"].startswith("text/csv")
            assert len(body.splitlines()) > 3
            for secret in SECRETS:
                assert secret not in body

    def test_onboarding_csv_has_the_audit_answers(self, alice, admin_client, emulator):
        onboardings = complete_onboardings(alice, emulator)
        response = admin_client.post(
            reverse("admin:connections_onboarding_changelist"),
            {"action": "export_onboardings", "_selected_action": [onboardings[0].pk]},
        )
        body = b"".join(response.streaming_content).decode()
        assert "alice" in body and "contoso-events" in body and "prod" in body and "standard" in body
        assert onboardings[0].base_connection_id in body

    def test_history_tables_by_raw_sql(self, alice, emulator):
        complete_onboardings(alice, emulator)
        with connection.cursor() as cursor:
            for table in ("connections_flowservicecall", "connections_statechange"):
                cursor.execute(f"SELECT * FROM {table}")
                dump = str(cursor.fetchall())
                assert len(dump) > 100
                for secret in SECRETS:
                    assert secret not in dump


class TestReadOnly:
    def test_auditor_can_open_every_history_page(self, client, alice, auditor, emulator):
        onboardings = complete_onboardings(alice, emulator)
        client.force_login(auditor)
        for url in admin_pages(onboardings):
            assert client.get(url).status_code == 200, url

    def test_auditor_gets_403_for_every_change(self, client, alice, auditor, emulator):
        onboardings = complete_onboardings(alice, emulator)
        client.force_login(auditor)
        call, change = FlowServiceCall.objects.first(), StateChange.objects.first()
        for model, obj in (("onboarding", onboardings[0]), ("flowservicecall", call), ("statechange", change)):
            assert client.get(reverse(f"admin:connections_{model}_add")).status_code == 403
            assert (
                client.post(reverse(f"admin:connections_{model}_change", args=[obj.pk]), {"name": "x"}).status_code
                == 403
            )
            assert client.get(reverse(f"admin:connections_{model}_delete", args=[obj.pk])).status_code == 403
        user_change = reverse("admin:auth_user_change", args=[auditor.pk])
        assert client.post(user_change, {"username": "evil", "is_superuser": "on"}).status_code == 403
        assert Onboarding.objects.get(pk=onboardings[0].pk).name == onboardings[0].name

    def test_no_one_can_delete_or_edit_history(self, admin_client, alice, emulator):
        complete_onboardings(alice, emulator)
        call, change = FlowServiceCall.objects.first(), StateChange.objects.first()
        for model, obj in (
            ("flowservicecall", call),
            ("statechange", change),
            ("onboarding", Onboarding.objects.first()),
        ):
            assert admin_client.get(reverse(f"admin:connections_{model}_delete", args=[obj.pk])).status_code == 403
            assert admin_client.post(reverse(f"admin:connections_{model}_change", args=[obj.pk]), {}).status_code == 403
            changelist = admin_client.get(reverse(f"admin:connections_{model}_changelist")).content.decode()
            assert "delete_selected" not in changelist

    def test_auditors_group_exists_with_view_permissions_only(self):
        codenames = set(Group.objects.get(name="Auditors").permissions.values_list("codename", flat=True))
        assert {"view_onboarding", "view_flowservicecall", "view_statechange", "view_dataflow"} <= codenames
        assert {"view_remoteaction", "view_subscription", "view_team", "view_user"} <= codenames
        assert not {c for c in codenames if not c.startswith("view_")}

    @pytest.mark.django_db(transaction=True)
    def test_auditors_group_is_whole_again_after_the_database_is_flushed(self):
        call_command("flush", interactive=False, verbosity=0)
        codenames = set(Group.objects.get(name="Auditors").permissions.values_list("codename", flat=True))
        assert {"view_onboarding", "view_statechange", "view_dataflow", "view_user"} <= codenames


class TestSearchAndFilters:
    def test_search_calls_by_request_id_and_connection_id(self, alice, admin_client, emulator):
        complete_onboardings(alice, emulator)
        create = FlowServiceCall.objects.filter(operation="create_base_connection", status_code=201).first()
        url = reverse("admin:connections_flowservicecall_changelist")
        assert create.request_id in admin_client.get(url, {"q": create.request_id}).content.decode()
        html = admin_client.get(url, {"q": create.connection_id}).content.decode()
        assert (
            html.count('name="_selected_action"')
            == FlowServiceCall.objects.filter(connection_id=create.connection_id).count()
        )

    def test_search_onboardings_by_id_name_namespace_reference_and_owner(self, alice, admin_client, emulator):
        standard, entra, retried = complete_onboardings(alice, emulator)
        url = reverse("admin:connections_onboarding_changelist")

        def found(term: str) -> set[str]:
            html = admin_client.get(url, {"q": term}).content.decode()
            return set(re.findall(r'class="field-name"><a href="[^"]*">([^<]*)</a>', html))

        assert found(standard.base_connection_id) == found(standard.source_connection_id) == {"Standard"}
        assert found(standard.reference) == found(str(standard.public_id)) == {"Standard"}
        assert found("Entr") == {"Entra"}
        assert found("alice") == {"Standard", "Entra", "Retried"}
        assert found("CONTOSO-EVENTS") == {"Standard", "Entra", "Retried"}  # a whole namespace, any case
        assert found("contoso") == set()  # a part of one: it is stored encrypted, only its keyed hash is searchable

    def test_filters_offer_values_that_exist(self, alice, admin_client, emulator):
        complete_onboardings(alice, emulator)
        html = admin_client.get(reverse("admin:connections_flowservicecall_changelist")).content.decode()
        assert "?status=503" in html and "?code=1103-503" in html and "?status=201" in html
        onboardings_html = admin_client.get(reverse("admin:connections_onboarding_changelist")).content.decode()
        assert "?sandbox=prod" in onboardings_html
        assert "created_at__gte=" in onboardings_html and "?status__exact=source_created" in onboardings_html


class TestConstantQueries:
    URLS = [
        "admin:connections_onboarding_changelist",
        "admin:connections_flowservicecall_changelist",
        "admin:connections_statechange_changelist",
    ]

    def queries(self, client, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    @pytest.mark.parametrize("rows", [10, 1000])
    def test_changelists_and_my_onboardings(
        self, rows, admin_client, client, admin_user, django_assert_max_num_queries
    ):
        call_command("seed_demo_history", onboardings=rows, calls_per_onboarding=3, owners=3, verbosity=0)
        Onboarding.objects.filter(pk__in=Onboarding.objects.values("pk")[: rows // 2]).update(owner=admin_user)
        for name in self.URLS:
            with django_assert_max_num_queries(12):
                assert admin_client.get(reverse(name)).status_code == 200
        with django_assert_max_num_queries(4):
            assert admin_client.get(reverse("onboarding:list")).status_code == 200

    def test_the_count_of_queries_does_not_grow_with_rows(self, admin_client, admin_user):
        # The same calendar window for both: the date hierarchy's depth depends on dates, not on rows.
        call_command("seed_demo_history", onboardings=10, calls_per_onboarding=3, owners=3, days=20, verbosity=0)
        small = {name: self.queries(admin_client, reverse(name)) for name in self.URLS}
        call_command(
            "seed_demo_history", onboardings=990, calls_per_onboarding=3, owners=3, days=20, verbosity=0, seed=8
        )
        large = {name: self.queries(admin_client, reverse(name)) for name in self.URLS}
        assert small == large
