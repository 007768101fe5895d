"""The wizard's views: parse a form, call one service, pick a template (htmx gets a partial)."""

from __future__ import annotations

import dataclasses
import functools
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, push_url, replace_url, reswap, retarget

from connections import azure_names, exports, safe_input, services
from connections.auth_types import FIELDS, SECRET_FIELDS, AuthType
from connections.messages import Problem
from connections.models import Dataflow, Onboarding, OnboardingCopy, RemoteAction
from connections.services import OnboardingError, Replacement, actions, deletion, portable
from connections.services.hubs import HubRefused, hubs_used, onboarding_submit_hubs
from connections.services.sandboxes import known_sandboxes
from onboarding import secret_echo
from onboarding.access import HtmxHttpRequest, owned_onboarding, teams
from onboarding.forms.hubs import BaseHubFormSet, GroupPatternForm, hub_formset, listed_hubs
from onboarding.forms.wizard import AccountForm, CredentialsForm, SourceForm, hub_policy_refusal
from onboarding.links import OnboardingUrls
from onboarding.polling import poll_every
from onboarding.steps import Step

from . import actions as views_actions

WIZARD = "onboarding/wizard.html"
CREDENTIALS = "onboarding/credentials.html"
PAGE_SIZE = 20
SECRETS = (*SECRET_FIELDS, "connection_string")
NON_SECRET_ACCOUNT_FIELDS = (
    "name",
    "description",
    "sandbox_name",
    *(name for name in FIELDS if name not in SECRET_FIELDS),
    "creation_token",
)


# The columns My onboardings shows (and its rows' properties read): the other credentials stay undecrypted.
LISTED_COLUMNS = (
    "public_id",
    "name",
    "namespace",
    "event_hub_name",
    "status",
    "base_connection_id",
    "connection_test",
    "connection_tested_at",
    "went_on_anyway_at",
    "archived_at",
    "removed_from_adobe_at",
    "sandbox_name",
    "created_at",
)


def _visible(request: HtmxHttpRequest) -> QuerySet[Onboarding]:
    """The onboardings the user may see (their own or a team's), without their secret: no page shows it."""
    return Onboarding.objects.visible_to(request.user).defer(*SECRET_FIELDS)


def _page_onboarding(request: HtmxHttpRequest, public_id: uuid.UUID) -> Onboarding:
    """The onboarding a step's page shows, if the user may see it (404 otherwise), and whether it has requests
    to Adobe and dataflows: a page with none of them asks nothing more."""
    queryset = _visible(request).annotate(
        has_actions=Exists(RemoteAction.objects.filter(onboarding=OuterRef("pk"), dataflow=None)),
        has_dataflows=Exists(Dataflow.objects.filter(onboarding=OuterRef("pk"))),
        has_copies=Exists(OnboardingCopy.objects.filter(Q(original=OuterRef("pk")) | Q(copy=OuterRef("pk")))),
    )
    return get_object_or_404(queryset, public_id=public_id)


def _context(onboarding: Onboarding | None, step: Step, **extra: Any) -> dict[str, Any]:
    """What a step's page shows: the onboarding, its links, and the parts of the step that need reading."""
    if onboarding is not None and step == Step.DONE:
        extra.setdefault("flow_request", functools.partial(_flow_request, onboarding))
        # The dataflows this account feeds; none when its page's query found none (_page_onboarding).
        has_dataflows = getattr(onboarding, "has_dataflows", True)
        extra.setdefault("dataflows", list(onboarding.dataflows.all()) if has_dataflows else [])
        # The onboardings Copy to another sandbox linked to this one, compared; none when its page's query found none.
        has_copies = getattr(onboarding, "has_copies", True)
        extra.setdefault("linked", portable.linked_copies(onboarding) if has_copies else [])
        extra.setdefault("has_hubs", any(d.own_source for d in extra["dataflows"]))
        extra.setdefault("hubs_used", hubs_used(onboarding, extra["dataflows"]) if extra["has_hubs"] else [])
        extra.setdefault("source_unread", onboarding.source_unread(extra["dataflows"]))
    if onboarding is not None and step in (Step.SOURCE, Step.DONE) and not onboarding.is_in_flight:
        # The pages that show the tools (not while a step is in flight: the progress takes their place).
        has_actions = getattr(onboarding, "has_actions", True)
        extra.setdefault("recent_actions", views_actions.recent(onboarding) if has_actions else [])
    return {
        "onboarding": onboarding,
        "urls": OnboardingUrls(onboarding) if onboarding is not None else None,
        "step": step,
        **extra,
    }


