"""The wizard's repeated parts, each rendered from its template: the progress bar, the auth tabs and a
copyable value; a moment Adobe gives in milliseconds."""

from __future__ import annotations

import datetime
from typing import Any

from django import template

from connections.auth_types import AuthType
from connections.models import Onboarding
from onboarding.forms.wizard import CredentialFieldsForm
from onboarding.polling import poll_every
from onboarding.steps import Step

register = template.Library()


@register.inclusion_tag("onboarding/_progress_bar.html")
def progress_bar(step: Step) -> dict[str, Any]:
    return {"steps": list(Step), "step": step}


@register.inclusion_tag("onboarding/_auth_tabs.html")
def auth_tabs(form: CredentialFieldsForm, onboarding: Onboarding | None) -> dict[str, Any]:
    return {"auth_types": list(AuthType), "form": form, "onboarding": onboarding}


@register.inclusion_tag("onboarding/_copy.html")
def copyable(label: str, value: object, key: str) -> dict[str, Any]:
    return {"label": label, "value": value, "key": key}


@register.filter
def from_epoch_ms(value: object) -> datetime.datetime | None:
    """A moment Adobe gives in milliseconds since 1970 (UTC), as a datetime for `date`; None for anything else."""
    if not isinstance(value, int | float) or value <= 0:
        return None
    return datetime.datetime.fromtimestamp(value / 1000, tz=datetime.UTC)


register.filter("poll_every", poll_every)
