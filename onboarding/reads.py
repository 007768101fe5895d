"""The two reads the wizard's pages start with, written as SQL and turned into instances as the ORM does.

Building and compiling an ORM query costs about 0.4 ms here, and `Manager.raw()` about 0.3 ms more than its
SQL (it maps the cursor's columns to fields and looks their converters up again for each query), on pages
whose own work is about a millisecond: My onboardings' page of rows, and the onboarding each step's page
shows (Account, Source, Done, the progress poll and the link that finds the step). Each SQL is written once
per database from the models' own names and selects the fields in a known order, says exactly what its
queryset says (tests/test_reads.py compares the two on the same rows), and each value goes through the
same converters before `Model.from_db` makes the instance, as the ORM makes it. A page's onboarding keeps its
credentials sealed, each decrypted as the ORM decrypts it when the page first reads it (encryption.seal); the
secret, which no page shows, is not even read.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model
from django.http import Http404

from connections import encryption
from connections.auth_types import SECRET_FIELDS
from connections.models import Dataflow, Onboarding, RemoteAction

from . import listing


def _names(model: type[Any], *fields: str) -> tuple[str, ...]:
    """The quoted columns of `fields` (a foreign key's column for its name), then the quoted table."""
    quote, meta = connection.ops.quote_name, model._meta
    return (*(quote(str(_field(model, name).column)) for name in fields), quote(meta.db_table))


Converter = Callable[[Any, Any, Any], Any]


@functools.cache
def _reading(
    model: type[Model], fields: tuple[str, ...], vendor: str
) -> tuple[tuple[str, ...], tuple[tuple[int, Any, tuple[Converter, ...]], ...]]:
    """How rows of `fields` become instances, worked out once per database: the fields' attribute names, and for
    each field that has any, its position, its column and the converters the ORM's compiler applies to it (the
    database backend's, then the field's own), as `SQLCompiler.get_converters` finds them."""
    converters = []
    for index, name in enumerate(fields):
        # Kept for every thread: the backends' converters read only settings (the time zone), never state.
        column = _field(model, name).get_col(model._meta.db_table)
        functions = (*connection.ops.get_db_converters(column), *column.get_db_converters(connection))
        if functions:
            converters.append((index, column, tuple(functions)))
    return tuple(_field(model, name).attname for name in fields), tuple(converters)


def _fetched(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows: list[tuple[Any, ...]] = cursor.fetchall()
        return rows


def _made(
    model: type[Model],
    fields: tuple[str, ...],
    rows: Sequence[tuple[Any, ...]],
    extras: Sequence[str] = (),
    sealed: bool = False,
) -> list[Any]:
    """`rows` (`fields` of `model`, then `extras`) as instances: each value converted, the instance made by
    `Model.from_db` (the fields not selected deferred), each extra set on it by name. `sealed`: the encrypted
    fields are left as stored and decrypted when first read (encryption.seal): a page that does not show a
    credential never decrypts it (Fernet costs about 40 µs a value here)."""
    attnames, converters = _reading(model, fields, connection.vendor)
    sealed_at = _sealed_positions(model, fields) if sealed else {}
    made_of = tuple(name for index, name in enumerate(attnames) if index not in sealed_at)
    made = []
    for row in rows:
        values = list(row[: len(fields)])
        for index, column, functions in converters:
            if index not in sealed_at:
                for function in functions:
                    values[index] = function(values[index], column, connection)
        instance = model.from_db(connection.alias, made_of, [v for i, v in enumerate(values) if i not in sealed_at])
        if sealed_at:
            encryption.seal(instance, {name: values[index] for index, name in sealed_at.items()})
        for name, value in zip(extras, row[len(fields) :], strict=True):
            setattr(instance, name, value)
        made.append(instance)
    return made


@functools.cache
def _sealed_positions(model: type[Model], fields: tuple[str, ...]) -> dict[int, str]:
    """The position and attname of each encrypted field among `fields`."""
    return {
        index: _field(model, name).attname
        for index, name in enumerate(fields)
        if isinstance(_field(model, name), encryption.EncryptedTextField)
    }


def _in_model_order(model: type[Model], names: Sequence[str]) -> tuple[str, ...]:
    """`names` in the order of the model's fields: `Model.from_db` takes a subset of values in that order."""
    return tuple(field.name for field in model._meta.concrete_fields if field.name in names)


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    return cast("Field[Any, Any]", model._meta.get_field(name))


LISTED_FIELDS = _in_model_order(Onboarding, ("id", *listing.COLUMNS))
# A page never shows the secret (a SAS key, a client secret): its read leaves it in the database, not decrypted.
PAGE_FIELDS = tuple(field.name for field in Onboarding._meta.concrete_fields if field.name not in SECRET_FIELDS)


def _columns(model: type[Model], fields: tuple[str, ...]) -> str:
    """The quoted columns of `fields`, each qualified by its table, for a SELECT list."""
    *columns, table = _names(model, *fields)
    return ", ".join(f"{table}.{column}" for column in columns)


@functools.cache
def _listed_sql(vendor: str) -> str:
    """`Onboarding.objects.owned_by(owner).listed().newest_first().only(*listing.COLUMNS)`, one page of it."""
    owner, archived, created, pk, table = _names(Onboarding, "owner", "archived_at", "created_at", "id")
    return (
        f"SELECT {_columns(Onboarding, LISTED_FIELDS)} FROM {table} WHERE {owner} = %s AND {archived} IS NULL "
        f"ORDER BY {created} DESC, {pk} DESC LIMIT %s OFFSET %s"
    )


def listed(owner: Any, *, start: int, stop: int) -> list[Onboarding]:
    """The owner's onboardings `[start:stop]`, not archived, newest first, with only the columns a row shows."""
    return listed_instances(listed_rows(owner, start=start, stop=stop))


def listed_rows(owner: Any, *, start: int, stop: int) -> list[tuple[Any, ...]]:
    """`listed` as the database returns it: a tuple of values per onboarding (its credentials still encrypted),
    which a page that keeps each row's markup (listing.page) turns into instances only for rows it has not seen."""
    return _fetched(_listed_sql(connection.vendor), [owner.pk, stop - start, start])


def listed_instances(rows: Sequence[tuple[Any, ...]]) -> list[Onboarding]:
    return _made(Onboarding, LISTED_FIELDS, rows)


@functools.cache
def _page_sql(vendor: str) -> str:
    """`Onboarding.objects.owned_by(user)` by public id, with whether it has requests to Adobe of its own
    (`RemoteAction.objects.of(onboarding)`) and dataflows."""
    owner, public_id, pk, table = _names(Onboarding, "owner", "public_id", "id")
    action_of, action_dataflow, actions = _names(RemoteAction, "onboarding", "dataflow")
    dataflow_of, dataflows = _names(Dataflow, "onboarding")
    return (
        f"SELECT {_columns(Onboarding, PAGE_FIELDS)}, "
        f"EXISTS (SELECT 1 FROM {actions} WHERE {actions}.{action_of} = {table}.{pk} "
        f"AND {actions}.{action_dataflow} IS NULL) AS has_actions, "
        f"EXISTS (SELECT 1 FROM {dataflows} WHERE {dataflows}.{dataflow_of} = {table}.{pk}) AS has_dataflows "
        f"FROM {table} WHERE {table}.{owner} = %s AND {table}.{public_id} = %s"
    )


def page_onboarding(user: Any, public_id: uuid.UUID) -> Onboarding:
    """The onboarding, if it belongs to the user (404 otherwise, as `owned_onboarding`), with `has_actions` and
    `has_dataflows`: a page with none of them (an onboarding just finished) asks nothing more."""
    return page_onboarding_as_stored(user, public_id)[0]


def page_onboarding_as_stored(user: Any, public_id: uuid.UUID) -> tuple[Onboarding, tuple[Any, ...]]:
    """`page_onboarding`, and its row as the database holds it (the credentials still encrypted): the key of a
    page kept for what is stored (Source, Done)."""
    value = Onboarding._meta.get_field("public_id").get_db_prep_value(public_id, connection)
    rows = _fetched(_page_sql(connection.vendor), [user.pk, value])
    if not rows:
        raise Http404("No Onboarding matches the given query.")
    onboarding: Onboarding = _made(Onboarding, PAGE_FIELDS, rows, ("has_actions", "has_dataflows"), sealed=True)[0]
    return onboarding, rows[0]
