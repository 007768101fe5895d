"""Adobe IMS OAuth server-to-server tokens: fetched once, cached, shared, renewed."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

import requests

from .errors import FlowServiceError, ImsError
from .payloads import redact_ims_form, redact_ims_response
from .retry import RetryPolicy
from .transport import Attempt, send_with_retries
from .types import DEFAULT_SCOPES, CachedToken, CallRecord, Operation, Timeouts

TOKEN_PATH = "/ims/token/v3"
Observer = Callable[[CallRecord], None]


class TokenStore(Protocol):
    """Where tokens are kept; the Django side passes one backed by its cache."""

    def get(self, key: str) -> CachedToken | None: ...

    def set(self, key: str, token: CachedToken) -> None: ...

    def delete(self, key: str) -> None: ...


class MemoryTokenStore:
    """A per-process token store."""

    def __init__(self) -> None:
        self._tokens: dict[str, CachedToken] = {}

    def get(self, key: str) -> CachedToken | None:
        return self._tokens.get(key)

    def set(self, key: str, token: CachedToken) -> None:
        self._tokens[key] = token

    def delete(self, key: str) -> None:
        self._tokens.pop(key, None)


class ImsTokenProvider:
    """Issue access tokens from `POST {ims_url}/ims/token/v3` (client_credentials grant).

    A token is reused until shortly before it expires, from any thread; `invalidate()` drops
    one that Flow Service refused so that the next call fetches a fresh one.
    """

    def __init__(
        self,
        *,
        ims_url: str,
        client_id: str,
        client_secret: str,
        scopes: str = DEFAULT_SCOPES,
        store: TokenStore | None = None,
        session: requests.Session | None = None,
        timeouts: Timeouts | None = None,
        retry: RetryPolicy | None = None,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.ims_url = ims_url.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self._store = store or MemoryTokenStore()
        self._session = session or requests.Session()
        self._timeouts = timeouts or Timeouts()
        self._retry = retry or RetryPolicy()
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        fingerprint = hashlib.sha256(f"{self.ims_url}|{client_id}|{scopes}".encode()).hexdigest()
        self.cache_key = f"ims-token:{fingerprint[:24]}"

    def __repr__(self) -> str:
        return f"ImsTokenProvider(ims_url={self.ims_url!r}, client_id={self.client_id!r})"

    def token(self, observer: Observer | None = None) -> str:
        """A valid access token, from the store when it holds a fresh one."""
        cached = self._fresh()
        if cached:
            return cached
        with self._lock:
            cached = self._fresh()  # another thread may have fetched it meanwhile
            if cached:
                return cached
            token = self._fetch(observer)
            self._store.set(self.cache_key, token)
            return token.value

    def invalidate(self, token: str) -> None:
        """Forget `token` if it is still the cached one (Flow Service answered 401)."""
        with self._lock:
            cached = self._store.get(self.cache_key)
            if cached and cached.value == token:
                self._store.delete(self.cache_key)

    def _fresh(self) -> str | None:
        cached = self._store.get(self.cache_key)
        if cached and cached.expires_at > self._clock():
            return cached.value
        return None

    def _fetch(self, observer: Observer | None) -> CachedToken:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self._client_secret,
            "scope": self.scopes,
        }

        def report(attempt: Attempt) -> None:
            if observer is not None:
                observer(_ims_record(attempt, form))

        try:
            response = send_with_retries(
                self._session,
                "POST",
                self.ims_url + TOKEN_PATH,
                data=form,
                timeouts=self._timeouts,
                retry=self._retry,
                idempotent=True,  # asking for a token twice has no side effect
                report=report,
            )
        except FlowServiceError as error:
            if error.status in (400, 401, 403):
                raise ImsError(
                    error.message, status=error.status, code=error.code, request_id=error.request_id
                ) from error
            raise
        return self._parse(response)

    def _parse(self, response: requests.Response) -> CachedToken:
        try:
            body = response.json()
            value = str(body["access_token"])
            lifetime = float(body["expires_in"])  # v3 answers in seconds
        except (ValueError, KeyError, TypeError) as exc:
            raise ImsError("IMS answered without a usable access token.", status=response.status_code) from exc
        margin = min(self._refresh_margin, lifetime / 10)
        return CachedToken(value=value, expires_at=self._clock() + lifetime - margin)


def _ims_record(attempt: Attempt, form: dict[str, str]) -> CallRecord:
    response = attempt.response
    body = None
    if response is not None:
        try:
            body = redact_ims_response(response.json())
        except ValueError:
            body = None
    error = attempt.error
    code = None
    if response is not None and not response.ok and isinstance(body, dict):
        code = body.get("error")
    return CallRecord(
        operation=Operation.IMS_TOKEN,
        method="POST",
        path=TOKEN_PATH,
        status=response.status_code if response is not None else None,
        duration_ms=attempt.duration_ms,
        outcome=attempt.outcome,
        request_body=redact_ims_form(form),
        response_body=body,
        error_code=code,
        request_id=response.headers.get("x-request-id") if response is not None else None,
        error_message=str(error.message) if error else None,
        attempt=attempt.number,
    )
