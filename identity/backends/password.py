"""The local password backend: with single sign-on on, a break-glass door for superusers only, or shut."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User


class LocalPasswordBackend(ModelBackend):
    """Django's password log-in. With single sign-on on, it is a break-glass door for superusers only, or shut
    (LOCAL_PASSWORD_LOGIN=false); people from the identity provider have no usable password anyway."""

    def user_can_authenticate(self, user: User | AnonymousUser | None) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if not settings.OIDC_ISSUER:
            return True
        return bool(settings.LOCAL_PASSWORD_LOGIN and getattr(user, "is_superuser", False))
