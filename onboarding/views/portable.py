"""The onboarding file's pages: write one, import one into another sandbox, Copy to another sandbox.

Every call to Adobe runs as a remote action (connections/services/portable/transfer.py): the pages start one,
follow its progress, and show what it left: the file written, the plan (or what the target sandbox lacks), the
import's outcome.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.auth_types import AuthType
from connections.models import Dataflow, Onboarding, RemoteAction
from connections.services import OnboardingError, actions, portable
from connections.services.sandboxes import known_sandboxes
from onboarding import secret_echo
from onboarding.access import HtmxHttpRequest, owned_onboarding, teams
from onboarding.forms.portable import ImportForm, ImportTargetForm, NewAccountForm
from onboarding.forms.wizard import AccountForm

from . import actions as views_actions
from .wizard import NON_SECRET_ACCOUNT_FIELDS, SECRETS

Kind = RemoteAction.Kind
IMPORT_PAGE = "onboarding/import.html"


def _finished_action(request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID, *kinds: str) -> RemoteAction:
    """The action of one of `kinds` of an onboarding the user may see (404 otherwise), failed first if its task
    died; the caller sends the person to its progress while it runs."""
    onboarding = owned_onboarding(request, public_id)
    mine = RemoteAction.objects.of(onboarding).filter(kind__in=kinds)
    return actions.recovered(get_object_or_404(mine, public_id=action_id))


# Writing the file


@login_required
@require_POST
def onboarding_file_write(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    onboarding = owned_onboarding(request, public_id)
    try:
        action = portable.start_export(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect("onboarding:detail", public_id=public_id)
    return views_actions.follow(request, action)


@login_required
@require_GET
def onboarding_file(request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """The file written: shown, with its downloads (JSON and YAML)."""
    action = _finished_action(request, public_id, action_id, Kind.EXPORT)
    if action.pending:
        return redirect(views_actions.action_url(action))
    document = action.outcome.answer.get("document")
    context: dict[str, Any] = {"onboarding": action.onboarding, "action": action}
    context["problem"] = actions.problem_of(action)
    context["text"] = json.dumps(document, indent=2, ensure_ascii=False) if document else ""
    return render(request, "onboarding/onboarding_file.html", context)


@login_required
@require_GET
def onboarding_file_download(
    request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID, extension: str
) -> HttpResponse:
    if extension not in ("json", "yaml"):
        raise Http404("The file is written as JSON or YAML.")
    action = _finished_action(request, public_id, action_id, Kind.EXPORT)
    document = action.outcome.answer.get("document") if not action.pending else None
    if not document:
        return redirect("onboarding:onboarding_file", public_id=public_id, action_id=action_id)
    as_yaml = extension == "yaml"
    text = portable.as_yaml(document) if as_yaml else json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    response = HttpResponse(text, content_type="application/yaml" if as_yaml else "application/json")
    filename = f"onboarding-eh-{action.onboarding.reference}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# Importing a file, or copying an onboarding


def _new_account_form(request: HtmxHttpRequest) -> NewAccountForm:
    """The new account's fields, with the wizard's choice of team: posted when no account was chosen (validated
    then, by the wizard's rules), or shown again with what was typed but no secret (another auth tab without
    JavaScript, or an account chosen), or fresh, with the creation token that makes a double submit find the same
    draft."""
    posted = request.POST if request.method == "POST" else None
    mine = teams(request)
    if posted is None:
        fresh = {**AccountForm.initial_for(None), "creation_token": uuid.uuid4()}
        return NewAccountForm(initial=fresh, teams=mine)
    if "switch_auth" not in posted and not posted.get("account"):
        return NewAccountForm(posted, teams=mine)
    typed = secret_echo.without_secrets({name: posted.get(name, "") for name in NON_SECRET_ACCOUNT_FIELDS})
    auth_type = posted.get("switch_auth") or posted.get("auth_type") or AuthType.STANDARD
    chosen = {"team": posted["team"]} if "team" in posted else {}  # "None: only me" stays chosen too
    return NewAccountForm(initial={**typed, **chosen, "auth_type": auth_type}, teams=mine)


def _page(request: HtmxHttpRequest, form: ImportTargetForm, new_account: NewAccountForm, **what: Any) -> HttpResponse:
    return render(request, IMPORT_PAGE, {"form": form, "new_account": new_account, "source": what.get("source")})


def _target_form(request: HtmxHttpRequest, form_class: type[ImportTargetForm], **form_args: Any) -> ImportTargetForm:
    """Bound to what was posted, or showing the accounts of the sandbox asked for (the page's refresh)."""
    form_args |= {"user": request.user, "sandboxes": known_sandboxes()}
    if request.method == "POST" and "switch_auth" not in request.POST:
        return form_class(request.POST, request.FILES, **form_args)
    asked = request.POST if request.method == "POST" else request.GET
    return form_class(initial={name: asked.get(name, "") for name in ("sandbox", "consumer_groups")}, **form_args)


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "POST"])
def onboarding_import(request: HtmxHttpRequest) -> HttpResponse:
    """Upload or paste a file, choose where it goes; the check against that sandbox then runs in the background."""
    form = _target_form(request, ImportForm)
    new_account = _new_account_form(request)
    if not form.is_bound or not _valid(form, new_account):
        return _page(request, form, new_account)
    data = form.cleaned_data
    origin = data["origin"] if data["origin"] != data["account"] else None  # a file imported back is no copy
    return _start_check(request, form, new_account, document=data["document"], label=data["label"], source=origin)


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "POST"])
def onboarding_copy(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Copy to another sandbox: the import, with this onboarding's file as the source."""
    source = owned_onboarding(request, public_id)
    if not source.dataflows.exclude(status=Dataflow.Status.DRAFT).exists():
        messages.info(request, f"Only reviewed dataflows are copied, and {source.name} has none yet.")
        return redirect("onboarding:detail", public_id=public_id)
    form = _target_form(request, ImportTargetForm, copied=source)
    new_account = _new_account_form(request)
    if not form.is_bound or not _valid(form, new_account):
        return _page(request, form, new_account, source=source)
    label = f"{source.name} (sandbox {source.sandbox_name})"
    return _start_check(request, form, new_account, source=source, label=label)


def _valid(form: ImportTargetForm, new_account: NewAccountForm) -> bool:
    """The target, and the new account's fields when no connected account was chosen (their errors shown
    only then)."""
    valid = form.is_valid()
    return (new_account.is_valid() if new_account.is_bound else True) and valid


def _start_check(
    request: HtmxHttpRequest, form: ImportTargetForm, new_account: NewAccountForm, **what: Any
) -> HttpResponse:
    data = form.cleaned_data
    asked = {"actor": request.user, "consumer_groups": data["consumer_groups"], **what}
    try:
        if data["account"] is None:
            action = portable.start_import_check_on_new_account(
                new_account=new_account.account(data["sandbox"]),
                creation_token=new_account.cleaned_data.get("creation_token"),
                **asked,
            )
        else:
            action = portable.start_import_check(account=data["account"], sandbox=data["sandbox"], **asked)
    except OnboardingError as error:
        views_actions.refusal_at(form, replace(error.problem, field=error.field or error.problem.field))
        return _page(request, form, new_account, **what)
    return views_actions.follow(request, action)


@login_required
@require_GET
def onboarding_import_result(request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """What the check found (the plan, or what the target sandbox lacks), or what the import did."""
    action = _finished_action(request, public_id, action_id, Kind.IMPORT_CHECK, Kind.IMPORT)
    if action.pending:
        return redirect(views_actions.action_url(action))
    said = action.result or {}
    source_id = str(said.get("source") or "")
    source = Onboarding.objects.visible_to(request.user).filter(public_id=source_id).first() if source_id else None
    context = {
        "account": action.onboarding,
        "action": action,
        "said": said,
        "answer": action.outcome.answer,
        "problem": actions.problem_of(action),
        "source": source,
        "again": _again(said, source),
        "can_import": _can_import(action),
        "imported": _imported(action),
        "retry": _retry_url(action),
    }
    return render(request, "onboarding/import_result.html", context)


def _again(said: dict[str, Any], source: Onboarding | None) -> str:
    """Where to change the choices: the copy's page, or the import page for a file (linked to its origin or not)."""
    if source is None or said.get("from_file"):
        return reverse("onboarding:import")
    return reverse("onboarding:copy", args=[source.public_id])


IMPORTED = {
    "created": "Created",
    "resumed": "Retried from its failed step",
    "already_there": "Already there, unchanged",
}


def _imported(action: RemoteAction) -> list[dict[str, str]]:
    """Each dataflow an import named, what it did with it, and how it stands now (its creation in Adobe goes on
    in the background)."""
    answer = action.outcome.answer
    named = [(said, d) for key, said in IMPORTED.items() for d in answer.get(key) or []]
    found = Dataflow.objects.filter(onboarding=action.onboarding, public_id__in=[d["public_id"] for _, d in named])
    statuses = {str(d.public_id): d.get_status_display() for d in found}
    return [{"said": said, **d, "status": statuses.get(d["public_id"], "")} for said, d in named]


def _retry_url(action: RemoteAction) -> str:
    """A failed import runs again from its check: what was done is skipped, the failed step tried alone."""
    check = (action.result or {}).get("check")
    if action.kind != Kind.IMPORT or not action.failed or not check:
        return ""
    return reverse("onboarding:import_run", args=[action.onboarding.public_id, check])


def _can_import(action: RemoteAction) -> bool:
    """A check that passed, and found something to create or retry (or, for a copy, two onboardings to link)."""
    answer = action.outcome.answer
    passed = action.kind == Kind.IMPORT_CHECK and not action.failed and not answer.get("problems")
    return passed and bool(answer.get("to_create") or answer.get("to_retry") or (action.result or {}).get("source"))


@login_required
@require_POST
def onboarding_import_run(request: HtmxHttpRequest, public_id: uuid.UUID, action_id: uuid.UUID) -> HttpResponse:
    """Create what a passed check planned, as one run (checked once more first)."""
    check = _finished_action(request, public_id, action_id, Kind.IMPORT_CHECK)
    try:
        action = portable.start_import(check=check, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect("onboarding:import_result", public_id=public_id, action_id=action_id)
    return views_actions.follow(request, action)


urlpatterns = [
    path("import/", onboarding_import, name="import"),
    path("<uuid:public_id>/copy/", onboarding_copy, name="copy"),
    path("<uuid:public_id>/onboarding-file/", onboarding_file_write, name="onboarding_file_write"),
    path("<uuid:public_id>/onboarding-file/<uuid:action_id>/", onboarding_file, name="onboarding_file"),
    path(
        "<uuid:public_id>/onboarding-file/<uuid:action_id>/download.<str:extension>",
        onboarding_file_download,
        name="onboarding_file_download",
    ),
    path("<uuid:public_id>/import/<uuid:action_id>/", onboarding_import_result, name="import_result"),
    path("<uuid:public_id>/import/<uuid:action_id>/run/", onboarding_import_run, name="import_run"),
]
