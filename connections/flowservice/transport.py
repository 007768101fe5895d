"""Send one HTTP request, time it, and turn transport failures into typed errors.

The retry loop shared by the Flow Service client and the IMS token provider lives here too,
so that "what is safe to retry" is decided in one place.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from .errors import ConnectionFailedError, FlowServiceError, TimeoutError, error_from_response
from .retry import RetryPolicy
from .types import Outcome, Timeouts


class ThreadSessions:
    """One `requests.Session` per thread and process, handed to every client made there, so that a thread's calls
    (one task after another) reuse its keep-alive connections instead of opening one, and against Adobe
    negotiating TLS, per task.

    A session crosses onboardings, so it keeps no cookies (Adobe's APIs authenticate every call by its headers).
    A forked process starts its own (never its parent's sockets). Adobe's documents are silent about how long
    its gateway keeps an idle connection: a session idle longer than `idle_limit` is replaced, so a create is not
    sent on a connection idle long enough for a load balancer to have dropped it silently (its outcome would be
    unknown)."""

    def __init__(self, idle_limit: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_limit = idle_limit
        self._clock = clock
        self._local = threading.local()

    def session(self) -> requests.Session:
        """This thread's session, fresh when it has none yet, it was made before a fork, or it sat idle."""
        local, now, pid = self._local, self._clock(), os.getpid()
        current: requests.Session | None = getattr(local, "session", None)
        if current is None or local.pid != pid or now - local.used_at > self.idle_limit:
            if current is not None and local.pid == pid:
                current.close()  # a parent's session is left alone: its sockets are the parent's
            current = local.session = _cookieless_session(lambda: setattr(local, "used_at", self._clock()))
            local.pid = pid
        local.used_at = now
        return current


def _cookieless_session(on_answer: Callable[[], None]) -> requests.Session:
    """A session that refuses every cookie and calls `on_answer` whenever an answer arrives."""
    session = requests.Session()
    session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
    session.hooks["response"].append(lambda response, *args, **kwargs: on_answer())
    return session


@dataclass
class Attempt:
    """The result of sending one request once."""

    number: int
    duration_ms: int
    response: requests.Response | None = None
    error: FlowServiceError | None = None

    @property
    def outcome(self) -> Outcome:
        if self.error is not None:
            return Outcome.TIMEOUT if isinstance(self.error, TimeoutError) else Outcome.CONNECTION_ERROR
        return Outcome.OK if self.response is not None and self.response.ok else Outcome.HTTP_ERROR


Reporter = Callable[[Attempt], None]


def _never_sent(exc: requests.RequestException) -> bool:
    """True when the failure happened before any byte of the request left this machine."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    # requests wraps urllib3's MaxRetryError, whose `reason` is the underlying failure.
    reason = exc.args[0] if exc.args else None
    reason = getattr(reason, "reason", reason)
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _transport_message(exc: requests.RequestException, host: str, timeouts: Timeouts, sent: bool) -> str:
    if isinstance(exc, requests.ConnectTimeout):
        return f"No connection to {host} within {timeouts.connect:g} seconds."
    if isinstance(exc, requests.ReadTimeout):
        return f"{host} did not answer within {timeouts.read:g} seconds."
    if not sent:
        return f"Could not connect to {host}: the connection was refused."
    return f"The connection to {host} was dropped before an answer arrived."


def transport_error(
    exc: requests.RequestException, url: str, timeouts: Timeouts, *, idempotent: bool
) -> FlowServiceError:
    """Describe a transport failure in words a user can act on, with what the retry logic needs.

    Never sent: safe to send again, whatever the method. Sent without an answer: safe again only for
    a read; for a create the outcome is unknown (Adobe may have done it).
    """
    sent = not _never_sent(exc)
    cls = TimeoutError if isinstance(exc, requests.Timeout) else ConnectionFailedError
    return cls(
        _transport_message(exc, urlsplit(url).netloc, timeouts, sent),
        request_sent=sent,
        should_retry=idempotent or not sent,
        outcome_unknown=sent and not idempotent,
    )


def send_once(
    session: requests.Session,
    method: str,
    url: str,
    *,
    number: int,
    timeouts: Timeouts,
    idempotent: bool,
    **kwargs: Any,
) -> Attempt:
    started = time.perf_counter()
    try:
        response = session.request(method, url, timeout=timeouts.as_tuple(), **kwargs)
    except requests.RequestException as exc:
        return Attempt(number, _ms_since(started), error=transport_error(exc, url, timeouts, idempotent=idempotent))
    return Attempt(number, _ms_since(started), response=response)


def _ms_since(started: float) -> int:
    # Rounded, not truncated: truncating took half a millisecond off every call on average.
    return round((time.perf_counter() - started) * 1000)


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
        attempt = send_once(session, method, url, number=number, timeouts=timeouts, idempotent=idempotent, **kwargs)
        report(attempt)
        error = attempt.error
        if error is None:
            assert attempt.response is not None
            if attempt.response.ok:
                return attempt.response
            error = error_from_response(attempt.response, idempotent=idempotent)
        delay = retry.delay_for(number, error.retry_after)
        if error.should_retry and retry.should_retry(attempt=number, started=started, delay=delay):
            retry.sleep(delay)
            continue
        raise error
