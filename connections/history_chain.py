"""History no one can rewrite: database triggers refuse UPDATE/DELETE, and every row is hash-chained.

As CloudTrail's log-file integrity validation does, each history row carries the hash of the row
before it (`prev_hash`) and a hash of its own content and that link (`row_hash`), in the order of
a per-table position (`chain_seq`). Changing, removing or slipping in a row breaks the chain at
that row; `manage.py verify_history` walks it and names the first break. The newest position and
hash are also kept in a head row per table (HistoryChainHead), so removing the *last* rows shows too.

Appends are serialised per table by locking that head row: `SELECT ... FOR UPDATE` on PostgreSQL;
on SQLite the write lock every IMMEDIATE transaction takes (settings) does the same. So two app
processes, or a background worker, appending at once still build one unbroken chain. On PostgreSQL
one row is appended in one statement (lock, link, hash, write, move the head): the row's hash is
computed there from the same text Python hashes, and `verify_history` recomputes it in Python.

History rows hold no encrypted column (bodies are redacted, never encrypted), so key rotation
never rewrites them and the hash covers every stored column as written; a test keeps it so.

What this does not stop: someone who owns the database can drop the triggers and recompute every
hash after the row they changed, head included. `verify_history` prints the newest hash; keeping
it somewhere else (a ticket, a log shipped off the machine) is what detects even that.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import connection, models, transaction

if TYPE_CHECKING:
    from .models import HistoryChainHead

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


def _plain(value: Any) -> Any:
    """A column's value as JSON, the same before the row is written and after it is read back."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def content_hash(row: Any) -> str:
    """SHA-256 of the previous row's hash and this row's columns (all but its id and its own hash)."""
    values = {column: _plain(getattr(row, column)) for column in HASHED_COLUMNS[row._meta.db_table]}
    return hashlib.sha256(f"{row.prev_hash}\n{_json(values)}".encode()).hexdigest()


def text_around_link(row: Any) -> tuple[str, str, str]:
    """The text `content_hash` hashes, cut around the two values only the chain's head knows: it is
    `first + str(chain_seq) + middle + prev_hash + last`. Written item by item as `json.dumps(sort_keys=True)`
    writes a dict (a test holds the two equal); "chain_seq" sorts before "prev_hash" in every table."""
    columns = HASHED_COLUMNS[row._meta.db_table]
    items = {column: f"{_json(column)}:{_json(_plain(getattr(row, column)))}" for column in columns}
    ordered = sorted(items)
    seq_at, prev_at = ordered.index("chain_seq"), ordered.index("prev_hash")

    def joined(columns: list[str]) -> str:
        return "".join(f"{items[column]}," for column in columns)

    first = "{" + joined(ordered[:seq_at]) + '"chain_seq":'
    middle = "," + joined(ordered[seq_at + 1 : prev_at]) + '"prev_hash":"'
    after = ordered[prev_at + 1 :]
    last = '"' + "".join(f",{items[column]}" for column in after) + "}"
    return first, middle, last


@dataclass
class _Head:
    """The head row's chain fields, as read under its lock (the migration links with a model instance)."""

    table: str
    seq: int
    last_hash: str


def _head_sql(conn: Any) -> tuple[str, str]:
    """The head's read (locking it where the database can lock a row) and its write, in plain SQL: an append
    runs on every state change and every call, and these two never change."""
    q = conn.ops.quote_name
    lock = " FOR UPDATE" if conn.features.has_select_for_update else ""  # SQLite: the IMMEDIATE write lock
    where = f"WHERE {q('table')} = %s"
    return (
        f"SELECT {q('seq')}, {q('last_hash')} FROM {q(HEAD_TABLE)} {where}{lock}",
        f"UPDATE {q(HEAD_TABLE)} SET {q('seq')} = %s, {q('last_hash')} = %s {where}",
    )


def _head_model() -> type[HistoryChainHead]:
    """HistoryChainHead, through the app registry: the models import this module, so it cannot import them."""
    return apps.get_model("connections", "HistoryChainHead")


def _locked_head(conn: Any, table: str) -> _Head:
    heads = _head_model()

    read, _ = _head_sql(conn)
    with conn.cursor() as cursor:
        cursor.execute(read, [table])
        found = cursor.fetchone()
        if found is None:  # created by the migration; only a database built another way lacks it
            heads.objects.get_or_create(table=table)
            cursor.execute(read, [table])
            found = cursor.fetchone()
    return _Head(table, int(found[0]), str(found[1]))


def _link(rows: Iterable[Any], head: Any) -> None:
    for row in rows:
        head.seq += 1
        row.chain_seq, row.prev_hash = head.seq, head.last_hash
        row.row_hash = content_hash(row)
        head.last_hash = row.row_hash


