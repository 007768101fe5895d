"""What a user sees of a remote action (connections/services/actions.py): its progress, then its result.

A view that starts an action answers with `follow(...)`: the progress (a page that polls, or a fragment
for htmx) while the task runs, or where the result shows once it has. Each kind names that place with
`@shows_result(kind)`. Without JavaScript the progress page says to refresh; a refresh shows where it stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from connections.models import Onboarding, RemoteAction
from connections.services import actions

from .access import HtmxHttpRequest, owned_onboarding
from .steps import Step

Destination = Callable[[Onboarding, RemoteAction], str]
DESTINATIONS: dict[str, tuple[Destination, bool]] = {}


def shows_result(kind: str, *, flash_problem: bool = True) -> Callable[[Destination], Destination]:
    """Register where the result of `kind` shows; `flash_problem`: a failure is said in a message there."""

    def register(destination: Destination) -> Destination:
        DESTINATIONS[kind] = (destination, flash_problem)
        return destination

    return register


@shows_result("test")
def _where_the_checks_show(onboarding: Onboarding, action: RemoteAction) -> str:
    return Step.of(onboarding).url(onboarding)


def action_url(action: RemoteAction) -> str:
    return reverse("onboarding:action", args=[action.onboarding.public_id, action.public_id])


def _progress(request: HtmxHttpRequest, action: RemoteAction, template: str) -> HttpResponse:
    context: dict[str, Any] = {"action": action, "onboarding": action.onboarding, "doing": actions.doing(action)}
    return render(request, template, context)


def _settled(request: HtmxHttpRequest, action: RemoteAction) -> HttpResponse:
    destination, flash_problem = DESTINATIONS[action.kind]
    problem = actions.problem_of(action)
    if problem and flash_problem:
        messages.error(request, problem.message)
    url = destination(Onboarding.objects.get(pk=action.onboarding_id), action)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def follow(request: HtmxHttpRequest, action: RemoteAction) -> HttpResponse:
    """After a POST that started `action`: its progress while it runs, or where its result shows."""
    if action.pending:
        if request.htmx:
            return _progress(request, action, "onboarding/_action_progress.html")
        return redirect(action_url(action))
    return _settled(request, action)


@login_required
@require_GET
def onboarding_action(request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """Polled while the task runs (htmx: nothing to swap until then), then on to where the result shows."""
    onboarding = owned_onboarding(request, public_id)
    mine = RemoteAction.objects.filter(onboarding=onboarding)  # its own, and those of its dataflows
    action = actions.recovered(get_object_or_404(mine, public_id=action_id))
    if not action.pending:
        return _settled(request, action)
    if request.htmx:
        return HttpResponse(status=204)
    return _progress(request, action, "onboarding/action.html")
