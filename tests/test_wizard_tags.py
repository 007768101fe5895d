"""The wizard's repeated parts are written in Python: each must be exactly what its template writes."""

from __future__ import annotations

import uuid

import pytest
from django.template.loader import render_to_string

from connections.auth_types import AuthType
from connections.models import Check, CheckState, Onboarding
from onboarding.forms import AccountForm, CredentialsForm
from onboarding.steps import Step
from onboarding.templatetags import wizard

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
