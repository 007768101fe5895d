"""Response headers every page of the app needs; request bodies it cannot read refused early."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


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


# Bodies the app reads: UTF-8 (what every browser sends for a UTF-8 page) and its ASCII subset. A form
# (application/x-www-form-urlencoded) Django reads only as UTF-8, named exactly so.
ACCEPTED = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
FORM = "application/x-www-form-urlencoded"


def refused_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 400 page (also the app's handler400).

    Not Django's `bad_request`: its CSRF check reads the body, and a body Django refused to read
    raises again there, which turns the 400 into a 500 with a traceback in the log.
    """
    return render(request, "400.html", status=400)


class AcceptedCharsetMiddleware:
    """A request body in an encoding the app does not read is a 400, before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset is None:
            return self.get_response(request)
        readable = charset.lower() == "utf-8" if request.content_type == FORM else charset.strip().lower() in ACCEPTED
        if not readable:
            return refused_request(request)
        return self.get_response(request)
