"""Write a local .env with freshly generated dev keys, unless one exists. Standard library only."""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
sys.path.insert(0, str(ROOT))

from onboarding.file_modes import write_owner_only  # noqa: E402 - after the path is set; stdlib only


def history_key_line() -> str:
    return f"HISTORY_HMAC_KEYS={secrets.token_urlsafe(32)}\n"


def add_history_key() -> None:
    """A .env written before the history was keyed gets a key of its own; everything else in it is kept."""
    text = ENV_FILE.read_text()
    if any(line.startswith("HISTORY_HMAC_KEYS=") for line in text.splitlines()):
        print(f"{ENV_FILE.name} exists; keeping it.")
        return
    with ENV_FILE.open("a") as env_file:
        env_file.write(("" if text.endswith("\n") else "\n") + history_key_line())
    print(f"{ENV_FILE.name} exists; added a new HISTORY_HMAC_KEYS to it.")


def main() -> int:
    if ENV_FILE.exists():
        add_history_key()
        return 0
    fernet_key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    write_owner_only(  # 0600 from the first byte: it holds the keys
        str(ENV_FILE),
        "# Written by `make run` for local development. Never commit it.\n"
        "# `make run` turns DEBUG off (the app's own error pages); `make run DEBUG=true` turns it on.\n"
        "DEBUG=false\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"FIELD_ENCRYPTION_KEYS={fernet_key}\n" + history_key_line() + "ALLOWED_HOSTS=127.0.0.1,localhost\n"
        "# Leave the Adobe credentials empty to use the local Flow Service emulator.\n"
        "ADOBE_CLIENT_ID=\n"
        "ADOBE_CLIENT_SECRET=\n"
        "ADOBE_ORG_ID=\n"
        "ADOBE_SANDBOX_NAME=prod\n"
        f"LOCAL_LOGIN_PASSWORD={secrets.token_urlsafe(12)}\n",
    )
    print(f"Wrote {ENV_FILE.name} with new SECRET_KEY, FIELD_ENCRYPTION_KEYS, HISTORY_HMAC_KEYS and a login password.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
