"""What is known of each dataflow's runs (one cached summary each), who wants to be told what, and what was sent."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from connections.encryption import EncryptedTextField
from connections.models import Dataflow
from connections.models.onboarding import visible_to


class SummaryQuerySet(models.QuerySet["DataflowSummary"]):
    def claimable(self, now: datetime.datetime) -> SummaryQuerySet:
        return self.filter(models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lte=now))


class DataflowSummary(models.Model):
    """The last read of a dataflow's runs in Adobe: the fleet view and the alerts read this, never Adobe.

    `claimed_until` is the claim: whoever moves it forward (one conditional UPDATE) asks Adobe; everyone else reads
    what is here, so Adobe is asked at most once per dataflow per MONITORING_INTERVAL whatever the number of workers.
    """

    dataflow = models.OneToOneField(
        Dataflow, on_delete=models.CASCADE, primary_key=True, related_name="summary", verbose_name=_("dataflow")
    )
    state = models.CharField(_("state in Adobe"), max_length=20, blank=True)
    latest_status = models.CharField(_("newest run"), max_length=20, blank=True)
    received_hour = models.PositiveBigIntegerField(_("received, last hour"), default=0)
    ingested_hour = models.PositiveBigIntegerField(_("ingested, last hour"), default=0)
    failed_hour = models.PositiveBigIntegerField(_("failed, last hour"), default=0)
    received_day = models.PositiveBigIntegerField(_("received, last day"), default=0)
    ingested_day = models.PositiveBigIntegerField(_("ingested, last day"), default=0)
    failed_day = models.PositiveBigIntegerField(_("failed, last day"), default=0)
    trend = models.JSONField(_("records received per hour, oldest first"), default=list, blank=True)
    reasons = models.JSONField(_("latest failure reasons"), default=list, blank=True)
    last_records_at = models.DateTimeField(_("records last arrived"), null=True, blank=True)
    failing = models.BooleanField(_("failing"), default=False, db_index=True)
    asked_at = models.DateTimeField(_("Adobe last asked"), null=True, blank=True, db_index=True)
    problem = models.TextField(_("last read's problem"), blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)

    objects = SummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("dataflow summary")
        verbose_name_plural = _("dataflow summaries")

    def __str__(self) -> str:
        return f"{self.dataflow}: {self.received_day} received, {self.failed_day} failed in a day"

    @property
    def failed_share_day(self) -> float:
        return 100.0 * self.failed_day / self.received_day if self.received_day else 0.0

    @property
    def latest_reason(self) -> str:
        first = self.reasons[0] if self.reasons else {}
        return str(first.get("message") or first.get("code") or "") if isinstance(first, dict) else ""

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        return self.asked_at is None or self.asked_at < stale_before(now)


def stale_before(now: datetime.datetime | None = None) -> datetime.datetime:
    """Older than two intervals: a read was missed (no worker, or Adobe refused)."""
    return (now or timezone.now()) - datetime.timedelta(seconds=2 * settings.MONITORING_INTERVAL)


class SubscriptionQuerySet(models.QuerySet["Subscription"]):
    def visible_to(self, user: Any) -> SubscriptionQuerySet:
        """The alerts on dataflows the user may see (their own onboardings' and their teams')."""
        return self.filter(visible_to(user, prefix="dataflow__onboarding__"))


class Subscription(models.Model):
    """Someone to tell (an email address or a webhook) when a dataflow's condition starts and when it clears."""

    class Condition(models.TextChoices):
        FAILED_SHARE = "failed_share", _("Records failing above a share")
        NO_RECORDS = "no_records", _("No records for some hours")
        FLOW_DOWN = "flow_down", _("The dataflow failing or paused")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SLACK = "slack", _("Slack webhook")
        TEAMS = "teams", _("Microsoft Teams (Workflows) webhook")
        WEBHOOK = "webhook", _("JSON webhook")

    dataflow = models.ForeignKey(
        Dataflow, on_delete=models.CASCADE, related_name="subscriptions", verbose_name=_("dataflow")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("created by")
    )
    condition = models.CharField(_("when"), max_length=20, choices=Condition.choices)
    failed_share = models.PositiveSmallIntegerField(
        _("failing share (%)"), default=5, help_text=_("Of the records received in the last 24 hours.")
    )
    quiet_hours = models.PositiveSmallIntegerField(_("hours without records"), default=6)
    channel = models.CharField(_("tell by"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    email = models.EmailField(_("email address"), blank=True)
    webhook_url = EncryptedTextField(_("webhook URL"), blank=True)
    # The address the subscriber used the app at, for the links in messages when SITE_URL is not set.
    site = models.CharField(_("app address"), max_length=300, blank=True, editable=False)
    firing = models.BooleanField(_("condition holds"), default=False, editable=False)
    changed_at = models.DateTimeField(_("condition last changed"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        ordering = ["dataflow", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.dataflow}: {self.describe()} → {self.recipient}"

    def describe(self) -> str:
        if self.condition == self.Condition.FAILED_SHARE:
            return f"records failing above {self.failed_share}%"
        if self.condition == self.Condition.NO_RECORDS:
            return f"no records for {self.quiet_hours} hours"
        return "the dataflow failing or paused"

    @property
    def recipient(self) -> str:
        """Who is told, as it may be shown: a webhook's address only by its host (its path is its secret)."""
        if self.channel == self.Channel.EMAIL:
            return self.email
        host = str(self.webhook_url).split("//", 1)[-1].split("/", 1)[0]
        return f"{self.get_channel_display()} at {host}/…"


class DeliveryQuerySet(models.QuerySet["AlertDelivery"]):
    def visible_to(self, user: Any) -> DeliveryQuerySet:
        return self.filter(visible_to(user, prefix="dataflow__onboarding__"))

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The alert history is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The alert history is append-only.")


class AlertDelivery(models.Model):
    """One message sent, or not sent, for one subscription: written once, never changed."""

    class Event(models.TextChoices):
        STARTED = "started", _("Condition started")
        CLEARED = "cleared", _("Condition cleared")
        TEST = "test", _("Test message")

    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="deliveries"
    )
    dataflow = models.ForeignKey(Dataflow, on_delete=models.PROTECT, related_name="+", verbose_name=_("dataflow"))
    event = models.CharField(_("event"), max_length=10, choices=Event.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Subscription.Channel.choices)
    recipient = models.CharField(_("to"), max_length=300)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"))
    delivered = models.BooleanField(_("delivered"))
    error = models.TextField(_("why it was not delivered"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, editable=False)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert sent")
        verbose_name_plural = _("alerts sent")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["dataflow", "-created_at"], name="alert_dataflow_recent")]

    def __str__(self) -> str:
        outcome = "sent" if self.delivered else "NOT delivered"
        return f"{self.subject} → {self.recipient} ({outcome})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The alert history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The alert history is append-only.")
