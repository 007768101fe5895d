"""Whether a subscription's condition holds, read from the dataflow's summary (never from Adobe)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from .models import DataflowSummary, Subscription

Condition = Subscription.Condition


def holds(subscription: Subscription, summary: DataflowSummary, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    if subscription.condition == Condition.FAILED_SHARE:
        return summary.received_day > 0 and summary.failed_share_day > subscription.failed_share
    if subscription.condition == Condition.NO_RECORDS:
        # Never any records: counted from the dataflow's creation, so a new dataflow has its N hours too.
        since = summary.last_records_at or summary.dataflow.created_at
        return now - since >= datetime.timedelta(hours=subscription.quiet_hours)
    return summary.state == "disabled" or summary.latest_status == "failed"


def what_happened(subscription: Subscription, summary: DataflowSummary, *, started: bool) -> str:
    """One sentence for the message: the condition, with the numbers that made it start or clear."""
    if subscription.condition == Condition.FAILED_SHARE:
        share = (
            f"{summary.failed_share_day:.1f}% of the records received in the last 24 hours failed "
            f"({summary.failed_day} of {summary.received_day})"
        )
        return f"{share}, above the {subscription.failed_share}% chosen." if started else f"{share}: back under."
    if subscription.condition == Condition.NO_RECORDS:
        if not started:
            return "Records are arriving again."
        last = summary.last_records_at
        return f"No records for {subscription.quiet_hours} hours (last arrived: {_shown(last)})."
    if not started:
        return "The dataflow is running again."
    if summary.state == "disabled":
        return "The dataflow is paused (disabled in Adobe)."
    return "The dataflow's newest run failed."


def _shown(moment: datetime.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"
