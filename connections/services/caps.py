"""Caps on background work: one person's flood never delays another's, and Adobe is asked on demand at a bounded
rate.

- Fairness: a task is queued as usual while its person has at most TASKS_AHEAD_PER_PERSON pieces of work under
  way, this one included; beyond that, behind everyone else's (a lower priority, which django-tasks-db takes
  last; on RQ, the queue "behind", which its workers take last). Another person's step waits behind at most
  that many of the flooder's tasks.
- A ceiling: a person with TASKS_PER_PERSON pieces of work under way is refused a new remote action (with a
  message saying so). The wizard's and the dataflow's steps are never refused: each is one task at most
  (a second request joins it), and fairness keeps them from delaying anyone.
- A rate: what asks Adobe on demand (a test, a reload, Ask Adobe now) is refused beyond ADOBE_ASKS_PER_MINUTE
  per person, counted in Django's cache (shared by every process when it is Redis).

The counts are read without a lock: two requests at the same instant may both pass, by one task each.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.tasks import Task

from connections.models import Dataflow, Onboarding, RemoteAction

from .errors import OnboardingError

ASK_WINDOW = 60  # seconds
BEHIND_PRIORITY = -10
BEHIND_QUEUE = "behind"


def under_way(actor: Any) -> int:
    """How many pieces of background work `actor` has under way: their steps in flight and actions pending."""
    if actor is None:
        return 0
    steps = Onboarding.objects.filter(owner=actor, status__in=Onboarding.IN_FLIGHT).count()
    flows = Dataflow.objects.filter(onboarding__owner=actor, status=Dataflow.Status.CREATING).count()
    return steps + flows + RemoteAction.objects.filter(actor=actor).pending().count()


def placed(background: Task[..., Any], actor: Any) -> Task[..., Any]:
    """`background` as it is queued for `actor`, whose work just claimed is counted in `under_way` already:
    as it is among their first TASKS_AHEAD_PER_PERSON, behind everyone else's beyond (a lower priority with
    django-tasks-db, RQ's queue "behind", which its workers take last)."""
    if actor is None or under_way(actor) <= settings.TASKS_AHEAD_PER_PERSON:
        return background
    if background.get_backend().supports_priority:
        return background.using(priority=BEHIND_PRIORITY)
    if BEHIND_QUEUE in background.get_backend().queues:
        return background.using(queue_name=BEHIND_QUEUE)
    return background


def refuse_beyond_ceiling(actor: Any) -> None:
    """Refuse a new remote action to a person who has TASKS_PER_PERSON under way already."""
    if actor is not None and under_way(actor) >= settings.TASKS_PER_PERSON:
        raise OnboardingError.refused(
            f"You have {settings.TASKS_PER_PERSON} requests to Adobe under way already. "
            "Wait until one has finished, then try again."
        )


def take_ask(actor: Any) -> bool:
    """Count one on-demand ask of Adobe for `actor`; False when they are over ADOBE_ASKS_PER_MINUTE."""
    if actor is None:
        return True
    key = f"adobe-asks:{actor.pk}"
    # A minute's window opens with the first ask (the counter expires a minute later; an increment keeps that).
    cache.add(key, 0, timeout=ASK_WINDOW)
    try:
        asked = cache.incr(key)
    except ValueError:  # the window closed between the add and the increment
        cache.set(key, 1, timeout=ASK_WINDOW)
        asked = 1
    return bool(asked <= settings.ADOBE_ASKS_PER_MINUTE)


def refuse_over_rate(actor: Any) -> None:
    """Count one on-demand ask; refused with a message once over the rate."""
    if not take_ask(actor):
        raise OnboardingError.refused(
            f"You have asked Adobe {settings.ADOBE_ASKS_PER_MINUTE} times in the last minute. "
            "Wait a minute, then try again."
        )
