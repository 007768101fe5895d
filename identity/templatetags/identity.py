"""What the log-in page offers: the organisation's sign-in, the local password, and the setup hint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import template
from django.conf import settings
from django.urls import reverse

register = template.Library()


@dataclass(frozen=True)
class SignInOptions:
    organisation: bool  # single sign-on is set up
    start_url: str
    local_password: bool  # the password form is shown
    redirect_uri: str  # what to register at the identity provider
    post_logout_uri: str


@register.simple_tag(takes_context=True)
def sign_in_options(context: dict[str, Any], next_url: str = "") -> SignInOptions:
    request = context["request"]
    organisation = bool(settings.OIDC_ISSUER)
    start = reverse("identity:start")
    return SignInOptions(
        organisation=organisation,
        start_url=f"{start}?{urlencode({'next': next_url})}" if next_url else start,
        local_password=not organisation or bool(settings.LOCAL_PASSWORD_LOGIN),
        redirect_uri=request.build_absolute_uri(reverse("identity:callback")),
        post_logout_uri=request.build_absolute_uri(reverse("login")),
    )
