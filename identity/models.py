"""Who a person is at the identity provider, and which Django groups are teams from it."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Identity(models.Model):
    """A person as the identity provider knows them: (issuer, subject) never changes, unlike an email address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities", verbose_name=_("user")
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(_("first signed in"), default=timezone.now, editable=False)
    signed_in_at = models.DateTimeField(_("last signed in"), default=timezone.now)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        ordering = ["issuer", "subject"]
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="identity_unique_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


class Team(models.Model):
    """A Django group that mirrors one of the identity provider's groups; membership follows each sign-in."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, primary_key=True, verbose_name=_("group"))
    issuer = models.CharField(_("issuer"), max_length=255)
    idp_group = models.CharField(
        _("group at the identity provider"),
        max_length=255,
        help_text=_("The value in the groups claim: a name, a path or an object ID, as the provider sends it."),
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["idp_group"]
        constraints = [models.UniqueConstraint(fields=["issuer", "idp_group"], name="team_unique_issuer_group")]

    def __str__(self) -> str:
        return self.group.name
