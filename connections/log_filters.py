"""Credentials kept out of logs and error reports, whatever put them there."""

from __future__ import annotations

import logging
import re
from collections.abc import ItemsView
from typing import Any

from django.views.debug import SafeExceptionReporterFilter

from .azure_names import SAS_KEY_IN_TEXT

MASK = "[masked]"

# name=value and "name": "value" forms of every credential this app handles, plus bearer tokens.
_PATTERNS = [
    re.compile(r"(?i)(SharedAccessKey\s*=\s*)[^;\s\"']+"),
    re.compile(
        r"(?i)([\"']?(?:sas_?key|client_?secret(?:_?value)?|clientSecretValue|access_token|password)[\"']?"
        r"\s*[:=]\s*[\"']?)[^\"'&,;\s}]+"
    ),
    re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)((?<![A-Za-z0-9])sig\s*=\s*)[^\"'&,;\s}]+"),  # a SAS token's signature
    # The shape of an Event Hubs SAS key (32 bytes in base64), with or without its "=", wherever it appears.
    re.compile("()" + SAS_KEY_IN_TEXT),
]


def mask(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    return text


class MaskSecretsFilter(logging.Filter):
    """Rewrites the record's message (and exception text) with credentials masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


class SecretsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's error reports (the DEBUG page, admin e-mails) without credentials.

    Beyond Django's own rules it hides more settings (the cache and database URLs may hold
    passwords) and cleans every traceback variable: by name, inside dicts and lists, and by
    value, so a key in a local string or a cleaned form's data is masked too.
    """

    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|CONNECTION_STRING|CACHES|DATABASE_URL", flags=re.I
    )

    def get_traceback_frame_variables(self, request: Any, tb_frame: Any) -> ItemsView[str, Any]:
        variables = super().get_traceback_frame_variables(request, tb_frame)
        return {name: self._scrub(self.cleanse_setting(name, value)) for name, value in variables}.items()

    def _scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return mask(value)
        if isinstance(value, dict):
            return {k: self._scrub(self.cleanse_setting(k, v)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._scrub(v) for v in value)
        return value
