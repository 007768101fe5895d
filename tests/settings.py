"""Test settings: the real settings, with fixed test keys and no developer .env or Adobe credentials."""

import atexit
import os
import shutil
import tempfile

os.environ["READ_DOT_ENV"] = "false"
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-" + "k" * 40)
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktMDAwMDAwMDAwMDAwMDAwMDA=")
os.environ.setdefault("HISTORY_HMAC_KEYS", "tests-only-history-key-" + "h" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# Remote steps run inside the request unless a test asks for the real queue (tests/test_tasks.py, browser tests).
os.environ.setdefault("TASKS_BACKEND", "immediate")
for name in ("ADOBE_CLIENT_ID", "ADOBE_CLIENT_SECRET", "ADOBE_ORG_ID", "IMS_URL", "FLOW_SERVICE_URL", "CACHE_URL"):
    os.environ.pop(name, None)  # tests never talk to the real Adobe

from onboarding.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# pytest-django runs with DEBUG=False; the manifest storage would need collectstatic first.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
FLOW_SERVICE_CONNECT_TIMEOUT = 2.0
FLOW_SERVICE_READ_TIMEOUT = 5.0
LOGGING["root"] = {**LOGGING["root"], "level": "WARNING"}  # type: ignore[dict-item]  # noqa: F405
# This run's own directory: another checkout testing at the same time never shares a path with it.
RUN_DIR = tempfile.mkdtemp(prefix="eventhubs-onboarding-tests-")
atexit.register(shutil.rmtree, RUN_DIR, ignore_errors=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, as in production: an in-memory shared-cache database reports lock contention
    # immediately (SQLITE_LOCKED) instead of waiting, which no real deployment does.
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(RUN_DIR, "tests.sqlite3")}  # noqa: F405
LOGIN_THROTTLE_DELAY = 0.0  # the slow-down is tested on its own, without sleeping
STATIC_ROOT = os.path.join(RUN_DIR, "static")
os.makedirs(STATIC_ROOT, exist_ok=True)
