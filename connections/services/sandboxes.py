"""The sandboxes the Account step offers: Adobe's list (Sandbox Management), read by a background task and kept,
since a page never waits on Adobe. While it is not read, or when Adobe refused it, the step asks for a name."""

from __future__ import annotations

import datetime
from dataclasses import asdict

from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceError
from connections.models import SandboxListing

LIFETIME = datetime.timedelta(hours=1)  # sandboxes are made rarely: a new one is offered within the hour
RETRY_AFTER = datetime.timedelta(minutes=1)  # an empty or refused list is asked for again sooner
LISTING = 1  # the one row: the app has one Adobe credential


def known_sandboxes() -> SandboxListing | None:
    """Adobe's last list (or why it could not be read); None before the first read. An old one is read again in
    the background, asked for once however many pages are open (the row's read_at is the claim)."""
    listing = SandboxListing.objects.filter(pk=LISTING).first()
    now = timezone.now()
    if listing is None:
        try:
            with transaction.atomic():
                SandboxListing.objects.create(pk=LISTING, read_at=now)
        except IntegrityError:
            return SandboxListing.objects.filter(pk=LISTING).first()  # another request claimed the first read
        read_sandboxes.enqueue()
        return SandboxListing.objects.filter(pk=LISTING).first()  # an immediate task backend has read it already
    if not listing.fresh(LIFETIME if listing.sandboxes else RETRY_AFTER):
        claimed = SandboxListing.objects.filter(pk=LISTING, read_at=listing.read_at).update(read_at=now)
        if claimed:
            read_sandboxes.enqueue()
    return listing if listing.sandboxes or listing.problem else None


@task
def read_sandboxes() -> str:
    """The background task: ask Adobe which sandboxes the credential may use, and keep the answer."""
    try:
        listed = adobe.flow_client(onboarding=None, actor=None).list_sandboxes()
    except FlowServiceError as error:
        refused = {"sandboxes": [], "problem": error.message, "read_at": timezone.now()}
        SandboxListing.objects.update_or_create(pk=LISTING, defaults=refused)
        return "refused"
    read = {"sandboxes": [asdict(sandbox) for sandbox in listed], "problem": "", "read_at": timezone.now()}
    SandboxListing.objects.update_or_create(pk=LISTING, defaults=read)
    return "read"
