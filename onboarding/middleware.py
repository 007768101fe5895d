"""Response headers every page of the app needs; request bodies it cannot read refused early."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.views.defaults import bad_request


class NoStoreMiddleware:
    """Pages hold per-user data that changes: never cached, not even in the back-forward cache.

    So going back shows the onboarding as it is now, and a shared computer keeps no copy.
    Static files are served before this (whitenoise) and keep their long cache lifetimes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


# Form bodies the app reads: UTF-8 (what every browser sends for a UTF-8 page) and its ASCII subset.
ACCEPTED_CHARSETS = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})


class AcceptedCharsetMiddleware:
    """A request body in another encoding is a 400, before anything reads it.

    Django decodes a form in the charset the request names; UTF-16 or an unknown name makes that
    decoding raise deep in the CSRF check, which would be a 500, even for someone not logged in.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset is not None and charset.strip().lower() not in ACCEPTED_CHARSETS:
            return bad_request(request, SuspiciousOperation(f"Unsupported request charset {charset!r}."))
        return self.get_response(request)
