"""Send one HTTP request, time it, and turn transport failures into typed errors.

The retry loop shared by the Flow Service client and the IMS token provider lives here too,
so that "what is safe to retry" is decided in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import ConnectionFailedError, FlowServiceError, TimeoutError, error_from_response
from .retry import RETRYABLE_STATUSES, RetryPolicy


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection, and then for each read of the answer."""

    connect: float = 5.0
    read: float = 30.0

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


@dataclass
class Attempt:
    """The result of sending one request once."""

    number: int
    duration_ms: int
    response: requests.Response | None = None
    error: FlowServiceError | None = None

    @property
    def outcome(self) -> str:
        """ok, http_error, timeout or connection_error."""
        if self.error is not None:
            return "timeout" if isinstance(self.error, TimeoutError) else "connection_error"
        return "ok" if self.response is not None and self.response.ok else "http_error"


Reporter = Callable[[Attempt], None]


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left this machine."""
    # requests wraps urllib3's MaxRetryError, whose `reason` is the underlying failure.
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def transport_error(exc: requests.RequestException, url: str, timeouts: Timeouts) -> FlowServiceError:
    """Describe a transport failure in words a user can act on."""
    host = urlsplit(url).netloc
    error: FlowServiceError
    if isinstance(exc, requests.ConnectTimeout):
        error = TimeoutError(f"No connection to {host} within {timeouts.connect:g} seconds.")
        error.request_sent = False  # type: ignore[attr-defined]
    elif isinstance(exc, requests.ReadTimeout):
        error = TimeoutError(f"{host} did not answer within {timeouts.read:g} seconds.")
        error.request_sent = True  # type: ignore[attr-defined]
    elif _never_sent(exc):
        error = ConnectionFailedError(f"Could not connect to {host}: the connection was refused.")
        error.request_sent = False  # type: ignore[attr-defined]
    else:
        error = ConnectionFailedError(f"The connection to {host} was dropped before an answer arrived.")
        error.request_sent = True  # type: ignore[attr-defined]
    return error


def send_once(
    session: requests.Session, method: str, url: str, *, number: int, timeouts: Timeouts, **kwargs: Any
) -> Attempt:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=timeouts.as_tuple(), **kwargs)
    except requests.RequestException as exc:
        duration = int((time.perf_counter() - started) * 1000)
        return Attempt(number, duration, error=transport_error(exc, url, timeouts))
    duration = int((time.perf_counter() - started) * 1000)
    return Attempt(number, duration, response=response)


def _is_retryable(error: FlowServiceError, *, idempotent: bool) -> bool:
    sent = getattr(error, "request_sent", None)
    if sent is False:
        return True  # nothing reached the server: safe for any method
    if not idempotent:
        return False
    if sent is True:
        return True  # timeout or dropped connection on a read
    return error.status in RETRYABLE_STATUSES


def send_with_retries(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeouts: Timeouts,
    retry: RetryPolicy,
    idempotent: bool,
    report: Reporter,
    **kwargs: Any,
) -> requests.Response:
    """Send, retrying what is safe to retry; return a 2xx response or raise a typed error.

    A create (not idempotent) is retried only when the request never left this machine;
    when it was sent and no clear answer came back, the error says the outcome is unknown.
    """
    started = retry.clock()
    number = 0
    while True:
        number += 1
        attempt = send_once(session, method, url, number=number, timeouts=timeouts, **kwargs)
        report(attempt)
        error = attempt.error
        if error is None:
            assert attempt.response is not None
            if attempt.response.ok:
                return attempt.response
            error = error_from_response(attempt.response, outcome_unknown=not idempotent)
        elif not idempotent and getattr(error, "request_sent", True):
            error.outcome_unknown = True
        delay = retry.delay_for(number, error.retry_after)
        if _is_retryable(error, idempotent=idempotent) and retry.should_retry(
            attempt=number, started=started, delay=delay
        ):
            retry.sleep(delay)
            continue
        raise error
