"""The event hubs of one onboarding, ticked together on the Source step: each hub's dataflow, its progress and
result, the shared dataset and mapping offered once, and a Retry per hub. Thin: one service call per request."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from connections.models import Dataflow
from connections.services import hubs as services
from connections.services.errors import OnboardingError
from onboarding.access import HtmxHttpRequest, owned_onboarding
from onboarding.links import OnboardingUrls

HUBS = "onboarding/hubs.html"


@login_required
@require_GET
def onboarding_hubs(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The hubs page; polled (htmx) while any hub's dataflow is being created."""
    onboarding = owned_onboarding(request, public_id)
    hubs, unreadable = services.hubs_compared(onboarding, actor=request.user)
    rows = [(hub, unreadable.get(hub.dataflow.pk, "")) for hub in hubs.others]
    comparing = any(hub.unread and not problem for hub, problem in rows)
    context = {
        "onboarding": onboarding,
        "urls": OnboardingUrls(onboarding),
        "hubs": hubs,
        "rows": rows,
        "comparing": comparing,
    }
    return render(request, f"{HUBS}#hubs" if request.htmx else HUBS, context)


@login_required
@require_POST
def onboarding_hubs_finish(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Create every hub's dataflow that the shared settings fit (each a dataflow of its own, in the background)."""
    onboarding = owned_onboarding(request, public_id)
    try:
        refused = services.hubs_finish(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
    else:
        for refusal in refused:
            messages.error(request, f"{refusal.hub}: {refusal.message}")
    return redirect("onboarding:hubs", public_id=onboarding.public_id)


@login_required
@require_POST
def onboarding_hub_retry(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Retry one hub's dataflow alone, from its failed step."""
    onboarding = owned_onboarding(request, public_id)
    dataflow = get_object_or_404(Dataflow.objects.filter(onboarding=onboarding), public_id=dataflow_id)
    services.hub_retry(dataflow=dataflow, actor=request.user)
    return redirect("onboarding:hubs", public_id=onboarding.public_id)


urlpatterns = [
    path("<uuid:public_id>/hubs/", onboarding_hubs, name="hubs"),
    path("<uuid:public_id>/hubs/finish/", onboarding_hubs_finish, name="hubs_finish"),
    path("<uuid:public_id>/hubs/<uuid:dataflow_id>/retry/", onboarding_hub_retry, name="hub_retry"),
]
