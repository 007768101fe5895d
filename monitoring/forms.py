from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings

from connections.models import Dataflow

from .models import Subscription

Channel = Subscription.Channel
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class SubscriptionForm(forms.ModelForm[Subscription]):
    """Subscribe an address or a webhook to one condition of a dataflow (chosen here, or given by the page)."""

    class Meta:
        model = Subscription
        fields = ["dataflow", "condition", "failed_share", "quiet_hours", "channel", "email", "webhook_url"]
        widgets = {"webhook_url": forms.URLInput(attrs={"autocomplete": "off"})}
        help_texts = {
            "quiet_hours": "For “No records”.",
            "email": "For email: yours, a team's, or anyone's.",
            "webhook_url": "For Slack, Teams or JSON: the incoming webhook's address (kept encrypted).",
        }

    def __init__(self, *args: Any, user: Any, dataflow: Dataflow | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fixed_dataflow = dataflow
        if dataflow is not None:
            del self.fields["dataflow"]
        else:
            choices = Dataflow.objects.visible_to(user).filter(status=Dataflow.Status.CREATED)
            self.fields["dataflow"].queryset = choices.only("name", "public_id")  # type: ignore[attr-defined]
        self.fields["failed_share"].widget.attrs.update(min=1, max=100)
        self.fields["quiet_hours"].widget.attrs.update(min=1, max=168)
        if not self.is_bound and user.email:
            self.initial.setdefault("email", user.email)

    def clean_failed_share(self) -> int:
        share = int(self.cleaned_data["failed_share"])
        if not 1 <= share <= 100:
            raise forms.ValidationError("Choose a share from 1 to 100%.")
        return share

    def clean_quiet_hours(self) -> int:
        hours = int(self.cleaned_data["quiet_hours"])
        if not 1 <= hours <= 168:
            raise forms.ValidationError("Choose from 1 to 168 hours (a week).")
        return hours

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        channel = cleaned.get("channel")
        if channel == Channel.EMAIL and not cleaned.get("email"):
            self.add_error("email", "Give the address to email.")
        if channel in (Channel.SLACK, Channel.TEAMS, Channel.WEBHOOK):
            url = str(cleaned.get("webhook_url") or "")
            if not url:
                self.add_error("webhook_url", "Give the webhook's address.")
            elif problem := webhook_problem(url):
                self.add_error("webhook_url", problem)
            cleaned["email"] = ""
        else:
            cleaned["webhook_url"] = ""
        return cleaned

    def save(self, commit: bool = True) -> Subscription:
        if self.fixed_dataflow is not None:
            self.instance.dataflow = self.fixed_dataflow
        return super().save(commit)


def webhook_problem(url: str) -> str | None:
    """HTTPS only: a webhook's address carries its secret. Plain HTTP only to this machine (a local tool)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "This is not a web address."
    allowed = settings.ALERT_WEBHOOK_HOSTS
    if allowed and not any(parts.hostname == h or str(parts.hostname).endswith(f".{h}") for h in allowed):
        return f"Webhooks may only go to {', '.join(allowed)}."
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname in LOOPBACK:
        return None
    return "Use an https:// address (http:// only to this machine)."
