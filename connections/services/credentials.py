"""Credentials: setting them on an onboarding, replacing them in Adobe, reloading after a 412.

Replacing and reloading run as background tasks (remote actions, connections/services/actions.py): the
request records what was typed (encrypted, wiped once the task has run) and the page shows progress, then
the result with the non-secret values typed filled in again."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.tasks import task
from django.utils import timezone

from connections import adobe
from connections.auth_types import FIELDS, SECRET_FIELDS, AuthType
from connections.encryption import blind_index
from connections.flowservice import FlowServiceError
from connections.messages import Problem
from connections.models import ActionResult, Onboarding, RemoteAction

from . import actions
from .connection_test import onboarding_test_connection
from .credentials_settle import resume_after_unknown, settle_lost_patch
from .errors import OnboardingError, adobe_failed
from .inputs import Credentials

if TYPE_CHECKING:
    from connections.flowservice import FlowServiceClient

Kind = RemoteAction.Kind
REPLACING = "replacing the credentials"


# The actions that change (or re-read) the onboarding's objects in Adobe run one at a time: a delete never
# races a PATCH, a reload never takes an etag a PATCH is about to replace.
def apply_credentials(onboarding: Onboarding, credentials: Credentials) -> None:
    """Set the fields the auth type uses; clear the others so no stray secret is kept."""
    auth = credentials.auth_type
    keeps_secret = bool(onboarding.auth_type) and auth.same_secret_as(onboarding.auth_type)
    secret_changed = False
    for name in FIELDS:
        value = credentials.value(name)
        if name in SECRET_FIELDS and name in auth.field_names and not value and keeps_secret:
            continue  # left blank: keep the stored secret
        if name in SECRET_FIELDS and value and value != getattr(onboarding, name):
            secret_changed = True
        setattr(onboarding, name, value)
    onboarding.auth_type = auth
    onboarding.namespace_fingerprint = blind_index(onboarding.namespace)[0] if onboarding.namespace else ""
    if secret_changed or not onboarding.secret_changed_at:
        onboarding.secret_changed_at = timezone.now()
    missing = [name for name in auth.field_names if not getattr(onboarding, name)]
    if missing:
        raise OnboardingError.refused("This field is required.", field=missing[0])


@dataclass(frozen=True)
class Replacement:
    """What happened to a credentials replacement that reached Adobe."""

    saved: bool
    message: str
    problem: Problem | None = None  # saved, with a warning: what failed afterwards

    def as_json(self) -> dict[str, Any]:
        return {
            "saved": self.saved,
            "message": self.message,
            "problem": self.problem.as_json() if self.problem else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Replacement:
        problem = data.get("problem")
        return cls(
            saved=bool(data.get("saved")),
            message=str(data.get("message", "")),
            problem=Problem(**problem) if problem else None,
        )


def _with_credentials(onboarding: Onboarding, credentials: Credentials) -> Onboarding:
    """An unsaved copy of the onboarding carrying the new credentials (blank secret = the stored one)."""
    copy = Onboarding.objects.get(pk=onboarding.pk)
    if credentials.auth_type != copy.auth_type:
        raise OnboardingError.refused(
            "The authentication type of an existing base connection cannot change; start a new onboarding instead.",
            field="auth_type",
        )
    apply_credentials(copy, credentials)
    return copy


def onboarding_replace_credentials(
    *, onboarding: Onboarding, actor: Any, credentials: Credentials, resuming: bool = False
) -> Replacement:
    """PATCH the base connection's credentials (If-Match), test them, and keep them unless they broke a working one.

    If the previous credentials passed Adobe's test and the new ones fail it, the previous ones are put
    back (and the page says so), so a typo does not break a running flow. If the previous ones did not pass
    either (a correction on the Account step), the new ones are kept: a correction is never reverted.
    A stale etag raises StaleConnectionError: reload, then try again.
    """
    if not onboarding.credentials_replaceable:
        raise OnboardingError.refused("There is no base connection to update yet.")
    candidate = _with_credentials(onboarding, credentials)
    if all(getattr(candidate, name) == getattr(onboarding, name) for name in FIELDS):
        return Replacement(saved=False, message="Nothing changed: these are the credentials Adobe already has.")
    previously_passed = onboarding.test_accepted is True
    client = adobe.flow_client(onboarding=candidate, actor=actor)
    try:
        if resuming:  # the Retry after an unknown outcome: read back first (credentials_settle)
            updated = resume_after_unknown(client=client, onboarding=onboarding, candidate=candidate)
        else:
            updated = client.update_credentials(
                onboarding.base_connection_id, etag=onboarding.base_connection_etag, auth=candidate.client_auth()
            )
    except FlowServiceError as error:
        try:  # a lost answer is settled by reading the connection back
            updated = settle_lost_patch(error, client=client, onboarding=onboarding, candidate=candidate)
        except FlowServiceError as unsettled:
            raise adobe_failed(unsettled, doing=REPLACING, sandbox=onboarding.sandbox_name) from unsettled
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=updated.etag)
    candidate.base_connection_etag = updated.etag
    # One test of the new credentials; its checks are kept. None: Adobe could not test just now.
    accepted = (onboarding_test_connection(onboarding=candidate, actor=actor).connection_test or {}).get("accepted")
    if accepted is False and previously_passed:
        return _restore(onboarding, candidate, client, updated.etag, actor)
    _store_credentials(candidate)
    if accepted is False:
        return Replacement(saved=True, message="The new credentials are saved in Adobe, but its test did not pass.")
    note = "" if accepted else " Adobe could not test them just now; use Test connection later."
    return Replacement(saved=True, message=f"The new credentials are saved in Adobe.{note}")


def _restore(
    original: Onboarding, candidate: Onboarding, client: FlowServiceClient, etag: str, actor: Any
) -> Replacement:
    try:
        restored = client.update_credentials(original.base_connection_id, etag=etag, auth=original.client_auth())
    except FlowServiceError as error:
        # Adobe keeps the new credentials; the app must say so and hold the same ones.
        _store_credentials(candidate)
        problem = adobe_failed(error, doing="restoring the previous credentials", sandbox=original.sandbox_name)
        return Replacement(
            saved=True,
            problem=problem.problem,
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
    fields = [*FIELDS, "namespace_fingerprint", "secret_changed_at", "base_connection_etag", "updated_at"]
    candidate.save(update_fields=fields)


def onboarding_reload_base_connection(*, onboarding: Onboarding, actor: Any) -> str:
    """Read the base connection from Adobe and take its current etag; say what differs from the app's copy."""
    client = adobe.flow_client(onboarding=onboarding, actor=actor)
    try:
        item = client.get_base_connection(onboarding.base_connection_id)
    except FlowServiceError as error:
        raise adobe_failed(error, doing="reloading the connection", sandbox=onboarding.sandbox_name) from error
    remote = (item.get("auth") or {}).get("params") or {}
    auth = onboarding.client_auth()
    local, secret_names = auth.params(), auth.SECRET_PARAMS
    differences = [
        f"{name} is {remote[name]!r} in Adobe"
        for name in sorted(local)
        if name not in secret_names and name in remote and remote[name] != local[name]
    ]
    Onboarding.objects.filter(pk=onboarding.pk).update(base_connection_etag=item["etag"])
    changed = f" Changed in Adobe: {'; '.join(differences)}." if differences else ""
    return f"Reloaded the base connection from Adobe.{changed} You can edit the credentials now."


