"""Data Prep's refusals. Adobe documents the statuses (400 "An invalid mapping set was requested") but no error
body or message (data-prep.yaml): Platform's generic shape, with the emulator's own texts."""

from __future__ import annotations

from connections.flowservice_emulator.errors import PlatformError


class InvalidMappingSet(PlatformError):
    status, text = 400, "An invalid mapping set was requested: {reason}"


class InvalidQuery(PlatformError):
    """data-prep.yaml answers a bad list request 400 "An invalid request was posted."; the words are the emulator's."""

    status, text = 400, "An invalid request was posted: {name}={value}: {expected}"


class MappingSetNotFound(PlatformError):
    status, title, text = 404, "NotFoundError", "The mapping set {mapping_id} was not found."
