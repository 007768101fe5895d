"""History no one can rewrite: database triggers refuse changes, and every row is chained by a keyed hash.

As CloudTrail's log-file integrity validation does, each history row carries the hash of the row
before it (`prev_hash`) and a hash of its own content and that link (`row_hash`), in the order of
a per-table position (`chain_seq`). The hash is an HMAC-SHA256 under a key from the environment
(HISTORY_HMAC_KEYS, never in the database), named by `hash_key`: whoever can write SQL but does not
hold the key cannot write a row that verifies. Changing, removing or slipping in a row breaks the
chain at that row; `manage.py verify_history` walks it and names the first break. The newest position
and hash are also kept in a head row per table (HistoryChainHead), so removing the *last* rows shows
too, and `verify_history --anchor FILE` keeps them outside the database, so even a truncation of a
whole table with its head reset shows.

Rows written before the chain was keyed carry a plain SHA-256 hash (`hash_key` empty). Migration 0010
counted them in each head and sealed that count with the key (`legacy_rows`, `legacy_seal`), so a
plain-hash row is accepted only at a position sealed then; a plain-hash row after it is a forgery.

Appends are serialised per table by locking that head row (`select_for_update` on PostgreSQL; on
SQLite the write lock every IMMEDIATE transaction takes, see settings), then linking, hashing and
inserting the rows and moving the head, in one transaction. So two app processes, or a background
worker, appending at once still build one unbroken chain. The hash is computed here, in Python, only.

History rows hold no encrypted column (bodies are redacted, never encrypted), so key rotation
never rewrites them and the hash covers every stored column as written; a test keeps it so.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction

from .keys import key_id

GENESIS = "0" * 64
HEAD_TABLE = "connections_historychainhead"  # HistoryChainHead's table
HISTORY_TABLES = ("connections_flowservicecall", "connections_statechange", "connections_dataflowchange")
# The columns each row's hash covers, fixed: a column added to a history table later must not change
# the hash of rows written before it (they cannot be rewritten). Add it here only with a new chain.
HASHED_COLUMNS = {
    "connections_flowservicecall": (
        "chain_seq", "prev_hash", "onboarding_id", "actor_id", "created_at", "sandbox_name", "operation", "method",
        "path", "status_code", "outcome", "error_code", "request_id", "connection_id", "duration_ms", "attempt",
        "request_body", "response_body", "error_message",
    ),
    "connections_statechange": (
        "chain_seq", "prev_hash", "onboarding_id", "actor_id", "created_at", "from_status", "to_status", "reason",
    ),
    "connections_dataflowchange": (
        "chain_seq", "prev_hash", "dataflow_id", "actor_id", "created_at", "from_status", "to_status", "step", "reason",
    ),
}  # fmt: skip


def history_models() -> list[type[models.Model]]:
    """Every history table's model: each concrete AppendOnlyModel (they say so with `chained_history`)."""
    return [model for model in apps.get_models() if getattr(model, "chained_history", False)]


def _head_model() -> Any:
    """HistoryChainHead, through the app registry: the models import this module, so it cannot import them."""
    return apps.get_model("connections", "HistoryChainHead")


# Keys


def signing_key() -> tuple[str, bytes]:
    """The key new rows are signed with (the first of HISTORY_HMAC_KEYS), and its id."""
    key = settings.HISTORY_HMAC_KEYS[0]
    return key_id(key), key.encode()


def verifying_keys() -> dict[str, bytes]:
    """Every configured key by its id: a row names the key that signed it."""
    return {key_id(key): key.encode() for key in settings.HISTORY_HMAC_KEYS}


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


# Hashing