def _flow_request(onboarding: Onboarding) -> str:
    return exports.as_curl(exports.streaming_flow_request(onboarding))


def _field_error(form: forms.Form, field: str | None, message: str) -> None:
    """Put a message on a field of a form that was not submitted (the stored refusal of the last attempt)."""
    if not field or field not in form.fields:
        return
    if not form.is_bound:
        form.cleaned_data = {}  # an unbound form takes an error for display only
    form.add_error(field, message)


def _problem_of(error: OnboardingError) -> Problem:
    """The error's Problem, naming the form field the refusal concerns."""
    return dataclasses.replace(error.problem, field=error.field or error.problem.field)


def _typed_again(initial: dict[str, Any], action: RemoteAction | None) -> dict[str, Any]:
    """The form's values, with what was typed for `action` (kept in its result) over them; never a secret."""
    typed = action.outcome.typed if action else {}
    return {**initial, **secret_echo.without_secrets(typed)}


def _account_form(onboarding: Onboarding | None) -> forms.Form | None:
    """The Account step's form: the whole account while no base connection exists, the credentials (the
    correction that PATCHes the kept base connection) while its test has not passed, none afterwards."""
    if onboarding is not None and onboarding.account_gated:
        form: forms.Form = CredentialsForm(initial=AccountForm.initial_for(onboarding), onboarding=onboarding)
        diagnosis = onboarding.diagnosis
        if diagnosis:
            _field_error(form, diagnosis.field, f"{diagnosis.sentence} {diagnosis.action}")
        return form
    if onboarding is None or onboarding.account_editable:
        form = AccountForm(
            initial=AccountForm.initial_for(onboarding), onboarding=onboarding, sandboxes=known_sandboxes()
        )
        refusal = (onboarding.last_error or {}) if onboarding and onboarding.base_failed else {}
        _field_error(form, refusal.get("field"), refusal.get("message", ""))
        return form
    return None


def _show(request: HtmxHttpRequest, onboarding: Onboarding | None, step: Step, **extra: Any) -> HttpResponse:
    if step == Step.ACCOUNT and "form" not in extra:
        extra["form"] = _account_form(onboarding)
    if step == Step.SOURCE and "form" not in extra and onboarding and onboarding.source_editable:
        extra["form"] = SourceForm(initial=SourceForm.initial_for(onboarding), onboarding=onboarding)
    if step == Step.SOURCE and onboarding and onboarding.source_editable:
        # The several-hubs form is built only when asked for (its disclosure opened) or re-shown after a POST.
        extra.setdefault("hubs_offered", listed_hubs(onboarding))
    if extra.get("hubs_form") is not None:
        extra.setdefault("pattern_form", GroupPatternForm())
    template = f"{WIZARD}#wizard" if request.htmx else WIZARD
    response = render(request, template, _context(onboarding, step, **extra))
    if request.htmx and onboarding is not None:
        # Back, refresh and bookmarks follow the step. The blank "new" page and the progress a poll
        # ends are replaced, not stacked: going back should not open an empty form or a finished wait.
        transient = request.resolver_match is not None and request.resolver_match.url_name in ("new", "status")
        follow = replace_url if transient else push_url
        follow(response, step.url(onboarding))
    return response


def _where_it_stands(onboarding: Onboarding) -> HttpResponse:
    return redirect(Step.of(onboarding).url(onboarding))


