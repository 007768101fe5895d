"""The wizard's repeated parts are written in Python: each must be exactly what its template writes."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.utils import timezone

from connections.auth_types import AuthType
from connections.models import Check, CheckState, Dataflow, Onboarding, RemoteAction
from connections.services.dataflow_choices import dataflow_start
from onboarding import reads, views
from onboarding.forms import AccountForm, CredentialsForm
from onboarding.steps import Step
from onboarding.templatetags import wizard

from .conftest import DEMO_MANAGE_KEY, DEMO_OWNER_SECRET, account_post, source_post

SECRETS = (DEMO_MANAGE_KEY, DEMO_OWNER_SECRET)

HOSTILE = "\"><script>alert(1)</script> & 'x'"


def templated(name: str, context: dict[str, object]) -> str:
    """The template's markup without the trailing newline of its file."""
    return render_to_string(f"onboarding/{name}", context).removesuffix("\n")


@pytest.mark.parametrize("step", list(Step))
def test_the_progress_bar_is_its_template(step: Step) -> None:
    written = wizard.progress_bar(step)
    assert written == templated("_progress_bar.html", {"steps": list(Step), "step": step})
    assert written.count('aria-current="step"') == 1


@pytest.mark.parametrize("auth_type", list(AuthType))
@pytest.mark.parametrize("onboarding", [None, Onboarding(public_id=uuid.UUID(int=7), auth_type=AuthType.AAD)])
def test_the_auth_tabs_are_their_template(auth_type: AuthType, onboarding: Onboarding | None) -> None:
    forms = [AccountForm(initial={"auth_type": auth_type}), AccountForm({"auth_type": auth_type})]
    if onboarding is not None:
        forms.append(CredentialsForm(onboarding=onboarding))
    for form in forms:
        context = {"form": form, "onboarding": onboarding, "auth_types": list(AuthType)}
        written = wizard.auth_tabs(form, onboarding)
        assert written == templated("_auth_tabs.html", context)
        assert written.count('aria-selected="true"') == 1


def test_the_checklist_is_its_template() -> None:
    checks = [
        Check("credentials", "Credentials accepted", CheckState.PASSED),
        Check("namespace", HOSTILE, CheckState.FAILED, HOSTILE),
        Check("event_hub", "Event hub found", CheckState.SKIPPED, "3 found"),
        Check("consumer_group", "Consumer group", CheckState.UNVERIFIED),
    ]
    for shown in (checks, checks[:1], []):
        assert wizard.checklist(shown) == templated("_checklist.html", {"checks": shown})


@pytest.mark.django_db
def test_the_new_account_form_is_written_once_and_each_page_has_its_own_tokens(client, user) -> None:
    client.force_login(user)
    wizard.SAME_FOR_EVERYONE.clear()
    written, kept = (client.get("/onboardings/new/").content.decode() for _ in range(2))
    assert set(wizard.SAME_FOR_EVERYONE) == {"new-account"}
    tokens = [_creation_token(page) for page in (written, kept)]
    assert tokens[0] != tokens[1] and f"(eh-{uuid.UUID(tokens[1]).hex[:8]})" in kept
    assert not any(token in wizard.SAME_FOR_EVERYONE["new-account"] for token in tokens)
    stand_in = AccountForm.STAND_IN_TOKEN
    assert not any(str(stand_in) in page or stand_in.hex[:8] in page for page in (written, kept))
    assert _masked(written) == _masked(kept)
    assert 'id="tab-standard"' in kept and 'aria-selected="true"' in kept
    post = {**account_post(), "name": "Orders", "creation_token": tokens[1]}
    assert client.post("/onboardings/new/", post).status_code == 302
    assert str(Onboarding.objects.get(name="Orders").public_id) == tokens[1]  # the reference it showed


def _new_page(client) -> str:  # type: ignore[no-untyped-def]
    return _masked(client.get("/onboardings/new/").content.decode())


