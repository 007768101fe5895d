"""How many stored values each key reads, and how many no configured key can read.

Run before an old key is removed (`rotate_encryption_keys --check`, and the database system
check): a value under a key that is no longer configured can only be recovered by putting it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection, models

from .encryption import PREFIX, DecryptionError, EncryptedTextField, decrypt, readable_key_ids


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    found: list[tuple[type[models.Model], list[EncryptedTextField]]] = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def count_under_unknown_keys() -> dict[str, int]:
    """Values whose key id is not among the configured keys, per table (SQL only: nothing decrypted)."""
    ids = sorted(readable_key_ids())
    counts: dict[str, int] = {}
    for model, fields in encrypted_models():
        table = connection.ops.quote_name(model._meta.db_table)
        total = 0
        with connection.cursor() as cursor:
            for field in fields:
                column = connection.ops.quote_name(str(field.column))
                known = " AND ".join(f"{column} NOT LIKE %s" for _ in ids)
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL AND {column} <> '' AND {known}",
                    [f"{PREFIX}{kid}:%" for kid in ids],
                )
                total += int(cursor.fetchone()[0])
        if total:
            counts[str(model._meta.verbose_name_plural)] = total
    return counts


@dataclass
class KeyCensus:
    """Per table: values checked, values not under the first key, values no key decrypts."""

    checked: int = 0
    to_rotate: int = 0
    unreadable: int = 0


def census(
    model: type[models.Model], fields: list[EncryptedTextField], first_key_id: str, batch: int = 1000
) -> KeyCensus:
    """Try every stored value of a table (read-only, raw SQL: the field would hide a failure behind a label)."""
    result = KeyCensus()
    assert model._meta.pk is not None  # every concrete model has a primary key
    table, pk = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(str(model._meta.pk.column))
    columns = ", ".join(connection.ops.quote_name(str(f.column)) for f in fields)
    last = None
    while True:
        with connection.cursor() as cursor:
            where = f"WHERE {pk} > %s " if last is not None else ""
            cursor.execute(
                f"SELECT {pk}, {columns} FROM {table} {where}ORDER BY {pk} LIMIT %s",
                ([last] if last is not None else []) + [batch],
            )
            rows = cursor.fetchall()
        if not rows:
            return result
        for value in (value for row in rows for value in row[1:] if value):
            result.checked += 1
            try:
                decrypt(value)
            except DecryptionError:
                result.unreadable += 1
            else:
                result.to_rotate += not value.startswith(f"{PREFIX}{first_key_id}:")
        last = rows[-1][0]
