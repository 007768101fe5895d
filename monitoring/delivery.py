"""Sending one alert: by email (Django's email framework, configured by EMAIL_URL) or by webhook (Slack, Microsoft
Teams Workflows, or a generic JSON POST). Each returns why it failed, or None; the caller records both."""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from .models import Subscription

Channel = Subscription.Channel
SIGNATURE_HEADER = "X-Signature-256"
WEBHOOK_TIMEOUT = (5.0, 10.0)  # seconds to connect, to read: a hung chat service must not hold a worker


def send_email(to: str, subject: str, body: str) -> str | None:
    try:
        send_mail(subject, body, None, [to])
    except (OSError, smtplib.SMTPException) as error:
        return f"The mail server refused or could not be reached: {type(error).__name__}: {error}"
    return None


def send_webhook(channel: str, url: str, message: dict[str, Any]) -> str | None:
    import requests  # the worker's: the web processes never load it

    body = json.dumps(payload(channel, message)).encode()
    headers = {"Content-Type": "application/json", **signed(channel, body)}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT)
    except requests.RequestException as error:
        return f"The webhook could not be reached: {type(error).__name__}"
    if not response.ok:
        # Its status only: what a server answers is not shown to the person who named it (it may be internal).
        return f"The webhook answered {response.status_code} {response.reason}."
    return None


def signed(channel: str, body: bytes) -> dict[str, str]:
    """A generic webhook's body signed with ALERT_WEBHOOK_SECRET (HMAC-SHA256, hex, as Fivetran signs its own), so
    the receiver can tell the message is ours; Slack and Teams check their own URLs' secrets instead."""
    secret = settings.ALERT_WEBHOOK_SECRET
    if channel != Channel.WEBHOOK or not secret:
        return {}
    return {SIGNATURE_HEADER: "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()}


def payload(channel: str, message: dict[str, Any]) -> dict[str, Any]:
    """What each service takes: Slack's incoming webhook `text` (mrkdwn), a Teams Workflows adaptive card, else
    the message itself as JSON (title, text, and the facts a program would read)."""
    if channel == Channel.SLACK:
        # Slack reads <, > and & as its own markup: escaped, a reason quoting a record shows as written.
        text = f"{message['subject']}\n{message['body']}"
        return {"text": text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")}
    if channel == Channel.TEAMS:
        card = {
            "type": "AdaptiveCard",
            "version": "1.4",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "body": [
                {"type": "TextBlock", "text": message["subject"], "weight": "Bolder", "wrap": True},
                {"type": "TextBlock", "text": message["body"], "wrap": True},
            ],
            "actions": [{"type": "Action.OpenUrl", "title": "Open the dataflow", "url": message["link"]}],
        }
        return {
            "type": "message",
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
        }
    return {"version": "1.0", "title": message["subject"], "message": message["body"], **message["facts"]}
