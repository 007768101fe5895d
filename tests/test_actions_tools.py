"""The onboarding's tools that call Adobe (replace the credentials, correct them on the Account step, reload
after a 412, edit the source settings, delete in Adobe) run as remote actions: the request asks nothing of
Adobe, the page shows progress, and once the queue is drained the page the user comes back to shows the
result, with what was typed filled in again (never a secret).

The queue is the real django-tasks-db table (`task_queue`), drained by the worker's batch mode."""

from __future__ import annotations

import datetime
import html as html_lib

import pytest
import requests
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from connections.models import FlowServiceCall, Onboarding, RemoteAction
from connections.services import OnboardingError
from connections.services import credentials as credentials_service
from tests.conftest import DEMO_LISTEN_KEY, DEMO_LISTEN_KEY_NAME, DEMO_MANAGE_KEY, source_post

Call = FlowServiceCall.Operation
State = RemoteAction.State
pytestmark = pytest.mark.django_db(transaction=True)
HTMX = {"HX-Request": "true"}
LATEST_CHECKED = 'value="latest" id="id_reset_1" required checked'
NEW_KEY = {"sas_key_name": DEMO_LISTEN_KEY_NAME, "sas_key": DEMO_LISTEN_KEY, "namespace": "contoso-events"}


def asked(onboarding: Onboarding, operation: str) -> list[FlowServiceCall]:
    return list(FlowServiceCall.objects.filter(onboarding=onboarding, operation=operation))


def url(name: str, onboarding: Onboarding) -> str:
    return reverse(f"onboarding:{name}", args=[onboarding.public_id])


def page(response) -> str:
    return html_lib.unescape(response.content.decode())


def progress_of(client, response) -> str:
    """The progress page a POST sent the browser to (it has not moved on: the task is still queued)."""
    assert "/actions/" in response["Location"], response["Location"]
    assert client.get(response["Location"], headers=HTMX).status_code == 204  # the poll: nothing to swap yet
    return page(client.get(response["Location"]))


def stored_payload(action: RemoteAction) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM connections_remoteaction WHERE id = %s", [action.pk])
        return str(cursor.fetchone()[0])


