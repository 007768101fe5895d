"""Adobe's connection test, shown as named checks with a diagnosis, and the event hubs Adobe can list.

The verdict comes from the answers' structure only: the test's documented `result`, explore's status and
Flow Service error code. Azure's words (relayed in explore's 1308-400) only choose the diagnosis sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.auth_types import AuthType
from connections.diagnoses import (
    AZURE_RELAY_CODE,
    Diagnosis,
    azure_words,
    could_not_test,
    diagnose_listing,
    diagnose_refusal,
    no_reason,
    unrecognised,
)
from connections.flowservice import ConnectionTest, FlowServiceError, HubListing, Verdict
from connections.messages import Problem, describe
from connections.models import ActionResult, Check, CheckState, Onboarding, RemoteAction

from . import actions
from .errors import OnboardingError
from .readers import reader_of

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient

Kind = RemoteAction.Kind
PASSED, FAILED, SKIPPED, UNVERIFIED = CheckState.PASSED, CheckState.FAILED, CheckState.SKIPPED, CheckState.UNVERIFIED
# Diagnoses that can only come from Azure once the namespace answered.
NAMESPACE_ANSWERED = frozenset({"sas_signature", "sas_token_expired", "listen_missing", "event_hub_unknown"})
CONSUMER_GROUP_LABEL = "Consumer group not used by another onboarding here"


@dataclass(frozen=True)
class Answers:
    """What Adobe said: its test (or why there is none), and its list of event hubs (if asked)."""

    test: ConnectionTest | None
    test_problem: Problem | None = None
    listing: HubListing | None = None

    @property
    def accepted(self) -> bool | None:
        return self.test.accepted if self.test else None

    @property
    def hubs(self) -> list[str] | None:
        if self.listing and self.listing.verdict is Verdict.PASSED:
            return sorted(self.listing.hubs)
        return None

    @property
    def listing_refusal(self) -> str:
        """Azure's words when explore was refused with Adobe's relay code; "" otherwise."""
        listing = self.listing
        if listing and listing.verdict is Verdict.FAILED and listing.code == AZURE_RELAY_CODE:
            return azure_words(listing.adobe_said)
        return ""


def diagnose(onboarding: Onboarding, answers: Answers) -> Diagnosis | None:
    """Why the test did not pass (None when it passed and nothing needs saying)."""
    if answers.test is None:
        problem = answers.test_problem
        return could_not_test(problem.message if problem else "Adobe did not test.", transient=_transient(problem))
    if answers.test.verdict is Verdict.UNKNOWN:
        return unrecognised(f"Adobe said: {answers.test.adobe_said}")
    listing = answers.listing
    if answers.test.verdict is Verdict.PASSED:
        return diagnose_listing(listing.adobe_said) if answers.listing_refusal and listing else None
    if listing is None or listing.verdict is Verdict.PASSED:
        return no_reason()
    if listing.verdict is Verdict.FAILED and listing.code == AZURE_RELAY_CODE:
        hub_field = "auth_event_hub_name" if onboarding.is_scoped else "event_hub_name"
        return diagnose_refusal(listing.adobe_said, hub_field=hub_field)
    return unrecognised(f"Adobe said: {listing.code or ''} {listing.adobe_said}".replace("  ", " "))


def _transient(problem: Problem | None) -> bool:
    return problem is None or problem.retryable


def _listing_note(onboarding: Onboarding, answers: Answers) -> str:
    if answers.hubs:
        return ""
    if onboarding.is_scoped:
        return f"Your credentials are scoped to the event hub {onboarding.auth_event_hub_name}."
    return str(onboarding.auth.spec.empty_listing)


def _credentials_check(answers: Answers, diagnosis: Diagnosis | None) -> Check:
    label = "Credentials accepted"
    if answers.accepted:
        return Check("credentials", label, PASSED)
    if answers.accepted is None:
        return Check("credentials", label, SKIPPED, diagnosis.sentence if diagnosis else "")
    if diagnosis and diagnosis.key == "namespace_unknown":
        return Check("credentials", label, SKIPPED, "Not reached: the namespace did not answer.")
    if diagnosis and diagnosis.key == "event_hub_unknown":  # Azure looks for the hub before it tries the key
        return Check(
            "credentials",
            label,
            SKIPPED,
            "Not checked: the event hub was not found, so the key could not be tried on it.",
        )
    return Check("credentials", label, FAILED, diagnosis.sentence if diagnosis else "")


def _namespace_check(onboarding: Onboarding, answers: Answers, diagnosis: Diagnosis | None) -> Check:
    label, host = "Namespace reachable", f"{onboarding.namespace}.servicebus.windows.net"
    if diagnosis and diagnosis.key == "namespace_unknown":
        return Check("namespace", label, FAILED, diagnosis.sentence)
    if answers.accepted or answers.hubs is not None or (diagnosis and diagnosis.key in NAMESPACE_ANSWERED):
        return Check("namespace", label, PASSED, host)
    return Check("namespace", label, UNVERIFIED, "Adobe's answer does not say whether the namespace exists.")


def _event_hub_check(onboarding: Onboarding, answers: Answers, diagnosis: Diagnosis | None) -> Check:
    label, hubs = "Event hub found", answers.hubs
    target = onboarding.event_hub_name or onboarding.auth_event_hub_name
    if diagnosis and diagnosis.key == "event_hub_unknown":
        return Check("event_hub", label, FAILED, f"{target}: {diagnosis.sentence}")
    if hubs is not None and target:
        if target in hubs:
            return Check("event_hub", label, PASSED, target)
        return Check(
            "event_hub", label, FAILED, f"{target} is not among the namespace's event hubs: {', '.join(hubs)}."
        )
    if hubs is not None:
        return Check("event_hub", label, PASSED, f"{len(hubs)} found: {', '.join(hubs)}")
    if onboarding.is_scoped and answers.accepted:
        return Check("event_hub", label, PASSED, target)  # scoped credentials are tested on that hub
    if target:
        return Check("event_hub", label, UNVERIFIED, unlisted_hub(onboarding, target, diagnosis))
    return Check("event_hub", label, SKIPPED, "Chosen on the Source step.")


def unlisted_hub(onboarding: Onboarding, target: str, diagnosis: Diagnosis | None) -> str:
    """Why the event hub's name could not be checked: the namespace's event hubs could not be listed."""
    if diagnosis is None or diagnosis.key != "listing_forbidden":
        why = "Adobe could not list the namespace's event hubs just now"
    elif onboarding.auth_type in (AuthType.STANDARD, AuthType.SAS):
        why = (
            "Your shared access policy may read events (Listen) but not list the namespace's event hubs (that "
            "needs Manage)"
        )
    else:
        why = (
            "The app may read events but not list the namespace's event hubs (that needs Azure Event Hubs Data "
            "Owner on the namespace)"
        )
    return (
        f"{target}: not checked. {why}, so nothing confirms that this event hub exists. A misspelt name shows "
        "when the dataflow previews the event hub."
    )


def _stored_event_hub_check(onboarding: Onboarding, stored: dict[str, Any]) -> Check | None:
    """The event hub check once the Source step has named the hub, from what the last test listed (no call);
    None to keep the stored one (scoped credentials are tested on their hub; a failure found stays)."""
    target = onboarding.event_hub_name
    if not target or onboarding.is_scoped or stored.get("state") == FAILED:
        return None
    hubs = (onboarding.event_hubs or {}).get("hubs")
    label = "Event hub found"
    if isinstance(hubs, list):
        if target in hubs:
            return Check("event_hub", label, PASSED, target)
        return Check(
            "event_hub", label, FAILED, f"{target} is not among the namespace's event hubs: {', '.join(hubs)}."
        )
    return Check("event_hub", label, UNVERIFIED, unlisted_hub(onboarding, target, onboarding.diagnosis))


def _consumer_group_check(o: Onboarding) -> Check:
    """A database check only: is another active onboarding here reading this hub with this consumer group?"""
    if not (o.event_hub_name and o.consumer_group):
        return Check("consumer_group", CONSUMER_GROUP_LABEL, SKIPPED, "Chosen on the Source step.")
    if reader_of(o, event_hub_name=o.event_hub_name, consumer_group=o.consumer_group) is not None:
        detail = f"{o.consumer_group} is already read by another onboarding or dataflow here."
        return Check("consumer_group", CONSUMER_GROUP_LABEL, FAILED, detail)
    detail = f"{o.consumer_group} (whether it exists in Azure is only seen when the dataflow runs)"
    return Check("consumer_group", CONSUMER_GROUP_LABEL, PASSED, detail)


def _checks(onboarding: Onboarding, answers: Answers, diagnosis: Diagnosis | None) -> list[Check]:
    return [
        _credentials_check(answers, diagnosis),
        _namespace_check(onboarding, answers, diagnosis),
        _event_hub_check(onboarding, answers, diagnosis),
        _consumer_group_check(onboarding),
    ]


def source_checks_refreshed(onboarding: Onboarding) -> dict[str, Any]:
    """The stored test with the checks of the source settings brought up to date (the event hub against what
    the test listed, the consumer group against the other readers here), as columns to save ({} when there is
    no test): no call."""
    test = onboarding.connection_test
    if not test:
        return {}
    checks = []
    for check in test["checks"]:
        if check["key"] == "consumer_group":
            check = _consumer_group_check(onboarding).as_json()
        elif check["key"] == "event_hub" and (hub := _stored_event_hub_check(onboarding, check)) is not None:
            check = hub.as_json()
        checks.append(check)
    return {"connection_test": {**test, "checks": checks}}


def refresh_source_checks(onboarding: Onboarding) -> Onboarding:
    """Bring the stored test up to date with the chosen source settings (no call)."""
    refreshed = source_checks_refreshed(onboarding)
    if refreshed:
        Onboarding.objects.filter(pk=onboarding.pk).update(**refreshed)
        onboarding.connection_test = refreshed["connection_test"]
    return onboarding


def _ask_adobe(client: FlowServiceClient, onboarding: Onboarding) -> Answers:
    """Adobe's test of the base connection; then its list of event hubs, where the auth type allows one or
    where the test failed (explore's refusal carries Azure's reason, which the test never does)."""
    connection_id = onboarding.base_connection_id
    try:
        test = client.check_connection(connection_id)
    except FlowServiceError as error:
        return Answers(
            test=None, test_problem=describe(error, doing="testing the connection", sandbox=onboarding.sandbox_name)
        )
    if test.verdict is not Verdict.FAILED and not onboarding.auth.lists_event_hubs:
        return Answers(test=test)
    try:
        listing = client.list_event_hubs(connection_id)
    except FlowServiceError:
        listing = None  # Adobe could not list just now: the test's verdict stands, without a reason
    return Answers(test=test, listing=listing)


def test_record(onboarding: Onboarding, answers: Answers) -> dict[str, Any]:
    """What `Onboarding.connection_test` keeps: the verdict, the checks, the diagnosis."""
    diagnosis = diagnose(onboarding, answers)
    return {
        "accepted": answers.accepted,
        "checks": [c.as_json() for c in _checks(onboarding, answers, diagnosis)],
        "diagnosis": diagnosis.as_json() if diagnosis else None,
    }


def onboarding_test_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Ask Adobe to test the base connection, list the event hubs where allowed, and keep the results
    (on the row, and on `onboarding`, which is returned)."""
    if not onboarding.base_connection_id:
        raise OnboardingError.refused("There is no base connection to test yet.")
    answers = _ask_adobe(adobe.flow_client(onboarding=onboarding, actor=actor), onboarding)
    now = timezone.now()
    kept: dict[str, Any] = {"connection_test": test_record(onboarding, answers), "connection_tested_at": now}
    if answers.hubs is not None or answers.accepted:
        kept["event_hubs"] = {"hubs": answers.hubs, "note": _listing_note(onboarding, answers)}
    # One UPDATE of the test's own columns: nothing here is read back, so no lock is needed around it.
    Onboarding.objects.filter(pk=onboarding.pk).update(**kept, updated_at=now)
    for name, value in {**kept, "updated_at": now}.items():
        setattr(onboarding, name, value)
    return onboarding


@task
def connection_test_task(action_id: str) -> str:
    return actions.run(action_id, _test_in_background)


def _test_in_background(run: actions.ActionRun) -> ActionResult:
    onboarding_test_connection(onboarding=run.onboarding, actor=run.actor)
    return ActionResult()  # the checks are kept on the onboarding


def onboarding_start_test(*, onboarding: Onboarding, actor: Any) -> RemoteAction:
    """The Test connection button: a background task asks Adobe; the page shows progress, then the checks."""
    if not onboarding.base_connection_id:
        raise OnboardingError.refused("There is no base connection to test yet.")
    return actions.start(
        Kind.TEST, connection_test_task, onboarding=onboarding, actor=actor, apart_from=RemoteAction.CHANGES_IN_ADOBE
    )
