"""The history chain keyed by HISTORY_HMAC_KEYS, rows written before sealed, and TRUNCATE and REPLACE refused."""

from typing import Any

from django.db import migrations, models


def hash_key() -> models.CharField[str, str]:
    return models.CharField(
        blank=True,
        editable=False,
        help_text="The id of the HISTORY_HMAC_KEYS key that signed the row; empty: a plain SHA-256, written before keys.",
        max_length=8,
        verbose_name="hash key",
    )


def seal_rows_written_before_keys(apps: Any, schema_editor: Any) -> None:
    """Each chain's rows so far carry a plain SHA-256: count them in the head and seal that count with the key,
    so a plain-hash row written after today is told from them (see history_chain)."""
    from connections import history_chain

    for head in apps.get_model("connections", "HistoryChainHead").objects.filter(seq__gt=0):
        head.legacy_rows = head.seq
        head.legacy_seal = history_chain.legacy_seal(head.table, head.seq, head.last_hash)
        head.save(update_fields=["legacy_rows", "legacy_seal"])


def create_triggers(apps: Any, schema_editor: Any) -> None:
    from connections import history_chain

    # Every table's again: on SQLite, adding a column above rebuilt each history table without them.
    history_chain.create_triggers(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("connections", "0009_remote_actions")]

    operations = [
        migrations.AddField(model_name="flowservicecall", name="hash_key", field=hash_key()),
        migrations.AddField(model_name="statechange", name="hash_key", field=hash_key()),
        migrations.AddField(model_name="dataflowchange", name="hash_key", field=hash_key()),
        migrations.AddField(model_name="historychainhead", name="legacy_rows", field=models.BigIntegerField(default=0)),
        migrations.AddField(
            model_name="historychainhead", name="legacy_seal", field=models.CharField(blank=True, max_length=80)
        ),
        migrations.RunPython(seal_rows_written_before_keys, migrations.RunPython.noop),
        # Going back, 0004's and 0006's triggers stay; the REPLACE and TRUNCATE ones with them.
        migrations.RunPython(create_triggers, migrations.RunPython.noop),
    ]
