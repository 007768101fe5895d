"""Adobe's connection test, shown as named checks, and the event hubs Adobe can list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from connections import adobe
from connections.flowservice import FlowServiceClient, FlowServiceError
from connections.messages import describe
from connections.models import Check, CheckState, Onboarding

from .errors import OnboardingError
from .transitions import lock_row

NOT_FOUND_HINTS = ("No such host", "could not be found")
PASSED, FAILED, SKIPPED = CheckState.PASSED, CheckState.FAILED, CheckState.SKIPPED


@dataclass(frozen=True)
class Answers:
    """What Adobe said: the test's verdict (None: no verdict), and the event hubs it listed."""

    accepted: bool | None
    test_problem: str = ""
    hubs: list[str] | None = None
    explore_error: str = ""

    @property
    def missing_namespace(self) -> bool:
        return any(hint in self.explore_error for hint in NOT_FOUND_HINTS)


def _listing_note(onboarding: Onboarding, answers: Answers) -> str:
    if answers.hubs:
        return ""
    if onboarding.is_scoped:
        return f"Your credentials are scoped to the event hub {onboarding.auth_event_hub_name}."
    azure_said = f" (Azure said: {answers.explore_error})" if answers.explore_error else ""
    return f"{onboarding.auth.spec.empty_listing}{azure_said}"


def _credentials_check(answers: Answers) -> Check:
    label = "Credentials accepted"
    if answers.accepted:
        return Check("credentials", label, PASSED)
    if answers.accepted is None:
        return Check("credentials", label, SKIPPED, answers.test_problem)
    detail = answers.explore_error if not answers.missing_namespace else ""
    return Check("credentials", label, FAILED, detail or "Adobe could not open the event hub with these credentials.")


def _namespace_check(onboarding: Onboarding, answers: Answers) -> Check:
    label = "Namespace reachable"
    if answers.accepted or answers.hubs is not None or (answers.explore_error and not answers.missing_namespace):
        return Check("namespace", label, PASSED, f"{onboarding.namespace}.servicebus.windows.net")
    if answers.missing_namespace:
        return Check("namespace", label, FAILED, answers.explore_error)
    return Check("namespace", label, SKIPPED, "Adobe's test does not say which part failed.")


def _event_hub_check(onboarding: Onboarding, answers: Answers) -> Check:
    label, hubs = "Event hub visible", answers.hubs
    target = onboarding.event_hub_name or onboarding.auth_event_hub_name
    if hubs is not None and target:
        if target in hubs:
            return Check("event_hub", label, PASSED, target)
        missing = f"{target} is not among the namespace's event hubs: {', '.join(hubs)}."
        return Check("event_hub", label, FAILED, missing)
    if hubs is not None:
        return Check("event_hub", label, PASSED, f"{len(hubs)} found: {', '.join(hubs)}")
    if onboarding.is_scoped and answers.accepted is not None:
        return Check("event_hub", label, PASSED if answers.accepted else FAILED, target)
    return Check("event_hub", label, SKIPPED, _listing_note(onboarding, Answers(accepted=None)))


def _consumer_group_check(o: Onboarding) -> Check:
    """A database check: does another active onboarding read this hub with this consumer group?"""
    label = "Consumer group free"
    if not (o.event_hub_name and o.consumer_group):
        return Check("consumer_group", label, SKIPPED, "Chosen on the Source step.")
    holder = o.consumer_group_holder(event_hub_name=o.event_hub_name, consumer_group=o.consumer_group)
    if holder:
        return Check("consumer_group", label, FAILED, f"{o.consumer_group} already feeds another onboarding.")
    return Check("consumer_group", label, PASSED, o.consumer_group)


def _checks(onboarding: Onboarding, answers: Answers) -> list[Check]:
    return [
        _credentials_check(answers),
        _namespace_check(onboarding, answers),
        _event_hub_check(onboarding, answers),
        _consumer_group_check(onboarding),
    ]


def refresh_consumer_group_check(onboarding: Onboarding) -> Onboarding:
    """Bring the stored test up to date with the chosen consumer group (a database check, no call)."""
    test = onboarding.connection_test
    if not test:
        return onboarding
    fresh = _consumer_group_check(onboarding).as_json()
    test["checks"] = [fresh if check["key"] == "consumer_group" else check for check in test["checks"]]
    Onboarding.objects.filter(pk=onboarding.pk).update(connection_test=test)
    return onboarding


def _ask_adobe(client: FlowServiceClient, onboarding: Onboarding) -> Answers:
    """Adobe's test of the base connection, then its list of event hubs where the auth type allows one."""
    try:
        accepted = client.test_connection(onboarding.base_connection_id)
    except FlowServiceError as error:
        problem = describe(error, doing="testing the connection", sandbox=onboarding.sandbox_name)
        return Answers(accepted=None, test_problem=problem.message)
    if not onboarding.auth.lists_event_hubs:
        return Answers(accepted=accepted)
    try:
        hubs = sorted(str(entry.get("name")) for entry in client.explore(onboarding.base_connection_id))
    except FlowServiceError as error:
        explore_error = error.message.removeprefix("The request could not be processed. Error message: ")
        return Answers(accepted=accepted, explore_error=explore_error)
    return Answers(accepted=accepted, hubs=hubs)


def onboarding_test_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Ask Adobe to test the base connection, list the event hubs where allowed, and keep the results."""
    if not onboarding.base_connection_id:
        raise OnboardingError.refused("There is no base connection to test yet.")
    answers = _ask_adobe(adobe.flow_client(onboarding=onboarding, actor=actor), onboarding)
    checks = _checks(onboarding, answers)
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        locked.connection_test = {"checks": [c.as_json() for c in checks], "accepted": answers.accepted}
        locked.connection_tested_at = timezone.now()
        if answers.hubs is not None or answers.accepted is not None:
            locked.event_hubs = {"hubs": answers.hubs, "note": _listing_note(locked, answers)}
        locked.save(update_fields=["connection_test", "connection_tested_at", "event_hubs", "updated_at"])
    return locked
