"""What a user sees of a remote action (connections/services/actions.py): its progress, then its result.

A view that starts an action answers with `follow(...)`: the progress (a page that polls, or a fragment
for htmx) while the task runs, or where the result shows once it has: `DESTINATIONS` names that place for
each kind. Without JavaScript the progress page says to refresh; a refresh shows where it stands.
A finished action's `outcome.notice` is said there as a success message; a page that shows a result
itself (a form with what was typed, the error next to its field) is sent `?action=<reference>`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from connections.messages import Problem
from connections.models import Dataflow, Onboarding, RemoteAction
from connections.services import actions
from onboarding.access import HtmxHttpRequest, owned_onboarding
from onboarding.dataflow_pages import Page
from onboarding.steps import Step

Destination = Callable[[Onboarding, RemoteAction], str]
Kind = RemoteAction.Kind


def _where_the_checks_show(onboarding: Onboarding, action: RemoteAction) -> str:
    return Step.of(onboarding).url(onboarding)


def _where_the_replacement_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    """A correction on the Account step: the step it moved to, or the step with the refusal; a replacement:
    where the onboarding stands once saved, or the credentials page with what happened."""
    outcome = action.outcome
    if outcome.correction:
        return result_url(action, "onboarding:account") if action.failed else Step.of(onboarding).url(onboarding)
    return Step.of(onboarding).url(onboarding) if outcome.notice else result_url(action, "onboarding:credentials")


def _where_the_reload_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    return reverse("onboarding:credentials", args=[onboarding.public_id])


def _where_the_source_settings_show(onboarding: Onboarding, action: RemoteAction) -> str:
    return result_url(action, "onboarding:source_edit") if action.failed else Step.DONE.url(onboarding)


def _where_the_source_reload_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    return reverse("onboarding:source_edit", args=[onboarding.public_id])


def _where_the_deletion_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    return result_url(action, "onboarding:delete") if action.failed else reverse("onboarding:list")


def _where_the_dataflow_deletion_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    dataflow = _dataflow_of(action)
    if action.failed:
        confirmation = reverse("onboarding:dataflow_delete", args=[onboarding.public_id, dataflow.public_id])
        return f"{confirmation}?action={action.public_id}"
    return Page.WATCH.url(dataflow)


def _dataflow_page(page: Page) -> Destination:
    """The dataflow's page `page` (a read's answer shows there)."""
    return lambda onboarding, action: page.url(_dataflow_of(action))


def _where_the_dataset_choice_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    dataflow = _dataflow_of(action)
    if action.failed:  # the choice shown again, the refusal next to its field (a name Adobe holds already)
        return f"{Page.DATASET.url(dataflow)}?action={action.public_id}"
    return (Page.MAPPING if dataflow.is_raw else Page.REVIEW).url(dataflow)


def _where_the_mapping_check_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    dataflow = _dataflow_of(action)
    return f"{Page.MAPPING.url(dataflow)}?action={action.public_id}" if action.failed else Page.REVIEW.url(dataflow)


def _where_the_file_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    return reverse("onboarding:onboarding_file", args=[onboarding.public_id, action.public_id])


def _where_the_import_shows(onboarding: Onboarding, action: RemoteAction) -> str:
    """A check's plan (or what the target sandbox lacks), or what the import did: on the same page."""
    return reverse("onboarding:import_result", args=[onboarding.public_id, action.public_id])


def _dataflow_of(action: RemoteAction) -> Dataflow:
    return Dataflow.objects.select_related("onboarding").get(pk=action.dataflow_id or 0)


# Where the result of each kind shows, and whether a failure is said there in a message (False: that page
# shows it itself, next to its field or as a problem).
DESTINATIONS: dict[str, tuple[Destination, bool]] = {
    Kind.TEST: (_where_the_checks_show, True),
    Kind.CREDENTIALS: (_where_the_replacement_shows, False),
    Kind.RELOAD: (_where_the_reload_shows, True),
    Kind.SOURCE: (_where_the_source_settings_show, False),
    Kind.SOURCE_RELOAD: (_where_the_source_reload_shows, True),
    Kind.DELETE: (_where_the_deletion_shows, False),
    Kind.PREVIEW: (_dataflow_page(Page.DATA), False),
    Kind.CATALOGUE: (_dataflow_page(Page.DATASET), False),
    Kind.DATASET_SEARCH: (_dataflow_page(Page.DATASET), False),
    Kind.CHOOSE_DATASET: (_where_the_dataset_choice_shows, False),
    Kind.SCHEMA: (_dataflow_page(Page.MAPPING), False),
    Kind.MAPPING: (_where_the_mapping_check_shows, False),
    Kind.ACTIVITY: (_dataflow_page(Page.WATCH), False),
    Kind.PAUSE: (_dataflow_page(Page.WATCH), True),
    Kind.RESUME: (_dataflow_page(Page.WATCH), True),
    Kind.EXPORT: (_where_the_file_shows, False),
    Kind.IMPORT_CHECK: (_where_the_import_shows, False),
    Kind.IMPORT: (_where_the_import_shows, False),
    Kind.DELETE_DATAFLOW: (_where_the_dataflow_deletion_shows, False),
}


def result_url(action: RemoteAction, view_name: str) -> str:
    """The page `view_name` showing the result of `action` (the form filled in again, the error at its field)."""
    return f"{reverse(view_name, args=[action.onboarding.public_id])}?action={action.public_id}"


def asked_result(
    request: HtmxHttpRequest, onboarding: Onboarding, kind: str, dataflow: Any = None
) -> RemoteAction | None:
    """The action of `kind` a page was sent to show (`?action=`); None without one, 404 if not this onboarding's
    (or this dataflow's)."""
    value = request.GET.get("action")
    if not value:
        return None
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        raise Http404("There is no such result.") from None
    found = get_object_or_404(RemoteAction.objects.of(onboarding, dataflow).filter(kind=kind), public_id=public_id)
    return actions.recovered(found)


def refusal_at(form: forms.Form, problem: Problem) -> None:
    """A refusal shown in a form: next to its field if the form has one, above the fields otherwise."""
    if not form.is_bound:
        form.cleaned_data = {}  # an unbound form takes an error for display only
    form.add_error(problem.field if problem.field in form.fields else None, problem.message)


def refusal_in(form: forms.Form, action: RemoteAction) -> None:
    """A failed action's problem shown in the form the user submitted (shown again unbound, from what was typed)."""
    problem = actions.problem_of(action)
    if problem is not None:
        refusal_at(form, problem)


RECENT = 3  # the requests to Adobe a page lists, newest first


def recent(onboarding: Onboarding) -> list[dict[str, Any]]:
    """What the onboarding's page says of its latest requests to Adobe: a user who closed the tab comes back
    to each one's outcome (and to the progress of one still running)."""
    listed = RemoteAction.objects.of(onboarding).order_by("-created_at", "-pk")[:RECENT]
    return [{"action": action, "doing": actions.doing(action), "said": said(action)} for action in listed]


def said(action: RemoteAction) -> str:
    """One line of what came of a finished action ("" while it runs, or when it has nothing to say)."""
    problem = actions.problem_of(action)
    if problem is not None:
        return problem.message
    return action.outcome.notice or action.outcome.message


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
    notice = action.outcome.notice if not action.failed else ""
    if notice:
        messages.success(request, notice)
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
