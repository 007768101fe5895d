"""The dataflow's pages, in the order a user goes through them, and where each one is."""

from __future__ import annotations

import enum

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from connections.models import Dataflow


class Page(enum.StrEnum):
    DATA = "data"
    DATASET = "dataset"
    MAPPING = "mapping"
    REVIEW = "review"
    WATCH = "watch"

    @property
    def label(self) -> str:
        return str(
            {
                Page.DATA: _("Select data"),
                Page.DATASET: _("Dataset"),
                Page.MAPPING: _("Mapping"),
                Page.REVIEW: _("Review"),
                Page.WATCH: _("Data arriving"),
            }[self]
        )

    @property
    def position(self) -> int:
        return list(Page).index(self)

    def url(self, dataflow: Dataflow) -> str:
        return reverse(f"onboarding:dataflow_{self.value}", args=[dataflow.onboarding.public_id, dataflow.public_id])

    @classmethod
    def furthest(cls, dataflow: Dataflow) -> Page:
        """The furthest page the dataflow's choices open."""
        if not dataflow.editable:
            return cls.WATCH
        if not dataflow.sample and dataflow.is_raw:
            return cls.DATA
        if not dataflow.schema_id:
            return cls.DATASET
        if dataflow.is_raw and not dataflow.mappings:
            return cls.MAPPING
        return cls.REVIEW
