"""Builds Flow Service clients from settings; records every call they make.

The only place that reads the Adobe settings and wires the Django-free client to Django:
its token store is Django's cache (so app processes share one token) and its observer
writes the call history.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.cache import cache

from .encryption import cipher
from .flowservice import CachedToken, CallRecord, RetryPolicy, Timeouts
from .flowservice.types import MASK
from .models import FlowServiceCall, Onboarding

if TYPE_CHECKING:
    from .flowservice import FlowServiceClient, ImsTokenProvider
    from .flowservice.transport import ThreadSessions

log = logging.getLogger(__name__)


class CacheTokenStore:
    """IMS tokens in Django's cache (Redis in production), encrypted like every credential."""

    def get(self, key: str) -> CachedToken | None:
        entry = cache.get(key)
        if not entry:
            return None
        try:
            value = cipher().decrypt(entry["token"].encode()).decode()
        except (InvalidToken, KeyError, TypeError):
            return None  # e.g. after a key rotation: fetch a new token
        return CachedToken(value=value, expires_at=float(entry["expires_at"]))

    def set(self, key: str, token: CachedToken) -> None:
        encrypted = cipher().encrypt(token.value.encode()).decode()
        ttl = max(1, int(token.expires_at - time.time()))
        cache.set(key, {"token": encrypted, "expires_at": token.expires_at}, timeout=ttl)

    def delete(self, key: str) -> None:
        cache.delete(key)


def timeouts() -> Timeouts:
    return Timeouts(connect=settings.FLOW_SERVICE_CONNECT_TIMEOUT, read=settings.FLOW_SERVICE_READ_TIMEOUT)


def retry_policy() -> RetryPolicy:
    return RetryPolicy(max_attempts=settings.FLOW_SERVICE_MAX_ATTEMPTS, budget=settings.FLOW_SERVICE_RETRY_BUDGET)


@functools.cache
def _provider(
    pid: int,
    ims_url: str,
    client_id: str,
    client_secret: str,
    scopes: str,
    connect: float,
    read: float,
    attempts: int,
    budget: float,
) -> ImsTokenProvider:
    # Imported here, not above: only a process that calls Adobe (the task worker) loads the HTTP stack.
    import requests

    from .flowservice.ims import ImsTokenProvider

    return ImsTokenProvider(
        ims_url=ims_url,
        client_id=client_id,
        client_secret=client_secret,
        scopes=scopes,
        store=CacheTokenStore(),
        session=requests.Session(),
        timeouts=Timeouts(connect=connect, read=read),
        retry=RetryPolicy(max_attempts=attempts, budget=budget),
    )


def token_provider() -> ImsTokenProvider:
    """One provider per process and configuration; the token itself lives in the cache. A forked process (RQ's
    workers) makes its own, never sharing its parent's connection to IMS."""
    return _provider(
        os.getpid(),
        settings.IMS_URL,
        settings.ADOBE_CLIENT_ID,
        settings.ADOBE_CLIENT_SECRET,
        settings.ADOBE_SCOPES,
        settings.FLOW_SERVICE_CONNECT_TIMEOUT,
        settings.FLOW_SERVICE_READ_TIMEOUT,
        settings.FLOW_SERVICE_MAX_ATTEMPTS,
        settings.FLOW_SERVICE_RETRY_BUDGET,
    )


class CallRecorder:
    """The client's observer: writes each call into the history of one onboarding."""

    def __init__(self, *, onboarding: Onboarding | None, actor: Any, secrets: list[str] | None = None) -> None:
        self.onboarding = onboarding
        self.actor = actor
        self._secrets = [s for s in (secrets or []) if s and len(s) >= 4]
        self.records: list[CallRecord] = []

    def __call__(self, record: CallRecord) -> None:
        record = self._scrubbed(record)
        self.records.append(record)
        FlowServiceCall.objects.record(
            onboarding=self.onboarding,
            actor=self.actor,
            call=record,
            sandbox_name=self.onboarding.sandbox_name if self.onboarding else "",
        )

    def _scrubbed(self, record: CallRecord) -> CallRecord:
        """A second guard after the spec-based redaction: no known secret value survives."""
        if not self._secrets:
            return record
        fields = {}
        for name in ("request_body", "response_body", "error_message"):
            text = json.dumps(getattr(record, name))
            cleaned = text
            for secret in self._secrets:
                cleaned = cleaned.replace(json.dumps(secret)[1:-1], MASK)
            if cleaned != text:
                log.warning("A secret value reached the call history unredacted and was masked (%s).", name)
                fields[name] = json.loads(cleaned)
        return replace(record, **fields) if fields else record


@functools.cache
def _thread_sessions() -> ThreadSessions:
    from .flowservice.transport import ThreadSessions  # on first use, as in _provider

    return ThreadSessions()


def flow_client(*, onboarding: Onboarding | None, actor: Any, sandbox_name: str | None = None) -> FlowServiceClient:
    """A client for the onboarding's sandbox whose calls land in its history, on its thread's HTTP session."""
    secrets = []
    if onboarding is not None:
        secrets = [onboarding.sas_key, onboarding.client_secret_value]
    from .flowservice.client import FlowServiceClient  # on first use, as in _provider

    return FlowServiceClient(
        base_url=settings.FLOW_SERVICE_URL,
        api_key=settings.ADOBE_CLIENT_ID,
        org_id=settings.ADOBE_ORG_ID,
        sandbox_name=sandbox_name or (onboarding.sandbox_name if onboarding else settings.ADOBE_SANDBOX_NAME),
        token_provider=token_provider(),
        session=_thread_sessions().session(),
        timeouts=timeouts(),
        retry=retry_policy(),
        observer=CallRecorder(onboarding=onboarding, actor=actor, secrets=secrets + [settings.ADOBE_CLIENT_SECRET]),
    )
