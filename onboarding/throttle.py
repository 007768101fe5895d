"""Failed log-ins: locked per (user name, address), limited per address, slowed per user name.

Following OWASP's Authentication Cheat Sheet ("Protect against automated attacks", "Account lockout"):

- The user name is counted as Django will look it up: the user model's `normalize_username` (NFKC,
  so "ａｌｉｃｅ" is "alice") and, only if the model matches names regardless of case, case-folded.
- Each attempt is *reserved* before the password is checked: an atomic `add`/`incr` on the
  cache (LocMem in one process, Redis across processes). A burst of simultaneous attempts cannot
  all pass a check made before any failure was written down. A correct password gives the
  reservation back.
- A user name and an address together are locked after LOGIN_THROTTLE_LIMIT attempts in the
  window; one address is refused after LOGIN_THROTTLE_ADDRESS_LIMIT attempts on any names.
- A user name attacked from many addresses is never locked for long (a third party could then keep
  the real user out); after LOGIN_THROTTLE_SLOW_AFTER attempts it takes one attempt at a time, each
  next one allowed after a longer wait, up to LOGIN_THROTTLE_MAX_DELAY seconds.

A refused attempt is answered at once (429 with Retry-After, the password never checked): nothing
sleeps inside a request, so a burst of log-ins cannot hold the workers another person's page needs.

Counts live in Django's cache, so every app process sees them; no tables, no extra dependency.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The caller's address; behind a proxy, the one the proxy saw (the last hop it appended)."""
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
    if settings.BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


def lookup_name(username: str) -> str:
    """The user name as the user model will look it up (so every spelling of one user counts once)."""
    name = str(get_user_model().normalize_username(username.strip()))
    return name.casefold() if settings.LOGIN_USERNAME_CASE_INSENSITIVE else name


def _digest(value: str) -> str:
    # Hashed: cache keys must be short and safe, and a user name typed as a password stays out of Redis.
    return hashlib.sha256(value.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Attempt:
    """A reserved log-in attempt: which counters it took, and what it must wait or was refused."""

    keys: tuple[str, ...]
    refused_for: int = 0  # seconds until allowed again; 0 when the password may be checked
    refused_because: str = ""  # what is locked, in words for the page


def _take(key: str) -> int:
    """Add one to a counter of the window, atomically; the counter's value after this attempt."""
    window = settings.LOGIN_THROTTLE_WINDOW
    if cache.add(key, 1, window):
        cache.set(key + ":until", time.time() + window, window)
        return 1
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr: this attempt opens a new window
        cache.set(key, 1, window)
        return 1


def _seconds_left(key: str) -> int:
    until = float(cache.get(key + ":until", time.time() + settings.LOGIN_THROTTLE_WINDOW))
    return max(1, math.ceil(until - time.time()))


def _wait_after(attempts: int) -> int:
    """Seconds the user name's next attempt must wait after this many; whole, as cache timeouts are."""
    beyond = attempts - int(settings.LOGIN_THROTTLE_SLOW_AFTER)
    if beyond < 0:
        return 0
    return math.ceil(min(float(settings.LOGIN_THROTTLE_DELAY) * 2.0**beyond, float(settings.LOGIN_THROTTLE_MAX_DELAY)))


def _pass_gate(gate: str, wait: int) -> bool:
    """Whether no earlier attempt on the user name asked this one to wait; if so, close the gate for `wait` seconds.

    `add` is atomic, so of a burst only one attempt passes a gate that has to close behind it.
    """
    if wait:
        return bool(cache.add(gate, time.time() + wait, wait))
    return cache.get(gate) is None


def _gate_left(gate: str) -> int:
    until = float(cache.get(gate, time.time() + 1))
    return max(1, math.ceil(until - time.time()))


def reserve(username: str, address: str) -> Attempt:
    """Count this attempt before the password is checked; say whether it may be checked at all."""
    name, place = _digest(lookup_name(username)), _digest(address)
    pair, per_address, per_user = f"login:pair:{name}:{place}", f"login:addr:{place}", f"login:user:{name}"
    if _take(pair) > settings.LOGIN_THROTTLE_LIMIT:
        return Attempt(keys=(pair,), refused_for=_seconds_left(pair), refused_because="this user name from here")
    if _take(per_address) > settings.LOGIN_THROTTLE_ADDRESS_LIMIT:
        return Attempt(keys=(pair, per_address), refused_for=_seconds_left(per_address), refused_because="this address")
    keys, gate = (pair, per_address, per_user), f"login:gate:{name}"
    if not _pass_gate(gate, _wait_after(_take(per_user))):
        return Attempt(keys=keys, refused_for=_gate_left(gate), refused_because="this user name")
    return Attempt(keys=keys)


def succeeded(attempt: Attempt) -> None:
    """The password was right: give the reservation back; the pair starts again from zero."""
    pair, *others = attempt.keys
    cache.delete_many([pair, pair + ":until"])
    for key in others:
        with contextlib.suppress(ValueError):  # the window ended meanwhile
            cache.decr(key)