def onboarding_start_replacement(
    *, onboarding: Onboarding, actor: Any, credentials: Credentials, resuming: bool = False, correction: bool = False
) -> RemoteAction:
    """Replace the credentials in a background task (`correction`: the Account step's, tested again even when
    nothing changed). The typed values travel in the action's encrypted payload, never in the task's arguments."""
    if not onboarding.credentials_replaceable:
        raise OnboardingError.refused("There is no base connection to update yet.")
    payload = {
        "auth_type": str(credentials.auth_type),
        "values": dict(credentials.values),
        "resuming": resuming,
        "correction": correction,
    }
    return actions.start(
        Kind.CREDENTIALS,
        replace_task,
        onboarding=onboarding,
        actor=actor,
        payload=payload,
        apart_from=RemoteAction.CHANGES_IN_ADOBE,
    )


@task
def replace_task(action_id: str) -> str:
    return actions.run(action_id, _replace_in_background)


def _replace_in_background(run: actions.ActionRun) -> ActionResult:
    credentials = Credentials(AuthType(run.payload["auth_type"]), run.payload["values"])
    typed = {name: credentials.value(name) for name in credentials.auth_type.field_names if name not in SECRET_FIELDS}
    run.keep.update(typed=typed, correction=run.payload["correction"])  # shown again, whatever happens
    replacement = onboarding_replace_credentials(
        onboarding=run.onboarding, actor=run.actor, credentials=credentials, resuming=run.payload["resuming"]
    )
    result = ActionResult(message=replacement.message, problem=replacement.problem, answer={"saved": replacement.saved})
    if run.payload["correction"]:
        if not replacement.saved:  # the same details again: the owner asked for another test
            onboarding_test_connection(onboarding=run.onboarding, actor=run.actor)
        return result
    done = replacement.saved and not replacement.problem
    return dataclasses.replace(result, notice=replacement.message) if done else result


def onboarding_start_reload(*, onboarding: Onboarding, actor: Any) -> RemoteAction:
    """Reload the base connection from Adobe after a 412, in a background task."""
    if not onboarding.credentials_replaceable:
        raise OnboardingError.refused("There is no base connection to reload.")
    return actions.start(
        Kind.RELOAD, reload_task, onboarding=onboarding, actor=actor, apart_from=RemoteAction.CHANGES_IN_ADOBE
    )


@task
def reload_task(action_id: str) -> str:
    return actions.run(action_id, _reload_in_background)


def _reload_in_background(run: actions.ActionRun) -> ActionResult:
    return ActionResult(notice=onboarding_reload_base_connection(onboarding=run.onboarding, actor=run.actor))
