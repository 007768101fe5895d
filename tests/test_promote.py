"""The onboarding file in the pages: written by a remote action, imported through the import page (the check's
plan, or what the target sandbox lacks, before anything is created), and Copy to another sandbox with the two
copies linked and compared. Real HTTP to the emulator, with `dev` and `prod`; the tasks run at once."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from connections.models import Dataflow, OnboardingCopy, RemoteAction
from connections.services.portable import read_document
from tests.test_portable import created_counts, dev_onboarding, exported, import_args, prod_account  # noqa: F401
from tests.test_portable import run as run_command

pytestmark = pytest.mark.django_db


def write_file(client: Any, onboarding: Any) -> dict[str, Any]:
    """The onboarding's file, through its page's button and the JSON download."""
    page = client.post(f"/onboardings/{onboarding.public_id}/onboarding-file/", follow=True)
    assert page.status_code == 200 and "Download YAML" in page.content.decode()
    action = RemoteAction.objects.get(onboarding=onboarding, kind=RemoteAction.Kind.EXPORT)
    download = client.get(f"/onboardings/{onboarding.public_id}/onboarding-file/{action.public_id}/download.json")
    assert download["Content-Disposition"].startswith("attachment;")
    return dict(json.loads(download.content))


def check(client: Any, account: Any, document: dict[str, Any], **extra: str) -> Any:
    upload = SimpleUploadedFile("orders.json", json.dumps(document).encode(), content_type="application/json")
    form = {"file": upload, "sandbox": "prod", "account": str(account.pk), **extra}
    return client.post("/onboardings/import/", form, follow=True)


def run_import(client: Any, account: Any) -> Any:
    checked = RemoteAction.objects.filter(onboarding=account, kind=RemoteAction.Kind.IMPORT_CHECK).first()
    assert checked is not None
    return client.post(f"/onboardings/{account.public_id}/import/{checked.public_id}/run/", follow=True)


GROUPS = {"consumer_groups": "orders=$Default"}


def test_the_file_is_written_by_a_remote_action_as_json_and_yaml(alice, dev_onboarding):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    assert read_document(json.dumps(document))["dataflows"][0]["name"] == "Orders"
    action = RemoteAction.objects.get(onboarding=dev_onboarding, kind=RemoteAction.Kind.EXPORT)
    written = f"/onboardings/{dev_onboarding.public_id}/onboarding-file/{action.public_id}"
    yaml = alice.get(f"{written}/download.yaml").content.decode()
    assert yaml.startswith("format: eventhubs-onboarding\n") and dev_onboarding.sas_key not in yaml
    assert alice.get(f"{written}/download.xml").status_code == 404


def test_a_bad_file_gets_its_problems_next_to_the_field(alice, prod_account, emulator):  # noqa: F811
    page = check(alice, prod_account, {"format": "eventhubs-onboarding", "version": 7, "dataflows": []})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="id_file_error"' in text
    assert "<li>version: 1 was expected</li>" in text and "<li>dataflows: [] should be non-empty</li>" in text
    assert not RemoteAction.objects.filter(kind=RemoteAction.Kind.IMPORT_CHECK).exists()
    pasted = alice.post("/onboardings/import/", {"text": "{not json", "sandbox": "prod", "account": prod_account.pk})
    assert pasted.status_code == 200 and 'id="id_text_error"' in pasted.content.decode()


def test_an_account_in_another_sandbox_is_refused_next_to_its_field(alice, dev_onboarding, prod_account):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    page = check(alice, dev_onboarding, document)  # not offered in prod: a forged choice
    assert 'id="id_account_error"' in page.content.decode() and "Select a valid choice" in page.content.decode()
    assert not RemoteAction.objects.filter(kind=RemoteAction.Kind.IMPORT_CHECK).exists()


def test_a_field_missing_in_prod_is_listed_before_anything_is_created(
    alice,
    dev_onboarding,  # noqa: F811
    prod_account,  # noqa: F811
    emulator,
):
    document = write_file(alice, dev_onboarding)
    emulator.drop_schema_field(sandbox="prod", schema="Order events", field="_eventhubsdemo.order.total")
    before = created_counts(emulator)
    page = check(alice, prod_account, document, **GROUPS)
    text = page.content.decode()
    assert "What the sandbox prod lacks" in text and "nothing was created" in text
    assert "has no field _eventhubsdemo.order.total (mapped from total)" in text
    assert "Create in prod" not in text
    assert created_counts(emulator) == before and not Dataflow.objects.filter(onboarding=prod_account).exists()


def test_imported_once_then_nothing_new_the_second_time(alice, dev_onboarding, prod_account, emulator):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    planned = check(alice, prod_account, document, **GROUPS).content.decode()
    assert "Ready to import into prod" in planned and "Create “Orders”" in planned
    done = run_import(alice, prod_account).content.decode()
    assert "Imported into prod" in done and "Created: <a href=" in done
    imported = Dataflow.objects.get(onboarding=prod_account)
    assert imported.is_created and imported.consumer_group == "$Default"
    counts = created_counts(emulator)
    again = check(alice, prod_account, document, **GROUPS).content.decode()
    assert "Nothing new to create" in again and "Leave “Orders” as it is" in again and "Create in prod" not in again
    assert created_counts(emulator) == counts and Dataflow.objects.filter(onboarding=prod_account).count() == 1
    recent = alice.get(f"/onboardings/{prod_account.public_id}/done/").content.decode()
    assert "0 dataflow(s) to create in prod, 0 to retry, 1 there already." in recent
    assert "1 created, 0 retried, 0 there already." in recent


def test_copy_links_the_two_and_each_page_shows_whether_they_match(
    alice,
    dev_onboarding,  # noqa: F811
    prod_account,  # noqa: F811
):
    form = {"sandbox": "prod", "account": str(prod_account.pk), **GROUPS}
    planned = alice.post(f"/onboardings/{dev_onboarding.public_id}/copy/", form, follow=True).content.decode()
    assert "Ready to import into prod" in planned
    run_import(alice, prod_account)
    assert OnboardingCopy.objects.get().original == dev_onboarding
    dev_page = alice.get(f"/onboardings/{dev_onboarding.public_id}/done/").content.decode()
    prod_page = alice.get(f"/onboardings/{prod_account.public_id}/done/").content.decode()
    assert "Copied to" in dev_page and "Copied from" in prod_page
    assert "the two match" in dev_page and "the two match" in prod_page
    assert "reads with the consumer group aep-orders in dev, $Default in prod" in dev_page
    copy = Dataflow.objects.get(onboarding=prod_account)
    Dataflow.objects.filter(pk=copy.pk).update(mappings=[m for m in copy.mappings if m["source"] != "total"])
    differ = alice.get(f"/onboardings/{prod_account.public_id}/done/").content.decode()
    assert "the two differ" in differ and "total → _eventhubsdemo.order.total in dev only" in differ


def test_a_copy_of_what_is_there_already_creates_nothing_and_links_the_two(
    alice,
    dev_onboarding,  # noqa: F811
    prod_account,  # noqa: F811
    emulator,
):
    check(alice, prod_account, write_file(alice, dev_onboarding), **GROUPS)
    run_import(alice, prod_account)
    counts = created_counts(emulator)
    form = {"sandbox": "prod", "account": str(prod_account.pk), **GROUPS}
    planned = alice.post(f"/onboardings/{dev_onboarding.public_id}/copy/", form, follow=True).content.decode()
    assert "Nothing new to create" in planned and "Link the two copies" in planned
    linked = run_import_of_copy(alice, prod_account).content.decode()
    assert "Nothing new was created" in linked and "The two copies are linked" in linked
    assert created_counts(emulator) == counts and OnboardingCopy.objects.count() == 1


def run_import_of_copy(client: Any, account: Any) -> Any:
    checked = RemoteAction.objects.filter(onboarding=account, kind=RemoteAction.Kind.IMPORT_CHECK).first()
    assert checked is not None and (checked.result or {}).get("source")
    return client.post(f"/onboardings/{account.public_id}/import/{checked.public_id}/run/", follow=True)


def test_copying_onto_itself_is_refused(alice, dev_onboarding):  # noqa: F811
    form = {"sandbox": "dev", "account": str(dev_onboarding.pk)}
    page = alice.post(f"/onboardings/{dev_onboarding.public_id}/copy/", form)
    assert page.status_code == 200 and 'id="id_account_error"' in page.content.decode()
    assert not RemoteAction.objects.filter(kind=RemoteAction.Kind.IMPORT_CHECK).exists()


def test_another_person_s_import_is_not_found(client, django_user_model, dev_onboarding, prod_account):  # noqa: F811
    check_action = RemoteAction.objects.create(onboarding=prod_account, kind=RemoteAction.Kind.IMPORT_CHECK)
    client.force_login(django_user_model.objects.create_user("mallory"))
    assert client.get(f"/onboardings/{prod_account.public_id}/import/{check_action.public_id}/").status_code == 404
    assert client.post(f"/onboardings/{dev_onboarding.public_id}/copy/", {}).status_code == 404


def test_without_an_account_connected_the_import_page_asks_for_a_new_one(alice):
    page = alice.get("/onboardings/import/").content.decode()
    assert 'id="no-account"' in page and 'id="new-account"' in page and 'name="sas_key"' in page


def test_a_yaml_alias_bomb_is_refused_at_its_field(alice, prod_account):  # noqa: F811
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)}, *{chr(97 + n)}, *{chr(97 + n)}]" for n in range(20)]
    page = alice.post("/onboardings/import/", {"text": "\n".join(lines), "sandbox": "prod", "account": prod_account.pk})
    text = page.content.decode()
    assert page.status_code == 200 and 'id="id_text_error"' in text and "an alias (*name) is not allowed" in text


def test_an_onboarding_without_a_reviewed_dataflow_is_not_copied(alice, prod_account):  # noqa: F811
    page = alice.get(f"/onboardings/{prod_account.public_id}/copy/", follow=True).content.decode()
    assert "Only reviewed dataflows are copied" in page and "Copy Orders prod to another sandbox" not in page


def test_a_good_file_is_kept_when_another_field_is_refused(alice, dev_onboarding, prod_account):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    page = check(alice, prod_account, document, consumer_groups="orders").content.decode()
    assert 'id="id_consumer_groups_error"' in page and "EVENT-HUB=CONSUMER-GROUP" in page
    assert "&quot;eventhubs-onboarding&quot;" in page  # the file's text, in the paste field


def test_an_uploaded_file_written_here_links_the_copy_to_its_origin(alice, dev_onboarding, prod_account):  # noqa: F811
    document = write_file(alice, dev_onboarding)
    assert document["origin"] == {"onboarding": str(dev_onboarding.public_id), "sandbox": "dev"}
    check(alice, prod_account, document, **GROUPS)
    assert "Imported into prod" in run_import(alice, prod_account).content.decode()
    link = OnboardingCopy.objects.get()
    assert (link.original, link.copy) == (dev_onboarding, prod_account)
    assert "Copied from" in alice.get(f"/onboardings/{prod_account.public_id}/done/").content.decode()


def test_a_file_without_its_origin_or_with_another_s_is_imported_unlinked(
    alice,
    other_user,
    make_onboarding,
    dev_onboarding,  # noqa: F811
    prod_account,  # noqa: F811
):
    document = write_file(alice, dev_onboarding)
    older = {key: value for key, value in document.items() if key != "origin"}  # as written before the origin
    assert "Ready to import into prod" in check(alice, prod_account, older, **GROUPS).content.decode()
    someone_else_s = make_onboarding("draft", owner=other_user, sandbox_name="dev")
    forged = document | {"origin": {"onboarding": str(someone_else_s.public_id), "sandbox": "dev"}}
    check(alice, prod_account, forged, **GROUPS)
    assert "Imported into prod" in run_import(alice, prod_account).content.decode()
    assert not OnboardingCopy.objects.exists()


def test_the_command_links_a_file_to_its_origin_too(dev_onboarding, prod_account, tmp_path):  # noqa: F811
    path = exported(dev_onboarding, tmp_path, consumer_group="$Default")
    assert "1 dataflow(s) created" in run_command(*import_args(path, prod_account))
    link = OnboardingCopy.objects.get()
    assert (link.original, link.copy) == (dev_onboarding, prod_account)
