"""Field-encryption keys: parsing FIELD_ENCRYPTION_KEYS and naming keys without revealing them.

No Django here, so settings can validate the keys at start-up.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.fernet import Fernet, MultiFernet


class KeyConfigurationError(ValueError):
    """FIELD_ENCRYPTION_KEYS is missing or holds something that is not a Fernet key."""


def generate_key() -> str:
    return Fernet.generate_key().decode()


def key_id(key: str) -> str:
    """A short, stable, non-secret name for a key (a hash prefix, never the key itself)."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def parse_keys(value: str | list[str] | None) -> list[str]:
    """The keys in order (first encrypts, all decrypt); raises with a message naming the problem."""
    items = value if isinstance(value, list) else (value or "").split(",")
    keys = [item.strip() for item in items if item.strip()]
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