class TestReplaceTheCredentials:
    def test_the_key_is_saved_by_the_task_while_the_page_shows_progress(
        self, alice, user, make_onboarding, task_queue, emulator
    ):
        onboarding = make_onboarding("source")
        response = alice.post(url("credentials", onboarding), NEW_KEY)
        assert asked(onboarding, Call.UPDATE_CREDENTIALS) == []  # the request did not wait on Adobe
        assert "Saving and testing the new credentials in Adobe" in progress_of(alice, response)
        action = RemoteAction.objects.get(onboarding=onboarding, kind="credentials")
        assert DEMO_LISTEN_KEY not in stored_payload(action) and stored_payload(action).startswith("enc:")

        task_queue()
        moved_on = alice.get(response["Location"], headers=HTMX)
        assert moved_on["HX-Redirect"] == url("done", onboarding)
        done = page(alice.get(response["Location"], follow=True))
        assert "The new credentials are saved in Adobe" in done and DEMO_LISTEN_KEY not in done
        assert "saved in Adobe (etag" not in done  # the etag stays under For developers
        onboarding.refresh_from_db()
        assert (onboarding.sas_key_name, onboarding.sas_key) == (DEMO_LISTEN_KEY_NAME, DEMO_LISTEN_KEY)
        patch = asked(onboarding, Call.UPDATE_CREDENTIALS)
        assert len(patch) == 1 and patch[0].actor == user  # audited as the user, not as the worker
        action.refresh_from_db()
        assert action.payload == "" and DEMO_LISTEN_KEY not in str(action.result)

    def test_a_refused_key_shows_on_the_credentials_page_with_what_was_typed(self, alice, make_onboarding, task_queue):
        onboarding = make_onboarding("source")
        wrong = {**NEW_KEY, "sas_key_name": "RootManageSharedAccessKey"}  # another policy's key for this name
        response = alice.post(url("credentials", onboarding), wrong)
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert "previous ones were put back" in shown and "Not replaced" in shown
        assert 'value="RootManageSharedAccessKey"' in shown and DEMO_LISTEN_KEY not in shown

    def test_a_stale_etag_offers_reload_which_runs_in_the_background_too(
        self, alice, user, make_onboarding, task_queue, emulator
    ):
        onboarding = make_onboarding("source")
        changed = requests.patch(
            f"{emulator.flow_url}/connections/{onboarding.base_connection_id}",
            json=[{"op": "replace", "path": "/description", "value": "edited in AEP"}],
            headers={**emulator.headers(), "If-Match": onboarding.base_connection_etag},
            timeout=5,
        )
        assert changed.status_code == 200
        response = alice.post(url("credentials", onboarding), NEW_KEY)
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert "Changed elsewhere" in shown and "Reload from Adobe" in shown
        assert f'value="{DEMO_LISTEN_KEY_NAME}"' in shown and DEMO_LISTEN_KEY not in shown

        reload = alice.post(url("reload", onboarding))
        assert "Reading the base connection in Adobe" in progress_of(alice, reload)
        reads_before = len(asked(onboarding, Call.GET_BASE))
        task_queue()
        reloaded = page(alice.get(reload["Location"], follow=True))
        assert "Reloaded the base connection from Adobe" in reloaded
        assert len(asked(onboarding, Call.GET_BASE)) == reads_before + 1
        assert asked(onboarding, Call.GET_BASE)[-1].actor == user
        again = alice.post(url("credentials", onboarding), NEW_KEY)
        task_queue()
        assert "The new credentials are saved in Adobe" in page(alice.get(again["Location"], follow=True))

    def test_a_lost_answer_offers_retry_which_reads_back_first(self, alice, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        path = f"/connections/{onboarding.base_connection_id}"
        emulator.fault(path, method="PATCH", drop=True, phase="after")
        emulator.fault(path, method="GET", status=503, count=20)
        response = alice.post(url("credentials", onboarding), NEW_KEY)
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert ">Retry</button>" in shown and 'name="resume" value="unknown-outcome"' in shown
        assert f'value="{DEMO_LISTEN_KEY_NAME}"' in shown and DEMO_LISTEN_KEY not in shown
        emulator.server.emulator.faults.clear()

        retry = alice.post(url("credentials", onboarding), {**NEW_KEY, "resume": "unknown-outcome"})
        assert "/actions/" in retry["Location"]
        task_queue()
        assert "The new credentials are saved in Adobe" in page(alice.get(retry["Location"], follow=True))
        onboarding.refresh_from_db()
        remote = emulator.get(path).json()["items"][0]
        assert onboarding.sas_key == DEMO_LISTEN_KEY and onboarding.base_connection_etag == remote["etag"]

    def test_a_refusal_naming_a_field_is_shown_next_to_it(self, alice, make_onboarding, monkeypatch):
        onboarding = make_onboarding("source")

        def refuse(**kwargs):
            raise OnboardingError.refused("Adobe does not know this namespace.", field="namespace")

        monkeypatch.setattr(credentials_service, "onboarding_replace_credentials", refuse)
        shown = page(alice.post(url("credentials", onboarding), {**NEW_KEY, "namespace": "contoso-other"}, follow=True))
        assert 'id="id_namespace_error"' in shown and "Adobe does not know this namespace." in shown
        assert 'value="contoso-other"' in shown and DEMO_LISTEN_KEY not in shown

    def test_a_second_press_joins_and_other_credentials_meanwhile_are_refused(self, alice, make_onboarding, task_queue):
        onboarding = make_onboarding("source")
        first = alice.post(url("credentials", onboarding), NEW_KEY)
        assert alice.post(url("credentials", onboarding), NEW_KEY)["Location"] == first["Location"]
        other = page(alice.post(url("credentials", onboarding), {**NEW_KEY, "sas_key_name": "another-policy"}))
        assert "Saving and testing the new credentials is still under way" in other
        assert 'value="another-policy"' in other  # nothing typed is lost
        task_queue()
        assert len(asked(onboarding, Call.UPDATE_CREDENTIALS)) == 1
        assert RemoteAction.objects.filter(onboarding=onboarding, kind="credentials").count() == 1

    def test_a_replacement_whose_task_died_says_to_retry(self, alice, make_onboarding, task_queue):
        onboarding = make_onboarding("source")
        response = alice.post(url("credentials", onboarding), NEW_KEY)
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        RemoteAction.objects.update(state=State.RUNNING, started_at=long_ago, created_at=long_ago)
        shown = page(alice.get(response["Location"], follow=True))
        assert "stopped without an answer from Adobe" in shown
        assert ">Retry</button>" in shown and "the app reads the connection back from Adobe first" in shown
        assert RemoteAction.objects.get().payload == ""  # the typed key is not kept for a task that died


class TestTheAccountStepCorrection:
    def test_the_correction_runs_in_a_task_and_the_step_moves_on(self, alice, user, make_onboarding, task_queue):
        onboarding = make_onboarding("base", sas_key=DEMO_LISTEN_KEY)  # the test did not pass
        assert onboarding.account_gated
        correction = {"namespace": "contoso-events", "sas_key_name": "RootManageSharedAccessKey"}
        response = alice.post(url("account", onboarding), {**correction, "sas_key": DEMO_MANAGE_KEY}, headers=HTMX)
        assert response["HX-Retarget"] == "#correction"  # the form becomes the progress; the diagnosis stays
        assert "Saving and testing the new credentials in Adobe" in page(response)
        assert asked(onboarding, Call.UPDATE_CREDENTIALS) == []
        task_queue()
        action = RemoteAction.objects.get(onboarding=onboarding)
        poll = alice.get(reverse("onboarding:action", args=[onboarding.public_id, action.public_id]), headers=HTMX)
        assert poll["HX-Redirect"] == url("source", onboarding)
        onboarding.refresh_from_db()
        assert onboarding.test_accepted is True and asked(onboarding, Call.UPDATE_CREDENTIALS)[0].actor == user

    def test_a_failed_correction_shows_on_the_account_step_with_what_was_typed(
        self, alice, make_onboarding, task_queue, monkeypatch
    ):
        onboarding = make_onboarding("base", sas_key=DEMO_LISTEN_KEY)

        def refuse(**kwargs):
            raise OnboardingError.refused("This SAS key name is not a policy of the namespace.", field="sas_key_name")

        monkeypatch.setattr(credentials_service, "onboarding_replace_credentials", refuse)
        typed = {"namespace": "contoso-events", "sas_key_name": "aep-typo", "sas_key": DEMO_MANAGE_KEY}
        response = alice.post(url("account", onboarding), typed)
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert 'data-step="account"' in shown and 'value="aep-typo"' in shown and DEMO_MANAGE_KEY not in shown
        assert "This SAS key name is not a policy of the namespace." in shown and 'id="id_sas_key_name_error"' in shown


class TestEditTheSourceSettings:
    def test_the_settings_are_saved_by_the_task(self, alice, user, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        response = alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics"))
        assert "Saving the source settings in Adobe" in progress_of(alice, response)
        assert asked(onboarding, Call.UPDATE_SOURCE) == []
        task_queue()
        done = page(alice.get(response["Location"], follow=True))
        assert "The source settings are saved in Adobe." in done
        onboarding.refresh_from_db()
        assert onboarding.consumer_group == "analytics"
        assert [call.actor for call in asked(onboarding, Call.UPDATE_SOURCE)] == [user]

    def test_a_consumer_group_taken_meanwhile_is_shown_next_to_its_field(
        self, alice, user, make_onboarding, task_queue
    ):
        onboarding = make_onboarding("source")
        response = alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics", reset="latest"))
        make_onboarding("source", name="Another stream", consumer_group="analytics")  # takes it before the task
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert 'id="id_consumer_group_error"' in shown and 'value="analytics"' in shown
        assert LATEST_CHECKED in shown  # what was chosen, not what is stored
        assert asked(onboarding, Call.UPDATE_SOURCE) == []

    def test_a_source_connection_changed_elsewhere_is_said_and_the_typed_values_kept(
        self, alice, make_onboarding, task_queue, emulator
    ):
        onboarding = make_onboarding("source")
        changed = requests.patch(
            f"{emulator.flow_url}/sourceConnections/{onboarding.source_connection_id}",
            json=[{"op": "replace", "path": "/description", "value": "edited in AEP"}],
            headers={**emulator.headers(), "If-Match": onboarding.source_connection_etag},
            timeout=5,
        )
        assert changed.status_code == 200
        response = alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics"))
        task_queue()
        shown = page(alice.get(response["Location"], follow=True))
        assert "<h2>Changed elsewhere</h2>" in shown and 'value="analytics"' in shown
        onboarding.refresh_from_db()
        assert onboarding.consumer_group == "aep-orders"

    def test_reload_after_a_412_takes_adobes_settings_and_the_next_save_goes_through(
        self, alice, user, make_onboarding, task_queue, emulator
    ):
        onboarding = make_onboarding("source")
        changed = requests.patch(
            f"{emulator.flow_url}/sourceConnections/{onboarding.source_connection_id}",
            json=[{"op": "replace", "path": "/params/consumerGroup", "value": "edited-in-aep"}],
            headers={**emulator.headers(), "If-Match": onboarding.source_connection_etag},
            timeout=5,
        )
        assert changed.status_code == 200
        response = alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics"))
        task_queue()
        stale = page(alice.get(response["Location"], follow=True))
        assert "Reload from Adobe" in stale
        assert reverse("onboarding:source_reload", args=[onboarding.public_id]) in stale

        reload = alice.post(reverse("onboarding:source_reload", args=[onboarding.public_id]))
        assert "Reading the source connection" in progress_of(alice, reload)
        task_queue()
        reloaded = page(alice.get(reload["Location"], follow=True))
        assert "Reloaded the source connection from Adobe. Changed in Adobe: consumerGroup is 'edited-in-aep'." in (
            reloaded
        )
        assert 'value="edited-in-aep"' in reloaded  # the form shows Adobe's settings now
        onboarding.refresh_from_db()
        assert onboarding.consumer_group == "edited-in-aep"
        assert onboarding.state_changes.filter(reason__startswith="Source connection reloaded from Adobe").exists()

        saved = alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics"))
        task_queue()
        assert "The source settings are saved in Adobe." in page(alice.get(saved["Location"], follow=True))
        onboarding.refresh_from_db()
        assert onboarding.consumer_group == "analytics"


class TestDeleteInAdobe:
    def test_the_task_deletes_then_my_onboardings_says_so(self, alice, user, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        response = alice.post(url("delete", onboarding), {"confirm": onboarding.reference})
        assert response["Location"].startswith(url("delete", onboarding) + "?action=")
        progress = page(alice.get(response["Location"]))
        assert "Deleting in Adobe, one step at a time" in progress and "Deleting now…" in progress
        assert emulator.stats()["connections"] == 1  # nothing deleted in the request
        task_queue()
        listing = alice.get(response["Location"], headers=HTMX)  # the poll, once it has finished
        assert listing["HX-Redirect"] == reverse("onboarding:list")
        assert "Deleted Orders stream in Adobe, with its dataflows." in page(alice.get(reverse("onboarding:list")))
        assert emulator.stats()["connections"] == 0 and emulator.stats()["sourceConnections"] == 0
        deletes = asked(onboarding, Call.DELETE_SOURCE) + asked(onboarding, Call.DELETE_BASE)
        assert len(deletes) == 2 and {call.actor for call in deletes} == {user}

    def test_a_refused_deletion_shows_on_the_delete_page(self, alice, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        emulator.fault(
            f"/sourceConnections/{onboarding.source_connection_id}", method="DELETE", status=400, code="1418-400"
        )
        response = alice.post(url("delete", onboarding), {"confirm": onboarding.reference})
        task_queue()
        assert response["Location"].startswith(url("delete", onboarding) + "?action=")
        shown = alice.get(response["Location"])
        assert "1418-400" in page(shown) and "✗ Failed" in page(shown) and "Retry" in page(shown)  # to try again
        onboarding.refresh_from_db()
        assert not onboarding.removed_from_adobe_at and emulator.stats()["connections"] == 1

    def test_no_delete_while_a_credentials_patch_is_pending(self, alice, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        alice.post(url("credentials", onboarding), NEW_KEY)
        refused = page(alice.post(url("delete", onboarding), {"confirm": onboarding.reference}))
        assert "Saving and testing the new credentials is still under way for this onboarding" in refused
        source = page(alice.post(url("source_edit", onboarding), source_post(consumer_group="analytics")))
        assert "still under way" in source and 'value="analytics"' in source
        task_queue()
        assert emulator.stats()["connections"] == 1 and asked(onboarding, Call.UPDATE_SOURCE) == []
        assert list(RemoteAction.objects.values_list("kind", flat=True)) == ["credentials"]

    def test_a_deletion_whose_task_died_can_be_asked_again(self, alice, make_onboarding, task_queue, emulator):
        onboarding = make_onboarding("source")
        response = alice.post(url("delete", onboarding), {"confirm": onboarding.reference})
        long_ago = timezone.now() - datetime.timedelta(hours=1)
        RemoteAction.objects.update(created_at=long_ago)  # queued long ago...
        DBTaskResult.objects.all().delete()  # ...and the queue lost its task
        shown = page(alice.get(response["Location"], follow=True))
        assert "stopped without an answer from Adobe" in shown and "Try again" in shown
        again = alice.post(url("delete", onboarding), {"confirm": onboarding.reference})
        task_queue()  # the new one deletes
        assert "Deleted Orders stream in Adobe" in page(alice.get(again["Location"], follow=True))
        assert emulator.stats()["connections"] == 0


def test_another_users_result_is_not_found(client, other_user, make_onboarding, user):
    onboarding = make_onboarding("source")
    action = credentials_service.onboarding_start_reload(onboarding=onboarding, actor=user)
    client.force_login(other_user)
    assert client.get(f"{url('credentials', onboarding)}?action={action.public_id}").status_code == 404
    client.force_login(user)
    assert client.get(f"{url('credentials', onboarding)}?action=not-a-reference").status_code == 404
    assert client.get(f"{url('delete', onboarding)}?action={action.public_id}").status_code == 404  # another kind
