"""WSGI entry point (gunicorn onboarding.wsgi:application; runserver through WSGI_APPLICATION)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import BadRequest
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings")
django_application = get_wsgi_application()
logger = logging.getLogger("django.request")


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Django's application; a request it cannot even build (an unparsable Content-Type) is a 400.

    Django raises that while making the request object, before any middleware or error page,
    so the server would answer 500 and log a traceback, on every URL, static files included.
    """
    try:
        return django_application(environ, start_response)
    except BadRequest as error:
        logger.warning("Bad Request: %s: %s", environ.get("PATH_INFO", ""), error)
        start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Bad Request: the Content-Type header cannot be read.\n"]
