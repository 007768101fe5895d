"""Checking a dataflow's subscriptions against its summary, and telling once when a condition starts or clears.

A subscription keeps whether its condition holds (`firing`); only the check that flips it (a conditional UPDATE,
so of two checks at once one wins) sends a message. A condition that goes on holding sends nothing more.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from connections.models import Dataflow

from . import conditions, delivery
from .models import AlertDelivery, DataflowSummary, Subscription

Event = AlertDelivery.Event


def check(dataflow: Dataflow, summary: DataflowSummary, now: datetime.datetime | None = None) -> list[AlertDelivery]:
    """Tell every subscriber whose condition started or cleared since the last check; what was sent, or not."""
    if summary.problem or summary.asked_at is None:
        return []  # no fresh answer from Adobe: nothing is known to have started or cleared
    now = now or timezone.now()
    sent = []
    for subscription in dataflow.subscriptions.all():
        holding = conditions.holds(subscription, summary, now)
        if holding == subscription.firing:
            continue
        flipped = Subscription.objects.filter(pk=subscription.pk, firing=subscription.firing)
        if flipped.update(firing=holding, changed_at=now) != 1:
            continue  # another check told them
        sent.append(tell(subscription, summary, started=holding))
    return sent


def tell(subscription: Subscription, summary: DataflowSummary, *, started: bool) -> AlertDelivery:
    message = compose(subscription, summary, started=started)
    return deliver(subscription, message, Event.STARTED if started else Event.CLEARED)


def tell_a_test(subscription: Subscription) -> AlertDelivery:
    """A message sent when the alert is turned on, so its subscriber sees at once that it reaches them."""
    dataflow = subscription.dataflow
    link = _page(subscription)
    body = "\n".join(
        [
            f"This is a test. From now on, {subscription.recipient} is told when this starts and when it clears:",
            f"{subscription.describe()}.",
            "",
            f"Dataflow: {dataflow.name}",
            f"Event hub: {dataflow.event_hub_name} (consumer group {dataflow.consumer_group})",
            f"Open the dataflow: {link}",
        ]
    )
    subject = f"[Test] {dataflow.name} ({dataflow.event_hub_name}): {subscription.describe()}"
    facts = {"event": "test", "condition": subscription.condition, "dataflow": _facts(subscription, link)}
    return deliver(subscription, {"subject": subject, "body": body, "link": link, "facts": facts}, Event.TEST)


def deliver(subscription: Subscription, message: dict[str, Any], event: str) -> AlertDelivery:
    """Send by the subscription's channel and record it, delivered or not."""
    if subscription.channel == Subscription.Channel.EMAIL:
        error = delivery.send_email(subscription.email, message["subject"], message["body"])
    else:
        error = delivery.send_webhook(subscription.channel, str(subscription.webhook_url), message)
    return AlertDelivery.objects.create(
        subscription=subscription,
        dataflow=subscription.dataflow,
        event=event,
        channel=subscription.channel,
        recipient=subscription.recipient,
        subject=message["subject"][:300],
        body=message["body"],
        delivered=error is None,
        error=error or "",
    )


def compose(subscription: Subscription, summary: DataflowSummary, *, started: bool) -> dict[str, Any]:
    """The message: which dataflow and event hub, what happened, the latest reasons, and a link to its page."""
    dataflow = subscription.dataflow
    happened = conditions.what_happened(subscription, summary, started=started)
    link = _page(subscription)
    reasons = [_reason(r) for r in summary.reasons if isinstance(r, dict)]
    lines = [
        f"Dataflow: {dataflow.name}",
        f"Event hub: {dataflow.event_hub_name} (consumer group {dataflow.consumer_group})",
        f"Onboarding: {dataflow.onboarding.name}",
        f"What happened: {happened}",
        f"Records in the last 24 hours: {summary.received_day} received, {summary.ingested_day} ingested, "
        f"{summary.failed_day} failed.",
        "Latest reasons:" if reasons else "Latest reasons: none reported.",
        *[f"  - {reason}" for reason in reasons],
        f"Open the dataflow: {link}",
        "",
        f"You get this because {subscription.recipient} is subscribed to: {subscription.describe()}.",
        f"Change or stop it: {_site(subscription)}{reverse('monitoring:alerts')}",
    ]
    status = "Alert" if started else "Cleared"
    return {
        "subject": f"[{status}] {dataflow.name} ({dataflow.event_hub_name}): {subscription.describe()}",
        "body": "\n".join(lines),
        "link": link,
        "facts": {
            "event": "started" if started else "cleared",
            "condition": subscription.condition,
            "dataflow": _facts(subscription, link),
            "eventHub": dataflow.event_hub_name,
            "reasons": reasons,
        },
    }


def _site(subscription: Subscription) -> str:
    """SITE_URL, else the address the subscriber used the app at (a worker has no request to read it from)."""
    return settings.SITE_URL or subscription.site


def _page(subscription: Subscription) -> str:
    dataflow = subscription.dataflow
    return _site(subscription) + reverse(
        "onboarding:dataflow_watch", args=[dataflow.onboarding.public_id, dataflow.public_id]
    )


def _facts(subscription: Subscription, link: str) -> dict[str, str]:
    dataflow = subscription.dataflow
    return {"name": dataflow.name, "flowId": dataflow.flow_id, "eventHub": dataflow.event_hub_name, "url": link}


def _reason(reason: dict[str, Any]) -> str:
    said = f"{reason.get('code', '')}: {reason.get('message', '')}".strip(": ")
    count = reason.get("recordCount")
    return f"{said} ({count} records)" if count else said
