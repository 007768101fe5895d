"""The sandboxes the Account step offers: Adobe's list (Sandbox Management), read by a background task and kept,
since a page never waits on Adobe. While it is not read, or when Adobe refused it, the step asks for a name."""

from __future__ import annotations

import datetime
from dataclasses import asdict

from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceError
from connections.models import SandboxListing

LIFETIME = datetime.timedelta(hours=1)  # sandboxes are made rarely; a new one shows within the hour
LISTING = 1  # the one row


def known_sandboxes() -> SandboxListing | None:
    """Adobe's last list (or why it could not be read); None before the first read. An old or missing one is read
    again in the background."""
    listing = SandboxListing.objects.filter(pk=LISTING).first()
    if listing is None or not listing.fresh(LIFETIME):
        read_sandboxes.enqueue()
    return SandboxListing.objects.filter(pk=LISTING).first() if listing is None else listing


@task
def read_sandboxes() -> str:
    """The background task: ask Adobe which sandboxes the credential may use, and keep the answer."""
    try:
        listed = adobe.flow_client(onboarding=None, actor=None).list_sandboxes()
    except FlowServiceError as error:
        refused = {"sandboxes": [], "problem": error.message, "read_at": timezone.now()}
        SandboxListing.objects.update_or_create(pk=LISTING, defaults=refused)
        return "refused"
    sandboxes = [asdict(sandbox) for sandbox in listed]
    SandboxListing.objects.update_or_create(
        pk=LISTING, defaults={"sandboxes": sandboxes, "problem": "", "read_at": timezone.now()}
    )
    return "read"
