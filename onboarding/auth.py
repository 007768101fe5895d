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
    """Refuses log-in while the user name or the address is throttled; counts each failure."""

    request: Any
    data: Any

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username", ""))
        address = throttle.client_address(self.request)
        seconds = throttle.blocked_for(username, address)
        if seconds:
            minutes = max(1, round(seconds / 60))
            raise forms.ValidationError(
                f"Too many failed log-ins for this user name or from this address. Try again in about "
                f"{minutes} minute{'s' if minutes != 1 else ''}.",
                code="throttled",
            )
        throttle.slow_down(username, address)
        try:
            cleaned: dict[str, Any] = super().clean()  # type: ignore[misc]
        except forms.ValidationError:
            throttle.record_failure(username, address)
            raise
        throttle.reset(username)
        return cleaned


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class ThrottledLoginView(LoginView):
    form_class = LoginForm
