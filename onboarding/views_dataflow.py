"""The dataflow's pages (issue 16): select data, dataset, mapping, review and finish, then watching data arrive.

Thin like the wizard's views: parse a form, call one service, pick a template (htmx gets a partial).
"""

from __future__ import annotations

import enum
import functools
import json
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from connections import exports
from connections.models import Dataflow, Onboarding
from connections.services import dataflow as finish
from connections.services import dataflow_choices as choices
from connections.services.errors import OnboardingError

from .access import HtmxHttpRequest
from .forms_dataflow import DatasetForm, DetailForm, ExistingAccountForm, SampleForm

PAGE = "onboarding/dataflow/page.html"
# Adobe's documents are silent: on a URL for one dataflow in Experience Platform's UI (only the navigation
# Sources › Dataflows is documented); this opens the Sources workspace of the organization.
PLATFORM_SOURCES_URL = "https://experience.adobe.com/#/platform/source"
MAX_MAPPING_ROWS = 200


class Page(enum.StrEnum):
    DATA = "data"
    DATASET = "dataset"
    MAPPING = "mapping"
    REVIEW = "review"
    WATCH = "watch"

    @property
    def label(self) -> str:
        return str(
            {
                Page.DATA: _("Select data"),
                Page.DATASET: _("Dataset"),
                Page.MAPPING: _("Mapping"),
                Page.REVIEW: _("Review"),
                Page.WATCH: _("Data arriving"),
            }[self]
        )

    @property
    def position(self) -> int:
        return list(Page).index(self)

    def url(self, dataflow: Dataflow) -> str:
        return reverse(f"onboarding:dataflow_{self.value}", args=[dataflow.onboarding.public_id, dataflow.public_id])

    @classmethod
    def furthest(cls, dataflow: Dataflow) -> Page:
        """The furthest page the dataflow's choices open."""
        if not dataflow.editable:
            return cls.WATCH
        if not dataflow.sample and dataflow.is_raw:
            return cls.DATA
        if not dataflow.schema_id:
            return cls.DATASET
        if dataflow.is_raw and not dataflow.mappings:
            return cls.MAPPING
        return cls.REVIEW