_INSERTS: dict[tuple[type[models.Model], str], tuple[str, list[Any]]] = {}  # by (model, database vendor)


def _insert_sql(model: type[models.Model], conn: Any) -> tuple[str, list[Any]]:
    """A history table's INSERT of every column but the id (returned by it, where the database can), and the
    fields whose values it takes, in order; built once per table."""
    key = (model, conn.vendor)
    if key not in _INSERTS:
        meta, q = model._meta, conn.ops.quote_name
        fields = [f for f in meta.concrete_fields if not f.primary_key]
        columns, values = ", ".join(q(f.column) for f in fields), ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {q(meta.db_table)} ({columns}) VALUES ({values})"
        if conn.features.can_return_columns_from_insert:
            sql += f" RETURNING {q(meta.pk.column)}"
        _INSERTS[key] = sql, fields
    return _INSERTS[key]


def _as_saved(row: Any, fields: list[Any], conn: Any) -> list[Any]:
    """`fields`' values as `Model.save` would write them (each prepared by its field), the row's foreign keys
    first taken from their objects as save() takes them (and refuses an unsaved onboarding)."""
    row._prepare_related_fields_for_save(operation_name="save")
    return [f.get_db_prep_save(f.pre_save(row, True), conn) for f in fields]


def _written(row: Any, pk: Any, conn: Any) -> None:
    row.pk = pk
    row._state.adding, row._state.db = False, conn.alias


def insert(rows: list[Any]) -> None:
    """Write linked rows of one table, one INSERT each, as `Model.save` would write them (the same columns,
    each value prepared by its field) without the ORM building the statement again for every row: each
    state change and each call to Adobe is appended here, and building the INSERT was most of an append."""
    conn = transaction.get_connection()
    meta, returning = rows[0]._meta, conn.features.can_return_columns_from_insert
    sql, fields = _insert_sql(type(rows[0]), conn)
    with conn.cursor() as cursor:
        for row in rows:
            cursor.execute(sql, _as_saved(row, fields, conn))
            pk = cursor.fetchone()[0] if returning else conn.ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
            _written(row, pk, conn)


_LINKED_INSERTS: dict[type[models.Model], tuple[str, list[Any]]] = {}  # by model (PostgreSQL only)


def _linked_insert_sql(model: type[models.Model], conn: Any) -> tuple[str, list[Any]]:
    """One PostgreSQL statement that locks the head, links the row (its hash computed by the database from
    the text around the link, see `text_around_link`), moves the head and inserts the row. Each value is
    cast to its column's type (an INSERT ... SELECT does not infer them); text stays text, so a value too
    long for its column is refused, never cut. No row is inserted when the head is missing."""
    if model not in _LINKED_INSERTS:
        meta, q = model._meta, conn.ops.quote_name
        linked = ("chain_seq", "prev_hash", "row_hash")  # the statement's own
        fields = [f for f in meta.concrete_fields if not f.primary_key and f.column not in linked]
        head, seq, last = q(HEAD_TABLE), q("seq"), q("last_hash")
        texty = ("CharField", "TextField")
        values = ", ".join(
            f"CAST(%s AS {'text' if f.get_internal_type() in texty else f.cast_db_type(conn)})" for f in fields
        )
        hashed = (
            f"encode(sha256(convert_to(old.{last} || E'\\n' || %s || (old.{seq} + 1)::text || %s || old.{last} || %s, "
            "'UTF8')), 'hex')"
        )
        sql = (
            f"WITH old AS (SELECT {seq}, {last} FROM {head} WHERE {q('table')} = %s FOR UPDATE), "
            f"new AS (UPDATE {head} SET {seq} = old.{seq} + 1, {last} = {hashed} FROM old "
            f"WHERE {head}.{q('table')} = %s RETURNING {head}.{seq}, {head}.{last}, old.{last} AS prev) "
            f"INSERT INTO {q(meta.db_table)} ({q('chain_seq')}, {q('prev_hash')}, {q('row_hash')}, "
            f"{', '.join(q(f.column) for f in fields)}) SELECT new.{seq}, new.prev, new.{last}, {values} FROM new "
            f"RETURNING {q(meta.pk.column)}, {q('chain_seq')}, {q('prev_hash')}, {q('row_hash')}"
        )
        _LINKED_INSERTS[model] = sql, fields
    return _LINKED_INSERTS[model]


