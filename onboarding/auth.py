"""Log-in forms for the app and the admin, with throttling of failed attempts."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import method_decorator
from django.utils.translation import ngettext
from django.views.decorators.debug import sensitive_post_parameters

from . import throttle


def _when(seconds: int) -> str:
    if seconds < 120:
        return ngettext("in %(count)d second", "in %(count)d seconds", seconds) % {"count": seconds}
    minutes = round(seconds / 60)
    return ngettext("in about %(count)d minute", "in about %(count)d minutes", minutes) % {"count": minutes}


class ThrottledLoginMixin:
    """Reserves each attempt before the password is checked; refuses it while throttled (see throttle).

    A refused attempt leaves `retry_after` set; `refuse_throttled` turns the page into a 429.
    """

    request: Any
    cleaned_data: dict[str, Any]
    retry_after = 0

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:  # nothing will be checked: Django's own "required" messages
            return super().clean()  # type: ignore[misc, no-any-return]
        attempt = throttle.reserve(username, throttle.client_address(self.request))
        if attempt.refused_for:
            self.retry_after = attempt.refused_for
            raise forms.ValidationError(
                f"Too many failed log-ins for {attempt.refused_because}. Try again {_when(attempt.refused_for)}.",
                code="throttled",
            )
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]  # a failure keeps its reservation
        throttle.succeeded(attempt)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


def refuse_throttled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A log-in page whose form was refused by the throttle answers 429 with Retry-After (the page says when too)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        response = view(request, *args, **kwargs)
        form = (getattr(response, "context_data", None) or {}).get("form")
        retry_after = getattr(form, "retry_after", 0)
        if retry_after:
            response.status_code = 429
            response["Retry-After"] = str(retry_after)
        return response

    return wrapped


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ThrottledLoginView(LoginView):
    form_class = LoginForm
