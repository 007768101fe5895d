"""Who may see what: the request type every view takes, and the onboarding a user may open."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django_htmx.middleware import HtmxDetails

from connections.models import Onboarding


class HtmxHttpRequest(HttpRequest):
    """A request through django-htmx's middleware (it sets `htmx`)."""

    htmx: HtmxDetails


def owned_onboarding(request: HtmxHttpRequest, public_id: uuid.UUID) -> Onboarding:
    """The onboarding, if it belongs to the user; 404 otherwise (never 403: ids are not confirmed)."""
    return get_object_or_404(Onboarding.objects.owned_by(request.user), public_id=public_id)