def _append_linked_by_database(row: Any, conn: Any) -> bool:
    """Append one row in one round trip (PostgreSQL): locking, linking and writing it as `append` does in
    three statements and, alone, a transaction of its own (five round trips). An audited call is appended on
    its own; each round trip to PostgreSQL costs more than the Python around it. False: the head is missing."""
    sql, fields = _linked_insert_sql(type(row), conn)
    values = _as_saved(row, fields, conn)  # first: it may set a foreign key the hash covers
    first, middle, last = text_around_link(row)
    table = row._meta.db_table
    with conn.cursor() as cursor:
        cursor.execute(sql, [table, first, middle, last, table, *values])
        linked = cursor.fetchone()
    if linked is None:
        return False
    pk, row.chain_seq, row.prev_hash, row.row_hash = linked
    _written(row, pk, conn)
    return True


def append(rows: list[Any], write: Callable[[], Any] | None = None) -> None:
    """Link `rows` after the table's newest row and write them (`write`, else `insert`), all under the head's lock.

    Inside a caller's transaction this joins it (no savepoint of its own): a failed append fails that
    transaction, which rolls back with whatever it was recording. Alone, it is its own transaction."""
    if not rows:
        return
    conn = transaction.get_connection()
    if write is None and len(rows) == 1 and conn.vendor == "postgresql" and _append_linked_by_database(rows[0], conn):
        return
    with transaction.atomic(savepoint=False):
        head = _locked_head(conn, type(rows[0])._meta.db_table)
        _link(rows, head)
        insert(rows) if write is None else write()
        with conn.cursor() as cursor:
            cursor.execute(_head_sql(conn)[1], [head.seq, head.last_hash, head.table])


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


def _first_break(model: type[models.Model]) -> tuple[int, str, str]:
    """Rows checked, the newest hash, and the first problem found ("" when none)."""
    outside = model._default_manager.filter(chain_seq__isnull=True).order_by("pk").first()
    if outside is not None:
        return 0, GENESIS, f"row id {outside.pk} was inserted outside the chain (it has no chain position)"
    expected, previous = 1, GENESIS
    row: Any  # a FlowServiceCall or a StateChange: both carry the chain's three fields
    for row in model._default_manager.order_by("chain_seq").iterator(chunk_size=2000):
        where = f"row {row.chain_seq} (id {row.pk})"
        if row.chain_seq != expected:
            return expected - 1, previous, f"row {expected} is missing: removed (the chain jumps to {where})"
        if row.prev_hash != previous:
            return expected - 1, previous, f"{where} was inserted out of order: it does not link to row {expected - 1}"
        if content_hash(row) != row.row_hash:
            return expected - 1, previous, f"{where} was changed after it was written (its content no longer hashes)"
        expected, previous = expected + 1, row.row_hash
    return expected - 1, previous, ""


def verify(model: type[models.Model]) -> Verdict:
    """Walk one table's chain, then compare its end with the head; record the outcome on the head."""
    from django.utils import timezone

    heads = _head_model()
    table = model._meta.db_table
    rows, last_hash, problem = _first_break(model)
    head = heads.objects.filter(table=table).first()
    if not problem and head is not None and (head.seq, head.last_hash) != (rows, last_hash):
        if head.seq > rows:
            problem = f"the newest {head.seq - rows} row(s) after row {rows} were removed"
        else:
            problem = f"rows after row {head.seq} were added outside the app (the head ends at {head.seq})"
    heads.objects.update_or_create(
        table=table, defaults={"verified_at": timezone.now(), "verified_ok": not problem, "problem": problem}
    )
    return Verdict(table=table, rows=rows, last_hash=last_hash, problem=problem)


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


# Database triggers: the database itself refuses UPDATE and DELETE on history rows.

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION connections_history_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'history rows are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql
"""


def _trigger_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION connections_history_append_only()"
        ]
    return [
        f"CREATE TRIGGER {table}_no_{op.lower()} BEFORE {op} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'history rows are append-only: {op} on {table} refused'); END"
        for op in ("UPDATE", "DELETE")
    ]


def _drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{op} " for op in ("update", "delete")]


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


def drop_triggers(schema_connection: Any = None) -> None:
    conn = schema_connection or connection
    with conn.cursor() as cursor:
        existing = set(conn.introspection.table_names(cursor))
        for table in (t for t in HISTORY_TABLES if t in existing):
            for statement in _drop_sql(conn.vendor, table):
                cursor.execute(statement)


class HistoryStatusMixin:
    """For a history ModelAdmin: the changelist's subtitle says when the chain was last verified."""

    model: type[models.Model]

    def changelist_view(self, request: Any, extra_context: dict[str, Any] | None = None) -> Any:
        context = {"subtitle": status_line(self.model), **(extra_context or {})}
        return super().changelist_view(request, extra_context=context)  # type: ignore[misc]
