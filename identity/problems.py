"""What can go wrong when signing in through the identity provider, as a person is told it."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

import jwt
from django.core.exceptions import SuspiciousOperation

if TYPE_CHECKING:
    from requests import HTTPError


@dataclass(frozen=True)
class Wording:
    title: str
    text: str
    status: int


class SignInProblem(enum.Enum):
    UNREACHABLE = Wording(
        "Your organisation's sign-in service cannot be reached",
        "The app could not reach your organisation's identity provider, so you are not signed in. "
        "Try again in a few minutes; if it goes on, tell your administrator.",
        503,
    )
    APP_REFUSED = Wording(
        "Your organisation's sign-in service refused this app",
        "The identity provider did not accept this app's sign-in settings (its client ID, its secret or its "
        "address), so you are not signed in. Tell your administrator: the app's log says more.",
        502,
    )
    DECLINED = Wording(
        "You did not allow the sign-in",
        "You declined at your organisation's sign-in page, so you are not signed in. "
        "Sign in again and accept to use the app.",
        403,
    )
    PROVIDER_REFUSED = Wording(
        "Your organisation's sign-in service did not sign you in",
        "The identity provider ended the sign-in without letting you in. Try again; if it goes on, tell your "
        "administrator.",
        403,
    )
    UNVERIFIED = Wording(
        "The sign-in could not be verified",
        "The answer from your organisation's identity provider failed the app's checks (its signature, issuer, "
        "audience or expiry), so you are not signed in. Tell your administrator.",
        403,
    )
    EXPIRED = Wording(
        "This sign-in has expired",
        "It was started too long ago, in another browser, or it was already used. Start again.",
        400,
    )
    NOT_ACCEPTED = Wording(
        "Your account cannot use this app",
        "Your organisation signed you in, but this app did not accept the account: it may be deactivated here, "
        "or the identity provider did not say who you are. Tell your administrator.",
        403,
    )


class SignInFailed(Exception):
    """A sign-in stopped by the identity provider or by the app's checks; `detail` is for the log, never a secret."""

    def __init__(self, problem: SignInProblem, detail: str) -> None:
        super().__init__(f"{problem.name}: {detail}")
        self.problem = problem
        self.detail = detail


def provider_faults() -> tuple[type[Exception], ...]:
    """What talking to the provider or checking its answer may raise; anything else is a bug, and a 500."""
    import requests  # here, not above: the web process loads the HTTP client only once someone signs in this way

    return (SignInFailed, requests.RequestException, SuspiciousOperation, jwt.PyJWTError)


def sign_in_failure(exc: Exception) -> SignInFailed:
    """The problem behind an exception raised while talking to the identity provider or checking its answer."""
    import requests

    match exc:
        case SignInFailed():
            return exc
        case requests.ConnectionError() | requests.Timeout():
            return SignInFailed(SignInProblem.UNREACHABLE, type(exc).__name__)
        case requests.HTTPError():
            return refused_request(exc)
        case SuspiciousOperation() | jwt.PyJWTError():
            return SignInFailed(SignInProblem.UNVERIFIED, str(exc))
        case _:
            return SignInFailed(SignInProblem.APP_REFUSED, type(exc).__name__)


def refused_request(exc: HTTPError) -> SignInFailed:
    """An error answer from the provider: only its status and error code go to the log, not its body."""
    response = exc.response
    status = response.status_code if response is not None else 0
    try:
        code = str(response.json().get("error", "")) if response is not None else ""
    except ValueError:
        code = ""
    detail = f"{response.url if response is not None else 'the provider'} answered {status} {code}".strip()
    if code == "invalid_grant":  # the code was used already or is too old
        return SignInFailed(SignInProblem.EXPIRED, detail)
    if status >= 500:
        return SignInFailed(SignInProblem.UNREACHABLE, detail)
    return SignInFailed(SignInProblem.APP_REFUSED, detail)
