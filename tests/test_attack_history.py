"""History no one can rewrite: the database refuses changes, and the hash chain names any it missed (issue 13)."""

from __future__ import annotations

import hashlib
import threading

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from connections import history_chain
from connections.encryption import EncryptedTextField
from connections.flowservice import CallRecord, Operation, Outcome
from connections.models import (
    AppendOnlyError,
    DataflowChange,
    FlowServiceCall,
    HistoryChainHead,
    Onboarding,
    StateChange,
)
from connections.services.dataflow_choices import dataflow_start


def raw(sql: str, params: list[object] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:  # a savepoint: PostgreSQL's error stays inside
        cursor.execute(sql, params or [])


def verify() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("verify_history")
    return str(caught.value)


@pytest.fixture
def history(make_onboarding) -> list[StateChange]:
    onboarding = make_onboarding("source")
    dataflow = dataflow_start(onboarding=onboarding, actor=onboarding.owner)  # a row in each history table
    DataflowChange.objects.record(dataflow=dataflow, actor=None, from_status="draft", to_status="ready", reason="x")
    return list(StateChange.objects.order_by("chain_seq"))


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

    def test_raw_delete_of_the_orm_is_refused(self, history):
        for model in (StateChange, FlowServiceCall):
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
        assert f"state changes: {len(history)} rows intact and in order" in capsys.readouterr().out
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
            "chain_seq, prev_hash, row_hash) VALUES (%s, %s, '', 'draft', 'forged', %s, %s, %s)",
            [last.onboarding_id, last.created_at, last.chain_seq + 1, "f" * 64, "e" * 64],
        )
        assert f"row {last.chain_seq + 1}" in verify() and "out of order" in verify()

    def test_a_row_inserted_without_a_chain_position_is_caught(self, history):
        last = history[-1]
        raw(
            "INSERT INTO connections_statechange (onboarding_id, created_at, from_status, to_status, reason, "
            "prev_hash, row_hash) VALUES (%s, %s, '', 'draft', 'forged', '', '')",
            [last.onboarding_id, last.created_at],
        )
        assert "was inserted outside the chain" in verify()


@pytest.mark.django_db
class TestTheChainsOwnInsert:
    """History rows are written by the chain's own INSERT: each column as Model.save would write it."""

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
            error_message="no answer",
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
            assert history_chain.content_hash(stored) == stored.row_hash
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

    def test_the_text_around_the_link_is_the_text_the_row_hashes(self, make_onboarding, user):
        """PostgreSQL hashes a row from these pieces; `verify_history` hashes it in Python: the two must agree."""
        onboarding = make_onboarding("draft")
        tricky = {"z": 'a "quoted", comma: ü', "a": [None, True, 2.5, {"chain_seq": 1, "prev_hash": "x"}]}
        call = CallRecord(
            operation=Operation.EXPLORE, method="GET", path='/p?q="chain_seq":1', status=200, duration_ms=3,
            outcome=Outcome.OK, request_body=tricky, response_body={"prev_hash": '","'}, error_message="\n\u0000",
        )  # fmt: skip
        rows = [
            FlowServiceCall(onboarding=onboarding, actor=user, operation=call.operation, method=call.method,
                            path=call.path, status_code=200, outcome=call.outcome, duration_ms=3, attempt=1,
                            request_body=tricky, response_body=call.response_body, error_message="\n\u0000"),
            StateChange(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="é"),
            DataflowChange(actor=user, from_status="draft", to_status="ready", step="dataset", reason='"'),
        ]  # fmt: skip
        for row in rows:
            row.chain_seq, row.prev_hash = 4021, "f0" * 32
            first, middle, last = history_chain.text_around_link(row)
            text = f"{first}4021{middle}{row.prev_hash}{last}"
            assert hashlib.sha256(f"{row.prev_hash}\n{text}".encode()).hexdigest() == history_chain.content_hash(row)

    def test_each_append_is_one_statement_on_postgresql_three_elsewhere(self, make_onboarding):
        """An audited call is appended alone: on PostgreSQL the database locks, links and writes it in one
        round trip; SQLite (in the process, no round trip) reads the head, inserts and moves the head."""
        onboarding = make_onboarding("draft")
        with CaptureQueriesContext(connection) as queries:
            StateChange.objects.record(onboarding=onboarding, actor=None, from_status="", to_status="draft", reason="a")
        statements = [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
        assert len(statements) == (1 if connection.vendor == "postgresql" else 3), statements
        call_command("verify_history")

    def test_a_missing_head_is_made_again_and_the_first_row_links_to_genesis(self, make_onboarding):
        """A database built another way than by the migrations may lack a table's head: the append makes it
        (PostgreSQL's one statement writes nothing without it, and the append goes the longer way)."""
        dataflow = dataflow_start(onboarding=make_onboarding("source"), actor=None)
        assert not DataflowChange.objects.exists()
        HistoryChainHead.objects.filter(table=DataflowChange._meta.db_table).delete()
        row = DataflowChange.objects.record(dataflow=dataflow, actor=None, from_status="", to_status="ready", reason="")
        assert (row.chain_seq, row.prev_hash) == (1, history_chain.GENESIS)
        assert list(DataflowChange.objects.values_list("pk", flat=True)) == [row.pk]
        assert history_chain.content_hash(row) == row.row_hash
        call_command("verify_history")


@pytest.mark.django_db
class TestKeyRotationAndHistory:
    def test_history_holds_no_encrypted_column_so_rotation_never_rewrites_it(self):
        for model in (FlowServiceCall, StateChange):
            assert not [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]

    def test_rotation_works_with_the_triggers_on_and_the_chain_still_verifies(self, history, settings, capsys):
        settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]
        call_command("rotate_encryption_keys")
        assert "1 rows checked, 3 values re-encrypted" in capsys.readouterr().out
        call_command("verify_history")
        assert Onboarding.objects.get().sas_key


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
