"""What the services take in: typed, cleaned values (the forms build them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import Group

from connections.auth_types import AuthType
from connections.models import Onboarding


@dataclass(frozen=True)
class Credentials:
    """The credential values of one auth type, by field name; an empty secret means "keep the stored one"."""

    auth_type: AuthType
    values: Mapping[str, str] = field(default_factory=dict, repr=False)  # secrets among them

    def value(self, name: str) -> str:
        return self.values.get(name, "") if name in self.auth_type.field_names else ""


@dataclass(frozen=True)
class Account:
    name: str
    description: str
    sandbox_name: str
    credentials: Credentials
    team: Group | None = None  # the group of the team it belongs to (set at creation only); None: the owner's alone


@dataclass(frozen=True)
class Source:
    event_hub_name: str
    data_type: str = Onboarding.DataType.RAW
    reset: str = Onboarding.Reset.EARLIEST
    consumer_group: str = "$Default"
