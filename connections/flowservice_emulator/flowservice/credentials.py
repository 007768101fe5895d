"""Secrets the way a careful service keeps them: hashed at rest (even in the emulator's state), masked when read."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from . import spec

SECRET_MASK = "********"
# Adobe's documents are silent on how a GET shows secrets ("a partial view of the credentials"): masked here.


def hash_secret(value: str) -> str:
    salt = secrets.token_hex(8)
    return f"sha256${salt}${hashlib.sha256((salt + value).encode()).hexdigest()}"


def same_secret(stored: str, plain: str) -> bool:
    """Does a stored (hashed) secret equal Azure's plain one?"""
    if not stored.startswith("sha256$"):
        return hmac.compare_digest(stored, plain)
    _, salt, digest = stored.split("$", 2)
    return hmac.compare_digest(digest, hashlib.sha256((salt + plain).encode()).hexdigest())


def hashed(spec_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The params with their secret values hashed (values already hashed are kept)."""
    secret_names = spec.secret_params(spec_name)
    return {
        k: hash_secret(v) if k in secret_names and isinstance(v, str) and v and not v.startswith("sha256$") else v
        for k, v in params.items()
    }


def masked(doc: dict[str, Any]) -> dict[str, Any]:
    """A connection as a GET shows it: secrets replaced by a fixed mask."""
    if "auth" not in doc:
        return doc
    secret_names = spec.secret_params(doc["auth"]["specName"])
    params = {k: SECRET_MASK if k in secret_names else v for k, v in doc["auth"]["params"].items()}
    return {**doc, "auth": {**doc["auth"], "params": params}}
