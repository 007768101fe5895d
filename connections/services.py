"""Services: the only code that changes an onboarding's status or talks to Adobe for it.

A remote step is claimed under a row lock (status moves to an in-flight state and the
transaction commits) before Adobe is called, so two submits of the same step cannot both
create. When a create's outcome is unknown, the retry first looks for the object by its
unique name and adopts it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import adobe
from .encryption import blind_index
from .flowservice import (
    AadAuth,
    Created,
    EventHubAuth,
    FlowServiceError,
    PreconditionFailedError,
    SasAuth,
    ScopedAadAuth,
    SourceParams,
    StandardAuth,
)
from .flowservice import DataType as ApiDataType
from .flowservice import Reset as ApiReset
from .messages import Problem, describe
from .models import Onboarding, StateChange

Status = Onboarding.Status
AuthType = Onboarding.AuthType
CREDENTIAL_FIELDS = (
    "namespace",
    "sas_key_name",
    "sas_key",
    "auth_event_hub_name",
    "tenant_id",
    "client_id",
    "client_secret_value",
)
FIELDS_BY_AUTH = {
    AuthType.STANDARD: ("namespace", "sas_key_name", "sas_key"),
    AuthType.SAS: ("namespace", "sas_key_name", "sas_key", "auth_event_hub_name"),
    AuthType.AAD: ("tenant_id", "client_id", "client_secret_value", "namespace"),
    AuthType.SCOPED_AAD: ("tenant_id", "client_id", "client_secret_value", "namespace", "auth_event_hub_name"),
}
SECRET_FIELDS = frozenset({"sas_key", "client_secret_value"})


class OnboardingError(Exception):
    """A request the onboarding cannot take now; `field` names the form field it concerns."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleConnectionError(OnboardingError):
    """Adobe's copy changed since the app read it (412): reload before changing it."""


@dataclass(frozen=True)
class Credentials:
    """The credential fields of one auth type; an empty secret means "keep the stored one"."""

    auth_type: str
    namespace: str = ""
    sas_key_name: str = ""
    sas_key: str = field(default="", repr=False)
    auth_event_hub_name: str = ""
    tenant_id: str = ""
    client_id: str = ""
    client_secret_value: str = field(default="", repr=False)


@dataclass(frozen=True)
class Account:
    name: str
    description: str
    sandbox_name: str
    credentials: Credentials


@dataclass(frozen=True)
class Source:
    event_hub_name: str
    data_type: str = Onboarding.DataType.RAW
    reset: str = Onboarding.Reset.EARLIEST
    consumer_group: str = "$Default"


@dataclass(frozen=True)
class Check:
    """One named result of a connection test."""

    key: str
    label: str
    state: str  # passed | failed | skipped
    detail: str = ""


# Transitions


def _move(onboarding: Onboarding, to: str, *, actor: Any, reason: str) -> None:
    if not onboarding.can_move_to(to):
        raise OnboardingError(f"An onboarding cannot go from {onboarding.get_status_display()} to {Status(to).label}.")
    previous = onboarding.status
    onboarding.status = to
    StateChange.objects.record(onboarding=onboarding, actor=actor, from_status=previous, to_status=to, reason=reason)


def _locked(pk: int) -> Onboarding:
    return Onboarding.objects.select_for_update().get(pk=pk)


def stale_after() -> datetime.timedelta:
    """How long an in-flight step may last before it is taken as abandoned (the app restarted)."""
    seconds = 2 * (settings.FLOW_SERVICE_CONNECT_TIMEOUT + settings.FLOW_SERVICE_READ_TIMEOUT)
    return datetime.timedelta(seconds=seconds + settings.FLOW_SERVICE_RETRY_BUDGET + 30)


def _recover_if_abandoned(onboarding: Onboarding, actor: Any) -> bool:
    """Fail an in-flight step that outlived every timeout; True when it did."""
    started = onboarding.step_started_at
    if not onboarding.is_in_flight or (started and timezone.now() - started < stale_after()):
        return False
    failed = Status.BASE_FAILED if onboarding.status == Status.CREATING_BASE else Status.SOURCE_FAILED
    problem = Problem(
        title="The last attempt did not finish",
        message="The last attempt stopped without an answer from Adobe. Retry first checks whether Adobe "
        "created the object, so nothing is created twice.",
        outcome_unknown=True,
        at=timezone.now().isoformat(),
    )
    _move(onboarding, failed, actor=actor, reason="The previous attempt was abandoned; its outcome is unknown")
    onboarding.outcome_unknown = True
    onboarding.last_error = problem.as_json()
    onboarding.step_started_at = None
    return True


