"""The fleet view and the alert subscriptions: thin views over fleet.py and the models; nothing here asks Adobe."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from connections.models import Dataflow

from . import tasks
from .fleet import SORTS, STATES, fleet_for
from .forms import SubscriptionForm
from .models import AlertDelivery, Subscription

RECENT = 20

# Fleet


@login_required
@require_GET
def fleet(request: HttpRequest) -> HttpResponse:
    view = fleet_for(request.user, request.GET)
    return render(request, "monitoring/fleet.html", {"fleet": view, "sorts": SORTS, "states": STATES})


# Alerts


@login_required
@require_http_methods(["GET", "POST"])
def alerts(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        _subscribe(request, form)
        return redirect("monitoring:alerts")
    return render(request, "monitoring/alerts.html", _alerts_context(request, form, dataflow=None))


@login_required
@require_http_methods(["GET", "POST"])
def dataflow_alerts(request: HttpRequest, dataflow_id: str) -> HttpResponse:
    dataflow = get_object_or_404(
        Dataflow.objects.visible_to(request.user).select_related("onboarding"), public_id=dataflow_id
    )
    form = SubscriptionForm(request.POST or None, user=request.user, dataflow=dataflow)
    if request.method == "POST" and form.is_valid():
        _subscribe(request, form)
        return redirect("monitoring:dataflow_alerts", dataflow_id=dataflow.public_id)
    return render(request, "monitoring/alerts.html", _alerts_context(request, form, dataflow=dataflow))


@login_required
@require_POST
def unsubscribe(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription.objects.visible_to(request.user), pk=pk)
    subscription.delete()
    messages.success(request, f"Stopped: {subscription.describe()} → {subscription.recipient}.")
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(back)
    return redirect("monitoring:alerts")


def _subscribe(request: HttpRequest, form: SubscriptionForm) -> None:
    form.instance.created_by = request.user  # type: ignore[assignment]
    form.instance.site = request.build_absolute_uri("/").rstrip("/")
    subscription = form.save()
    tasks.send_test_message.enqueue(subscription.pk)
    messages.success(
        request,
        f"Alert on: {subscription.describe()} → {subscription.recipient}. A test message is on its way; "
        "the dataflow is checked in the background.",
    )


def _alerts_context(request: HttpRequest, form: SubscriptionForm, *, dataflow: Dataflow | None) -> dict[str, object]:
    subscriptions = Subscription.objects.visible_to(request.user).select_related("dataflow__onboarding")
    history = AlertDelivery.objects.visible_to(request.user).select_related("dataflow")
    if dataflow is not None:
        subscriptions, history = subscriptions.filter(dataflow=dataflow), history.filter(dataflow=dataflow)
    return {"form": form, "dataflow": dataflow, "subscriptions": subscriptions, "history": history[:RECENT]}
