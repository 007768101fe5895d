"""Every Flow Service and IMS failure as a sentence a non-developer can act on."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from django.utils import timezone

from .flowservice import (
    AuthenticationError,
    ConflictError,
    ConnectionFailedError,
    FlowServiceError,
    ImsError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TimeoutError,
    TooManyPagesError,
    UnrecognisedAnswerError,
    ValidationError,
)
from .target import flow_service_target

ADMIN_FIX = "An administrator has to fix this in the app's settings; retrying will not help until then."
KEPT = "Nothing you entered is lost."
PERMISSION = (
    "The Adobe credential this app uses lacks a permission in your organization: in Adobe Admin Console, "
    "add its Developer Console project to an Experience Platform product profile that may manage sources "
    "(Sources › Manage Sources)."
)
SANDBOX_CODES = frozenset({"2100-404", "2101-404", "2103-404"})
INPUT_CODES = {"1100-400", "1304-400", "1312-400", "1327-400", "1405-400", "1413-400", "1415-400", "1455-400"}


@dataclass(frozen=True)
class Problem:
    """A failure as the wizard shows it and the onboarding stores it."""

    title: str
    message: str
    code: str | None = None
    request_id: str | None = None
    status: int | None = None
    retry_after: float | None = None
    retryable: bool = True
    outcome_unknown: bool = False
    at: str = ""
    field: str | None = None  # the form field the user corrects, when the refusal names one

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _where() -> str:
    return flow_service_target().where


def describe(error: FlowServiceError, *, doing: str, sandbox: str = "") -> Problem:
    """Turn an error met while `doing` (e.g. "creating the base connection") into a Problem."""
    title, message, retryable = _explain(error, doing=doing, sandbox=sandbox)
    field = "sandbox_name" if (error.code or "") in SANDBOX_CODES else None
    if error.outcome_unknown:
        message += (
            f" Adobe may have finished {doing} before the answer was lost. Retry first looks for it and uses it "
            "if it exists, so nothing is created twice."
        )
    return Problem(
        title=title,
        message=message,
        code=error.code,
        request_id=error.request_id,
        status=error.status,
        retry_after=error.retry_after,
        retryable=retryable,
        outcome_unknown=error.outcome_unknown,
        at=timezone.now().isoformat(),
        field=field,
    )


def _explain(error: FlowServiceError, *, doing: str, sandbox: str) -> tuple[str, str, bool]:
    if isinstance(error, ImsError):
        return _ims(error)
    return _transient(error, doing=doing) or _refused(error, doing=doing, sandbox=sandbox)


def _transient(error: FlowServiceError, *, doing: str) -> tuple[str, str, bool] | None:
    """Failures that pass: Adobe busy, slow, unreachable or failing, or an answer not recognised. Retry is the
    answer."""
    if isinstance(error, UnrecognisedAnswerError):
        return (
            "Answer not recognised",
            f"Adobe answered while {doing} in a way this app does not recognise, so it cannot tell whether it "
            f"worked. {error.message}. {KEPT} Press Retry to ask again.",
            True,
        )
    if isinstance(error, RateLimitError):
        wait = f"{error.retry_after:g} seconds" if error.retry_after else "a minute"
        return ("Adobe is busy", f"Adobe is limiting requests right now. Wait {wait}, then press Retry. {KEPT}", True)
    if isinstance(error, TimeoutError):
        return ("No answer in time", f"{_where()} did not answer in time while {doing}. {KEPT} Press Retry.", True)
    if isinstance(error, ConnectionFailedError):
        return ("Could not connect", f"Could not reach {_where()} while {doing}. {KEPT} Press Retry.", True)
    if isinstance(error, ServerError):
        return (
            "Adobe is unavailable",
            f"Adobe Experience Platform failed or is unavailable (HTTP {error.status}) while {doing}. "
            f"{KEPT} Press Retry in a minute.",
            True,
        )
    return None


def _refused(error: FlowServiceError, *, doing: str, sandbox: str) -> tuple[str, str, bool]:
    """Adobe's answer refuses the request: what to fix, and whether a retry can help."""
    code = error.code or ""
    if isinstance(error, TooManyPagesError):
        return (
            "Too many results",
            f"Adobe's list was longer than this app reads while {doing}. {KEPT} An administrator can look the "
            "object up in Experience Platform.",
            False,
        )
    if code in SANDBOX_CODES:
        return (
            "Sandbox not found",
            f"The AEP sandbox '{sandbox}' does not exist in your Adobe organization. Correct the AEP sandbox "
            "(sandbox names are lowercase, for example prod) and connect again.",
            False,
        )
    access = _access_refused(error, code)
    if access:
        return access
    if isinstance(error, ConflictError):
        return (
            "Changed elsewhere",
            "This connection was changed in Adobe since the app last read it, so the change was refused. Reload "
            "it from Adobe, then try again.",
            False,
        )
    if isinstance(error, NotFoundError):
        return (
            "Not found in Adobe",
            f"Adobe could not find what the app asked for while {doing}: it may have "
            "been deleted in Experience Platform.",
            False,
        )
    if isinstance(error, ValidationError) or code in INPUT_CODES:
        return ("Adobe refused the details", f"Adobe refused the details while {doing}: {error.message}", False)
    return ("Adobe failed", f"Adobe answered with an error while {doing}: {error.message}", True)


def _access_refused(error: FlowServiceError, code: str) -> tuple[str, str, bool] | None:
    """Adobe refused the app's own access (token, API key, organization, permission): an admin's fix."""
    if isinstance(error, AuthenticationError):
        if code in ("2000-401", "1008-401"):
            return ("Not allowed in this organization", f"{PERMISSION} (ADOBE_ORG_ID may be wrong.)", False)
        return (
            "Adobe refused the access token",
            "Adobe did not accept the access token, even after getting a fresh one. Press Retry; if it fails "
            f"again, check ADOBE_CLIENT_ID and ADOBE_ORG_ID. {KEPT}",
            True,
        )
    if isinstance(error, PermissionDeniedError):
        if code in ("403000", "403003"):
            return ("API key refused", f"Adobe refused the API key (ADOBE_CLIENT_ID). {ADMIN_FIX}", False)
        if code in ("403025", "403027"):
            return (
                "Not entitled to Experience Platform",
                "The Adobe credential is not entitled to this organization (ADOBE_ORG_ID) or has no Experience "
                f"Platform product profile. {ADMIN_FIX}",
                False,
            )
        return ("Missing permission", f"{PERMISSION} {ADMIN_FIX}", False)
    return None


def _ims(error: FlowServiceError) -> tuple[str, str, bool]:
    if error.code == "invalid_scope":
        return ("Scopes refused", f"Adobe refused the requested scopes (ADOBE_SCOPES). {ADMIN_FIX}", False)
    return (
        "Adobe refused the app's credentials",
        "Adobe did not accept this app's client ID or client secret (ADOBE_CLIENT_ID, ADOBE_CLIENT_SECRET: "
        f"Developer Console › your project › OAuth Server-to-Server). {ADMIN_FIX}",
        False,
    )
