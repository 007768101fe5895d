"""Typed errors for Flow Service and IMS, and the one function that maps a response to one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Self

if TYPE_CHECKING:
    import requests

__all__ = [
    "AuthenticationError",
    "ConflictError",
    "ConnectionFailedError",
    "FlowServiceError",
    "ImsError",
    "NotFoundError",
    "PermissionDeniedError",
    "PreconditionFailedError",
    "RateLimitError",
    "ServerError",
    "TimeoutError",
    "TooManyPagesError",
    "UnrecognisedAnswerError",
    "ValidationError",
    "error_from_response",
]

# Statuses worth sending a read again for. 500 is among them because Adobe's troubleshooting guide says a
# 500 may mean the API limit was hit (too many simultaneous calls): wait, then retry. A create is never
# resent on any of them: it may have been done.
RETRYABLE_READ_STATUSES = frozenset({429, 500, 502, 503, 504})

# Flow Service puts its code in `type`, e.g. https://ns.adobe.com/aep/errors/FLOW-1415-400
_FLOW_CODE = re.compile(r"FLOW-(\d+-\d{3})\b")


class FlowServiceError(Exception):
    """A failed call to Flow Service or IMS, with the evidence needed to report it."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
        request_sent: bool = True,
        should_retry: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.retry_after = retry_after
        # True when a create may have happened although we got no answer.
        self.outcome_unknown = outcome_unknown
        # False only when no byte of the request left this machine (then resending is safe for any method).
        self.request_sent = request_sent
        # Whether sending the same request again is safe and may help; decided where the error is made.
        self.should_retry = should_retry

    def evidence(self) -> dict[str, Any]:
        """Everything but the message, as the constructor takes it."""
        return {
            "status": self.status,
            "code": self.code,
            "request_id": self.request_id,
            "retry_after": self.retry_after,
            "outcome_unknown": self.outcome_unknown,
            "request_sent": self.request_sent,
            "should_retry": self.should_retry,
        }

    def with_message(self, clean: Callable[[str], str]) -> Self:
        """The same error, its message passed through `clean` (masking secrets an answer echoed)."""
        return type(self)(clean(self.message), **self.evidence())

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code {self.code}")
        if self.request_id:
            parts.append(f"request {self.request_id}")
        return " | ".join(parts)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(FlowServiceError):
    """401: the token is missing, invalid or expired."""


class ImsError(AuthenticationError):
    """IMS refused to issue a token (bad client id, secret or scope)."""


class PermissionDeniedError(FlowServiceError):
    """403: the credential lacks the product profile, the permission or the API key."""


class NotFoundError(FlowServiceError):
    """404: the resource or the sandbox does not exist."""


class ValidationError(FlowServiceError):
    """400/422: the request was understood and refused."""


class ConflictError(FlowServiceError):
    """409: the request conflicts with the current state of the resource."""


class PreconditionFailedError(ConflictError):
    """412: the If-Match etag is stale."""


class RateLimitError(FlowServiceError):
    """429: too many requests; `retry_after` says how long to wait when Adobe says."""


class ServerError(FlowServiceError):
    """5xx: Adobe failed or is unavailable."""


class TimeoutError(FlowServiceError):  # noqa: A001 - the module namespace keeps it apart
    """No answer within the read timeout (or no connection within the connect timeout)."""


class ConnectionFailedError(FlowServiceError):
    """The connection was refused, reset or dropped."""


class UnrecognisedAnswerError(FlowServiceError):
    """A 2xx answer whose shape the client does not recognise; `message` carries "Adobe said: ..."."""


class TooManyPagesError(FlowServiceError):
    """A list read stopped at the client's page bound before Adobe's last page."""


_BY_STATUS: dict[int, type[FlowServiceError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    415: ValidationError,
    422: ValidationError,
    429: RateLimitError,
}


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def parse_error_body(body: Any) -> tuple[str | None, str | None, str | None]:
    """Return (code, message, request id) from any of the error shapes Adobe uses."""
    if not isinstance(body, dict):
        return None, None, None
    report = body.get("report") if isinstance(body.get("report"), dict) else {}
    request_id = report.get("request-id") if report else None
    if "error_code" in body:  # API gateway: {error_code, message}
        return str(body["error_code"]), body.get("message"), request_id
    if "error" in body and "type" not in body:  # IMS: {error, error_description}
        return str(body["error"]), body.get("error_description"), request_id
    match = _FLOW_CODE.search(str(body.get("type", "")))
    code = match.group(1) if match else None
    message = (
        (report.get("detailed-message") if report else None)
        or body.get("detail")
        or body.get("errorMessage")
        or body.get("title")
    )
    return code, message, request_id


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds form; an HTTP date is ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def error_from_response(response: requests.Response, *, idempotent: bool) -> FlowServiceError:
    """Map a non-2xx response to the typed error for its status, code and request id.

    `idempotent`: whether the request may be sent again without effect (a read, a token request).
    A 5xx to one that is not leaves its outcome unknown: Adobe may have done it before failing.
    """
    code, message, body_request_id = parse_error_body(_json_or_none(response))
    status = response.status_code
    if status >= 500:
        cls: type[FlowServiceError] = ServerError
    else:
        cls = _BY_STATUS.get(status, FlowServiceError)
    return cls(
        message or response.reason or f"HTTP {status}",
        status=status,
        code=code,
        request_id=response.headers.get("x-request-id") or body_request_id,
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
        outcome_unknown=not idempotent and status >= 500,
        should_retry=idempotent and status in RETRYABLE_READ_STATUSES,
    )
