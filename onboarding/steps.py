"""The wizard's map: its steps, their order, and which step an onboarding's status belongs to."""

from __future__ import annotations

import enum

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connections.models import Onboarding

Status = Onboarding.Status


class Step(enum.StrEnum):
    ACCOUNT = "account"
    SOURCE = "source"
    DONE = "done"

    @property
    def label(self) -> str:
        return str({Step.ACCOUNT: _("Account"), Step.SOURCE: _("Source"), Step.DONE: _("Done")}[self])

    @property
    def position(self) -> int:
        return list(Step).index(self)

    def url(self, onboarding: Onboarding) -> str:
        return reverse(f"onboarding:{self.value}", args=[onboarding.public_id])

    @classmethod
    def for_status(cls, status: str) -> Step:
        """The step an onboarding in this status is on."""
        if status in (Status.DRAFT, Status.CREATING_BASE, Status.BASE_FAILED):
            return cls.ACCOUNT
        if status in (Status.BASE_CREATED, Status.CREATING_SOURCE, Status.SOURCE_FAILED):
            return cls.SOURCE
        return cls.DONE

    @classmethod
    def of(cls, onboarding: Onboarding) -> Step:
        """The step the onboarding is on now: a base connection whose test has not passed keeps it on Account,
        unless its owner chose to go on anyway."""
        if onboarding.account_gated:
            return cls.ACCOUNT
        return cls.for_status(onboarding.status)

    def reached_by(self, onboarding: Onboarding) -> bool:
        """A step can be opened once the step it needs is done."""
        return self.position <= Step.of(onboarding).position
