"""Roles and teams from the identity provider's groups, brought in step at every sign-in."""

from __future__ import annotations

import enum
import hashlib
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission, User
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from .models import Team

logger = logging.getLogger(__name__)

# View permissions on everything in the admin; kept whole after every migrate and flush (identity/apps.py).
AUDITORS_GROUP = "Auditors"
AUDITED_APPS = ("connections", "monitoring", "identity")


class Role(enum.Enum):
    ADMIN = "admin"  # the full admin
    AUDITOR = "auditor"  # the admin, read-only, and its exports
    MEMBER = "member"  # the wizard, for their teams


def groups_in(claims: dict[str, Any]) -> list[str] | None:
    """The groups the claims name, or None when they do not say (which is not the same as no groups)."""
    name: str = settings.OIDC_GROUPS_CLAIM
    if name in claims.get("_claim_names", {}) or claims.get("hasgroups") or name not in claims:
        # Entra ID leaves the claim out above 200 groups (and the implicit flow's above 5), pointing at Microsoft
        # Graph instead.
        return None
    value = claims[name]
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(dict.fromkeys(item for item in value if item))
    return None


def role_of(groups: Iterable[str]) -> Role:
    names = {group.casefold() for group in groups}
    if names & casefolded(settings.OIDC_ADMIN_GROUPS):
        return Role.ADMIN
    if names & casefolded(settings.OIDC_AUDITOR_GROUPS):
        return Role.AUDITOR
    return Role.MEMBER


def team_groups(groups: Iterable[str]) -> list[str]:
    """The groups that are teams: every one but those that give a role."""
    roles = casefolded(settings.OIDC_ADMIN_GROUPS) | casefolded(settings.OIDC_AUDITOR_GROUPS)
    return [group for group in groups if group.casefold() not in roles]


def auditors_group() -> Group:
    """The Auditors group with a view permission on every model of ours and on people and groups, nothing else."""
    auditors, _ = Group.objects.get_or_create(name=AUDITORS_GROUP)
    views = Permission.objects.filter(codename__startswith="view_", content_type__app_label__in=AUDITED_APPS)
    people = Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user", "view_group"])
    auditors.permissions.add(*views, *people)
    return auditors


def casefolded(names: Iterable[str]) -> set[str]:
    return {name.strip().casefold() for name in names if name.strip()}


@transaction.atomic
def membership_sync(*, user: User, issuer: str, groups: list[str]) -> None:
    """Give the person the role and exactly the teams their groups say, taking away what they no longer say."""
    role = role_of(groups)
    user.is_staff = role is not Role.MEMBER
    user.is_superuser = role is Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    auditors = auditors_group()
    if role is Role.AUDITOR:
        user.groups.add(auditors)
    else:
        user.groups.remove(auditors)
    wanted = [team_group(issuer, name) for name in team_groups(groups)]
    user.groups.remove(*teams_of(user).exclude(pk__in=[group.pk for group in wanted]))
    user.groups.add(*wanted)


def team_group(issuer: str, idp_group: str) -> Group:
    """The Django group of one of the provider's groups, made the first time someone of it signs in."""
    team = Team.objects.filter(issuer=issuer, idp_group=idp_group).select_related("group").first()
    if team is not None:
        return team.group
    try:
        with transaction.atomic():
            group = Group.objects.create(name=free_group_name(issuer, idp_group))
            Team.objects.create(group=group, issuer=issuer, idp_group=idp_group)
    except IntegrityError:  # a teammate's sign-in made it meanwhile
        return Team.objects.select_related("group").get(issuer=issuer, idp_group=idp_group).group
    return group


def free_group_name(issuer: str, idp_group: str) -> str:
    """The group's own name, unless a group (a local one, say "Auditors") has it: a team never takes over one."""
    name = idp_group[:150]
    if not Group.objects.filter(name=name).exists():
        return name
    digest = hashlib.sha256(f"{issuer} {idp_group}".encode()).hexdigest()[:8]
    return f"{idp_group[:130]} (team {digest})"


def teams_of(user: User) -> QuerySet[Group]:
    """The person's teams: their Django groups that mirror one of the identity provider's groups."""
    return Group.objects.filter(user=user, team__isnull=False)
