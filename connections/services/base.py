"""What every service shares: the inputs, the errors, the state transitions, the credentials."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from connections.encryption import blind_index
from connections.flowservice import (
    AadAuth,
    EventHubAuth,
    FlowServiceError,
    SasAuth,
    ScopedAadAuth,
    SourceParams,
    StandardAuth,
)
from connections.flowservice import DataType as ApiDataType
from connections.flowservice import Reset as ApiReset
from connections.messages import Problem, describe
from connections.models import Onboarding, StateChange

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


def lock_row(pk: int) -> Onboarding:
    return Onboarding.objects.select_for_update().get(pk=pk)


def stale_after() -> datetime.timedelta:
    """How long an in-flight step may last before it is taken as abandoned (the app restarted)."""
    seconds = 2 * (settings.FLOW_SERVICE_CONNECT_TIMEOUT + settings.FLOW_SERVICE_READ_TIMEOUT)
    return datetime.timedelta(seconds=seconds + settings.FLOW_SERVICE_RETRY_BUDGET + 30)


def recover_if_abandoned(onboarding: Onboarding, actor: Any) -> bool:
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


def claim_step(onboarding: Onboarding, *, actor: Any, ready: set[str], to: str, reason: str) -> Onboarding | None:
    """Move to the in-flight state if the step may start; None when another request has it."""
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        if recover_if_abandoned(locked, actor):
            locked.save()
        if locked.status not in ready:
            return None
        _move(locked, to, actor=actor, reason=reason)
        locked.step_started_at = timezone.now()
        locked.save()
    return locked


def settle_step(onboarding: Onboarding, *, actor: Any, to: str, reason: str, **changes: Any) -> Onboarding:
    with transaction.atomic():
        locked = lock_row(onboarding.pk)
        _move(locked, to, actor=actor, reason=reason)
        for name, value in changes.items():
            setattr(locked, name, value)
        locked.step_started_at = None
        locked.save()
    return locked


# Credentials and parameters


def apply_credentials(onboarding: Onboarding, credentials: Credentials) -> None:
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


def failure_record(onboarding: Onboarding, error: FlowServiceError, *, doing: str, unknown: bool) -> dict[str, Any]:
    problem = describe(error, doing=doing, sandbox=onboarding.sandbox_name)
    data = problem.as_json()
    data["outcome_unknown"] = unknown
    return data


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


def source_params_for(onboarding: Onboarding) -> SourceParams:
    return SourceParams(
        event_hub_name=onboarding.event_hub_name,
        data_type=ApiDataType(onboarding.data_type),
        reset=ApiReset(onboarding.reset),
        consumer_group=onboarding.consumer_group,
    )