def _claim(onboarding: Onboarding, *, actor: Any, ready: set[str], to: str, reason: str) -> Onboarding | None:
    """Move to the in-flight state if the step may start; None when another request has it."""
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        if _recover_if_abandoned(locked, actor):
            locked.save()
        if locked.status not in ready:
            return None
        _move(locked, to, actor=actor, reason=reason)
        locked.step_started_at = timezone.now()
        locked.save()
    return locked


def _settle(onboarding: Onboarding, *, actor: Any, to: str, reason: str, **changes: Any) -> Onboarding:
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        _move(locked, to, actor=actor, reason=reason)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.step_started_at = None
        locked.save()
    return locked


# Account step


def _apply_credentials(onboarding: Onboarding, credentials: Credentials) -> None:
    """Set the fields the auth type uses; clear the others so no stray secret is kept."""
    wanted = FIELDS_BY_AUTH[AuthType(credentials.auth_type)]
    same_family = onboarding.auth_type and (
        (onboarding.auth_type in Onboarding.AAD_AUTH) == (credentials.auth_type in Onboarding.AAD_AUTH)
    )
    secret_changed = False
    for name in CREDENTIAL_FIELDS:
        value = getattr(credentials, name) if name in wanted else ""
        if name in SECRET_FIELDS and name in wanted and not value and same_family:
            continue  # left blank: keep the stored secret
        if name in SECRET_FIELDS and value and value != getattr(onboarding, name):
            secret_changed = True
        setattr(onboarding, name, value)
    onboarding.auth_type = credentials.auth_type
    onboarding.namespace_fingerprint = blind_index(onboarding.namespace)[0] if onboarding.namespace else ""
    if secret_changed or not onboarding.secret_changed_at:
        onboarding.secret_changed_at = timezone.now()
    missing = [n for n in wanted if not getattr(onboarding, n)]
    if missing:
        raise OnboardingError("This field is required.", field=missing[0])


def onboarding_start(*, owner: Any, account: Account, creation_token: Any = None) -> Onboarding:
    """Create the onboarding (a draft) from the first valid Account submit.

    The form's creation token makes a double submit return the first onboarding.
    """
    if creation_token is not None:
        existing = Onboarding.objects.filter(creation_token=creation_token, owner=owner).first()
        if existing:
            return existing
    onboarding = Onboarding(
        owner=owner,
        name=account.name,
        description=account.description,
        sandbox_name=account.sandbox_name,
        creation_token=creation_token,
    )
    _apply_credentials(onboarding, account.credentials)
    try:
        with transaction.atomic():
            onboarding.save()
            StateChange.objects.record(
                onboarding=onboarding,
                actor=owner,
                from_status=None,
                to_status=Status.DRAFT,
                reason="Account details saved",
            )
    except IntegrityError:
        return Onboarding.objects.get(creation_token=creation_token, owner=owner)
    return onboarding


def onboarding_update_account(*, onboarding: Onboarding, actor: Any, account: Account) -> Onboarding:
    """Change the account details while no base connection exists."""
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        if locked.status not in (Status.DRAFT, Status.BASE_FAILED) or locked.outcome_unknown:
            raise OnboardingError("The account details can no longer be changed.")
        locked.name, locked.description = account.name, account.description
        locked.sandbox_name = account.sandbox_name
        _apply_credentials(locked, account.credentials)
        locked.save()
    return locked


def auth_for(onboarding: Onboarding) -> EventHubAuth:
    """The client's typed auth input for the onboarding's credentials."""
    o = onboarding
    match o.auth_type:
        case AuthType.STANDARD:
            return StandardAuth(namespace=o.namespace, sas_key_name=o.sas_key_name, sas_key=o.sas_key)
        case AuthType.SAS:
            return SasAuth(
                namespace=o.namespace,
                sas_key_name=o.sas_key_name,
                sas_key=o.sas_key,
                event_hub_name=o.auth_event_hub_name,
            )
        case AuthType.AAD:
            return AadAuth(
                tenant_id=o.tenant_id,
                client_id=o.client_id,
                client_secret_value=o.client_secret_value,
                namespace=o.namespace,
            )
        case _:
            return ScopedAadAuth(
                tenant_id=o.tenant_id,
                client_id=o.client_id,
                client_secret_value=o.client_secret_value,
                namespace=o.namespace,
                event_hub_name=o.auth_event_hub_name,
            )


