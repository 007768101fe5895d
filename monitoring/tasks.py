"""The background work: watch one dataflow (read its runs once per interval, check its alerts), and enqueue that
for every dataflow due (the task worker calls `enqueue_due` every MONITORING_INTERVAL)."""

from __future__ import annotations

from django.db.models import Q
from django.tasks import task
from django.utils import timezone

from connections.models import Dataflow

from . import alerts, summaries
from .models import Subscription


@task
def watch_dataflow(dataflow_id: int) -> str:
    """Read the dataflow's runs and check its alerts, unless another worker holds this interval's claim."""
    created = Dataflow.objects.filter(status=Dataflow.Status.CREATED)
    dataflow = created.select_related("onboarding").filter(pk=dataflow_id).first()
    if dataflow is None:
        return "gone"
    if not summaries.claim(dataflow):
        return "claimed elsewhere"
    summary = summaries.refresh(dataflow)
    sent = alerts.check(dataflow, summary)
    return f"{len(sent)} alert(s)"


@task
def send_test_message(subscription_id: int) -> str:
    """Tell the new subscriber that the alert reaches them (or record why it does not)."""
    subscription = Subscription.objects.select_related("dataflow__onboarding").filter(pk=subscription_id).first()
    if subscription is None:
        return "gone"
    return "delivered" if alerts.tell_a_test(subscription).delivered else "not delivered"


def due() -> list[int]:
    """The created dataflows never read, or whose claim has run out."""
    now = timezone.now()
    unclaimed = Q(summary__isnull=True) | Q(summary__claimed_until__isnull=True) | Q(summary__claimed_until__lte=now)
    return list(Dataflow.objects.filter(unclaimed, status=Dataflow.Status.CREATED).values_list("pk", flat=True))


def enqueue_due() -> int:
    """One task per due dataflow; a second worker enqueueing the same is harmless (the claim turns it away)."""
    ids = due()
    for dataflow_id in ids:
        watch_dataflow.enqueue(dataflow_id)
    return len(ids)
