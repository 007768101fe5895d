"""Production start-up refuses a wildcard host; files holding secrets or sessions are the owner's only."""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pytest

from onboarding.file_modes import owner_only_file, write_owner_only
from tests.test_security import PRODUCTION, ROOT, manage


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def loose_umask():
    previous = os.umask(0o022)  # the common default: new files world-readable
    yield
    os.umask(previous)


def test_start_up_refuses_allowed_hosts_wildcard():
    for hosts in ("*", "onboarding.example.com,*"):
        result = manage("check", **{**PRODUCTION, "ALLOWED_HOSTS": hosts})
        assert result.returncode != 0 and "ALLOWED_HOSTS=* accepts any Host header" in result.stderr


def test_the_sqlite_database_and_its_wal_are_created_owner_only(tmp_path, loose_umask):
    database = tmp_path / "db.sqlite3"
    result = manage(
        "migrate",
        "--noinput",
        DEBUG="true",
        SECRET_KEY="x",
        FIELD_ENCRYPTION_KEYS=PRODUCTION["FIELD_ENCRYPTION_KEYS"],
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    files = [path for path in tmp_path.iterdir() if path.name.startswith("db.sqlite3")]
    assert database in files
    assert {path.name: oct(mode(path)) for path in files} == {path.name: "0o600" for path in files}


def test_an_existing_world_readable_database_is_tightened(tmp_path):
    database = tmp_path / "db.sqlite3"
    database.write_bytes(b"")
    database.chmod(0o644)
    owner_only_file(str(database))
    assert mode(database) == 0o600


def test_dev_env_writes_the_keys_owner_only_from_the_first_byte(tmp_path, monkeypatch, loose_umask):
    spec = importlib.util.spec_from_file_location("dev_env", ROOT / "scripts" / "dev_env.py")
    assert spec and spec.loader
    dev_env = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev_env)
    monkeypatch.setattr(dev_env, "ENV_FILE", tmp_path / ".env")
    opened: list[int] = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda path, flags, mode=0o777: opened.append(mode) or real_open(path, flags, mode))
    assert dev_env.main() == 0
    assert mode(tmp_path / ".env") == 0o600 and opened == [0o600]
    with pytest.raises(FileExistsError):
        write_owner_only(str(tmp_path / ".env"), "never over an existing file")
