"""Adobe's connection test, shown as named checks, and the event hubs Adobe can list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceError
from connections.messages import describe
from connections.models import Onboarding

from .base import (
    AuthType,
    Check,
    OnboardingError,
    consumer_group_holder,
    lock_row,
)

LISTING_AUTH = frozenset({AuthType.STANDARD, AuthType.AAD})
NOT_FOUND_HINTS = ("No such host", "could not be found")


def _listing_note(onboarding: Onboarding, hubs: list[str] | None, explore_error: str) -> str:
    if hubs:
        return ""
    if onboarding.is_scoped:
        return f"Your credentials are scoped to the event hub {onboarding.auth_event_hub_name}."
    if onboarding.uses_aad:
        return (
            "The event hub list is empty: the Entra ID app needs the Azure Event Hubs Data Owner role on the "
            "namespace to list its hubs. Type the event hub name."
        )
    return (
        "The event hub list is empty: the shared access policy needs Manage rights to list the namespace's "
        "event hubs. Type the event hub name." + (f" (Azure said: {explore_error})" if explore_error else "")
    )


def _connection_checks(
    onboarding: Onboarding, accepted: bool | None, test_problem: str, hubs: list[str] | None, explore_error: str
) -> list[Check]:
    o = onboarding
    missing_namespace = any(hint in explore_error for hint in NOT_FOUND_HINTS)
    if accepted:
        credentials = Check("credentials", "Credentials accepted", "passed")
    elif accepted is False:
        detail = explore_error if explore_error and not missing_namespace else ""
        credentials = Check(
            "credentials",
            "Credentials accepted",
            "failed",
            detail or "Adobe could not open the event hub with these credentials.",
        )
    else:
        credentials = Check("credentials", "Credentials accepted", "skipped", test_problem)
    if accepted or hubs is not None or (explore_error and not missing_namespace):
        namespace = Check("namespace", "Namespace reachable", "passed", f"{o.namespace}.servicebus.windows.net")
    elif missing_namespace:
        namespace = Check("namespace", "Namespace reachable", "failed", explore_error)
    else:
        namespace = Check("namespace", "Namespace reachable", "skipped", "Adobe's test does not say which part failed.")
    target = o.event_hub_name or o.auth_event_hub_name
    if hubs is not None and target:
        hub = Check(
            "event_hub",
            "Event hub visible",
            "passed" if target in hubs else "failed",
            target if target in hubs else f"{target} is not among the namespace's event hubs: {', '.join(hubs)}.",
        )
    elif hubs is not None:
        hub = Check("event_hub", "Event hub visible", "passed", f"{len(hubs)} found: {', '.join(hubs)}")
    elif o.is_scoped and accepted is not None:
        hub = Check("event_hub", "Event hub visible", "passed" if accepted else "failed", target)
    else:
        hub = Check("event_hub", "Event hub visible", "skipped", _listing_note(o, hubs, ""))
    return [credentials, namespace, hub, _consumer_group_check(o)]


def _consumer_group_check(o: Onboarding) -> Check:
    """A database check: does another active onboarding read this hub with this consumer group?"""
    if not (o.event_hub_name and o.consumer_group):
        return Check("consumer_group", "Consumer group free", "skipped", "Chosen on the Source step.")
    holder = consumer_group_holder(o, event_hub_name=o.event_hub_name, consumer_group=o.consumer_group)
    return Check(
        "consumer_group",
        "Consumer group free",
        "failed" if holder else "passed",
        f"{o.consumer_group} already feeds another onboarding." if holder else o.consumer_group,
    )


def refresh_consumer_group_check(onboarding: Onboarding) -> Onboarding:
    """Bring the stored test up to date with the chosen consumer group (a database check, no call)."""
    test = onboarding.connection_test
    if not test:
        return onboarding
    fresh = _consumer_group_check(onboarding).__dict__
    test["checks"] = [fresh if check["key"] == "consumer_group" else check for check in test["checks"]]
    Onboarding.objects.filter(pk=onboarding.pk).update(connection_test=test)
    return onboarding


def onboarding_test_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Ask Adobe to test the base connection, list the event hubs where allowed, and keep the results."""
    if not onboarding.base_connection_id:
        raise OnboardingError("There is no base connection to test yet.")
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    accepted: bool | None = None
    test_problem = ""
    try:
        accepted = client.test_connection(onboarding.base_connection_id)
    except FlowServiceError as error:
        test_problem = describe(error, doing="testing the connection", sandbox=onboarding.sandbox_name).message
    hubs: list[str] | None = None
    explore_error = ""
    if onboarding.auth_type in LISTING_AUTH and accepted is not None:
        try:
            hubs = sorted(str(entry.get("name")) for entry in client.explore(onboarding.base_connection_id))
        except FlowServiceError as error:
            explore_error = error.message.removeprefix("The request could not be processed. Error message: ")
    checks = _connection_checks(onboarding, accepted, test_problem, hubs, explore_error)
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        locked.connection_test = {"checks": [c.__dict__ for c in checks], "accepted": accepted}
        locked.connection_tested_at = timezone.now()
        if hubs is not None or accepted is not None:
            locked.event_hubs = {"hubs": hubs, "note": _listing_note(locked, hubs, explore_error)}
        locked.save(update_fields=["connection_test", "connection_tested_at", "event_hubs", "updated_at"])
    return locked