def _failure(onboarding: Onboarding, error: FlowServiceError, *, doing: str, unknown: bool) -> dict[str, Any]:
    problem = describe(error, doing=doing, sandbox=onboarding.sandbox_name)
    data = problem.as_json()
    data["outcome_unknown"] = unknown
    return data


def onboarding_create_base_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Create (or, after an unknown outcome, find and adopt) the base connection."""
    claimed = _claim(
        onboarding,
        actor=actor,
        ready={Status.DRAFT, Status.BASE_FAILED},
        to=Status.CREATING_BASE,
        reason="Creating the base connection",
    )
    if claimed is None:
        return Onboarding.objects.get(pk=onboarding.pk)
    client = adobe.flow_client(onboarding=claimed, actor=actor)
    resolved = not claimed.outcome_unknown
    try:
        existing = None if resolved else client.find_base_connection(claimed.base_connection_name)
        resolved = True
        if existing:
            created, reason = (
                Created(existing["id"], existing["etag"]),
                "Adopted the base connection an earlier attempt created",
            )
        else:
            created = client.create_base_connection(
                name=claimed.base_connection_name, description=claimed.description, auth=auth_for(claimed)
            )
            reason = "Adobe created the base connection"
    except FlowServiceError as error:
        unknown = error.outcome_unknown or not resolved
        failure = _failure(claimed, error, doing="creating the base connection", unknown=unknown)
        return _settle(
            claimed,
            actor=actor,
            to=Status.BASE_FAILED,
            reason=f"{failure['title']}: {error}",
            last_error=failure,
            outcome_unknown=unknown,
        )
    return _settle(
        claimed,
        actor=actor,
        to=Status.BASE_CREATED,
        reason=reason,
        base_connection_id=created.id,
        base_connection_etag=created.etag,
        last_error=None,
        outcome_unknown=False,
    )


# Source step


def consumer_group_holder(onboarding: Onboarding, *, event_hub_name: str, consumer_group: str) -> Onboarding | None:
    """Another active onboarding reading this event hub with this consumer group, if any."""
    if not onboarding.namespace:
        return None
    holds = Q(status__in=Onboarding.HOLDS_CONSUMER_GROUP) | Q(status=Status.SOURCE_FAILED, outcome_unknown=True)
    return (
        Onboarding.objects.filter(
            holds,
            namespace_fingerprint__in=blind_index(onboarding.namespace),
            event_hub_name=event_hub_name,
            consumer_group=consumer_group,
        )
        .exclude(pk=onboarding.pk)
        .only("pk")
        .first()
    )


def onboarding_save_source(*, onboarding: Onboarding, actor: Any, source: Source) -> Onboarding:
    """Store the source parameters, refusing a consumer group another flow already uses."""
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        if locked.status not in (Status.BASE_CREATED, Status.SOURCE_FAILED) or locked.outcome_unknown:
            raise OnboardingError("The source parameters can no longer be changed.")
        if locked.is_scoped and source.event_hub_name != locked.auth_event_hub_name:
            raise OnboardingError(
                f"Your credentials only open the event hub {locked.auth_event_hub_name}; the source must read it.",
                field="event_hub_name",
            )
        if consumer_group_holder(locked, event_hub_name=source.event_hub_name, consumer_group=source.consumer_group):
            raise OnboardingError(
                f"The consumer group {source.consumer_group} already feeds another onboarding of this event hub, "
                "and a consumer group serves one flow at a time. Choose another consumer group (create one in "
                "the Azure portal under the event hub's Consumer groups).",
                field="consumer_group",
            )
        locked.event_hub_name = source.event_hub_name
        locked.data_type, locked.reset, locked.consumer_group = source.data_type, source.reset, source.consumer_group
        locked.save()
    return locked


def source_params_for(onboarding: Onboarding) -> SourceParams:
    return SourceParams(
        event_hub_name=onboarding.event_hub_name,
        data_type=ApiDataType(onboarding.data_type),
        reset=ApiReset(onboarding.reset),
        consumer_group=onboarding.consumer_group,
    )


def onboarding_create_source_connection(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Create (or find and adopt) the source connection on the base connection."""
    claimed = _claim(
        onboarding,
        actor=actor,
        ready={Status.BASE_CREATED, Status.SOURCE_FAILED},
        to=Status.CREATING_SOURCE,
        reason="Creating the source connection",
    )
    if claimed is None:
        return Onboarding.objects.get(pk=onboarding.pk)
    client = adobe.flow_client(onboarding=claimed, actor=actor)
    resolved = not claimed.outcome_unknown
    try:
        existing = None if resolved else client.find_source_connection(claimed.source_connection_name)
        resolved = True
        if existing:
            created, reason = (
                Created(existing["id"], existing["etag"]),
                "Adopted the source connection an earlier attempt created",
            )
        else:
            created = client.create_source_connection(
                name=claimed.source_connection_name,
                description=claimed.description,
                base_connection_id=claimed.base_connection_id,
                params=source_params_for(claimed),
            )
            reason = "Adobe created the source connection"
    except FlowServiceError as error:
        unknown = error.outcome_unknown or not resolved
        failure = _failure(claimed, error, doing="creating the source connection", unknown=unknown)
        return _settle(
            claimed,
            actor=actor,
            to=Status.SOURCE_FAILED,
            reason=f"{failure['title']}: {error}",
            last_error=failure,
            outcome_unknown=unknown,
        )
    done = _settle(
        claimed,
        actor=actor,
        to=Status.SOURCE_CREATED,
        reason=reason,
        source_connection_id=created.id,
        source_connection_etag=created.etag,
        last_error=None,
        outcome_unknown=False,
    )
    return _refresh_consumer_group_check(done)