def _plain(value: Any) -> Any:
    """A column's value as JSON, the same before the row is written and after it is read back."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _hashed_text(row: Any) -> str:
    """The previous row's hash and this row's columns (all but its id, its key's id and its own hash)."""
    values = {column: _plain(getattr(row, column)) for column in HASHED_COLUMNS[row._meta.db_table]}
    return f"{row.prev_hash}\n" + json.dumps(
        values, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def content_hash(row: Any, key: bytes | None) -> str:
    """The row's HMAC-SHA256 under `key`; with no key, the plain SHA-256 of rows written before keys."""
    if key is None:
        return hashlib.sha256(_hashed_text(row).encode()).hexdigest()
    return _mac(key, _hashed_text(row))


def link(rows: list[Any], head: Any, key: tuple[str, bytes] | None) -> None:
    """Give `rows` the positions after `head`, link each to the one before, hash them; move `head` to the last.
    `key`: (id, key) to sign with; None only for migration 0004, which chained rows before there were keys."""
    for row in rows:
        head.seq += 1
        row.chain_seq, row.prev_hash = head.seq, head.last_hash
        if key is not None:
            row.hash_key = key[0]
        row.row_hash = content_hash(row, key[1] if key else None)
        head.last_hash = row.row_hash


def _legacy_text(table: str, rows: int, last_hash: str) -> str:
    return f"legacy\n{table}\n{rows}\n{last_hash}"


def legacy_seal(table: str, rows: int, last_hash: str) -> str:
    """The key's word that `table`'s first `rows` rows were written before keys (`<key id>:<hmac>`)."""
    kid, key = signing_key()
    return f"{kid}:{_mac(key, _legacy_text(table, rows, last_hash))}"


# Appending


def append(rows: list[Any], write: Callable[[], Any]) -> None:
    """Link `rows` after the table's newest row and `write` them, all under the head's lock.

    Inside a caller's transaction this joins it (no savepoint of its own): a failed append fails that
    transaction, which rolls back with whatever it was recording. Alone, it is its own transaction."""
    heads = _head_model()

    if not rows:
        return
    with transaction.atomic(savepoint=False):
        locked = heads.objects.select_for_update()
        # Created by the migrations; only a database built another way lacks it.
        head, _ = locked.get_or_create(table=rows[0]._meta.db_table)
        link(rows, head, signing_key())
        write()
        head.save(update_fields=["seq", "last_hash"])


# Verification


@dataclass(frozen=True)
class Verdict:
    table: str
    rows: int
    last_hash: str
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem


def _hash_problem(row: Any, keys: dict[str, bytes], legacy_rows: int) -> str:
    """Why `row`'s own hash does not hold ("" when it does)."""
    if not row.hash_key:
        if row.chain_seq > legacy_rows:
            return "has a plain SHA-256 hash, but was written after history was keyed: it was forged"
        key = None
    elif row.hash_key not in keys:
        return (
            f"was signed with key {row.hash_key}, which is not in HISTORY_HMAC_KEYS: put that key back "
            "(after the first) to verify it"
        )
    else:
        key = keys[row.hash_key]
    if not hmac.compare_digest(content_hash(row, key), row.row_hash):
        return "was changed after it was written, or forged without the key (its hash does not match its content)"
    return ""


def _first_break(model: type[models.Model], legacy_rows: int) -> tuple[int, str, str]:
    """Rows checked, the newest hash, and the first problem found ("" when none)."""
    outside = model._default_manager.filter(chain_seq__isnull=True).order_by("pk").first()
    if outside is not None:
        return 0, GENESIS, f"row id {outside.pk} was inserted outside the chain (it has no chain position)"
    keys, expected, previous = verifying_keys(), 1, GENESIS
    row: Any  # every history model carries the chain's fields
    for row in model._default_manager.order_by("chain_seq").iterator(chunk_size=2000):
        where = f"row {row.chain_seq} (id {row.pk})"
        if row.chain_seq != expected:
            return expected - 1, previous, f"row {expected} is missing: removed (the chain jumps to {where})"
        if row.prev_hash != previous:
            return expected - 1, previous, f"{where} was inserted out of order: it does not link to row {expected - 1}"
        problem = _hash_problem(row, keys, legacy_rows)
        if problem:
            return expected - 1, previous, f"{where} {problem}"
        expected, previous = expected + 1, row.row_hash
    return expected - 1, previous, ""


def _sealed_legacy_rows(model: type[models.Model], head: Any) -> tuple[int, str]:
    """How many rows of the table may carry a plain SHA-256 hash, and a problem with the head's seal."""
    if head is None or not head.legacy_rows:
        return 0, ""
    table = model._meta.db_table
    kid, _, mac = head.legacy_seal.partition(":")
    key = verifying_keys().get(kid)
    last = model._default_manager.filter(chain_seq=head.legacy_rows).values_list("row_hash", flat=True).first()
    if key is None:
        return 0, f"the seal on the rows written before keys names key {kid or '(none)'}, not in HISTORY_HMAC_KEYS"
    if last is None or not hmac.compare_digest(_mac(key, _legacy_text(table, head.legacy_rows, last)), mac):
        return 0, "the count of rows written before keys was changed, or those rows were (its seal does not match)"
    return int(head.legacy_rows), ""


def _head_problem(head: Any, rows: int, last_hash: str) -> str:
    if head is None:
        return "the chain's head row is missing (it was removed outside the app)" if rows else ""
    if (head.seq, head.last_hash) == (rows, last_hash):
        return ""
    if head.seq > rows:
        return f"the newest {head.seq - rows} row(s) after row {rows} were removed"
    return f"rows after row {head.seq} were added outside the app (the head ends at {head.seq})"


def verify(model: type[models.Model]) -> Verdict:
    """Walk one table's chain, then compare its end with the head; record the outcome on the head."""
    from django.utils import timezone

    heads = _head_model()

    table = model._meta.db_table
    head = heads.objects.filter(table=table).first()
    legacy_rows, problem = _sealed_legacy_rows(model, head)
    rows, last_hash, broken = _first_break(model, legacy_rows)
    problem = problem or broken or _head_problem(head, rows, last_hash)
    heads.objects.update_or_create(
        table=table, defaults={"verified_at": timezone.now(), "verified_ok": not problem, "problem": problem}
    )
    return Verdict(table=table, rows=rows, last_hash=last_hash, problem=problem)


def rows_by_key(model: type[models.Model]) -> dict[str, int]:
    """How many rows each key signed ("" for rows written before keys): a key is needed while it signed any."""
    counted = model._default_manager.order_by("hash_key").values_list("hash_key").annotate(rows=models.Count("pk"))
    return dict(counted)


def status_line(model: type[models.Model]) -> str:
    """What the admin says about a history table: when it was last verified, and how that went."""
    from django.utils import timezone

    heads = _head_model()

    head = heads.objects.filter(table=model._meta.db_table).first()
    if head is None or head.verified_at is None:
        return "History not verified yet: run `python manage.py verify_history`."
    when = timezone.localtime(head.verified_at).strftime("%Y-%m-%d %H:%M %Z")
    if head.verified_ok:
        return f"History verified on {when}: every row intact and in order."
    return f"History verification FAILED on {when}: {head.problem}."


# The anchor: each chain's newest position and hash, kept outside the database by the operator.


def read_anchor(path: Path) -> dict[str, tuple[int, str]]:
    heads = json.loads(path.read_text())["heads"]
    return {head["table"]: (int(head["seq"]), str(head["last_hash"])) for head in heads}


def anchor_problems(anchored: dict[str, tuple[int, str]]) -> list[str]:
    """Each anchored row the database no longer holds as it was: a truncation, a removal, a rewrite."""
    problems = []
    for model in history_models():
        table = model._meta.db_table
        seq, last_hash = anchored.get(table, (0, GENESIS))
        if not seq:
            continue
        found = model._default_manager.filter(chain_seq=seq).values_list("row_hash", flat=True).first()
        if found is None:
            problems.append(f"{table}: the anchor holds row {seq}, which is gone (the table was truncated or cut)")
        elif found != last_hash:
            problems.append(f"{table}: row {seq} is not the row anchored (the chain was rewritten up to it)")
    return problems


def write_anchor(path: Path, verdicts: list[Verdict]) -> None:
    """Write the heads to `path` whole or not at all (a new file moved over the old)."""
    from django.utils import timezone

    heads = [{"table": v.table, "seq": v.rows, "last_hash": v.last_hash} for v in verdicts]
    text = json.dumps({"written_at": timezone.now().isoformat(), "heads": heads}, indent=2) + "\n"
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


# Database triggers: the database itself refuses UPDATE, DELETE, TRUNCATE and REPLACE of history rows.

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION connections_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql
"""


def _sqlite_triggers(table: str) -> list[str]:
    refuse = "SELECT RAISE(ABORT, 'history rows are append-only: {op} on " + table + " refused')"
    # REPLACE deletes the row it collides with without firing DELETE triggers (recursive triggers are
    # off): the insert is refused before it gets that far, when its id or chain position is taken.
    taken = (
        f"EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
        f"OR EXISTS (SELECT 1 FROM {table} WHERE chain_seq = NEW.chain_seq)"
    )
    return [
        *(f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} BEGIN {refuse.format(op=op)}; END"
          for op in ("UPDATE", "DELETE")),
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {taken} "
        f"BEGIN {refuse.format(op='REPLACE')}; END",
    ]  # fmt: skip


def _trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor != "postgresql":
        return _sqlite_triggers(table)
    function = "EXECUTE FUNCTION connections_history_append_only()"
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW {function}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT {function}",
    ]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_{name} ON {table}" for name in ("append_only", "no_truncate")]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op}" for op in ("update", "delete", "replace")]


def _head_trigger_sql(vendor: str) -> list[str]:
    """The head is updated by every append, so only emptying it at once is refused (PostgreSQL's TRUNCATE)."""
    if vendor != "postgresql":
        return []
    return [
        f"CREATE TRIGGER {HEAD_TABLE}_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE} "
        "FOR EACH STATEMENT EXECUTE FUNCTION connections_history_append_only()"
    ]


def _head_drop_sql(vendor: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {HEAD_TABLE}_no_truncate ON {HEAD_TABLE}"] if vendor == "postgresql" else []


def create_triggers(schema_connection: Any = None) -> None:
    conn = schema_connection or connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        existing = set(conn.introspection.table_names(cursor))
        # A migration that runs before a later history table exists protects the tables there are.
        for table in (t for t in HISTORY_TABLES if t in existing):
            for statement in _drop_sql(conn.vendor, table) + _trigger_sql(conn.vendor, table):
                cursor.execute(statement)
        if HEAD_TABLE in existing:
            for statement in _head_drop_sql(conn.vendor) + _head_trigger_sql(conn.vendor):
                cursor.execute(statement)


def drop_triggers(schema_connection: Any = None) -> None:
    conn = schema_connection or connection
    with conn.cursor() as cursor:
        existing = set(conn.introspection.table_names(cursor))
        for table in (t for t in HISTORY_TABLES if t in existing):
            for statement in _drop_sql(conn.vendor, table):
                cursor.execute(statement)
        if HEAD_TABLE in existing:
            for statement in _head_drop_sql(conn.vendor):
                cursor.execute(statement)


class HistoryStatusMixin:
    """For a history ModelAdmin: the changelist's subtitle says when the chain was last verified."""

    model: type[models.Model]

    def changelist_view(self, request: Any, extra_context: dict[str, Any] | None = None) -> Any:
        context = {"subtitle": status_line(self.model), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)  # type: ignore[misc]
