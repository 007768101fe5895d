"""The dataflow's pages: select data, dataset, mapping, review and finish, then watching data arrive.

Thin like the wizard's views: parse a form, call one service, pick a template (htmx gets a partial).
No view waits on Adobe: Finish and Retry claim the next create and a task does the rest (the watch page polls
`dataflow_status`); every read and check a page needs is a remote action (views_actions.follow), its answer
reused while fresh, and a page whose answer is still coming shows its progress.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from connections import exports, safe_input
from connections.models import Dataflow, Onboarding, RemoteAction
from connections.services import actions, deletion, demo_clock
from connections.services import dataflow as finish
from connections.services import dataflow_choices as choices
from connections.services.dataflow_choices import Ask
from connections.services.dataflow_fields import (
    EXPRESSION,
    GENERATED_ID,
    SchemaField,
    is_generated,
    offers_generated_id,
    with_generated_id,
)
from connections.services.errors import OnboardingError
from connections.services.hubs import has_hubs
from onboarding.access import HtmxHttpRequest
from onboarding.dataflow_pages import Page
from onboarding.forms.dataflow import DatasetForm, DetailForm, ExistingAccountForm, SampleForm, empty_sides

from . import actions as views_actions

PAGE = "onboarding/dataflow/page.html"
Kind = RemoteAction.Kind
# Adobe's documents are silent: on a URL for one dataflow in Experience Platform's UI (only the navigation
# Sources › Dataflows is documented); this opens the Sources workspace of the organization.
PLATFORM_SOURCES_URL = "https://experience.adobe.com/#/platform/source"
MAX_MAPPING_ROWS = 200


def _owned(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> Dataflow:
    found = Dataflow.objects.visible_to(request.user).select_related("onboarding")
    return get_object_or_404(found, public_id=dataflow_id, onboarding__public_id=public_id)


def _show(request: HtmxHttpRequest, dataflow: Dataflow, page: Page, **extra: Any) -> HttpResponse:
    context = {
        "dataflow": dataflow,
        "onboarding": dataflow.onboarding,
        "page": page,
        "nav": [(item, _link(dataflow, item, page)) for item in Page],
        **extra,
    }
    return render(request, f"{PAGE}#dataflow" if request.htmx else PAGE, context)


def _link(dataflow: Dataflow, item: Page, current: Page) -> str | None:
    """The URL of a step the user may go back or on to (never the current one; never back once created)."""
    reachable = item.position <= Page.furthest(dataflow).position and dataflow.editable and item != Page.WATCH
    return item.url(dataflow) if reachable and item != current else None


def _go(request: HtmxHttpRequest, dataflow: Dataflow, page: Page) -> HttpResponse:
    return HttpResponseClientRedirect(page.url(dataflow)) if request.htmx else redirect(page.url(dataflow))


def _guard(request: HtmxHttpRequest, dataflow: Dataflow, page: Page) -> HttpResponse | None:
    """A page the choices do not open yet (or no longer: the dataflow is being created) sends to the right one."""
    furthest = Page.furthest(dataflow)
    if page.position <= furthest.position and (page == Page.WATCH) == (furthest == Page.WATCH):
        return None
    return redirect(furthest.url(dataflow))


ChoiceView = Callable[[HtmxHttpRequest, Dataflow], HttpResponse]


def _choice_page(page: Page) -> Callable[[ChoiceView], Callable[..., HttpResponse]]:
    """A page of choices: signed in, GET or POST, on the user's own dataflow, once (and while) its choices open it."""

    def decorate(view: ChoiceView) -> Callable[..., HttpResponse]:
        @login_required
        @require_http_methods(["GET", "POST"])
        @functools.wraps(view)
        def page_view(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
            dataflow = _owned(request, public_id, dataflow_id)
            return _guard(request, dataflow, page) or view(request, dataflow)

        return page_view

    return decorate


# Starting one


@login_required
@require_http_methods(["GET", "POST"])
def dataflow_new(request: HtmxHttpRequest, public_id: uuid.UUID) -> HttpResponse:
    """POST without fields: the dataflow of the onboarding's own source. With fields (or GET): another event hub
    or consumer group of the same account, the credentials reused."""
    onboarding = get_object_or_404(Onboarding.objects.visible_to(request.user), public_id=public_id)
    other = request.GET.get("other") or "event_hub_name" in request.POST
    form = ExistingAccountForm(request.POST if request.method == "POST" and other else None, onboarding=onboarding)
    if request.method == "POST" and (not other or form.is_valid()):
        try:
            source = form.dataflow_source() if other else None
            dataflow = choices.dataflow_start(onboarding=onboarding, actor=request.user, source=source)
        except OnboardingError as error:
            if not other:
                messages.error(request, error.message)
                return redirect("onboarding:detail", public_id=onboarding.public_id)
            form.add_error(error.field or "event_hub_name", error.message)
        else:
            return redirect(Page.DATA.url(dataflow))
    if not other:
        form = ExistingAccountForm(
            initial={"data_type": onboarding.data_type, "reset": "latest"}, onboarding=onboarding
        )
    return render(request, "onboarding/dataflow/new.html", {"onboarding": onboarding, "form": form})


# Select data


@login_required
@require_http_methods(["GET", "POST"])
def dataflow_data(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    dataflow = _owned(request, public_id, dataflow_id)
    if not dataflow.editable:
        return redirect(Page.WATCH.url(dataflow))
    form = SampleForm()
    if request.POST.get("action") == "preview":
        read = choices.dataflow_read(choices.PREVIEW, dataflow=dataflow, actor=request.user, ask=Ask.AGAIN)
        return views_actions.follow(request, read.action) if read.action else redirect(Page.DATA.url(dataflow))
    if request.method == "POST":
        form = SampleForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                dataflow = choices.dataflow_use_sample(dataflow=dataflow, text=form.cleaned_data["sample"])
            except OnboardingError as error:
                form.add_error("sample" if error.field else None, error.message)
            else:
                return _go(request, dataflow, Page.DATASET)
    read = choices.dataflow_preview_read(dataflow=dataflow, actor=request.user)
    if read.action and not read.pending and not dataflow.sample:
        dataflow.refresh_from_db()  # the preview just kept (the task ran at once)
    fields, stored_problem = choices.fields_of(dataflow), choices.stored_sample_problem(dataflow)
    if stored_problem:
        messages.error(request, f"The sample kept earlier cannot be shown. {stored_problem} Paste or upload it again.")
    raw = "" if stored_problem else _raw(dataflow)
    context = {"fields": fields, "problem": read.problem, "form": form, "raw": raw}
    return _show(request, dataflow, Page.DATA, waiting=read if read.pending else None, **context)


def _raw(dataflow: Dataflow) -> str:
    return json.dumps(dataflow.sample or [], indent=2, ensure_ascii=False)[:200_000]


# Dataset


@_choice_page(Page.DATASET)
def dataflow_dataset(request: HtmxHttpRequest, dataflow: Dataflow) -> HttpResponse:
    searching = bool(request.htmx) and request.GET.get("q") is not None
    ask = Ask.NEVER if searching else Ask.AGAIN if request.GET.get("again") else Ask.IF_STALE
    read = choices.dataflow_read(choices.CATALOGUE, dataflow=dataflow, actor=request.user, ask=ask)
    catalogue = choices.catalogue_of(read)
    if catalogue is None:
        waiting = read if read.pending else None
        return _show(request, dataflow, Page.DATASET, waiting=waiting, problem=None if waiting else read.problem)
    query = request.GET.get("q", "").strip()
    lists = _dataset_lists(request, dataflow, catalogue, query)
    closed = empty_sides(catalogue.datasets, catalogue.schemas)
    asked = views_actions.asked_result(request, dataflow.onboarding, choices.CHOOSE_DATASET, dataflow)
    if asked is not None and asked.pending:
        return redirect(views_actions.action_url(asked))
    if request.method == "POST":
        offered = catalogue.datasets + choices.searched_datasets(dataflow)  # a dataset a search found too
        form = DatasetForm(request.POST, datasets=offered, schemas=catalogue.schemas, unavailable=closed)
        if form.is_valid():
            try:
                action = choices.dataflow_start_choosing(
                    dataflow=dataflow, actor=request.user, choice=form.dataset_choice(), held=catalogue
                )
            except OnboardingError as error:
                form.add_error(error.field or None, error.message)
            else:
                return views_actions.follow(request, action)
    else:
        initial = _dataset_initial(dataflow, asked)
        form = DatasetForm(initial=initial, datasets=lists["datasets"], schemas=lists["schemas"], unavailable=closed)
        if asked is not None:
            views_actions.refusal_in(form, asked)
    if searching:
        context = {"form": form, "dataflow": dataflow, "onboarding": dataflow.onboarding, **lists}
        return render(request, f"{PAGE}#dataset-lists", context)
    return _show(request, dataflow, Page.DATASET, form=form, **lists)


def _dataset_lists(
    request: HtmxHttpRequest, dataflow: Dataflow, catalogue: choices.Catalogue, query: str
) -> dict[str, Any]:
    """The datasets and schemas the step lists: with a search, the datasets Catalog finds by name (asked in the
    background; meanwhile, and if Catalog cannot be asked, those held that match); the schemas held that match."""
    text = query.lower()
    held = [d for d in catalogue.datasets if text in f"{d['name']} {d['schema']}".lower()]
    lists: dict[str, Any] = {
        "query": query,
        "datasets": held,
        "schemas": [s for s in catalogue.schemas if text in s["title"].lower()],
    }
    if not query or request.method == "POST":
        return lists
    try:
        search = choices.dataflow_read(choices.DATASET_SEARCH, dataflow=dataflow, actor=request.user, search=query)
    except OnboardingError:  # another search started at the same moment: this one is asked on the next look
        return {**lists, "searching_adobe": True}
    found = choices.found_datasets(search, catalogue)
    if found is None:
        return {**lists, "searching_adobe": search.pending, "search_problem": search.problem}
    return {**lists, "datasets": found, "found_by_adobe": True}


def _dataset_initial(dataflow: Dataflow, asked: RemoteAction | None = None) -> dict[str, Any]:
    """The dataflow's choice, or the one a refused action asked for (kept in its result)."""
    typed = asked.outcome.typed if asked is not None and asked.failed else None
    if typed:
        choice = choices.DatasetChoice(**typed)
        return {
            "choice": "existing" if choice.existing_id else "new",
            "dataset_id": choice.existing_id,
            "dataset_name": choice.new_name,
            "schema_id": choice.schema_id,
            "profile_enabled": choice.profile_enabled,
        }
    if dataflow.dataset_choice == Dataflow.DatasetChoice.EXISTING:
        return {"choice": "existing", "dataset_id": dataflow.dataset_id}
    return {
        "choice": "new",
        "dataset_name": dataflow.dataset_name or f"{dataflow.event_hub_name.title()} events",
        "schema_id": dataflow.schema_id,
        "profile_enabled": dataflow.profile_enabled,
    }


# Mapping


def _posted_rows(request: HtmxHttpRequest) -> list[dict[str, str]]:
    """The rows as posted; a generated row is the one expression the page offers, whatever else is posted."""
    rows = []
    for index in range(safe_input.whole_number(request.POST.get("rows", ""), MAX_MAPPING_ROWS) or 0):
        if request.POST.get(f"kind-{index}") == EXPRESSION:
            rows.append(dict(GENERATED_ID))
            continue
        rows.append(
            {
                "source": request.POST.get(f"source-{index}", "").strip(),
                "destination": request.POST.get(f"destination-{index}", "").strip(),
            }
        )
    return rows


@_choice_page(Page.MAPPING)
def dataflow_mapping(request: HtmxHttpRequest, dataflow: Dataflow) -> HttpResponse:
    read = choices.dataflow_read(choices.SCHEMA, dataflow=dataflow, actor=request.user) if dataflow.is_raw else None
    targets = choices.schema_fields_of(read) if read else []
    rows, row_errors, problem, unmatched = list(dataflow.mappings or []), {}, None, True
    check = choices.mapping_check(dataflow, _uuid(request.GET.get("action")))
    if check is not None:
        rows, row_errors, problem = check.rows, check.row_errors, check.problem
    if request.method == "POST" and dataflow.is_raw:
        rows, row_errors, problem, unmatched = _posted_rows(request), {}, None, False
        action = request.POST.get("action", "save")
        removed = safe_input.whole_number(action.removeprefix("remove-"), MAX_MAPPING_ROWS)
        if action.startswith("remove-") and removed is not None and removed < len(rows):
            del rows[removed]
        elif action == "add":
            rows.append({"source": "", "destination": ""})
        elif action == "generate-id":
            rows = with_generated_id(rows)
        else:
            rows = choices.mapping_rows(dataflow, rows, targets, unmatched=False)
            try:
                check_action = choices.dataflow_start_mapping_check(dataflow=dataflow, actor=request.user, rows=rows)
            except choices.RequiredUnmapped as error:
                row_errors, problem = error.rows, error.problem
            except OnboardingError as error:
                problem = error.problem
            else:
                return views_actions.follow(request, check_action)
    rows = choices.mapping_rows(dataflow, rows, targets, unmatched=unmatched)
    context = _mapping_context(dataflow, read, targets, rows, row_errors)
    return _show(request, dataflow, Page.MAPPING, problem=problem, **context)


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


def _mapping_context(
    dataflow: Dataflow,
    read: choices.Read | None,
    targets: list[SchemaField],
    rows: list[dict[str, str]],
    row_errors: dict[int, str],
) -> dict[str, Any]:
    if read is None:
        return {}
    types = {f.path: f.type for f in choices.fields_of(dataflow)}
    by_path = {t.path: t for t in targets}
    filled = {r["destination"] for r in rows if r["source"]}
    shown = [
        {
            **row,
            "index": i,
            "generated": is_generated(row),
            "type": types.get(row["source"], ""),
            "target": by_path.get(row["destination"]),
            "error": row_errors.get(i, ""),
            "to_fill": row["destination"] in by_path and by_path[row["destination"]].required,
        }
        for i, row in enumerate(rows)
    ]
    return {
        "rows": shown,
        "first_error": min(row_errors, default=None),
        "targets": targets,
        "waiting": read if read.pending and not targets else None,
        "source_fields": list(types),
        "required_unmapped": [t for t in targets if t.required and t.path not in filled],
        "offer_generated_id": offers_generated_id(rows, targets),
        "identities": [t for t in targets if t.identity],
        "earlier": choices.mapping_started_from(dataflow),
    }


# Review and Finish


@_choice_page(Page.REVIEW)
def dataflow_review(request: HtmxHttpRequest, dataflow: Dataflow) -> HttpResponse:
    form = DetailForm(request.POST or None, initial={"name": dataflow.name, "description": dataflow.description})
    if request.method == "POST" and form.is_valid():
        try:
            dataflow = choices.dataflow_save_detail(
                dataflow=dataflow, name=form.cleaned_data["name"], description=form.cleaned_data["description"]
            )
            dataflow = finish.dataflow_finish(dataflow=dataflow, actor=request.user)
        except OnboardingError as error:
            form.add_error(None, error.message)
        else:
            return _go(request, dataflow, Page.WATCH)
    return _show(
        request, dataflow, Page.REVIEW, form=form, left_out=choices.left_out(dataflow), hubs_url=_hubs_url(dataflow)
    )


def _hubs_url(dataflow: Dataflow) -> str:
    """The hubs page, for the dataflow whose settings the other ticked hubs share."""
    if dataflow.own_source or not has_hubs(dataflow.onboarding):
        return ""
    return reverse("onboarding:hubs", args=[dataflow.onboarding.public_id])


@login_required
@require_POST
def dataflow_retry(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Repeat only the failed step, with what is stored (a background task; the watch page shows progress)."""
    dataflow = finish.dataflow_retry(dataflow=_owned(request, public_id, dataflow_id), actor=request.user)
    return _go(request, dataflow, Page.WATCH)


# Watching it arrive


@login_required
@require_GET
def dataflow_watch(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    dataflow = finish.dataflow_recover(dataflow=_owned(request, public_id, dataflow_id), actor=request.user)
    if blocked := _guard(request, dataflow, Page.WATCH):
        return blocked
    extra: dict[str, Any] = {"platform_url": PLATFORM_SOURCES_URL, "busy": finish.dataflow_busy(dataflow)}
    if dataflow.is_created:
        extra["flow_request"] = exports.as_curl(exports.dataflow_request(dataflow))
        extra.update(_activity(request, dataflow))
    return _show(request, dataflow, Page.WATCH, **extra)


@login_required
@require_GET
def dataflow_status(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Polled while a task creates the dataflow's objects: the step under way until it has stopped, then the
    watch page (created, or failed with Retry). A task that died is settled here once it outlived every timeout."""
    dataflow = finish.dataflow_recover(dataflow=_owned(request, public_id, dataflow_id), actor=request.user)
    if finish.dataflow_busy(dataflow) and request.htmx:
        return render(request, f"{PAGE}#creating", {"dataflow": dataflow, "onboarding": dataflow.onboarding})
    return _go(request, dataflow, Page.WATCH)


def _activity(request: HtmxHttpRequest, dataflow: Dataflow) -> dict[str, Any]:
    """The activity region: Adobe's latest answer (asked at most every 30 s), or why it could not be had."""
    ask = Ask.AGAIN if request.GET.get("again") else Ask.IF_STALE
    read = choices.dataflow_read(choices.ACTIVITY, dataflow=dataflow, actor=request.user, ask=ask)
    return {
        "activity": choices.activity_of(read, dataflow),
        "activity_as_of": read.held_asked_at,
        "activity_problem": read.problem,
        "asking": read.pending,
    }


@login_required
@require_GET
def dataflow_activity(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Polled while the page is open: the dataflow's state and records, as Adobe last reported them."""
    dataflow = _owned(request, public_id, dataflow_id)
    if not dataflow.is_created:
        return HttpResponse(status=204)
    context: dict[str, Any] = {"dataflow": dataflow, "onboarding": dataflow.onboarding, **_activity(request, dataflow)}
    return render(request, f"{PAGE}#activity", context)


@login_required
@require_POST
def dataflow_state(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Pause or resume the dataflow (a background task; progress, then the watch page)."""
    dataflow = _owned(request, public_id, dataflow_id)
    try:
        action = choices.dataflow_start_pausing(
            dataflow=dataflow, actor=request.user, paused=request.POST.get("pause") == "1"
        )
    except OnboardingError as error:
        messages.error(request, error.message)
        return redirect(Page.WATCH.url(dataflow))
    return views_actions.follow(request, action)


@login_required
@require_http_methods(["GET", "POST"])
def dataflow_delete(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Delete the dataflow in Adobe (a background task), after a confirmation page saying what goes and what
    stays; with `?action=` the page shows why it did not happen."""
    dataflow = _owned(request, public_id, dataflow_id)
    if request.method == "GET":
        asked = views_actions.asked_result(request, dataflow.onboarding, Kind.DELETE_DATAFLOW, dataflow)
        if asked is not None and asked.pending:
            return redirect(views_actions.action_url(asked))
        return _delete_page(request, dataflow, problem=actions.problem_of(asked) if asked else None)
    if request.POST.get("confirm") != dataflow.reference:
        return _delete_page(request, dataflow, unconfirmed=True)
    try:
        action = deletion.dataflow_start_delete(dataflow=dataflow, actor=request.user)
    except OnboardingError as error:
        return _delete_page(request, dataflow, problem=error.problem)
    return views_actions.follow(request, action)


def _delete_page(request: HtmxHttpRequest, dataflow: Dataflow, **context: Any) -> HttpResponse:
    deletes, keeps = deletion.dataflow_objects(dataflow)
    return render(
        request,
        "onboarding/dataflow/delete.html",
        {
            "dataflow": dataflow,
            "onboarding": dataflow.onboarding,
            "deletes": deletes,
            "keeps": keeps,
            "problem": None,
            **context,
        },
    )


@login_required
@require_POST
def dataflow_fast_forward(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """The demo's fast-forward, on the local emulator only (not found against Adobe): its clock an hour on, then
    the activity asked again; htmx gets the activity region, asking."""
    if not demo_clock.offered():
        raise Http404("Adobe's clock cannot be moved on.")
    dataflow = _owned(request, public_id, dataflow_id)
    try:
        demo_clock.dataflow_start_fast_forward(dataflow=dataflow, actor=request.user)
    except OnboardingError as error:
        messages.error(request, error.message)
        return _go(request, dataflow, Page.WATCH)
    if not request.htmx:
        return redirect(Page.WATCH.url(dataflow))
    context: dict[str, Any] = {"dataflow": dataflow, "onboarding": dataflow.onboarding, **_activity(request, dataflow)}
    return render(request, f"{PAGE}#activity", context)


def _dataflow_path(suffix: str, view: Any, name: str) -> Any:
    return path(f"<uuid:public_id>/dataflows/<uuid:dataflow_id>/{suffix}", view, name=name)


urlpatterns = [
    path("<uuid:public_id>/dataflows/new/", dataflow_new, name="dataflow_new"),
    _dataflow_path("", dataflow_watch, "dataflow_watch"),
    _dataflow_path("data/", dataflow_data, "dataflow_data"),
    _dataflow_path("dataset/", dataflow_dataset, "dataflow_dataset"),
    _dataflow_path("mapping/", dataflow_mapping, "dataflow_mapping"),
    _dataflow_path("review/", dataflow_review, "dataflow_review"),
    _dataflow_path("retry/", dataflow_retry, "dataflow_retry"),
    _dataflow_path("status/", dataflow_status, "dataflow_status"),
    _dataflow_path("activity/", dataflow_activity, "dataflow_activity"),
    _dataflow_path("state/", dataflow_state, "dataflow_state"),
    _dataflow_path("delete/", dataflow_delete, "dataflow_delete"),
    _dataflow_path("fast-forward/", dataflow_fast_forward, "dataflow_fast_forward"),
]
