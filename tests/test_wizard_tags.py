"""The wizard's repeated parts are written in Python: each must be exactly what its template writes."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from connections.auth_types import AuthType
from connections.models import Check, CheckState, Onboarding
from onboarding.forms import AccountForm, CredentialsForm
from onboarding.steps import Step
from onboarding.templatetags import wizard

from .conftest import account_post

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


def _new_page(client) -> str:  # type: ignore[no-untyped-def]
    """The Account step of a new onboarding, its per-request tokens (CSRF, CSP nonce, creation token and the
    reference it gives) masked."""
    html = client.get("/onboardings/new/").content.decode()
    token = re.search(r'name="creation_token" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    html = html.replace(token, "TOKEN").replace(uuid.UUID(token).hex[:8], "REF")
    html = re.sub(r'nonce="[^"]+"|"X-CSRFToken": "[^"]+"', "PER-REQUEST", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)


@pytest.mark.django_db
def test_the_untouched_account_form_is_rendered_once_and_reads_the_same(client, user, monkeypatch) -> None:
    client.force_login(user)
    wizard.SameForEveryoneNode.rendered.clear()
    first, again = _new_page(client), _new_page(client)
    kept = wizard.SameForEveryoneNode.rendered
    assert set(kept) == {"new-account-about", "new-account-auth"}
    assert not any(per_request in markup for markup in kept.values() for per_request in ("nonce", "csrf", "TOKEN"))
    monkeypatch.setattr(AccountForm, "untouched", False)  # every block rendered afresh
    assert first == again == _new_page(client)
    assert 'id="tab-standard"' in first and 'aria-selected="true"' in first


@pytest.mark.django_db
def test_a_form_with_something_typed_or_refused_is_never_the_untouched_one(client, user) -> None:
    client.force_login(user)
    wizard.SameForEveryoneNode.rendered.clear()
    _new_page(client)  # the untouched form's markup, kept
    post = {**account_post(), "name": "Orders", "description": "typed here", "sandbox_name": "BAD SANDBOX!"}
    refused = client.post("/onboardings/new/", post).content.decode()
    assert "typed here" in refused and 'id="id_sandbox_name_error"' in refused
    switched = client.post("/onboardings/new/", {**post, "switch_auth": AuthType.SAS}).content.decode()
    assert 'id="tab-sas" class="tab" aria-controls="auth-panel" aria-selected="true"' in " ".join(switched.split())
    assert "typed here" in switched
    assert not AccountForm(initial={**AccountForm.initial_for(None), "name": "x"}).untouched
    assert AccountForm(initial={**AccountForm.initial_for(None), "creation_token": uuid.uuid4()}).untouched


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
