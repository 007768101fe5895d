"""Re-encrypt every stored credential under the first key of FIELD_ENCRYPTION_KEYS."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models, transaction

from connections.encryption import (
    DecryptionError,
    EncryptedTextField,
    blind_index,
    decrypt,
    needs_rotation,
    primary_key_id,
    rotate,
)
from connections.key_audit import census, encrypted_models, stored_batch
from connections.models import ReaderSlot


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value under the first key in FIELD_ENCRYPTION_KEYS, in batches. "
        "Safe to run again: values already under that key are left alone. Afterwards the old keys can go."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing: count the values still under an older key and those no configured key can read "
            "(exits non-zero if any cannot be read). Run it before removing a key.",
        )

    def handle(self, *args: Any, batch_size: int, check: bool = False, **options: Any) -> None:
        if check:
            return self._check(batch_size)
        failures = 0
        for model, fields in encrypted_models():
            checked, rotated, failed = self._rotate_model(model, fields, batch_size)
            failures += failed
            self.stdout.write(
                f"{model._meta.verbose_name_plural}: {checked:,} rows checked, {rotated:,} values re-encrypted"
                + (f", {failed:,} could not be decrypted" if failed else "")
            )
        if failures:
            raise CommandError(
                f"{failures:,} values could not be decrypted with any configured key. Add the key they were "
                "encrypted with to FIELD_ENCRYPTION_KEYS (after the new one) and run this again."
            )
        self.stdout.write(
            self.style.SUCCESS("Every value is encrypted under the first key; older keys can be removed.")
        )

    def _check(self, batch_size: int) -> None:
        unreadable = 0
        for model, fields in encrypted_models():
            found = census(model, fields, primary_key_id(), batch=batch_size)
            unreadable += found.unreadable
            self.stdout.write(
                f"{model._meta.verbose_name_plural}: {found.checked:,} values, {found.to_rotate:,} under an older key, "
                f"{found.unreadable:,} no configured key can read"
            )
        if unreadable:
            raise CommandError(
                f"{unreadable:,} values cannot be read with any configured key: put back the key they were "
                "encrypted with (after the new one), then run rotate_encryption_keys. Removing keys now loses them."
            )
        self.stdout.write(self.style.SUCCESS("Every value is readable with the configured keys."))

    def _rotate_model(
        self, model: type[models.Model], fields: list[EncryptedTextField], batch_size: int
    ) -> tuple[int, int, int]:
        table = connection.ops.quote_name(model._meta.db_table)
        assert model._meta.pk is not None  # every concrete model has a primary key
        pk = connection.ops.quote_name(str(model._meta.pk.column))
        has_fingerprint = any(f.name == "namespace_fingerprint" for f in model._meta.concrete_fields)
        checked = rotated = failed = 0
        last = None
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                rows = stored_batch(cursor, model, fields, after=last, limit=batch_size)
                if not rows:
                    return checked, rotated, failed
                for row in rows:
                    changes, row_failed = self._rotated_values(fields, row[1:])
                    failed += row_failed
                    if has_fingerprint and "namespace" in changes:
                        changes["namespace_fingerprint"] = blind_index(decrypt(changes["namespace"]))[0]
                    if changes:
                        assignments = ", ".join(f"{connection.ops.quote_name(name)} = %s" for name in changes)
                        cursor.execute(f"UPDATE {table} SET {assignments} WHERE {pk} = %s", [*changes.values(), row[0]])
                        rotated += sum(1 for name in changes if name != "namespace_fingerprint")
                    if "namespace_fingerprint" in changes:  # the one-reader rule names the namespace by it too
                        slots = ReaderSlot.objects.filter(onboarding_id=row[0])
                        slots.update(namespace_fingerprint=changes["namespace_fingerprint"])
                checked += len(rows)
                last = rows[-1][0]

    @staticmethod
    def _rotated_values(fields: list[EncryptedTextField], values: tuple[Any, ...]) -> tuple[dict[str, str], int]:
        changes: dict[str, str] = {}
        failed = 0
        for field, value in zip(fields, values, strict=True):
            try:
                if value and needs_rotation(value):
                    changes[str(field.column)] = rotate(value)
            except DecryptionError:
                failed += 1
        return changes, failed
