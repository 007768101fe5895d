"""The import page asks for the credentials a file cannot carry: a new account, typed there (the wizard's fields
and rules), is connected by the import run itself, each step once, before the dataflows. And the accounts
offered are those connected in the chosen sandbox. Real HTTP to the emulator, with `dev` and `prod`."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from connections.models import Dataflow, Onboarding, OnboardingCopy, RemoteAction, StateChange
from tests.conftest import account_post
from tests.test_portable import created_counts, dev_onboarding, prod_account  # noqa: F401  (fixtures)
from tests.test_promote import GROUPS, write_file
from tests.test_teams import team

pytestmark = pytest.mark.django_db

Kind = RemoteAction.Kind


def new_account(**overrides: str) -> dict[str, str]:
    """The import page's new account: a name and the wizard's standard credentials for the demo namespace."""
    typed = {key: value for key, value in account_post().items() if key not in ("description", "sandbox_name")}
    return {**typed, "name": "Orders prod (imported)", "creation_token": str(uuid.uuid4()), **overrides}


def check_on_new_account(client: Any, document: dict[str, Any], **typed: str) -> Any:
    upload = SimpleUploadedFile("orders.json", json.dumps(document).encode(), content_type="application/json")
    form = {"file": upload, "sandbox": "prod", "account": "", **GROUPS, **typed}
    return client.post("/onboardings/import/", form, follow=True)


def run_check(client: Any, account: Onboarding) -> Any:
    checked = RemoteAction.objects.filter(onboarding=account, kind=Kind.IMPORT_CHECK).first()
    assert checked is not None
    return client.post(f"/onboardings/{account.public_id}/import/{checked.public_id}/run/", follow=True)


def stored_key(onboarding: Onboarding) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sas_key FROM connections_onboarding WHERE id = %s", [onboarding.pk])
        return str(cursor.fetchone()[0])


def test_typed_credentials_are_checked_then_connected_by_the_import_once(alice, dev_onboarding, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    before = created_counts(emulator) | {"connections": emulator.stats()["connections"]}
    typed = new_account()
    planned = check_on_new_account(alice, document, **typed).content.decode()
    assert "Ready to import into prod" in planned and "Connect the account “Orders prod (imported)”" in planned
    assert typed["sas_key"] not in planned
    account = Onboarding.objects.get(name="Orders prod (imported)")
    assert account.status == Onboarding.Status.DRAFT and account.sandbox_name == "prod"
    assert typed["sas_key"] not in stored_key(account)  # encrypted at rest
    assert created_counts(emulator) | {"connections": emulator.stats()["connections"]} == before

    done = run_check(alice, account).content.decode()
    assert "Imported into prod" in done
    account.refresh_from_db()
    assert account.is_done and (account.event_hub_name, account.consumer_group) == ("orders", "$Default")
    imported = Dataflow.objects.get(onboarding=account)
    assert imported.is_created and not imported.own_source  # it reads through the account's source connection
    stats = emulator.stats()
    assert (stats["connections"], stats["sourceConnections"]) == (2, 2)  # dev's and the new account's
    reasons = set(StateChange.objects.filter(onboarding=account).values_list("reason", flat=True))
    assert {"Adobe created the base connection", "Adobe created the source connection"} <= reasons

    counts = emulator.stats()
    again = run_check(alice, account).content.decode()  # the same confirmation, posted twice
    assert "Nothing new was created" in again and emulator.stats() == counts | {"tokensIssued": counts["tokensIssued"]}
    assert Onboarding.objects.filter(name="Orders prod (imported)").count() == 1


def test_a_failed_base_connection_is_retried_alone(alice, dev_onboarding, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    check_on_new_account(alice, document, **new_account())
    account = Onboarding.objects.get(name="Orders prod (imported)")
    emulator.fault("/connections", method="POST", status=400)
    failed = run_check(alice, account).content.decode()
    assert "The import could not go on" in failed and "Nothing else was created" in failed
    account.refresh_from_db()
    assert account.status == Onboarding.Status.BASE_FAILED
    assert not Dataflow.objects.filter(onboarding=account).exists()
    retried = alice.post(_retry_url(account), follow=True).content.decode()
    assert "Imported into prod" in retried
    account.refresh_from_db()
    assert account.is_done and emulator.stats()["connections"] == 2
    assert Dataflow.objects.get(onboarding=account).is_created


def _retry_url(account: Onboarding) -> str:
    checked = RemoteAction.objects.get(onboarding=account, kind=Kind.IMPORT_CHECK)
    return f"/onboardings/{account.public_id}/import/{checked.public_id}/run/"


def test_missing_credentials_are_refused_next_to_their_field_and_nothing_is_saved(alice, dev_onboarding):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    page = check_on_new_account(alice, document, **new_account(sas_key="", name=""))
    text = page.content.decode()
    assert 'id="id_sas_key_error"' in text and 'id="id_name_error"' in text
    assert not Onboarding.objects.filter(sandbox_name="prod").exists()
    key = account_post()["sas_key"]
    echoed = check_on_new_account(alice, document, **new_account(namespace=key, name="")).content.decode()
    assert key not in echoed and not RemoteAction.objects.filter(kind=Kind.IMPORT_CHECK).exists()


def test_a_chosen_account_needs_no_credentials(alice, dev_onboarding, prod_account):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    page = check_on_new_account(alice, document, account=str(prod_account.pk), name="", sas_key="").content.decode()
    assert "Ready to import into prod" in page and Onboarding.objects.count() == 2


def test_only_accounts_connected_in_the_chosen_sandbox_are_offered(alice, dev_onboarding, prod_account):  # noqa: F811
    in_prod = alice.get("/onboardings/import/?sandbox=prod").content.decode()
    assert f'value="{prod_account.pk}"' in in_prod and f'value="{dev_onboarding.pk}"' not in in_prod
    in_dev = alice.get("/onboardings/import/?sandbox=dev").content.decode()
    assert f'value="{dev_onboarding.pk}"' in in_dev and f'value="{prod_account.pk}"' not in in_dev
    nowhere = alice.get("/onboardings/import/?sandbox=staging").content.decode()
    assert 'id="no-account"' in nowhere and "type the credentials of a new one below" in nowhere


def test_a_credential_test_that_fails_stops_the_run_before_anything_reads_the_hub(alice, dev_onboarding, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    check_on_new_account(alice, document, **new_account(sas_key_name="aep-typo"))
    account = Onboarding.objects.get(name="Orders prod (imported)")
    stopped = run_check(alice, account).content.decode()
    assert "did not pass; nothing else was created" in stopped and "Edit credentials" in stopped
    account.refresh_from_db()
    assert account.account_gated and not Dataflow.objects.filter(onboarding=account).exists()
    assert emulator.stats()["sourceConnections"] == 1  # dev's only
    corrected = {key: account_post()[key] for key in ("namespace", "sas_key_name", "sas_key")}
    alice.post(f"/onboardings/{account.public_id}/account/", corrected, follow=True)  # the wizard's correction
    assert "Imported into prod" in alice.post(_retry_url(account), follow=True).content.decode()
    account.refresh_from_db()
    assert account.is_done and emulator.stats()["connections"] == 2  # corrected in place, never made twice


def test_another_auth_tab_without_javascript_keeps_what_was_typed_but_no_secret(alice, dev_onboarding):  # noqa: F811
    typed = new_account(switch_auth="sas", sandbox="prod", consumer_groups="orders=$Default")
    page = alice.post("/onboardings/import/", typed).content.decode()
    assert 'name="auth_event_hub_name"' in page and 'aria-selected="true"' in page
    assert 'value="Orders prod (imported)"' in page and typed["sas_key"] not in page
    assert not Onboarding.objects.filter(sandbox_name="prod").exists()


def test_a_key_typed_in_a_shown_field_is_not_echoed_when_an_account_was_chosen(alice, prod_account):  # noqa: F811
    key = account_post()["sas_key"]
    typed = new_account(namespace=key, account=str(prod_account.pk), sandbox="prod", consumer_groups="orders")
    page = alice.post("/onboardings/import/", typed).content.decode()
    assert 'id="id_consumer_groups_error"' in page and key not in page
    assert 'value="Orders prod (imported)"' in page  # what is no secret stays typed


def test_a_sandbox_that_lacks_a_field_creates_nothing_and_lists_no_draft(alice, dev_onboarding, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    emulator.drop_schema_field(sandbox="prod", schema="Order events", field="_eventhubsdemo.order.total")
    before = emulator.stats()
    page = check_on_new_account(alice, document, **new_account()).content.decode()
    assert "What the sandbox prod lacks" in page and 'id="account-not-made"' in page
    assert emulator.stats()["connections"] == before["connections"]
    assert "Orders prod (imported)" not in alice.get("/onboardings/").content.decode()


def test_a_check_nobody_goes_on_from_leaves_no_draft_in_any_list(alice, admin_client, dev_onboarding, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    planned = check_on_new_account(alice, document, **new_account()).content.decode()
    assert "Ready to import into prod" in planned  # then the person walks away
    assert "Orders prod (imported)" not in alice.get("/onboardings/").content.decode()
    assert "Orders prod (imported)" not in alice.get(reverse("monitoring:fleet")).content.decode()
    assert "Orders prod (imported)" not in admin_client.get("/admin/connections/onboarding/").content.decode()
    assert "Orders dev" in admin_client.get("/admin/connections/onboarding/").content.decode()

    account = Onboarding.objects.get(name="Orders prod (imported)")
    assert "Imported into prod" in run_check(alice, account).content.decode()  # once it runs, it is theirs
    assert "Orders prod (imported)" in alice.get("/onboardings/").content.decode()
    assert "Orders prod (imported)" in admin_client.get("/admin/connections/onboarding/").content.decode()


def test_the_new_account_and_its_dataflows_belong_to_the_team_chosen(alice, user, other_user, dev_onboarding):  # noqa: F811
    team("payments", user)
    marketing = team("marketing", user, other_user)
    offered = alice.get("/onboardings/import/").content.decode()
    assert "None: only me" in offered and f'<option value="{marketing.pk}">marketing</option>' in offered
    document = write_file(alice, dev_onboarding)
    planned = check_on_new_account(alice, document, **new_account(team=str(marketing.pk))).content.decode()
    assert "Connect the account “Orders prod (imported)” for the team marketing in the sandbox prod" in planned
    account = Onboarding.objects.get(name="Orders prod (imported)")
    assert "Imported into prod" in run_check(alice, account).content.decode()
    account.refresh_from_db()
    assert account.team == marketing and account.is_done
    imported = Dataflow.objects.get(onboarding=account)
    alice.force_login(other_user)  # a teammate in marketing
    assert "Orders prod (imported)" in alice.get("/onboardings/").content.decode()
    watch = reverse("onboarding:dataflow_watch", args=[account.public_id, imported.public_id])
    assert alice.get(watch).status_code == 200


def test_the_only_team_is_preselected_and_no_team_means_no_choice(alice, user, other_user):
    marketing = team("marketing", other_user)
    assert 'name="team"' not in alice.get("/onboardings/import/").content.decode()
    payments = team("payments", user)
    page = alice.get("/onboardings/import/").content.decode()
    assert "None: only me" in page and f'value="{payments.pk}" selected' in page
    assert f'value="{marketing.pk}"' not in page


def test_a_team_not_ones_own_is_refused_next_to_the_field(alice, user, other_user, dev_onboarding):  # noqa: F811
    team("payments", user)
    marketing = team("marketing", other_user)
    document = write_file(alice, dev_onboarding)
    page = check_on_new_account(alice, document, **new_account(team=str(marketing.pk))).content.decode()
    assert 'id="id_team_error"' in page and "Select a valid choice" in page
    assert not Onboarding.objects.filter(sandbox_name="prod").exists()
    assert not RemoteAction.objects.filter(kind=Kind.IMPORT_CHECK).exists()


def test_copy_to_another_sandbox_onto_a_new_account(alice, dev_onboarding, emulator):  # noqa: F811
    typed = new_account(sandbox="prod", account="", **GROUPS)
    planned = alice.post(f"/onboardings/{dev_onboarding.public_id}/copy/", typed, follow=True).content.decode()
    assert "Ready to import into prod" in planned and "Connect the account" in planned
    account = Onboarding.objects.get(name="Orders prod (imported)")
    assert "Imported into prod" in run_check(alice, account).content.decode()
    account.refresh_from_db()
    assert account.is_done and OnboardingCopy.objects.get().copy == account


@pytest.mark.django_db(transaction=True)
def test_the_migration_leaves_out_of_the_lists_the_drafts_checks_saved_before(make_onboarding):
    typed = make_onboarding("draft", name="Typed for an import")
    RemoteAction.objects.create(onboarding=typed, kind=Kind.IMPORT_CHECK, state=RemoteAction.State.DONE)
    make_onboarding("draft", name="Begun in the wizard")
    executor = MigrationExecutor(connection)
    executor.migrate([("connections", "0019_follows")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes("connections"))
    assert list(Onboarding.objects.listed().values_list("name", flat=True)) == ["Begun in the wizard"]
