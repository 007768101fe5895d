"""The settings mypy's Django plugin loads: the real settings with placeholder keys; nothing written to disk."""

import os

os.environ["READ_DOT_ENV"] = "false"
os.environ.setdefault("SECRET_KEY", "typecheck-only-secret-key-" + "k" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA=")
os.environ.setdefault("HISTORY_HMAC_KEYS", "tests-only-history-key-" + "h" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "localhost")

from onboarding.settings import *  # noqa: E402,F403