def _continue(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    """After a POST: the step the onboarding is on now (a redirect without JS, a swap with htmx)."""
    step = Step.of(onboarding)
    if request.htmx:
        return _show(request, onboarding, step)
    return redirect(step.url(onboarding))


def _switched_auth(request: HtmxHttpRequest, onboarding: Onboarding | None) -> AccountForm:
    """The form re-shown for another auth type (no-JS tab switch): what was typed, minus secrets."""
    initial: dict[str, Any] = secret_echo.without_secrets(
        {name: request.POST.get(name, "") for name in NON_SECRET_ACCOUNT_FIELDS}
    )
    initial["auth_type"] = request.POST.get("switch_auth")
    if request.POST.get("team"):
        initial["team"] = request.POST["team"]
    return AccountForm(initial=initial, onboarding=onboarding, teams=teams(request), sandboxes=known_sandboxes())


def _correct_account(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    """The Account step's POST while the kept base connection's test has not passed: a background task
    PATCHes the corrected credentials and tests again (the same details, submitted again, are tested again)."""
    form = CredentialsForm(request.POST, initial=AccountForm.initial_for(onboarding), onboarding=onboarding)
    if not form.is_valid():
        return _show(request, onboarding, Step.ACCOUNT, form=form)
    try:
        action = services.onboarding_start_replacement(
            onboarding=onboarding, actor=request.user, credentials=form.credentials(), correction=True
        )
    except OnboardingError as error:
        views_actions.refusal_at(form, _problem_of(error))
        return _show(request, onboarding, Step.ACCOUNT, form=form)
    response = views_actions.follow(request, action)
    return retarget(response, "#correction") if request.htmx and action.pending else response


def _correction_shown(onboarding: Onboarding, action: RemoteAction) -> dict[str, Any]:
    """The Account step after a correction failed: what was typed, and why (next to its field, or a reload)."""
    form = CredentialsForm(initial=_typed_again(AccountForm.initial_for(onboarding), action), onboarding=onboarding)
    problem = actions.problem_of(action)
    if problem is not None and action.outcome.stale:
        return {"form": form, "stale": problem.message}
    if problem is not None:
        views_actions.refusal_at(form, problem)
    return {"form": form}


def _connect_account(request: HtmxHttpRequest, onboarding: Onboarding | None) -> HttpResponse:
    """The Account step's POST, for a new onboarding or a draft."""
    if "switch_auth" in request.POST:
        return _show(request, onboarding, Step.ACCOUNT, form=_switched_auth(request, onboarding))
    form = AccountForm(request.POST, onboarding=onboarding, teams=teams(request), sandboxes=known_sandboxes())
    if not form.is_valid():
        return _show(request, onboarding, Step.ACCOUNT, form=form)
    try:
        onboarding = services.onboarding_connect_account(
            actor=request.user,
            account=form.account(),
            onboarding=onboarding,
            creation_token=form.cleaned_data.get("creation_token"),
        )
    except OnboardingError as error:
        form.add_error(error.field or "name", error.message)
        return _show(request, onboarding, Step.ACCOUNT, form=form)
    return _continue(request, onboarding)


# My onboardings


@require_GET
def favicon(request: HtmxHttpRequest) -> HttpResponse:
    # Resolved per request: the hashed name exists only once collectstatic has run.
    return redirect(static("onboarding/favicon.svg"), permanent=True)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    return redirect("onboarding:list")


@login_required
@require_GET
def onboarding_list(request: HtmxHttpRequest) -> HttpResponse:
    # No COUNT(*): the page asks for one row more than it shows to know whether there is a next page.
    number = safe_input.page_number(request.GET.get("page"))
    if number is None:
        raise Http404("There is no such page.")
    listed = Onboarding.objects.visible_to(request.user).listed().newest_first().only(*LISTED_COLUMNS)
    onboardings = list(listed[(number - 1) * PAGE_SIZE : number * PAGE_SIZE + 1])
    context = {"onboardings": onboardings[:PAGE_SIZE], "page": number, "has_next": len(onboardings) > PAGE_SIZE}
    return render(request, "onboarding/list.html", {**context, "undo_archive": _just_archived(request)})


def _just_archived(request: HtmxHttpRequest) -> Onboarding | None:
    """The onboarding the user has just archived (`?archived=`), while it can still be brought back."""
    public_id = request.GET.get("archived") or ""
    if not _is_uuid(public_id):
        return None
    visible = Onboarding.objects.visible_to(request.user).filter(removed_from_adobe_at__isnull=True)
    return visible.filter(public_id=public_id, archived_at__isnull=False).first()


# Step 1: Account


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "POST"])
def onboarding_new(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "GET":
        # The creation token makes a double submit land on one onboarding (and gives the reference it shows).
        initial = {**AccountForm.initial_for(None), "creation_token": uuid.uuid4()}
        form = AccountForm(initial=initial, teams=teams(request), sandboxes=known_sandboxes())
        return _show(request, None, Step.ACCOUNT, form=form, untouched=True)
    return _connect_account(request, None)


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "POST"])
def onboarding_account(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    onboarding = _page_onboarding(request, public_id)
    if request.method == "POST" and onboarding.account_gated:
        return _correct_account(request, onboarding)
    if request.method == "GET":
        action = views_actions.asked_result(request, onboarding, "credentials")
        if action is not None and action.pending:
            return redirect(views_actions.action_url(action))
        shown = _correction_shown(onboarding, action) if action and onboarding.account_gated else {}
        return _show(request, onboarding, Step.ACCOUNT, **shown)
    if not onboarding.account_editable:
        return _show(request, onboarding, Step.ACCOUNT)
    return _connect_account(request, onboarding)


@login_required
@require_POST
def onboarding_go_on(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The explicit secondary choice: go on to Source although the test did not pass (needs attention)."""
    onboarding = services.onboarding_go_on_anyway(onboarding=owned_onboarding(request, public_id), actor=request.user)
    return _continue(request, onboarding)


@login_required
@require_GET
def auth_fields(request: HtmxHttpRequest) -> HttpResponse:
    """The credential fields of another auth tab (htmx); the browser keeps what was typed."""
    public_id = request.GET.get("onboarding")
    onboarding = owned_onboarding(request, uuid.UUID(public_id)) if _is_uuid(public_id) else None
    auth_type = request.GET.get("switch_auth") or AuthType.STANDARD
    form = AccountForm(initial={**AccountForm.initial_for(onboarding), "auth_type": auth_type}, onboarding=onboarding)
    form.preserve(everything=True)
    context = _context(onboarding, Step.ACCOUNT, form=form)
    return render(request, f"{WIZARD}#auth-panel", context)


@login_required
@require_GET
def existing_account(request: HtmxHttpRequest) -> HttpResponse:
    """As a namespace is typed on New onboarding (htmx): the account already connecting it, if the user can see
    one, offered instead of a second account in Adobe (as Adobe's own "Existing account" choice)."""
    try:
        namespace = azure_names.namespace(request.GET.get("namespace", ""))
    except ValueError:
        namespace = ""
    found = Onboarding.objects.visible_to(request.user).connected_to(namespace).first() if namespace else None
    return render(request, f"{WIZARD}#existing-account", {"existing": found, "namespace": namespace})


@sensitive_post_parameters(*SECRETS)
@login_required
@require_POST
def parse_connection_string(request: HtmxHttpRequest) -> HttpResponse:
    """Split a pasted connection string into the fields (htmx); the key itself is never sent back."""
    public_id = request.POST.get("onboarding")
    onboarding = owned_onboarding(request, uuid.UUID(public_id)) if _is_uuid(public_id) else None
    if onboarding is not None and onboarding.account_gated and request.POST.get("correction"):
        return _parsed_correction(request, onboarding)
    initial = secret_echo.without_secrets({name: request.POST.get(name, "") for name in NON_SECRET_ACCOUNT_FIELDS})
    initial["auth_type"] = request.POST.get("auth_type") or AuthType.STANDARD
    extra: dict[str, Any] = {}
    try:
        parsed = azure_names.parse_connection_string(request.POST.get("connection_string", ""))
    except ValueError as exc:
        error = str(exc) if request.POST.get("connection_string", "").strip() else ""
    else:
        error = ""
        initial.update(namespace=parsed.namespace, sas_key_name=parsed.sas_key_name)
        if parsed.event_hub_name:
            if initial["auth_type"] != AuthType.SAS:
                extra["switched_to_sas"] = parsed.event_hub_name
            initial.update(auth_event_hub_name=parsed.event_hub_name, auth_type=AuthType.SAS)
        extra["connection_string_ok"] = True
    form = AccountForm(initial=initial, onboarding=onboarding)
    if error:
        form.cleaned_data = {}  # an unbound form takes an error for display only
        form.add_error("connection_string", error)
    return render(request, f"{WIZARD}#auth-panel", _context(onboarding, Step.ACCOUNT, form=form, **extra))


def _parsed_correction(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    """The correction's fields filled in from a pasted connection string: what it says replaces what was there,
    since the person pasted it to correct them (its key stays in the browser, never sent back)."""
    typed: dict[str, object] = {name: request.POST.get(name, "") for name in NON_SECRET_ACCOUNT_FIELDS}
    initial = {**AccountForm.initial_for(onboarding), **secret_echo.without_secrets(typed)}
    pasted = request.POST.get("connection_string", "")
    try:
        parsed = azure_names.parse_connection_string(pasted)
    except ValueError as exc:
        error, extra = (str(exc) if pasted.strip() else ""), {}
    else:
        initial.update(namespace=parsed.namespace, sas_key_name=parsed.sas_key_name)
        if parsed.event_hub_name and "auth_event_hub_name" in onboarding.auth.field_names:
            initial["auth_event_hub_name"] = parsed.event_hub_name
        error = hub_policy_refusal(onboarding.auth, parsed.event_hub_name)
        extra = {} if error else {"connection_string_ok": True}
    form = CredentialsForm(initial=initial, onboarding=onboarding)
    if error:
        form.cleaned_data = {}  # an unbound form takes an error for display only
        form.add_error("connection_string", error)
    return render(request, f"{WIZARD}#correction-fields", _context(onboarding, Step.ACCOUNT, form=form, **extra))


def _is_uuid(value: str | None) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


# Step 2: Source


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_source(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    onboarding = _page_onboarding(request, public_id)
    if not Step.SOURCE.reached_by(onboarding):
        messages.info(request, "Connect the account first: the source step needs the base connection.")
        return redirect(Step.ACCOUNT.url(onboarding))
    if request.method == "GET" or not onboarding.source_editable:
        return _show(request, onboarding, Step.SOURCE)
    form = SourceForm(request.POST, onboarding=onboarding)
    if not form.is_valid():
        return _show(request, onboarding, Step.SOURCE, form=form)
    try:
        onboarding = services.onboarding_submit_source(onboarding=onboarding, actor=request.user, source=form.source())
    except OnboardingError as error:
        form.add_error(error.field or "event_hub_name", error.message)
        return _show(request, onboarding, Step.SOURCE, form=form)
    return _continue(request, onboarding)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_source_hubs(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The Source step with several event hubs ticked: the first is the onboarding's source connection, each
    other a dataflow of its own on the same base connection (services/hubs.py). GET: the form itself."""
    onboarding = _page_onboarding(request, public_id)
    if request.method == "GET":
        return _hubs_form(request, onboarding)
    pattern = GroupPatternForm(request.POST)
    if "fill" in request.POST and pattern.is_valid() and onboarding.source_editable:
        # Fill every consumer group in again from the pattern, keeping the ticks: nothing is submitted yet.
        refilled = hub_formset(onboarding, pattern=pattern.cleaned_data["pattern"], kept=request.POST)
        return _show(request, onboarding, Step.SOURCE, hubs_form=refilled, pattern_form=pattern)
    formset = hub_formset(onboarding, request.POST)
    if formset is None or not onboarding.source_editable:
        return _where_it_stands(onboarding)
    if not formset.is_valid():
        return _show(request, onboarding, Step.SOURCE, hubs_form=formset, pattern_form=pattern)
    try:
        onboarding = onboarding_submit_hubs(onboarding=onboarding, actor=request.user, sources=formset.sources())
    except HubRefused as error:
        return _hubs_refused(request, onboarding, formset, error)
    return _continue(request, onboarding)


def _hubs_form(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    """The several-hubs form, asked for by opening its disclosure on Source: the form alone for htmx, the
    Source page with the disclosure open without JS; where the onboarding stands once the form is no more."""
    formset = hub_formset(onboarding) if onboarding.source_editable else None
    if formset is None:
        url = Step.of(onboarding).url(onboarding)
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if not request.htmx:
        return _show(request, onboarding, Step.SOURCE, hubs_form=formset)
    context = _context(onboarding, Step.SOURCE, hubs_form=formset, pattern_form=GroupPatternForm())
    return render(request, f"{WIZARD}#source-hubs-form", context)


def _hubs_refused(
    request: HtmxHttpRequest, onboarding: Onboarding, formset: BaseHubFormSet, error: HubRefused
) -> HttpResponse:
    formset.refused(error)
    return _show(request, onboarding, Step.SOURCE, hubs_form=formset, pattern_form=GroupPatternForm(request.POST))


# Step 3: Done


@login_required
@require_GET
def onboarding_done(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    onboarding = _page_onboarding(request, public_id)
    if not Step.DONE.reached_by(onboarding):
        messages.info(request, "This onboarding is not finished yet; here is where it stands.")
        return _where_it_stands(onboarding)
    return _show(request, onboarding, Step.DONE)


# Moving on


@login_required
@require_GET
def onboarding_detail(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    onboarding = _page_onboarding(request, public_id)
    return _where_it_stands(onboarding)


@login_required
@require_POST
def onboarding_retry(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Repeat only the failed step, with what is stored."""
    onboarding = services.onboarding_retry(onboarding=owned_onboarding(request, public_id), actor=request.user)
    return _continue(request, onboarding)


@login_required
@require_GET
def onboarding_status(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Polled while a background task works for the onboarding: nothing to swap until it is done, then the
    step it stands on replaces the wizard (its URL pushed, focus on the new heading), as after a submit.
    Each poll reads the onboarding alone; the step's page, once, reads what it lists."""
    onboarding = get_object_or_404(_visible(request), public_id=public_id)
    onboarding = services.onboarding_recover(onboarding=onboarding, actor=request.user)
    if services.onboarding_busy(onboarding):
        return _still_busy(request, onboarding)
    if not request.htmx:
        return _where_it_stands(onboarding)
    onboarding = _page_onboarding(request, public_id)
    return reswap(retarget(_show(request, onboarding, Step.of(onboarding)), "#wizard"), "outerHTML")


def _still_busy(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    """Nothing to swap while the work goes on, but the progress itself once it should poll at another interval."""
    every = poll_every(onboarding.step_started_at)
    if not request.htmx or request.GET.get("every", every) == every:
        return HttpResponse(status=204)
    progress = render(request, f"{WIZARD}#in-flight", _context(onboarding, Step.of(onboarding)))
    return reswap(retarget(progress, "#wizard-progress"), "outerHTML")


# The onboarding's tools: test, replace the key, reload, export


@login_required
@require_POST
def onboarding_test(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Test the base connection (a background task): its progress, then the named checks."""
    onboarding = owned_onboarding(request, public_id)
    try:
        action = services.onboarding_start_test(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        messages.info(request, error.message)
        return _where_it_stands(onboarding)
    if request.htmx and not action.pending and not action.failed:
        onboarding = Onboarding.objects.get(pk=onboarding.pk)  # the checks just kept
        return render(request, f"{WIZARD}#checks", _context(onboarding, Step.of(onboarding)))
    return views_actions.follow(request, action)


@sensitive_post_parameters(*SECRETS)
@login_required
@require_http_methods(["GET", "POST"])
def onboarding_credentials(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Edit the credentials of the base connection (a rotated key, or a namespace typo): a background task
    PATCHes and tests them; this page then shows what happened (`?action=`), with what was typed."""
    onboarding = owned_onboarding(request, public_id)
    if not onboarding.credentials_replaceable:
        messages.info(request, "The credentials can be replaced once the base connection exists.")
        return _where_it_stands(onboarding)
    if request.method == "POST":
        return _replace_credentials(request, onboarding)
    action = views_actions.asked_result(request, onboarding, "credentials")
    if action is not None and action.pending:
        return redirect(views_actions.action_url(action))
    form = CredentialsForm(initial=_typed_again(AccountForm.initial_for(onboarding), action), onboarding=onboarding)
    context: dict[str, Any] = {"onboarding": onboarding, "form": form, "problem": None}
    if action is not None:
        context.update(_replacement_shown(form, action))
    return render(request, CREDENTIALS, context)


def _replace_credentials(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    form = CredentialsForm(request.POST, initial=AccountForm.initial_for(onboarding), onboarding=onboarding)
    context: dict[str, Any] = {"onboarding": onboarding, "form": form, "problem": None}
    if form.is_valid():
        try:
            action = services.onboarding_start_replacement(
                onboarding=onboarding,
                actor=request.user,
                credentials=form.credentials(),
                resuming=request.POST.get("resume") == "unknown-outcome",  # the Retry after a lost answer
            )
        except OnboardingError as error:
            context["problem"] = error.problem
        else:
            return views_actions.follow(request, action)
    return render(request, CREDENTIALS, context)


def _replacement_shown(form: forms.Form, action: RemoteAction) -> dict[str, Any]:
    """What the credentials page says of a finished replacement: its outcome, the Reload offer after a 412,
    the refusal next to its field, or the problem (with Retry when Adobe's answer was lost)."""
    problem = actions.problem_of(action)
    if problem is None:
        shown = action.result and not action.failed and not action.outcome.notice
        return {"result": Replacement.from_json(action.result or {})} if shown else {}
    if action.outcome.stale:
        return {"stale": problem.message}
    if problem.field in form.fields:
        views_actions.refusal_at(form, problem)
        return {}
    return {"problem": problem}


@login_required
@require_POST
def onboarding_reload(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Take Adobe's current version of the base connection after a 412 (changed elsewhere), in a background task."""
    onboarding = owned_onboarding(request, public_id)
    try:
        action = services.onboarding_start_reload(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect("onboarding:credentials", public_id=onboarding.public_id)
    return views_actions.follow(request, action)


@login_required
@require_POST
def onboarding_source_reload(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Take Adobe's current source connection after a 412 (changed elsewhere), in a background task."""
    onboarding = owned_onboarding(request, public_id)
    try:
        action = services.onboarding_start_source_reload(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect(Step.of(onboarding).url(onboarding))
    return views_actions.follow(request, action)


@login_required
@require_GET
def onboarding_export(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """The onboarding as JSON, secrets masked."""
    onboarding = owned_onboarding(request, public_id)
    response = JsonResponse(exports.onboarding_export(onboarding), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="onboarding-eh-{onboarding.reference}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_source_edit(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Change the source connection's settings in Adobe (PATCH with If-Match, a background task); this page
    then shows a refusal (`?action=`) with what was typed."""
    onboarding = owned_onboarding(request, public_id)
    if not onboarding.source_changeable:
        messages.info(request, "The source settings can be changed once the source connection exists.")
        return redirect(Step.of(onboarding).url(onboarding))
    if request.method == "POST":
        return _update_source(request, onboarding)
    asked = views_actions.asked_result(request, onboarding, "source")
    if asked is not None and asked.pending:
        return redirect(views_actions.action_url(asked))
    form = SourceForm(initial=_typed_again(SourceForm.initial_for(onboarding), asked), onboarding=onboarding)
    if asked is None or not asked.failed:
        return _source_edit_page(request, onboarding, form)
    return _source_edit_page(request, onboarding, form, actions.problem_of(asked), stale=asked.outcome.stale)


def _update_source(request: HtmxHttpRequest, onboarding: Onboarding) -> HttpResponse:
    form = SourceForm(request.POST, initial=SourceForm.initial_for(onboarding), onboarding=onboarding)
    if not form.is_valid():
        return _source_edit_page(request, onboarding, form)
    try:
        action = services.onboarding_start_source_update(
            onboarding=onboarding, actor=request.user, source=form.source()
        )
    except OnboardingError as error:
        return _source_edit_page(request, onboarding, form, _problem_of(error))
    return views_actions.follow(request, action)


def _source_edit_page(
    request: HtmxHttpRequest,
    onboarding: Onboarding,
    form: SourceForm,
    problem: Problem | None = None,
    stale: Any = False,
) -> HttpResponse:
    """A 412 is said above the form (the source connection changed elsewhere); a refusal next to its field.
    Under a dataflow that exists the page offers a new dataflow instead of the form (Adobe would not carry
    the change into it)."""
    context = {"onboarding": onboarding, "form": form, "problem": problem if stale else None, "stale": bool(stale)}
    context["reading"] = onboarding.dataflow_on_source()
    if problem is not None and not stale:
        views_actions.refusal_at(form, problem)
    return render(request, "onboarding/source_edit.html", context)


@login_required
@require_POST
def onboarding_archive(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Hide the onboarding from My onboardings (kept in the audit; nothing changes in Adobe)."""
    try:
        onboarding = services.onboarding_archive(onboarding=owned_onboarding(request, public_id), actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect("onboarding:detail", public_id=public_id)
    messages.success(request, f"Archived {onboarding.name}. Nothing was deleted in Adobe.")
    return redirect(f"{reverse('onboarding:list')}?archived={onboarding.public_id}")  # the list offers Undo


@login_required
@require_POST
def onboarding_unarchive(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Undo an archive: back in My onboardings."""
    try:
        onboarding = services.onboarding_unarchive(onboarding=owned_onboarding(request, public_id), actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect("onboarding:list")
    messages.success(request, f"{onboarding.name} is back in your list.")
    return redirect("onboarding:detail", public_id=public_id)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding_delete(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """Delete the account in Adobe with its dataflows (a background task, one step per object), after a
    confirmation page naming each; with `?action=` the page shows each step's progress (polled), or the step
    that failed and Retry."""
    onboarding = owned_onboarding(request, public_id)
    if request.method == "GET":
        asked = views_actions.asked_result(request, onboarding, "delete")
        if asked is not None and not asked.pending and (request.htmx or not asked.failed):
            return views_actions.follow(request, asked)  # finished: where its result shows
        return _delete_page(request, onboarding, asked=asked)
    if request.POST.get("confirm") != onboarding.reference:
        return _delete_page(request, onboarding, unconfirmed=True)
    try:
        action = services.onboarding_start_delete(onboarding=onboarding, actor=request.user)
    except OnboardingError as error:
        return _delete_page(request, onboarding, problem=error.problem)
    if action.pending:
        return redirect(views_actions.result_url(action, "onboarding:delete"))
    return views_actions.follow(request, action)


def _delete_page(
    request: HtmxHttpRequest, onboarding: Onboarding, *, asked: RemoteAction | None = None, **context: Any
) -> HttpResponse:
    steps = deletion.step_states(deletion.account_steps(onboarding), asked)
    problem = actions.problem_of(asked) if asked else None
    unfinished = deletion.unfinished_dataflows(onboarding)
    context = {"steps": steps, "unfinished": unfinished, "asked": asked, "problem": problem, **context}
    return render(request, "onboarding/delete.html", {"onboarding": onboarding, **context})


def csrf_failure(request: HtmxHttpRequest, reason: str = "") -> HttpResponse:
    """The app's own page for a refused form (an old page, or a request from another site)."""
    return render(request, "403_csrf.html", status=403)
