"""History no one can rewrite: the database refuses changes, and the keyed hash chain names any it missed."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from connections import history_chain
from connections.encryption import EncryptedTextField
from connections.flowservice import CallRecord, Operation, Outcome
from connections.keys import KeyConfigurationError, generate_history_key, key_id, parse_history_keys
from connections.models import (
    AppendOnlyError,
    DataflowChange,
    FlowServiceCall,
    HistoryChainHead,
    Onboarding,
    StateChange,
)
from connections.services.dataflow_choices import dataflow_start

ROOT = Path(__file__).resolve().parent.parent
HISTORY_MODELS = (FlowServiceCall, StateChange, DataflowChange)
on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE is PostgreSQL's")


def raw(sql: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL's error stays inside
        cursor.execute(sql, params or [])


def verify(*options: str) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_history", *options)
    return str(caught.value)


def keyed_hash(row: models.Model) -> str:
    return history_chain.content_hash(row, history_chain.verifying_keys()[row.hash_key])  # type: ignore[attr-defined]


def forge_after_the_last(model: type[models.Model], hash_key: str) -> models.Model:
    """What someone who can write SQL, but has no key, can append: the last row copied with a new reason, linked
    to it, hashed with plain SHA-256, inserted with the triggers on, and the head moved to it."""
    last = model.objects.order_by("-chain_seq").first()
    assert last is not None
    forged = model.objects.get(pk=last.pk)
    forged.pk, forged.reason = None, "forged"  # type: ignore[attr-defined]
    forged.chain_seq, forged.prev_hash, forged.hash_key = last.chain_seq + 1, last.row_hash, hash_key  # type: ignore[attr-defined]
    forged.row_hash = history_chain.content_hash(forged, None)  # type: ignore[attr-defined]
    models.Model.save(forged, force_insert=True)  # a plain INSERT, as raw SQL would be
    HistoryChainHead.objects.filter(table=model._meta.db_table).update(
        seq=forged.chain_seq,  # type: ignore[attr-defined]
        last_hash=forged.row_hash,  # type: ignore[attr-defined]
    )
    return forged


@pytest.fixture
def history(make_onboarding) -> list[StateChange]:
    onboarding = make_onboarding("source")
    dataflow = dataflow_start(onboarding=onboarding, actor=onboarding.owner)  # a row in each history table
    DataflowChange.objects.record(dataflow=dataflow, actor=None, from_status="draft", to_status="ready", reason="x")
    return list(StateChange.objects.order_by("chain_seq"))


def test_every_history_model_is_chained_and_guarded_by_triggers():
    tables = {model._meta.db_table for model in history_chain.history_models()}
    assert tables == set(history_chain.HISTORY_TABLES) == {model._meta.db_table for model in HISTORY_MODELS}
    assert set(history_chain.HASHED_COLUMNS) == tables


@pytest.mark.django_db
class TestTheDatabaseRefusesRewrites:
    @pytest.mark.parametrize("table", history_chain.HISTORY_TABLES)
    def test_raw_sql_update_is_refused(self, history, table):
        with pytest.raises(DatabaseError, match="append-only"):
            raw(f"UPDATE {table} SET created_at = created_at")

    @pytest.mark.parametrize("table", history_chain.HISTORY_TABLES)
    def test_raw_sql_delete_is_refused(self, history, table):
        with pytest.raises(DatabaseError, match="append-only"):
            raw(f"DELETE FROM {table}")

    @pytest.mark.parametrize("table", history_chain.HISTORY_TABLES)
    def test_a_row_replaced_in_place_is_refused(self, history, table):
        """SQLite's REPLACE deletes the row it collides with without firing DELETE triggers; PostgreSQL's
        upsert updates it. Either way the row must stay as it was written."""
        first = apps.get_model("connections", table.removeprefix("connections_")).objects.order_by("chain_seq")[0]
        if connection.vendor == "sqlite":
            replace = f"INSERT OR REPLACE INTO {table} SELECT * FROM {table} WHERE id = %s"
        else:
            replace = f"INSERT INTO {table} SELECT * FROM {table} WHERE id = %s ON CONFLICT (id) DO UPDATE SET id = 0"
        with pytest.raises(DatabaseError, match="append-only"):
            raw(replace, [first.pk])
        assert type(first).objects.get(pk=first.pk).row_hash == first.row_hash
        call_command("verify_history")

    @pytest.mark.skipif("connection.vendor != 'sqlite'")
    def test_sqlite_replace_by_chain_position_under_a_new_id_is_refused(self, history):
        victim = history[1]
        with pytest.raises(DatabaseError, match="append-only: REPLACE"):
            raw(
                "REPLACE INTO connections_statechange (onboarding_id, created_at, from_status, to_status, reason, "
                "chain_seq, prev_hash, row_hash, hash_key) VALUES (%s, %s, '', 'draft', 'nothing happened', %s, %s, "
                "%s, %s)",
                [victim.onboarding_id, victim.created_at, victim.chain_seq, victim.prev_hash, "0" * 64, ""],
            )
        assert StateChange.objects.get(pk=victim.pk).reason == victim.reason
        call_command("verify_history")

    @on_postgresql
    @pytest.mark.parametrize("table", [*history_chain.HISTORY_TABLES, history_chain.HEAD_TABLE])
    def test_truncate_is_refused(self, history, table):
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # else PostgreSQL refuses TRUNCATE in this test's transaction first
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE"):
            raw(f"TRUNCATE {table} CASCADE")
        with pytest.raises(DatabaseError, match="append-only: TRUNCATE"):
            raw("TRUNCATE connections_onboarding CASCADE")  # the history goes with it
        assert StateChange.objects.count() == len(history)
        call_command("verify_history")

    def test_raw_delete_of_the_orm_is_refused(self, history):
        for model in HISTORY_MODELS:
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
                model.objects.all()._raw_delete(connection.alias)
        assert StateChange.objects.count() == len(history)

    def test_the_orm_refuses_too(self, history):
        with pytest.raises(AppendOnlyError):
            StateChange.objects.all().update(reason="rewritten")
        with pytest.raises(AppendOnlyError):
            history[0].delete()


@pytest.mark.django_db
class TestTheChainNamesTheFirstBrokenRow:
    def test_an_intact_history_verifies_and_the_admin_says_so(self, history, admin_client, capsys):
        call_command("verify_history")
        out = capsys.readouterr().out
        assert f"state changes: {len(history)} rows intact and in order" in out
        assert "dataflow changes: 1 rows intact and in order" in out
        page = admin_client.get(reverse("admin:connections_statechange_changelist")).content.decode()
        assert "History verified on" in page

    def test_a_row_changed_with_the_triggers_dropped_is_caught(self, history, admin_client):
        history_chain.drop_triggers()
        victim = history[1]
        raw("UPDATE connections_statechange SET reason = %s WHERE id = %s", ["nothing happened", victim.pk])
        message = verify()
        assert f"row 2 (id {victim.pk}) was changed after it was written" in message
        page = admin_client.get(reverse("admin:connections_statechange_changelist")).content.decode()
        assert "History verification FAILED" in page

    def test_a_row_removed_from_the_middle_is_caught(self, history):
        history_chain.drop_triggers()
        raw("DELETE FROM connections_statechange WHERE id = %s", [history[1].pk])
        assert "row 2 is missing: removed" in verify()

    def test_the_newest_rows_removed_are_caught(self, history):
        history_chain.drop_triggers()
        raw("DELETE FROM connections_statechange WHERE id = %s", [history[-1].pk])
        assert f"the newest 1 row(s) after row {len(history) - 1} were removed" in verify()

    def test_a_row_slipped_in_is_caught_even_with_the_triggers_on(self, history):
        last = history[-1]
        raw(
            "INSERT INTO connections_statechange (onboarding_id, created_at, from_status, to_status, reason, "
            "chain_seq, prev_hash, row_hash, hash_key) VALUES (%s, %s, '', 'draft', 'forged', %s, %s, %s, '')",
            [last.onboarding_id, last.created_at, last.chain_seq + 1, "f" * 64, "e" * 64],
        )
        assert f"row {last.chain_seq + 1}" in verify() and "out of order" in verify()

    def test_a_row_inserted_without_a_chain_position_is_caught(self, history):
        last = history[-1]
        raw(
            "INSERT INTO connections_statechange (onboarding_id, created_at, from_status, to_status, reason, "
            "prev_hash, row_hash, hash_key) VALUES (%s, %s, '', 'draft', 'forged', '', '', '')",
            [last.onboarding_id, last.created_at],
        )
        assert "was inserted outside the chain" in verify()

    @pytest.mark.parametrize("model", HISTORY_MODELS)
    @pytest.mark.parametrize(
        ("hash_key", "caught"),
        [
            ("", "has a plain SHA-256 hash, but was written after history was keyed: it was forged"),
            ("first", "forged without the key"),  # the id of the key that signs, with the plain SHA-256
            ("deadbeef", "signed with key deadbeef, which is not in HISTORY_HMAC_KEYS"),
        ],
    )
    def test_a_row_forged_with_a_correct_link_and_hash_is_caught(self, history, model, hash_key, caught):
        forged = forge_after_the_last(model, history_chain.signing_key()[0] if hash_key == "first" else hash_key)
        message = verify()
        assert f"row {forged.chain_seq} (id {forged.pk}) " in message and caught in message  # type: ignore[attr-defined]
        assert str(model._meta.verbose_name_plural) in message


@pytest.mark.django_db
class TestTheAnchor:
    def test_the_first_run_writes_each_tables_newest_row(self, history, tmp_path, capsys):
        anchor = tmp_path / "anchor.json"
        call_command("verify_history", "--anchor", str(anchor))
        heads = {head["table"]: head for head in json.loads(anchor.read_text())["heads"]}
        assert set(heads) == set(history_chain.HISTORY_TABLES)
        assert (heads["connections_statechange"]["seq"], heads["connections_statechange"]["last_hash"]) == (
            history[-1].chain_seq,
            history[-1].row_hash,
        )
        assert f"Anchor {anchor} now holds each table's newest row" in capsys.readouterr().out

    def test_a_truncation_with_the_head_reset_is_caught_and_the_anchor_kept(self, history, tmp_path):
        anchor = tmp_path / "anchor.json"
        call_command("verify_history", "--anchor", str(anchor))
        written = anchor.read_text()
        history_chain.drop_triggers()  # what only the database's owner can do
        raw("DELETE FROM connections_statechange")
        HistoryChainHead.objects.filter(table="connections_statechange").update(seq=0, last_hash=history_chain.GENESIS)
        history_chain.create_triggers()
        call_command("verify_history")  # without the anchor, an empty chain and its head agree
        message = verify("--anchor", str(anchor))
        assert f"the anchor holds row {history[-1].chain_seq}, which is gone" in message
        for _ in history:  # the app goes on writing from row 1 again, past the anchored row
            StateChange.objects.record(
                onboarding=history[0].onboarding, actor=None, from_status="", to_status="draft", reason="again"
            )
        assert f"row {history[-1].chain_seq} is not the row anchored" in verify("--anchor", str(anchor))
        assert anchor.read_text() == written

    def test_an_intact_history_moves_the_anchor_on(self, history, make_onboarding, tmp_path, capsys):
        anchor = tmp_path / "anchor.json"
        call_command("verify_history", "--anchor", str(anchor))
        newer = make_onboarding("draft").state_changes.get()
        call_command("verify_history", "--anchor", str(anchor))
        assert "every anchored row is still there, unchanged" in capsys.readouterr().out
        heads = {head["table"]: head["seq"] for head in json.loads(anchor.read_text())["heads"]}
        assert heads["connections_statechange"] == newer.chain_seq

    def test_an_unreadable_anchor_is_named_and_left_alone(self, history, tmp_path):
        anchor = tmp_path / "anchor.json"
        anchor.write_text("not json")
        assert f"The anchor {anchor} cannot be read" in verify("--anchor", str(anchor))
        assert anchor.read_text() == "not json"


@pytest.mark.django_db
class TestTheKeys:
    def test_rows_are_signed_with_the_first_key_and_a_new_key_first_signs_the_next(self, history, settings):
        first = key_id(settings.HISTORY_HMAC_KEYS[0])
        assert {row.hash_key for row in history} == {first}
        new_key = generate_history_key()
        settings.HISTORY_HMAC_KEYS = [new_key, *settings.HISTORY_HMAC_KEYS]
        onboarding = history[0].onboarding
        row = StateChange.objects.record(
            onboarding=onboarding, actor=None, from_status="", to_status="draft", reason=""
        )
        assert row.hash_key == key_id(new_key) and row.prev_hash == history[-1].row_hash
        call_command("verify_history")  # the old key still verifies the rows it signed
        settings.HISTORY_HMAC_KEYS = [new_key]
        assert f"signed with key {first}, which is not in HISTORY_HMAC_KEYS: put that key back" in verify()

    def test_rows_written_before_keys_still_verify_and_are_sealed(self, make_onboarding, capsys):
        """Migration 0010 seals the plain SHA-256 rows written before it; keyed rows follow them."""
        onboarding = make_onboarding("draft")
        history_chain.drop_triggers()
        raw("DELETE FROM connections_statechange")
        head = HistoryChainHead.objects.get(table="connections_statechange")
        head.seq, head.last_hash = 0, history_chain.GENESIS
        old = [StateChange(onboarding=onboarding, to_status="draft", reason=f"old {n}") for n in range(3)]
        history_chain.link(old, head, None)
        StateChange.objects.bulk_create(old)
        head.save()
        history_chain.create_triggers()
        migration = importlib.import_module("connections.migrations.0010_history_hardening")
        migration.seal_rows_written_before_keys(apps, None)
        StateChange.objects.record(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="new")
        assert list(StateChange.objects.order_by("chain_seq").values_list("hash_key", flat=True))[:3] == [""] * 3
        call_command("verify_history")
        signers = f"signed by key {history_chain.signing_key()[0]}: 1 rows; plain SHA-256 (written before keys): 3 rows"
        assert signers in capsys.readouterr().out
        HistoryChainHead.objects.filter(table="connections_statechange").update(legacy_rows=4)
        assert "the count of rows written before keys was changed" in verify()

    def test_start_up_refuses_without_a_key(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings", "READ_DOT_ENV": "false"}
        env.update(SECRET_KEY="x" * 50, DEBUG="true", HISTORY_HMAC_KEYS="")
        result = subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode != 0
        assert "HISTORY_HMAC_KEYS is not set" in result.stderr and "generate_history_key" in result.stderr

    def test_a_short_or_repeated_key_is_refused(self):
        with pytest.raises(KeyConfigurationError, match="key number 2 is shorter than 32 characters"):
            parse_history_keys(f"{generate_history_key()},short")
        key = generate_history_key()
        with pytest.raises(KeyConfigurationError, match="the same key twice"):
            parse_history_keys(f"{key}, {key}")


@pytest.mark.django_db
class TestAppending:
    def test_a_row_reads_back_as_it_was_appended_and_hashes_the_same(self, make_onboarding, user):
        onboarding = make_onboarding("draft")
        call = CallRecord(
            operation=Operation.EXPLORE,
            method="GET",
            path="/connections/x/explore?objectType=root",
            status=None,
            duration_ms=7,
            outcome=Outcome.TIMEOUT,
            request_body={"params": {"namespace": "ünïcode", "n": [1, 2.5, None, True]}},
            response_body=None,
            error_message="no answer\n",
        )
        appended = [
            FlowServiceCall.objects.record(onboarding=onboarding, actor=user, call=call, sandbox_name="prod"),
            StateChange.objects.record(
                onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="é"
            ),
        ]
        for row in appended:
            assert row.pk and not row._state.adding
            stored = type(row).objects.get(pk=row.pk)
            for field in type(row)._meta.concrete_fields:
                assert getattr(stored, field.attname) == getattr(row, field.attname), field.name
            assert keyed_hash(stored) == stored.row_hash
        with pytest.raises(AppendOnlyError):
            appended[1].save()
        call_command("verify_history")

    def test_an_append_rolled_back_with_its_transaction_leaves_the_chain_whole(self, make_onboarding):
        onboarding = make_onboarding("draft")
        head = HistoryChainHead.objects.get(table=StateChange._meta.db_table)
        with pytest.raises(RuntimeError), transaction.atomic():
            StateChange.objects.record(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="x")
            raise RuntimeError("the step failed after recording")
        after = HistoryChainHead.objects.get(table=StateChange._meta.db_table)
        assert (after.seq, after.last_hash) == (head.seq, head.last_hash)
        StateChange.objects.record(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="y")
        call_command("verify_history")

    def test_a_missing_head_is_made_again_and_the_first_row_links_to_genesis(self, make_onboarding):
        """A database built another way than by the migrations may lack a table's head: the append makes it."""
        dataflow = dataflow_start(onboarding=make_onboarding("source"), actor=None)
        assert not DataflowChange.objects.exists()
        HistoryChainHead.objects.filter(table=DataflowChange._meta.db_table).delete()
        row = DataflowChange.objects.record(dataflow=dataflow, actor=None, from_status="", to_status="ready", reason="")
        assert (row.chain_seq, row.prev_hash) == (1, history_chain.GENESIS)
        assert keyed_hash(row) == row.row_hash
        call_command("verify_history")


