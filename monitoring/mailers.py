"""Django's MAILERS setting from EMAIL_URL, as django-environ parses it (no Django imports: settings use this)."""

from __future__ import annotations

from typing import Any

SMTP = "django.core.mail.backends.smtp.EmailBackend"
SMTP_OPTIONS = {
    "EMAIL_HOST": "host",
    "EMAIL_PORT": "port",
    "EMAIL_HOST_USER": "username",
    "EMAIL_HOST_PASSWORD": "password",
    "EMAIL_USE_TLS": "use_tls",
    "EMAIL_USE_SSL": "use_ssl",
}


def mailers_from(config: dict[str, Any], *, timeout: float) -> dict[str, Any]:
    """`env.email_url(...)`'s EMAIL_* settings as the default mailer (the console or locmem backends take none)."""
    backend = config["EMAIL_BACKEND"]
    options: dict[str, Any] = {}
    if backend == SMTP:
        options = {name: config[key] for key, name in SMTP_OPTIONS.items() if config.get(key) not in (None, "")}
        options["timeout"] = timeout  # a mail server that hangs must not hold a worker
    return {"default": {"BACKEND": backend, "OPTIONS": options}}