def onboarding_recover(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Settle a step that has been in flight longer than any call can last (the app restarted)."""
    if not onboarding.is_in_flight:
        return onboarding
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        if _recover_if_abandoned(locked, actor):
            locked.save()
    return locked


def onboarding_retry(*, onboarding: Onboarding, actor: Any) -> Onboarding:
    """Repeat only the step that failed, with what is stored; nothing is retyped."""
    with transaction.atomic():
        locked = _locked(onboarding.pk)
        if _recover_if_abandoned(locked, actor):
            locked.save()
    if locked.status == Status.BASE_FAILED:
        return onboarding_create_base_connection(onboarding=locked, actor=actor)
    if locked.status == Status.SOURCE_FAILED:
        return onboarding_create_source_connection(onboarding=locked, actor=actor)
    return locked


# Connection test and event hub discovery

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
    if o.event_hub_name and o.consumer_group:
        holder = consumer_group_holder(o, event_hub_name=o.event_hub_name, consumer_group=o.consumer_group)
        group = Check(
            "consumer_group",
            "Consumer group free",
            "failed" if holder else "passed",
            f"{o.consumer_group} already feeds another onboarding." if holder else o.consumer_group,
        )
    else:
        group = Check("consumer_group", "Consumer group free", "skipped", "Chosen on the Source step.")
    return [credentials, namespace, hub, group]


def _refresh_consumer_group_check(onboarding: Onboarding) -> Onboarding:
    """Bring the stored test up to date with the chosen consumer group (a database check, no call)."""
    test = onboarding.connection_test
    if not test:
        return onboarding
    fresh = _connection_checks(onboarding, None, "", None, "")[-1].__dict__
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
        locked = _locked(onboarding.pk)
        locked.connection_test = {"checks": [c.__dict__ for c in checks], "accepted": accepted}
        locked.connection_tested_at = timezone.now()
        if hubs is not None or accepted is not None:
            locked.event_hubs = {"hubs": hubs, "note": _listing_note(locked, hubs, explore_error)}
        locked.save(update_fields=["connection_test", "connection_tested_at", "event_hubs", "updated_at"])
    return locked


# Replacing credentials (a new key after a rotation in Azure)


@dataclass(frozen=True)
class Replacement:
    """What happened to a credentials replacement."""

    saved: bool
    message: str
    problem: dict[str, Any] | None = None


def _with_credentials(onboarding: Onboarding, credentials: Credentials) -> Onboarding:
    """An unsaved copy of the onboarding carrying the new credentials (blank secret = the stored one)."""
    copy = Onboarding.objects.get(pk=onboarding.pk)
    if credentials.auth_type != copy.auth_type:
        raise OnboardingError(
            "The authentication type of an existing base connection cannot change; start a new onboarding instead.",
            field="auth_type",
        )
    _apply_credentials(copy, credentials)
    return copy


def onboarding_replace_credentials(*, onboarding: Onboarding, actor: Any, credentials: Credentials) -> Replacement:
    """PATCH the base connection's credentials (If-Match), test them, and keep them only if they work.

    If Adobe's test refuses the new credentials, the previous ones are put back, so a typo does
    not break a running flow. A stale etag raises StaleConnectionError: reload, then try again.
    """
    if not onboarding.base_connection_id or onboarding.is_in_flight:
        raise OnboardingError("There is no base connection to update yet.")
    candidate = _with_credentials(onboarding, credentials)
    if all(getattr(candidate, name) == getattr(onboarding, name) for name in CREDENTIAL_FIELDS):
        return Replacement(saved=False, message="Nothing changed: these are the credentials Adobe already has.")
    client = adobe.flow_client(onboarding=candidate, actor=actor)
    doing = "replacing the credentials"
    try:
        updated = client.update_credentials(
            onboarding.base_connection_id, etag=onboarding.base_connection_etag, auth=auth_for(candidate)
        )
    except PreconditionFailedError as error:
        raise StaleConnectionError(describe(error, doing=doing, sandbox=onboarding.sandbox_name).message) from error
    except FlowServiceError as error:
        problem = describe(error, doing=doing, sandbox=onboarding.sandbox_name)
        return Replacement(saved=False, message=problem.message, problem=problem.as_json())
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=updated.etag)
    candidate.base_connection_etag = updated.etag
    try:
        accepted = client.test_connection(onboarding.base_connection_id)
    except FlowServiceError:
        accepted = None  # could not test: keep what Adobe now holds
    if accepted is False:
        return _restore(onboarding, candidate, client, updated.etag, actor)
    _store_credentials(candidate)
    tested = onboarding_test_connection(onboarding=candidate, actor=actor)
    note = "" if accepted else " Adobe could not test them just now; use Test connection later."
    return Replacement(
        saved=True, message=f"The new credentials are saved in Adobe (etag {tested.base_connection_etag}).{note}"
    )


def _restore(original: Onboarding, candidate: Onboarding, client: Any, etag: str, actor: Any) -> Replacement:
    try:
        restored = client.update_credentials(original.base_connection_id, etag=etag, auth=auth_for(original))
    except FlowServiceError as error:
        # Adobe keeps the new credentials; the app must say so and hold the same ones.
        _store_credentials(candidate)
        problem = describe(error, doing="restoring the previous credentials", sandbox=original.sandbox_name)
        return Replacement(
            saved=True,
            problem=problem.as_json(),
            message=(
                "Adobe's test refused the new credentials, and putting the previous ones back failed: Adobe now holds "
                f"the new ones. {problem.message}"
            ),
        )
    Onboarding.objects.filter(pk=original.pk).update(base_connection_etag=restored.etag)
    onboarding_test_connection(onboarding=Onboarding.objects.get(pk=original.pk), actor=actor)
    return Replacement(
        saved=False,
        message=(
            "Adobe's test refused the new credentials, so the previous ones were put back and nothing changed. "
            "Check the key name and key (or the client secret) in the Azure portal."
        ),
    )


def _store_credentials(candidate: Onboarding) -> None:
    candidate.save(
        update_fields=[
            *CREDENTIAL_FIELDS,
            "namespace_fingerprint",
            "secret_changed_at",
            "base_connection_etag",
            "updated_at",
        ]
    )


def onboarding_reload_base_connection(*, onboarding: Onboarding, actor: Any) -> list[str]:
    """Read the base connection from Adobe and take its current etag; say what differs from the app's copy."""
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    item = client.get_base_connection(onboarding.base_connection_id)
    remote = (item.get("auth") or {}).get("params") or {}
    local = auth_for(onboarding).params()
    secret_names = type(auth_for(onboarding)).SECRET_PARAMS
    differences = [
        f"{name} is {remote[name]!r} in Adobe"
        for name in sorted(local)
        if name not in secret_names and name in remote and remote[name] != local[name]
    ]
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=item["etag"])
    return differences