@pytest.mark.django_db
class TestKeyRotationAndHistory:
    def test_history_holds_no_encrypted_column_so_rotation_never_rewrites_it(self):
        for model in HISTORY_MODELS:
            assert not [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]

    def test_rotation_works_with_the_triggers_on_and_the_chain_still_verifies(self, history, settings, capsys):
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
        call_command("rotate_encryption_keys")
        assert "1 rows checked, 3 values re-encrypted" in capsys.readouterr().out
        call_command("verify_history")
        assert Onboarding.objects.get().sas_key


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_rows_written_before_it_verifiable_and_guarded(make_onboarding):
    """Migration 0010 on a database whose history was written by the code before it (plain SHA-256)."""
    onboarding = make_onboarding("source")
    executor = MigrationExecutor(connection)
    before = [("connections", "0009_remote_actions")]
    executor.migrate(before)
    try:
        history_chain.drop_triggers()
        # What the code before wrote: every row chained with plain SHA-256, as migration 0004 chains them.
        importlib.import_module("connections.migrations.0004_history_chain").chain_existing_rows(
            executor.loader.project_state(before).apps, None
        )
        history_chain.create_triggers()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert set(StateChange.objects.values_list("hash_key", flat=True)) == {""}
    call_command("verify_history")
    StateChange.objects.record(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="after")
    call_command("verify_history")
    forged = forge_after_the_last(StateChange, "")
    assert f"row {forged.chain_seq} (id {forged.pk}) has a plain SHA-256 hash, but was written after" in verify()
    with pytest.raises(DatabaseError, match="append-only"):
        raw("DELETE FROM connections_statechange")


@pytest.mark.django_db(transaction=True)
def test_appends_from_many_connections_at_once_build_one_unbroken_chain(make_onboarding, user):
    """Each thread has its own database connection, as two app processes would."""
    onboarding = make_onboarding("draft")
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def append(worker: int) -> None:
        try:
            start.wait()
            for number in range(15):
                StateChange.objects.record(
                    onboarding=onboarding,
                    actor=user,
                    from_status="draft",
                    to_status="draft",
                    reason=f"{worker}/{number}",
                )
        except BaseException as error:  # noqa: BLE001 - reported by the test thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = list(StateChange.objects.order_by("chain_seq").values_list("chain_seq", flat=True))
    assert seqs == list(range(1, 62))  # the draft's own change, then 4 x 15
    call_command("verify_history")
