"""The project's `flush` (what empties the database between transactional tests) survives a deadlock with a
request still finishing: PostgreSQL aborts one of the two, and the flush tries again."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from connections import history_chain

on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="deadlocks are PostgreSQL's")


def _flush_waits_for(cursor: Any, table: str) -> bool:
    cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted AND relation = %s::regclass)", [table])
    return bool(cursor.fetchone()[0])


def _late_request(ready: threading.Event, outcome: list[str]) -> None:
    """Another connection writes the chain head, then a history table: the order opposite to the flush's."""
    with psycopg.connect(**connection.get_connection_params()) as other, other.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {history_chain.HEAD_TABLE} IN ROW EXCLUSIVE MODE")
        ready.set()
        deadline = time.monotonic() + 30
        while not _flush_waits_for(cursor, history_chain.HEAD_TABLE) and time.monotonic() < deadline:
            time.sleep(0.02)
        try:
            cursor.execute(f"LOCK TABLE {history_chain.HISTORY_TABLES[0]} IN ROW EXCLUSIVE MODE")
            outcome.append("committed")
        except psycopg.errors.DeadlockDetected:
            outcome.append("aborted")


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_flush_that_loses_a_deadlock_tries_again_and_empties_the_database():
    get_user_model().objects.create_user("left-behind")
    ready, outcome = threading.Event(), []
    late = threading.Thread(target=_late_request, args=(ready, outcome))
    late.start()
    assert ready.wait(timeout=30)
    call_command("flush", interactive=False, verbosity=0)
    late.join(timeout=60)
    assert outcome in (["committed"], ["aborted"])  # PostgreSQL chose one of the two; the flush finished either way
    assert not get_user_model().objects.exists()
