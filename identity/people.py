"""Accounts of the people who sign in through the identity provider, keyed on (issuer, subject)."""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from .membership import groups_in, membership_sync
from .models import Identity

logger = logging.getLogger(__name__)


def person_find(*, claims: dict[str, Any]) -> User | None:
    """The account of the person the claims name, never matched by email (which the person may change)."""
    identity = Identity.objects.filter(issuer=claims["iss"], subject=claims["sub"]).select_related("user").first()
    return identity.user if identity else None


def person_create(*, claims: dict[str, Any]) -> User:
    """A new account for the person: no usable password, so only the identity provider signs them in."""
    try:
        with transaction.atomic():
            user = User.objects.create_user(username_for(claims))  # no password: an unusable one
            Identity.objects.create(user=user, issuer=claims["iss"], subject=claims["sub"])
    except IntegrityError:  # their sign-in in another tab made the account meanwhile
        existing = person_find(claims=claims)
        if existing is None:
            raise
        user = existing
    return person_update(user=user, claims=claims)


@transaction.atomic
def person_update(*, user: User, claims: dict[str, Any]) -> User:
    """Name, email, role and teams as the provider says today."""
    user.email = str(claims.get("email", user.email))[:254]
    user.first_name = str(claims.get("given_name", user.first_name))[:150]
    user.last_name = str(claims.get("family_name", user.last_name))[:150]
    user.save(update_fields=["email", "first_name", "last_name"])
    Identity.objects.filter(issuer=claims["iss"], subject=claims["sub"]).update(signed_in_at=timezone.now())
    groups = groups_in(claims)
    if groups is None:
        # Unknown is not "none": the person keeps the role and teams of their last sign-in.
        logger.warning("The identity provider sent no usable groups claim for %s; role and teams kept.", user)
    else:
        membership_sync(user=user, issuer=claims["iss"], groups=groups)
    return user


def username_for(claims: dict[str, Any]) -> str:
    """A readable user name; if it is taken (by a local account, say), it gets a suffix, never that account."""
    wanted = str(claims.get("preferred_username") or claims.get("email") or claims["sub"])[:150]
    if not User.objects.filter(username=wanted).exists():
        return wanted
    digest = hashlib.sha256(f"{claims['iss']} {claims['sub']}".encode()).hexdigest()[:10]
    return f"{wanted[:139]}-{digest}"
