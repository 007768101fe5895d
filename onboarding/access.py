"""Who may see what: the request type every view takes, and the onboarding a user may open."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from connections.models import Onboarding
from identity.membership import teams_of


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware (it sets `htmx`)."""

    htmx: HtmxDetails


def owned_onboarding(request: HtmxHttpRequest, public_id: uuid.UUID) -> Onboarding:
    """The onboarding, if the user may see it (their own or a team's of theirs); 404 otherwise (never 403: ids are
    not confirmed)."""
    return get_object_or_404(Onboarding.objects.visible_to(request.user), public_id=public_id)


def teams(request: HtmxHttpRequest) -> QuerySet[Group]:
    """The teams the user may give a new onboarding to: theirs, as their last sign-in left them."""
    return teams_of(request.user) if isinstance(request.user, User) else Group.objects.none()
