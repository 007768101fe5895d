"""Replacing the credentials of a base connection (a new key after a rotation in Azure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connections import adobe
from connections.flowservice import FlowServiceError, PreconditionFailedError
from connections.messages import describe
from connections.models import Onboarding

from .base import (
    CREDENTIAL_FIELDS,
    Credentials,
    OnboardingError,
    StaleConnectionError,
    apply_credentials,
    auth_for,
)
from .connection_test import onboarding_test_connection
from .credentials_settle import resume_after_unknown, settle_lost_patch


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
    apply_credentials(copy, credentials)
    return copy


def onboarding_replace_credentials(
    *, onboarding: Onboarding, actor: Any, credentials: Credentials, resuming: bool = False
) -> Replacement:
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
        if resuming:  # the Retry after an unknown outcome: read back first (credentials_settle)
            updated = resume_after_unknown(client=client, onboarding=onboarding, candidate=candidate)
        else:
            updated = client.update_credentials(
                onboarding.base_connection_id, etag=onboarding.base_connection_etag, auth=auth_for(candidate)
            )
    except PreconditionFailedError as error:
        raise StaleConnectionError(describe(error, doing=doing, sandbox=onboarding.sandbox_name).message) from error
    except FlowServiceError as error:
        try:  # a lost answer is settled by reading the connection back (issue 13)
            updated = settle_lost_patch(error, client=client, onboarding=onboarding, candidate=candidate)
        except FlowServiceError as unsettled:
            problem = describe(unsettled, doing=doing, sandbox=onboarding.sandbox_name)
            return Replacement(saved=False, message=problem.message, problem=problem.as_json())
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=updated.etag)
    candidate.base_connection_etag = updated.etag
    # One test of the new credentials; its checks are kept. None: Adobe could not test just now.
    accepted = onboarding_test_connection(onboarding=candidate, actor=actor).connection_test["accepted"]
    if accepted is False:
        return _restore(onboarding, candidate, client, updated.etag, actor)
    _store_credentials(candidate)
    note = "" if accepted else " Adobe could not test them just now; use Test connection later."
    return Replacement(saved=True, message=f"The new credentials are saved in Adobe (etag {updated.etag}).{note}")


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
    auth = auth_for(onboarding)
    local, secret_names = auth.params(), auth.SECRET_PARAMS
    differences = [
        f"{name} is {remote[name]!r} in Adobe"
        for name in sorted(local)
        if name not in secret_names and name in remote and remote[name] != local[name]
    ]
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=item["etag"])
    return differences
