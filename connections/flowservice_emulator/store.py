"""The emulator's state: tokens, base and source connections, counters, in one SQLite file.

`:memory:` keeps it in memory (tests); a file path makes it survive a restart.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
import time
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, client_id TEXT NOT NULL, expires_at REAL NOT NULL, org TEXT
);
CREATE TABLE IF NOT EXISTS resources (
    kind TEXT NOT NULL, id TEXT NOT NULL, org TEXT NOT NULL, sandbox TEXT NOT NULL,
    name TEXT NOT NULL, created_at REAL NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS resources_scope ON resources (kind, org, sandbox, created_at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""

CONNECTIONS = "connections"
SOURCE_CONNECTIONS = "sourceConnections"


class Store:
    """Thread-safe: one SQLite connection behind one lock (the emulator is small and local)."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.executescript(_SCHEMA)
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(tokens)")}
            if "org" not in columns:  # a state file written before tokens were bound to an org
                self._db.execute("ALTER TABLE tokens ADD COLUMN org TEXT")
        self.epoch_ms()  # the simulated event hubs' backlog ends when this state begins

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Tokens

    def issue_token(self, client_id: str, lifetime: float) -> str:
        token = "emu-" + secrets.token_urlsafe(32)
        with self._lock:
            self._db.execute("INSERT INTO tokens VALUES (?, ?, ?, NULL)", (token, client_id, time.time() + lifetime))
        self.increment("tokens_issued")
        return token

    def token_client(self, token: str) -> str | None:
        """The client id a token was issued to, if it exists and has not expired."""
        with self._lock:
            row = self._db.execute(
                "SELECT client_id FROM tokens WHERE token = ? AND expires_at > ?", (token, time.time())
            ).fetchone()
        return row[0] if row else None

    def token_org(self, token: str, org: str) -> str:
        """The org a token belongs to: the first one it was used with (IMS ties a token to one org)."""
        with self._lock:
            self._db.execute("UPDATE tokens SET org = ? WHERE token = ? AND org IS NULL", (org, token))
            row = self._db.execute("SELECT org FROM tokens WHERE token = ?", (token,)).fetchone()
        return str(row[0]) if row else org

    def expire_tokens(self) -> None:
        with self._lock:
            self._db.execute("UPDATE tokens SET expires_at = 0")

    # Resources

    def insert(self, kind: str, doc: dict[str, Any]) -> dict[str, Any]:
        """Store a new object; it is returned, so a create can answer with what it stored."""
        with self._lock:
            self._db.execute(
                "INSERT INTO resources VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, doc["id"], doc["imsOrgId"], doc["sandboxName"], doc["name"], time.time(), json.dumps(doc)),
            )
        return doc

    def get(self, kind: str, resource_id: str, org: str, sandbox: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc FROM resources WHERE kind = ? AND id = ? AND org = ? AND sandbox = ?",
                (kind, resource_id, org, sandbox),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def replace(self, kind: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE resources SET doc = ?, name = ? WHERE kind = ? AND id = ?",
                (json.dumps(doc), doc["name"], kind, doc["id"]),
            )

    def delete(self, kind: str, resource_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM resources WHERE kind = ? AND id = ?", (kind, resource_id))

    def all(self, kind: str, org: str, sandbox: str) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc FROM resources WHERE kind = ? AND org = ? AND sandbox = ? ORDER BY created_at, id",
                (kind, org, sandbox),
            ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM resources WHERE kind = ?", (kind,)).fetchone()[0])

    # Counters

    def increment(self, name: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO counters VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,)
            )

    def counters(self) -> dict[str, int]:
        with self._lock:
            return dict(self._db.execute("SELECT name, value FROM counters").fetchall())

    # The simulated clock: real time plus what tests advanced it by (kept here, so each emulator has its own).

    def now_ms(self) -> int:
        counters = self.counters()
        start = counters.get("clock_frozen_ms") or int(time.time() * 1000)
        return start + counters.get("clock_offset_ms", 0)

    def freeze_clock(self) -> None:
        """Stop the clock following real time (it then moves only when advanced): deterministic tests."""
        now = self.now_ms()
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO counters VALUES ('clock_frozen_ms', ?)", (now,))
            self._db.execute("DELETE FROM counters WHERE name = 'clock_offset_ms'")

    def advance_clock(self, milliseconds: int) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO counters VALUES ('clock_offset_ms', ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
                (milliseconds, milliseconds),
            )

    def epoch_ms(self) -> int:
        """When this state began: the simulated event hubs' backlog ends here and live events follow."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO counters VALUES ('epoch_ms', ?)", (int(time.time() * 1000),))
        return self.counters()["epoch_ms"]

    def reset(self) -> None:
        with self._lock:
            self._db.executescript("DELETE FROM tokens; DELETE FROM resources; DELETE FROM counters;")
        self.epoch_ms()
