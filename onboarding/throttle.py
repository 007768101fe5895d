"""Failed log-ins slow down, then are refused for a while, per user name and per address.

Counts live in Django's cache (Redis in production, so every app process sees them).
django-axes would do this too; a cache counter is all this app needs, with no extra tables.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind a proxy, the one the proxy saw (the last hop it appended)."""
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if settings.BEHIND_PROXY and forwarded:
        return forwarded.split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def _keys(username: str, address: str) -> list[str]:
    name = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [f"login-fail:user:{name}", f"login-fail:addr:{address}"]


def failures(username: str, address: str) -> int:
    return max(int(cache.get(key, 0)) for key in _keys(username, address))


def blocked_for(username: str, address: str) -> int:
    """Seconds until log-in is allowed again (0 when it is allowed now)."""
    if failures(username, address) < settings.LOGIN_THROTTLE_LIMIT:
        return 0
    until = max(float(cache.get(key + ":until", 0)) for key in _keys(username, address))
    return max(1, math.ceil(until - time.time()))


def slow_down(username: str, address: str) -> None:
    """After a few failures each further attempt waits a little longer (capped)."""
    count = failures(username, address)
    if count >= settings.LOGIN_THROTTLE_SLOW_AFTER:
        time.sleep(min(settings.LOGIN_THROTTLE_DELAY * 2 ** (count - settings.LOGIN_THROTTLE_SLOW_AFTER), 4.0))


def record_failure(username: str, address: str) -> None:
    window = settings.LOGIN_THROTTLE_WINDOW
    for key in _keys(username, address):
        if cache.add(key, 1, window):
            cache.set(key + ":until", time.time() + window, window)
        else:
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, window)


def reset(username: str) -> None:
    key = _keys(username, "")[0]
    cache.delete_many([key, key + ":until"])
