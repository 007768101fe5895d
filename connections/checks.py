"""System checks for the Adobe configuration (run by `manage.py check` and at start-up)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

from . import azure_names
from .target import flow_service_target


def _url_problem(name: str, value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{name} is not a URL: {value!r}."
    if flow_service_target().is_adobe and parts.scheme != "https":
        return f"{name} must use https when talking to Adobe: {value!r}."
    return None


@register(Tags.security, deploy=False)
def check_adobe_configuration(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    given = settings.ADOBE_CONFIGURED
    if given and len(given) != 3:
        missing = sorted({"ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ORG_ID"} - set(given))
        errors.append(
            Error(
                f"Only some Adobe credentials are set; missing: {', '.join(missing)}.",
                hint="Set all three to talk to Adobe, or none to use the local emulator.",
                id="connections.E001",
            )
        )
    org = settings.ADOBE_ORG_ID if "ADOBE_ORG_ID" in given else ""
    if org and not org.endswith("@AdobeOrg"):
        errors.append(
            Error(
                f"ADOBE_ORG_ID {org!r} does not end with @AdobeOrg.",
                hint="Copy the Organization ID from Adobe Developer Console (it looks like ABC123...@AdobeOrg).",
                id="connections.E002",
            )
        )
    for name in ("IMS_URL", "FLOW_SERVICE_URL"):
        problem = _url_problem(name, getattr(settings, name))
        if problem:
            errors.append(Error(problem, id="connections.E003"))
    try:
        azure_names.sandbox_name(settings.ADOBE_SANDBOX_NAME)
    except ValueError as exc:
        errors.append(Error(f"ADOBE_SANDBOX_NAME: {exc}", id="connections.E004"))
    return errors


@register(Tags.database)
def check_encrypted_values_readable(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Warning]:
    """`manage.py check --database default` (and migrate): values left under a key no longer configured.

    A warning, not an error: it must not stop migrate or start-up, only say what would be lost.
    """
    from .key_audit import count_under_unknown_keys

    if not databases:
        return []
    try:
        counts = count_under_unknown_keys()
    except DatabaseError:  # not migrated yet: nothing stored to lose
        return []
    return [
        Warning(
            f"{count:,} stored values in {table} were encrypted with a key that is not in FIELD_ENCRYPTION_KEYS: "
            "no configured key can read them (they show as 'unreadable (key removed)').",
            hint="Put the old key back after the new one and run `python manage.py rotate_encryption_keys`; "
            "`rotate_encryption_keys --check` counts them before a key is removed.",
            id="connections.W005",
        )
        for table, count in counts.items()
    ]
