"""A logging filter that masks credentials in every log line, whatever logged them."""

from __future__ import annotations

import logging
import re

MASK = "[masked]"

# name=value and "name": "value" forms of every credential this app handles, plus bearer tokens.
_PATTERNS = [
    re.compile(r"(?i)(SharedAccessKey\s*=\s*)[^;\s\"']+"),
    re.compile(
        r"(?i)([\"']?(?:sas_?key|client_?secret(?:_?value)?|clientSecretValue|access_token|password)[\"']?"
        r"\s*[:=]\s*[\"']?)[^\"'&,;\s}]+"
    ),
    re.compile(r"(?i)(Bearer\s+)[A-Za-z0-9._~+/=-]+"),
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
