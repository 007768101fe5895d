"""The two reads the wizard's pages start with, written as SQL (Django's `Manager.raw()`).

Building and compiling an ORM query costs about 0.4 ms here, twice what the database and the rows take,
on pages whose own work is about a millisecond: My onboardings' page of rows, and the onboarding each
step's page shows (Account, Source, Done, the progress poll and the link that finds the step). Each SQL
is written once per database from the models' own names, says exactly what its queryset says
(tests/test_reads.py compares the two on the same rows), and goes through the same field converters:
the credentials decrypt as they do through the ORM.
"""

from __future__ import annotations

import functools
import uuid
from typing import Any

from django.db import connection
from django.http import Http404

from connections.models import Dataflow, Onboarding, RemoteAction

from . import listing


def _names(model: type[Any], *fields: str) -> tuple[str, ...]:
    """The quoted columns of `fields` (a foreign key's column for its name), then the quoted table."""
    quote, meta = connection.ops.quote_name, model._meta
    return (*(quote(meta.get_field(name).column) for name in fields), quote(meta.db_table))


@functools.cache
def _listed_sql(vendor: str) -> str:
    """`Onboarding.objects.owned_by(owner).listed().newest_first().only(*listing.COLUMNS)`, one page of it."""
    *columns, owner, archived, created, pk, table = _names(
        Onboarding, *listing.COLUMNS, "owner", "archived_at", "created_at", "id"
    )
    return (
        f"SELECT {pk}, {', '.join(columns)} FROM {table} WHERE {owner} = %s AND {archived} IS NULL "
        f"ORDER BY {created} DESC, {pk} DESC LIMIT %s OFFSET %s"
    )


def listed(owner: Any, *, start: int, stop: int) -> list[Onboarding]:
    """The owner's onboardings `[start:stop]`, not archived, newest first, with only the columns a row shows."""
    return list(Onboarding.objects.raw(_listed_sql(connection.vendor), [owner.pk, stop - start, start]))


@functools.cache
def _page_sql(vendor: str) -> str:
    """`Onboarding.objects.owned_by(user)` by public id, with whether it has requests to Adobe of its own
    (`RemoteAction.objects.of(onboarding)`) and dataflows."""
    owner, public_id, pk, table = _names(Onboarding, "owner", "public_id", "id")
    action_of, action_dataflow, actions = _names(RemoteAction, "onboarding", "dataflow")
    dataflow_of, dataflows = _names(Dataflow, "onboarding")
    return (
        f"SELECT {table}.*, "
        f"EXISTS (SELECT 1 FROM {actions} WHERE {actions}.{action_of} = {table}.{pk} "
        f"AND {actions}.{action_dataflow} IS NULL) AS has_actions, "
        f"EXISTS (SELECT 1 FROM {dataflows} WHERE {dataflows}.{dataflow_of} = {table}.{pk}) AS has_dataflows "
        f"FROM {table} WHERE {table}.{owner} = %s AND {table}.{public_id} = %s"
    )


def page_onboarding(user: Any, public_id: uuid.UUID) -> Onboarding:
    """The onboarding, if it belongs to the user (404 otherwise, as `owned_onboarding`), with `has_actions` and
    `has_dataflows`: a page with none of them (an onboarding just finished) asks nothing more."""
    value = Onboarding._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    found = list(Onboarding.objects.raw(_page_sql(connection.vendor), [user.pk, value]))
    if not found:
        raise Http404("No Onboarding matches the given query.")
    return found[0]
