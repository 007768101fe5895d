"""Encryption of credentials at rest: MultiFernet under FIELD_ENCRYPTION_KEYS, and the model field.

A stored value names the key that encrypted it (`enc:fernet:<key id>:<token>`, key id = a hash
prefix, never the key), so rotation can skip what is already under the first key and a value
under a removed key gets an error that says so.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

from .keys import key_id

PREFIX = "enc:fernet:"
log = logging.getLogger("connections.encryption")


class DecryptionError(Exception):
    """A stored value could not be decrypted; never returned as if it were the secret."""


UNREADABLE_KEY_REMOVED = "unreadable (key removed)"
UNREADABLE_CORRUPTED = "unreadable (corrupted)"


class Unreadable(str):
    """A stored value no configured key decrypts, as the model sees it: a label, never the ciphertext.

    One such value must not take a page down for everyone (the list, the admin): it reads as
    "unreadable (key removed)", and saving the row writes the stored ciphertext back unchanged,
    so putting the old key back still recovers it.
    """

    stored: str

    def __new__(cls, stored: str, label: str) -> Unreadable:
        value = super().__new__(cls, label)
        value.stored = stored
        return value

    def __reduce__(self) -> tuple[type[Unreadable], tuple[str, str]]:
        # So a copy (the export masks secrets in a deep copy) is still the label with its ciphertext.
        return (Unreadable, (self.stored, str(self)))


def readable_key_ids() -> set[str]:
    return {key_id(k) for k in _configured()}


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
        if isinstance(value, Unreadable):
            return value.stored  # kept as it was: a label is never encrypted in its place
        value = super().get_db_prep_save(value, connection)
        if value in (None, ""):
            return value  # unset stays visibly unset; it reveals nothing about a secret
        return encrypt(str(value))

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value in (None, ""):
            return value
        try:
            return decrypt(value)
        except DecryptionError:
            removed = value.startswith(PREFIX) and _split(value)[0] not in readable_key_ids()
            log.warning("%s.%s: a stored value no configured key decrypts", self.model.__name__, self.name)
            return Unreadable(value, UNREADABLE_KEY_REMOVED if removed else UNREADABLE_CORRUPTED)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise FieldError(f"{self.name} is encrypted: it cannot be filtered with '{lookup_name}'.")
        return super().get_lookup(lookup_name)

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(f"{self.name} is encrypted: it cannot be transformed with '{lookup_name}'.")
