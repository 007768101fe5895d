"""The go-live check in the admin: superusers start it and read its verdicts; every go-live check is listed
read-only. The check itself runs in a background task (connections/services/go_live.py); these pages only record
what is asked, show the progress the task writes, and hand out the recording it kept (shapes only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django_htmx.http import HttpResponseClientRedirect

from connections import azure_names
from connections.forms import NormalisingField
from connections.models import GoLiveCheck
from connections.services import go_live

from .readonly import ReadOnlyAdmin

TEMPLATES = "admin/connections/golivecheck/"
RECENT = 10


class GoLiveForm(forms.Form):
    sandbox_name = NormalisingField(
        normalise=azure_names.sandbox_name,
        label=_("AEP sandbox"),
        max_length=100,
        help_text=_("The sandbox the check creates its objects in (and deletes them from): a development sandbox."),
    )
    allow_prod = forms.BooleanField(
        required=False, label=_("Let the check create (and then delete) its objects in the prod sandbox")
    )
    namespace = NormalisingField(
        normalise=azure_names.namespace, label=_("Event Hubs namespace"), required=False, max_length=300
    )
    sas_key_name = NormalisingField(
        normalise=azure_names.policy_name, label=_("SAS key name"), required=False, max_length=60
    )
    sas_key = NormalisingField(
        normalise=azure_names.sas_key,
        label=_("SAS key"),
        required=False,
        max_length=100,
        widget=forms.PasswordInput(render_value=False),
    )
    event_hub = NormalisingField(
        normalise=azure_names.event_hub_name, label=_("Event hub"), required=False, max_length=256
    )
    schema = forms.CharField(
        label=_("Schema ($id)"),
        required=False,
        max_length=300,
        help_text=_("A schema of your tenant, such as https://ns.adobe.com/<tenant>/schemas/<id>: the dataflow steps."),
    )
    mappings = forms.CharField(
        label=_("Mappings"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line: an attribute of your events = a field of the schema (id=_tenant.order.orderId)."),
    )

    def clean_mappings(self) -> tuple[tuple[str, str], ...]:
        pairs = [line.partition("=") for line in self.cleaned_data["mappings"].splitlines() if line.strip()]
        if any(not source.strip() or not destination.strip() for source, _, destination in pairs):
            raise forms.ValidationError("Write each mapping as attribute=field, one a line.", code="invalid")
        return tuple((source.strip(), destination.strip()) for source, _, destination in pairs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("sandbox_name") == "prod" and not data.get("allow_prod"):
            self.add_error("allow_prod", "The check creates objects: tick this to let it use prod, or name another.")
        given = [name for name in ("namespace", "sas_key_name", "sas_key") if data.get(name)]
        if given and len(given) < 3 and not self.errors:
            for name in {"namespace", "sas_key_name", "sas_key"} - set(given):
                self.add_error(name, "Give the namespace, the SAS key name and the SAS key together, or none.")
        if data.get("schema") and not data.get("mappings") and "mappings" not in self.errors:
            self.add_error("mappings", "A schema needs at least one mapping onto one of its fields.")
        return data

    def request(self) -> go_live.GoLiveRequest:
        data = self.cleaned_data
        names = ("namespace", "sas_key_name", "sas_key", "event_hub", "schema", "mappings")
        return go_live.GoLiveRequest(sandbox_name=data["sandbox_name"], **{name: data[name] for name in names})


def superusers_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The go-live pages create objects in Adobe: superusers only (other staff get a 403, like the admin's)."""

    @wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_superuser:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return checked


@admin.register(GoLiveCheck)
class GoLiveCheckAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "sandbox_name", "recorded_by", "state", "actor", "verdict_tally", "finished_at")
    list_filter = ("state", "created_at")
    list_select_related = ("actor",)
    ordering = ("-created_at", "-id")
    fields = (
        "public_id",
        "state",
        "actor",
        "sandbox_name",
        "recorded_by",
        "object_name",
        "created_at",
        "finished_at",
        "problem",
        "verdict_table",
        "differences",
        "recording_shapes",
    )
    readonly_fields = fields

    def get_urls(self) -> list[URLPattern]:
        def guarded(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(superusers_only(view))

        return [
            path("run/", guarded(self.start_view), name="connections_golivecheck_start"),
            path("run/<uuid:public_id>/", guarded(self.check_view), name="connections_golivecheck_check"),
            path(
                "run/<uuid:public_id>/recording.json",
                guarded(self.recording_view),
                name="connections_golivecheck_recording",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=_("confirmed / refuted / not exercised"))
    def verdict_tally(self, check: GoLiveCheck) -> str:
        tally = check.tally
        return f"{tally['confirmed']} / {tally['refuted']} / {tally['not_exercised']}" if check.verdicts else "—"

    @admin.display(description=_("verdict per guess"))
    def verdict_table(self, check: GoLiveCheck) -> SafeString | str:
        return render_to_string(TEMPLATES + "_verdicts.html", {"check": check}) if check.verdicts else "—"

    @admin.display(description=_("recording (shapes only)"))
    def recording_shapes(self, check: GoLiveCheck) -> SafeString | str:
        if not check.recording:
            return "—"
        url = reverse("admin:connections_golivecheck_recording", args=[check.public_id])
        return format_html(
            '<a href="{}" download>Download</a> (superusers)<details class="bodies"><summary>Show</summary>'
            "<pre>{}</pre></details>",
            url,
            check.recording,
        )

    # The pages

    def _context(self, request: HttpRequest, title: str, **more: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **more}

    @method_decorator(sensitive_post_parameters("sas_key"))  # kept out of error reports, as Django's UserAdmin does
    def start_view(self, request: HttpRequest) -> HttpResponse:
        form = GoLiveForm(request.POST or None, initial={"sandbox_name": settings.ADOBE_SANDBOX_NAME})
        if request.method == "POST" and form.is_valid():
            check = go_live.start(form.request(), actor=request.user)
            return redirect("admin:connections_golivecheck_check", public_id=check.public_id)
        recent = GoLiveCheck.objects.select_related("actor")[:RECENT]
        context = self._context(request, "Go-live check", form=form, recent=recent, org_id=settings.ADOBE_ORG_ID)
        return TemplateResponse(request, TEMPLATES + "start.html", context)

    def check_view(self, request: HttpRequest, public_id: Any) -> HttpResponse:
        check = go_live.recovered(self._check(public_id))
        here = reverse("admin:connections_golivecheck_check", args=[public_id])
        if request.headers.get("HX-Request"):
            if not check.pending:
                return HttpResponseClientRedirect(here)
            return TemplateResponse(request, TEMPLATES + "_progress.html", {"check": check, "here": here})
        context = self._context(request, f"Go-live check in {check.sandbox_name}", check=check, here=here)
        return TemplateResponse(request, TEMPLATES + "check.html", context)

    def recording_view(self, request: HttpRequest, public_id: Any) -> HttpResponse:
        check = self._check(public_id)
        if not check.recording:
            raise Http404("This check has no recording (yet).")
        response = HttpResponse(check.recording, content_type="application/json")
        name = f"contract-{check.sandbox_name}-{check.created_at:%Y%m%d-%H%M%S}.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def _check(self, public_id: Any) -> GoLiveCheck:
        return get_object_or_404(GoLiveCheck.objects.select_related("actor"), public_id=public_id)