def _owned(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> Dataflow:
    found = Dataflow.objects.owned_by(request.user).select_related("onboarding")
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
    onboarding = get_object_or_404(Onboarding.objects.owned_by(request.user), public_id=public_id)
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
    problem, form = None, SampleForm()
    wants_preview = request.method == "GET" and not dataflow.sample or request.POST.get("action") == "preview"
    try:
        if wants_preview:
            dataflow = choices.dataflow_preview(dataflow=dataflow, actor=request.user)
        elif request.method == "POST":
            form = SampleForm(request.POST, request.FILES)
            if form.is_valid():
                dataflow = choices.dataflow_use_sample(dataflow=dataflow, text=form.cleaned_data["sample"])
                return _go(request, dataflow, Page.DATASET)
    except OnboardingError as error:
        if error.field and form.is_bound:
            form.add_error("sample", error.message)
        else:
            problem = error.problem
    fields = choices.fields_of(dataflow)
    return _show(request, dataflow, Page.DATA, fields=fields, problem=problem, form=form, raw=_raw(dataflow))


def _raw(dataflow: Dataflow) -> str:
    return json.dumps(dataflow.sample or [], indent=2, ensure_ascii=False)[:200_000]


# Dataset


@_choice_page(Page.DATASET)
def dataflow_dataset(request: HtmxHttpRequest, dataflow: Dataflow) -> HttpResponse:
    try:
        catalogue = choices.dataflow_catalogue(dataflow=dataflow, actor=request.user)
    except OnboardingError as error:
        return _show(request, dataflow, Page.DATASET, problem=error.problem)
    query = request.GET.get("q", "").strip().lower()
    datasets = [d for d in catalogue.datasets if query in f"{d['name']} {d['schema']}".lower()]
    schemas = [s for s in catalogue.schemas if query in s["title"].lower()]
    if request.method == "POST":
        form = DatasetForm(request.POST, datasets=catalogue.datasets, schemas=catalogue.schemas)
        if form.is_valid():
            try:
                dataflow = choices.dataflow_choose_dataset(
                    dataflow=dataflow, actor=request.user, choice=form.dataset_choice()
                )
            except OnboardingError as error:
                form.add_error(error.field or None, error.message)
            else:
                return _go(request, dataflow, Page.MAPPING if dataflow.is_raw else Page.REVIEW)
    else:
        form = DatasetForm(initial=_dataset_initial(dataflow), datasets=datasets, schemas=schemas)
    if request.htmx and request.GET.get("q") is not None:
        return render(request, f"{PAGE}#dataset-lists", {"form": form, "datasets": datasets, "dataflow": dataflow})
    return _show(request, dataflow, Page.DATASET, form=form, datasets=datasets, query=query)


def _dataset_initial(dataflow: Dataflow) -> dict[str, Any]:
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
    rows = []
    for index in range(min(int(request.POST.get("rows", 0) or 0), MAX_MAPPING_ROWS)):
        rows.append(
            {
                "source": request.POST.get(f"source-{index}", "").strip(),
                "destination": request.POST.get(f"destination-{index}", "").strip(),
            }
        )
    return rows


@_choice_page(Page.MAPPING)
def dataflow_mapping(request: HtmxHttpRequest, dataflow: Dataflow) -> HttpResponse:
    rows, row_errors, problem = list(dataflow.mappings or []), {}, None
    if request.method == "POST" and dataflow.is_raw:
        rows = _posted_rows(request)
        action = request.POST.get("action", "save")
        removed = action.removeprefix("remove-")
        if action.startswith("remove-") and removed.isdigit() and int(removed) < len(rows):
            del rows[int(removed)]
        elif action == "add":
            rows.append({"source": "", "destination": ""})
        else:
            try:
                dataflow = choices.dataflow_save_mapping(dataflow=dataflow, actor=request.user, rows=rows)
            except choices.MappingProblems as error:
                row_errors, problem = error.rows, error.problem
                rows = [r for r in rows if r["source"] and r["destination"]]
            except OnboardingError as error:
                problem = error.problem
            else:
                return _go(request, dataflow, Page.REVIEW)
    context = _mapping_context(request, dataflow, rows, row_errors)
    return _show(request, dataflow, Page.MAPPING, problem=problem, **context)


def _mapping_context(
    request: HtmxHttpRequest, dataflow: Dataflow, rows: list[dict[str, str]], row_errors: dict[int, str]
) -> dict[str, Any]:
    if not dataflow.is_raw:
        return {}
    try:
        targets = choices.dataflow_schema_fields(dataflow=dataflow, actor=request.user)
    except OnboardingError:
        targets = []
    types = {f.path: f.type for f in choices.fields_of(dataflow)}
    by_path = {t.path: t for t in targets}
    mapped = {r["destination"] for r in rows}
    shown = [
        {
            **row,
            "index": i,
            "type": types.get(row["source"], ""),
            "target": by_path.get(row["destination"]),
            "error": row_errors.get(i, ""),
        }
        for i, row in enumerate(rows)
    ]
    return {
        "rows": shown,
        "targets": targets,
        "source_fields": list(types),
        "required_unmapped": [t for t in targets if t.required and t.path not in mapped],
        "identities": [t for t in targets if t.identity],
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
    return _show(request, dataflow, Page.REVIEW, form=form)


@login_required
@require_POST
def dataflow_retry(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Repeat only the failed step, with what is stored."""
    dataflow = finish.dataflow_retry(dataflow=_owned(request, public_id, dataflow_id), actor=request.user)
    return _go(request, dataflow, Page.WATCH)


# Watching it arrive


@login_required
@require_GET
def dataflow_watch(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    dataflow = finish.dataflow_recover(dataflow=_owned(request, public_id, dataflow_id), actor=request.user)
    if blocked := _guard(request, dataflow, Page.WATCH):
        return blocked
    extra: dict[str, Any] = {"platform_url": PLATFORM_SOURCES_URL}
    if dataflow.is_created:
        extra["flow_request"] = exports.as_curl(exports.dataflow_request(dataflow))
    return _show(request, dataflow, Page.WATCH, **extra)


@login_required
@require_GET
def dataflow_activity(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Polled while the page is open: the dataflow's state and records as Adobe reports them now."""
    dataflow = _owned(request, public_id, dataflow_id)
    context: dict[str, Any] = {"dataflow": dataflow}
    try:
        context["activity"] = choices.dataflow_activity(dataflow=dataflow, actor=request.user)
    except OnboardingError as error:
        context["activity_problem"] = error.problem
    return render(request, f"{PAGE}#activity", context)


@login_required
@require_POST
def dataflow_state(request: HtmxHttpRequest, public_id: uuid.UUID, dataflow_id: uuid.UUID) -> HttpResponse:
    """Pause or resume the dataflow."""
    dataflow = _owned(request, public_id, dataflow_id)
    paused = request.POST.get("pause") == "1"
    try:
        choices.dataflow_set_paused(dataflow=dataflow, actor=request.user, paused=paused)
    except OnboardingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The dataflow is paused." if paused else "The dataflow is running again.")
    return redirect(Page.WATCH.url(dataflow))


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
    _dataflow_path("activity/", dataflow_activity, "dataflow_activity"),
    _dataflow_path("state/", dataflow_state, "dataflow_state"),
]
