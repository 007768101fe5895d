"""Log-in forms for the app and the admin, with throttling of failed attempts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters

from . import throttle


class ThrottledLoginMixin:
    """Reserves each attempt before the password is checked; refuses it while throttled (see throttle)."""

    request: Any
    cleaned_data: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if not username or not password:  # nothing will be checked: Django's own "required" messages
            return super().clean()  # type: ignore[misc, no-any-return]
        attempt = throttle.reserve(username, throttle.client_address(self.request))
        if attempt.refused_for:
            minutes = max(1, round(attempt.refused_for / 60))
            raise forms.ValidationError(
                f"Too many failed log-ins for {attempt.refused_because}. "
                f"Try again in about {minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        throttle.slow_down(attempt)
        cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]  # a failure keeps its reservation
        throttle.succeeded(attempt)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ThrottledLoginView(LoginView):
    form_class = LoginForm