def _creation_token(html: str) -> str:
    return re.search(r'name="creation_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def _masked(html: str) -> str:
    """A new onboarding's page, its per-request tokens (CSRF, CSP nonce, creation token and the reference it
    gives) masked."""
    token = _creation_token(html)
    html = html.replace(token, "TOKEN").replace(uuid.UUID(token).hex[:8], "REF")
    return _without_tokens(html)


@pytest.mark.django_db
def test_a_form_with_something_typed_refused_or_switched_is_written_afresh(client, user) -> None:
    client.force_login(user)
    wizard.SAME_FOR_EVERYONE.clear()
    client.get("/onboardings/new/")  # the untouched form's markup, kept
    kept = dict(wizard.SAME_FOR_EVERYONE)
    post = {**account_post(), "name": "Orders", "description": "typed here", "sandbox_name": "BAD SANDBOX!"}
    refused = client.post("/onboardings/new/", post).content.decode()
    assert "typed here" in refused and 'id="id_sandbox_name_error"' in refused
    switched = client.post("/onboardings/new/", {**post, "switch_auth": AuthType.SAS}).content.decode()
    assert 'id="tab-sas" class="tab" aria-controls="auth-panel" aria-selected="true"' in " ".join(switched.split())
    assert "typed here" in switched
    assert dict(wizard.SAME_FOR_EVERYONE) == kept  # neither was kept, nor served what was


def _done(client, onboarding: Onboarding) -> str:  # type: ignore[no-untyped-def]
    response = client.get(f"/onboardings/{onboarding.public_id}/done/")
    assert response.status_code == 200
    return str(response.content.decode())


def _without_tokens(html: str) -> str:
    html = re.sub(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"', "PER-REQUEST", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


@pytest.mark.django_db
def test_a_finished_onboarding_s_page_is_written_once_for_what_is_stored(alice, make_onboarding, monkeypatch) -> None:
    onboarding = make_onboarding("source")
    wizard.KEPT_FOR_ROWS.clear()
    written = []
    monkeypatch.setattr(views, "_flow_request", lambda o: written.append(o) or f"curl for {o.name}")
    first, again = _done(alice, onboarding), _done(alice, onboarding)
    assert len(written) == 1 and len(wizard.KEPT_FOR_ROWS) == 1  # the second page was not written again
    assert _without_tokens(first) == _without_tokens(again)
    assert f"curl for {onboarding.name}" in again and onboarding.source_connection_id in again
    (key, markup), credentials = next(iter(wizard.KEPT_FOR_ROWS.items())), (*SECRETS, onboarding.sas_key_name)
    assert not any(credential in text for text in (str(key), markup) for credential in credentials)
    assert key[1][reads.PAGE_FIELDS.index("namespace")].startswith("enc:fernet:")  # the key holds ciphertext


@pytest.mark.django_db
def test_each_request_s_forms_carry_its_own_token_on_a_kept_page(user, make_onboarding) -> None:
    onboarding = make_onboarding("source")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    first, kept = _done(browser, onboarding), _done(browser, onboarding)

    def tokens(html: str) -> list[str]:
        header = re.findall(r'"X-CSRFToken": "([^"]+)"', html)
        return [*header, *re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)]

    assert len(tokens(kept)) == 5 and len(set(tokens(kept))) == 1  # the header; sign out, test, archive, dataflow
    assert set(tokens(first)) != set(tokens(kept)) and wizard.TOKEN_STAND_IN not in kept
    archive = browser.post(f"/onboardings/{onboarding.public_id}/archive/", {"csrfmiddlewaretoken": tokens(kept)[3]})
    assert archive.status_code == 302 and Onboarding.objects.get(pk=onboarding.pk).archived_at is not None


@pytest.mark.django_db
def test_a_kept_page_shows_each_change_to_what_it_shows(alice, make_onboarding) -> None:
    onboarding = make_onboarding("source")
    wizard.KEPT_FOR_ROWS.clear()
    assert "Set up the dataflow" in _done(alice, onboarding)
    Onboarding.objects.filter(pk=onboarding.pk).update(name="Renamed orders")
    assert "Renamed orders" in _done(alice, onboarding)
    action = RemoteAction.objects.create(onboarding=onboarding, kind="test", state=RemoteAction.State.RUNNING)
    assert "Testing the connection in Adobe…" in " ".join(_done(alice, onboarding).split())
    RemoteAction.objects.filter(pk=action.pk).update(state=RemoteAction.State.DONE, result={})
    assert "Testing the connection</strong>: done" in _done(alice, onboarding)
    dataflow = dataflow_start(onboarding=onboarding, actor=onboarding.owner)
    page = _done(alice, onboarding)
    assert f"/dataflows/{dataflow.public_id}/" in page and "Set up the dataflow" not in page
    Dataflow.objects.filter(pk=dataflow.pk).update(name="Renamed flow")
    assert "Renamed flow" in _done(alice, onboarding)
    Onboarding.objects.filter(pk=onboarding.pk).update(removed_from_adobe_at=timezone.now())
    kept = _done(alice, onboarding)
    assert "Deleted in Adobe" in kept and len(wizard.KEPT_FOR_ROWS) == 7
    wizard.KEPT_FOR_ROWS.clear()
    assert _without_tokens(kept) == _without_tokens(_done(alice, onboarding))  # as written afresh


@pytest.mark.django_db
def test_the_source_step_is_kept_as_stored_and_a_refused_form_is_always_written_afresh(alice, make_onboarding) -> None:
    onboarding = make_onboarding("base")
    url = f"/onboardings/{onboarding.public_id}/source/"
    wizard.KEPT_FOR_ROWS.clear()
    first, again = (alice.get(url).content.decode() for _ in range(2))
    assert len(wizard.KEPT_FOR_ROWS) == 1 and _without_tokens(first) == _without_tokens(again)
    assert 'value="orders"' in again and "Create source connection" in again
    refused = alice.post(url, source_post(consumer_group="typed group")).content.decode()
    assert 'id="id_consumer_group_error"' in refused and 'value="typed group"' in refused
    assert len(wizard.KEPT_FOR_ROWS) == 1  # a form with what was typed is never kept
    done = f"/onboardings/{alice.post(url, source_post()).url.split('/')[2]}/done/"
    assert "Your Event Hubs account is connected" in alice.get(done).content.decode()
    after = alice.get(url).content.decode()  # the same onboarding's Source, now with its summary, not its form
    assert "Create source connection" not in after and "aep-orders" in after and len(wizard.KEPT_FOR_ROWS) == 3


@pytest.mark.parametrize("value", ["d1533fe3-a87d-487f-944c-7ee50215dcfc", '"cf0f5e32-0000"', HOSTILE, None])
def test_a_copyable_value_is_its_template(value: object) -> None:
    context = {"label": "Base connection etag", "value": value, "key": "base-etag"}
    assert wizard.copyable(**context) == templated("_copy.html", context)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_kept_account_form_follows_a_changed_setting(client, user) -> None:
    client.force_login(user)
    assert 'value="prod"' in _new_page(client)  # kept, with the default sandbox
    with override_settings(ADOBE_SANDBOX_NAME="dev-sandbox"):
        assert 'value="dev-sandbox"' in _new_page(client)
    assert 'value="prod"' in _new_page(client)


@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns"])
def test_a_moment_reads_as_the_date_filter_writes_it(zone: str) -> None:
    moment = datetime.datetime(2026, 12, 31, 23, 5, 9, tzinfo=datetime.UTC)
    with timezone.override(zone):
        local = timezone.localtime(moment)
        assert wizard.moment(moment) == date_filter(local, "j M Y, H:i")
        assert wizard.moment_without_year(moment) == date_filter(local, "j M, H:i")
    assert wizard.moment(None) == wizard.moment_without_year(None) == ""
