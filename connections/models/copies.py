"""Two onboardings linked by Copy to another sandbox: the original, and the account in the other sandbox its
dataflows were created on. Each one's page shows where the other runs and whether the two still match."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .onboarding import Onboarding


class OnboardingCopy(models.Model):
    original = models.ForeignKey(
        Onboarding, on_delete=models.PROTECT, related_name="copies_made", verbose_name=_("original")
    )
    copy = models.ForeignKey(Onboarding, on_delete=models.PROTECT, related_name="copied_from", verbose_name=_("copy"))
    run = models.CharField(_("import run"), max_length=16)  # the first import that linked them
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("copied by")
    )
    created_at = models.DateTimeField(_("copied at"), default=timezone.now)

    class Meta:
        verbose_name = _("onboarding copy")
        verbose_name_plural = _("onboarding copies")
        constraints = [
            models.UniqueConstraint(fields=["original", "copy"], name="one_link_per_copy"),
            models.CheckConstraint(condition=~models.Q(original=models.F("copy")), name="a_copy_is_another_onboarding"),
        ]

    def __str__(self) -> str:
        return f"{self.original} → {self.copy}"
