"""Who reads each consumer group: a consumer group of an event hub serves one reader at a time.

In Azure two readers on one consumer group split or steal each other's events, so a (namespace, event hub,
consumer group) is read by at most one active onboarding or dataflow of this app. The rule lives here, in one
table both write to, and its unique constraint is what makes two requests at once unable to both win; the
services (connections/services/readers.py) take, move and release a slot and turn the refusal into a message.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .dataflow import Dataflow
from .onboarding import Onboarding


class ReaderSlot(models.Model):
    """One consumer group being read: by an onboarding's source connection (dataflow empty), or by a dataflow's
    own source connection ("Existing account": another hub or consumer group of the same account)."""

    # The namespace is encrypted; its blind index names it for the constraint.
    namespace_fingerprint = models.CharField(max_length=64)
    event_hub_name = models.CharField(_("event hub"), max_length=256)
    consumer_group = models.CharField(_("consumer group"), max_length=50)
    onboarding = models.ForeignKey(
        Onboarding, on_delete=models.CASCADE, related_name="reader_slots", verbose_name=_("onboarding")
    )
    dataflow = models.OneToOneField(
        Dataflow,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reader_slot",
        verbose_name=_("dataflow"),
    )

    class Meta:
        verbose_name = _("consumer group reader")
        verbose_name_plural = _("consumer group readers")
        constraints = [
            models.UniqueConstraint(
                fields=["namespace_fingerprint", "event_hub_name", "consumer_group"], name="one_reader_per_group"
            ),
            models.UniqueConstraint(
                fields=["onboarding"], condition=models.Q(dataflow__isnull=True), name="one_slot_per_onboarding"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_hub_name}/{self.consumer_group}"
