"""Azure's naming rules for Event Hubs, and the connection string users copy from the portal.

Rules from Microsoft's resource-name-rules table (see flow-service.md, section 5). Each check
returns the cleaned value or raises ValueError with a sentence that says what to fix.
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

SERVICE_BUS_SUFFIXES = (
    ".servicebus.windows.net",
    ".servicebus.chinacloudapi.cn",
    ".servicebus.usgovcloudapi.net",
    ".servicebus.cloudapi.de",
)
# A SAS key (32 random bytes in base64) anywhere in a text: 43 characters, the last one of the 16 that end
# 256 bits, then one "=" that a copy may leave out; not part of a longer base64 run.
SAS_KEY_IN_TEXT = r"(?<![A-Za-z0-9+/])([A-Za-z0-9+/]{42}[AEIMQUYcgkosw048])=?(?![A-Za-z0-9+/=])"
_ENTITY_CHARS = re.compile(r"[A-Za-z0-9._-]+")
_DOMAIN = re.compile(r"(?=.{3,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")
_SANDBOX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?")


def clean(value: str | None) -> str:
    """Trim pasted whitespace (and invisible zero-width characters) around a value."""
    return (value or "").strip().strip("\u200b\ufeff").strip()


def namespace(value: str) -> str:
    """A namespace name, also accepted as a host name or an sb:// or https:// URL."""
    text = clean(value)
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.rstrip("/").lower()
    for suffix in SERVICE_BUS_SUFFIXES:
        if text.endswith(suffix):
            text = text[: -len(suffix)]
    if not text:
        raise ValueError("Enter the namespace name, for example contoso-events.")
    if not 6 <= len(text) <= 50:
        raise ValueError(f"A namespace name is 6 to 50 characters long; this one has {len(text)}.")
    if not re.fullmatch(r"[a-z0-9-]+", text):
        raise ValueError("A namespace name has only letters, digits and hyphens.")
    if not text[0].isalpha():
        raise ValueError("A namespace name starts with a letter.")
    if not text[-1].isalnum():
        raise ValueError("A namespace name ends with a letter or a digit.")
    return text


def _entity(value: str, *, what: str, max_length: int) -> str:
    text = clean(value)
    if not text:
        raise ValueError(f"Enter the {what}.")
    if len(text) > max_length:
        raise ValueError(f"A {what} is at most {max_length} characters long; this one has {len(text)}.")
    if not _ENTITY_CHARS.fullmatch(text):
        raise ValueError(f"A {what} has only letters, digits, periods, hyphens and underscores.")
    if not (text[0].isalnum() and text[-1].isalnum()):
        raise ValueError(f"A {what} starts and ends with a letter or a digit.")
    return text


def event_hub_name(value: str) -> str:
    return _entity(value, what="event hub name", max_length=256)


def policy_name(value: str) -> str:
    return _entity(value, what="SAS key name (shared access policy name)", max_length=50)


def consumer_group(value: str) -> str:
    text = clean(value)
    if text.lower() == "$default":
        return "$Default"  # every event hub has it; users cannot create other $ names
    return _entity(text, what="consumer group name", max_length=50)


def sas_key(value: str) -> str:
    """A SAS key: the policy's primary or secondary key, 44 characters of base64."""
    text = clean(value)
    if not text:
        raise ValueError("Enter the SAS key.")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(text) != 44 or len(raw) != 32:
        raise ValueError(
            "A SAS key is 44 characters of base64 ending in '=' (the policy's Primary key). "
            "Check that you copied the whole key, not the connection string or a part of it."
        )
    return text


def guid(value: str, *, what: str) -> str:
    text = clean(value)
    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise ValueError(f"The {what} is a GUID like 00000000-0000-0000-0000-000000000000.") from None


def tenant_id(value: str) -> str:
    """The Entra ID tenant: its directory id (GUID) or a domain such as contoso.onmicrosoft.com."""
    text = clean(value)
    try:
        return guid(text, what="tenant ID")
    except ValueError:
        pass
    if _DOMAIN.fullmatch(text):
        return text.lower()
    raise ValueError("The tenant ID is the Directory (tenant) ID GUID or a domain like contoso.onmicrosoft.com.")


def client_secret(value: str) -> str:
    if not value or not value.strip():
        raise ValueError("Enter the client secret value.")
    text = value.strip()
    if len(text) > 256:
        raise ValueError("A client secret value is at most 256 characters long.")
    return text


def sandbox_name(value: str) -> str:
    text = clean(value)
    if not _SANDBOX.fullmatch(text):
        raise ValueError("A sandbox name has lowercase letters, digits and hyphens, for example prod.")
    return text


@dataclass(frozen=True)
class ConnectionString:
    namespace: str
    sas_key_name: str
    sas_key: str = field(repr=False)
    event_hub_name: str = ""


def parse_connection_string(text: str) -> ConnectionString:
    """Split `Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...[;EntityPath=...]`."""
    parts: dict[str, str] = {}
    for piece in clean(text).split(";"):
        name, sep, value = piece.strip().partition("=")
        if sep:
            parts[name.strip().lower()] = value.strip()
    missing = [
        label
        for key, label in (
            ("endpoint", "Endpoint"),
            ("sharedaccesskeyname", "SharedAccessKeyName"),
            ("sharedaccesskey", "SharedAccessKey"),
        )
        if not parts.get(key)
    ]
    if missing:
        raise ValueError(
            "This is not a complete Event Hubs connection string: it lacks " + ", ".join(missing) + ". Copy "
            "'Connection string–primary key' from the shared access policy in the Azure portal."
        )
    entity = parts.get("entitypath", "")
    return ConnectionString(
        namespace=namespace(parts["endpoint"]),
        sas_key_name=policy_name(parts["sharedaccesskeyname"]),
        sas_key=sas_key(parts["sharedaccesskey"]),
        event_hub_name=event_hub_name(entity) if entity else "",
    )


def client_id(value: str) -> str:
    """An Entra ID app's Application (client) ID."""
    return guid(value, what="client ID")
