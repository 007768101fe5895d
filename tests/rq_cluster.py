"""Starting the processes of a cluster for tests: web processes under gunicorn and RQ workers, sharing one
database (the run's PostgreSQL when DATABASE_URL names one, else a SQLite file) and a Redis database number of
this run's own at 127.0.0.1:6379."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.test_going_live import ROOT, django_env, free_port, wait_for_port

WAIT = 180  # seconds: a bound on each wait for a condition on a busy machine, never a measurement
REDIS_DB = 1 + (os.getpid() + 7) % 15
# Short timeouts, so that a killed task's lease (2 x (1 + 3) + 1 + 2 = 11 s) runs out within the test.
LEASE = {
    "FLOW_SERVICE_CONNECT_TIMEOUT": "1",
    "FLOW_SERVICE_READ_TIMEOUT": "3",
    "FLOW_SERVICE_RETRY_BUDGET": "1",
    "TASKS_LEASE_MARGIN": "2",
}


def redis_or_skip() -> Any:
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis answers at 127.0.0.1:6379")
    return client


@contextmanager
def own_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """This test's own database: (its DATABASE_URL, a function running one SQL count on it)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        path = tmp_path / "cluster.sqlite3"

        def count_sqlite(sql: str) -> int:
            with sqlite3.connect(path) as conn:
                return int(conn.execute(sql).fetchone()[0])

        yield f"sqlite:///{path}", count_sqlite
        return
    import psycopg

    name = f"eh_rq_cluster_{os.getpid()}_{time.monotonic_ns() % 10**6}"
    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")

    def count_postgres(sql: str) -> int:
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}") as conn:
            return int(conn.execute(sql).fetchone()[0])  # type: ignore[index]

    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}", count_postgres
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


class Cluster:
    """The processes, each logging to a file of the test's own directory."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.web: list[subprocess.Popen[bytes]] = []
        self.workers: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, command: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        return subprocess.Popen(command, cwd=ROOT, env=django_env(**self.env), stdout=log, stderr=log)

    def start_web(self) -> list[int]:
        ports = [free_port(), free_port()]
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        for port in ports:
            command = [gunicorn, "onboarding.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
            self.web.append(self.start(f"web-{port}", command))
        for port, process in zip(ports, self.web, strict=True):
            wait_for_port(port, process, seconds=WAIT)
        return ports

    def start_workers(self, count: int = 2, jobs: int = 1) -> None:
        """`count` worker processes, each running `jobs` at once (more than one: RQ's pool of processes)."""
        for number in range(count):
            command = [sys.executable, "-u", "manage.py", "run_tasks", "--threads", str(jobs), "--sweep-every", "1"]
            self.workers.append(self.start(f"worker-{number}", command))

    def stop(self) -> None:
        for process in self.web + self.workers:
            if process.poll() is None:
                process.terminate()
        for process in self.web + self.workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def until(condition: Any, what: str) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"waited {WAIT} s for {what}")


def cluster_env(emulator_url: str, database_url: str, static_root: Path) -> dict[str, str]:
    """The environment every process of the cluster shares (RQ tasks, Redis cache and sessions' cache)."""
    return {
        **LEASE,
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "EMULATOR_URL": emulator_url,
        "DATABASE_URL": database_url,
        "TASKS_BACKEND": "rq",
        "REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "CACHE_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "STATIC_ROOT": str(static_root),
    }
