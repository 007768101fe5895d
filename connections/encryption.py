"""Encryption of credentials at rest: MultiFernet under FIELD_ENCRYPTION_KEYS, and the model field.

A stored value names the key that encrypted it (`enc:fernet:<key id>:<token>`, key id = a hash
prefix, never the key), so rotation can skip what is already under the first key and a value
under a removed key gets an error that says so.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

from .keys import key_id

PREFIX = "enc:fernet:"


class DecryptionError(Exception):
    """A stored value could not be decrypted; never returned as if it were the secret."""


@functools.cache
def _fernets(keys: tuple[str, ...]) -> tuple[MultiFernet, dict[str, Fernet]]:
    by_id = {key_id(k): Fernet(k.encode()) for k in keys}
    return MultiFernet([Fernet(k.encode()) for k in keys]), by_id


def _configured() -> tuple[str, ...]:
    return tuple(settings.FIELD_ENCRYPTION_KEYS)


def cipher() -> MultiFernet:
    """The configured keys as one MultiFernet (encrypts with the first, decrypts with any)."""
    return _fernets(_configured())[0]


def primary_key_id() -> str:
    return key_id(_configured()[0])


def encrypt(plaintext: str) -> str:
    """Encrypt under the first configured key."""
    keys = _configured()
    token = _fernets(keys)[0].encrypt(plaintext.encode()).decode()
    return f"{PREFIX}{key_id(keys[0])}:{token}"


def _split(stored: str) -> tuple[str, str]:
    if not stored.startswith(PREFIX):
        raise DecryptionError("The stored value is not an encrypted value (it has no enc:fernet: prefix).")
    kid, _, token = stored[len(PREFIX) :].partition(":")
    return kid, token


def decrypt(stored: str) -> str:
    """The plaintext of a stored value; raises DecryptionError rather than return ciphertext."""
    kid, token = _split(stored)
    multi, by_id = _fernets(_configured())
    try:
        cipher: Fernet | MultiFernet = by_id.get(kid, multi)
        return cipher.decrypt(token.encode()).decode()
    except InvalidToken:
        if kid not in by_id:
            raise DecryptionError(
                "A stored credential was encrypted with a key that is no longer in FIELD_ENCRYPTION_KEYS. "
                "Put the old key back (after the new one), run `python manage.py rotate_encryption_keys`, "
                "then remove it."
            ) from None
        raise DecryptionError("A stored credential is corrupted: it does not decrypt with its key.") from None


def needs_rotation(stored: str) -> bool:
    """True when the value is not under the first configured key."""
    return bool(stored) and _split(stored)[0] != primary_key_id()


def rotate(stored: str) -> str:
    """The value re-encrypted under the first configured key."""
    return encrypt(decrypt(stored))


def blind_index(value: str, keys: tuple[str, ...] | None = None) -> list[str]:
    """Keyed hashes of a value, one per configured key (the first is the one to store).

    Lets the database find equal encrypted values (e.g. the same namespace) without storing
    them in clear; lookups try every key so they still match during a key rotation.
    """
    normalized = value.strip().lower().encode()
    return [
        hmac.new(hashlib.sha256(b"blind-index:" + k.encode()).digest(), normalized, hashlib.sha256).hexdigest()
        for k in (keys or _configured())
    ]


class EncryptedTextField(models.TextField[str, str]):
    """A text column stored encrypted; it cannot be indexed, made unique, or queried."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        for option in ("primary_key", "unique", "db_index"):
            if kwargs.get(option):
                raise ImproperlyConfigured(f"EncryptedTextField does not support {option}=True.")
        super().__init__(*args, **kwargs)

    def get_db_prep_save(self, value: Any, connection: Any) -> Any:
        value = super().get_db_prep_save(value, connection)
        if value in (None, ""):
            return value  # unset stays visibly unset; it reveals nothing about a secret
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: it cannot be filtered with '{lookup_name}'.")
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.name} is encrypted: it cannot be transformed with '{lookup_name}'.")
