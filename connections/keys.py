"""Keys from the environment: FIELD_ENCRYPTION_KEYS (credentials) and HISTORY_HMAC_KEYS (the history chain),
parsed and named without revealing them.

No Django here, so settings can validate the keys at start-up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from cryptography.fernet import Fernet, MultiFernet


class KeyConfigurationError(ValueError):
    """A key setting is missing or holds something that is not a key."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    """A short, stable, non-secret name for a key (a hash prefix, never the key itself)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def _listed(value: str | list[str] | None) -> list[str]:
    items = value if isinstance(value, list) else (value or "").split(",")
    return [item.strip() for item in items if item.strip()]


def parse_keys(value: str | list[str] | None) -> list[str]:
    """The keys in order (first encrypts, all decrypt); raises with a message naming the problem."""
    keys = _listed(value)
    if not keys:
        raise KeyConfigurationError(
            "FIELD_ENCRYPTION_KEYS is not set. It holds one or more Fernet keys, comma-separated "
            "(the first encrypts, all decrypt). Create one with `python manage.py generate_encryption_key` "
            "and put it in the environment or in .env."
        )
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.urlsafe_b64decode(key.encode())
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise KeyConfigurationError(
                f"FIELD_ENCRYPTION_KEYS: key number {position} is not a Fernet key (32 url-safe base64 bytes, "
                "44 characters). Create one with `python manage.py generate_encryption_key`."
            )
    if len(set(keys)) != len(keys):
        raise KeyConfigurationError("FIELD_ENCRYPTION_KEYS lists the same key twice.")
    return keys


def multi_fernet(keys: list[str]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


HISTORY_KEY_MIN_LENGTH = 32


def generate_history_key() -> str:
    return secrets.token_urlsafe(32)


def parse_history_keys(value: str | list[str] | None) -> list[str]:
    """The history chain's HMAC keys in order (first signs new rows, all verify); raises naming the problem."""
    keys = _listed(value)
    create = "Create one with `python manage.py generate_history_key`."
    if not keys:
        raise KeyConfigurationError(
            "HISTORY_HMAC_KEYS is not set. It holds one or more secret keys, comma-separated (the first signs new "
            f"history rows, all verify rows signed before); keep them out of the database. {create}"
        )
    for position, key in enumerate(keys, start=1):
        if len(key) < HISTORY_KEY_MIN_LENGTH:
            raise KeyConfigurationError(
                f"HISTORY_HMAC_KEYS: key number {position} is shorter than {HISTORY_KEY_MIN_LENGTH} characters. "
                + create
            )
    if len(set(keys)) != len(keys):
        raise KeyConfigurationError("HISTORY_HMAC_KEYS lists the same key twice.")
    return keys
