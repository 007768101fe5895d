"""Settings, read from the environment and an optional .env file (see .env.example)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from connections.flowservice.types import DEFAULT_SCOPES
from connections.keys import KeyConfigurationError, parse_history_keys, parse_keys
from connections.target import FlowServiceMode
from monitoring.mailers import mailers_from
from onboarding.file_modes import owner_only_file

BASE_DIR = Path(__file__).resolve().parent.parent
django_stubs_ext.monkeypatch()  # QuerySet[Onboarding] and friends at run time, for the type checker

env = environ.Env()
if env.bool("READ_DOT_ENV", default=True) and (BASE_DIR / ".env").exists():
    # Variables already in the environment win over the file.
    environ.Env.read_env(BASE_DIR / ".env")

HOW_TO_SET = "Set it in the environment or in .env (see .env.example); `make run` writes a .env with fresh dev keys."
INSECURE_SECRET_KEYS = {"", "change-me", "dev-insecure-change-me"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def required(name: str) -> str:
    """A setting the app cannot start without."""
    value = str(env.str(name, default="")).strip()
    if not value:
        raise ImproperlyConfigured(f"{name} is not set. {HOW_TO_SET}")
    return value


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = required("SECRET_KEY")
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

try:
    FIELD_ENCRYPTION_KEYS = parse_keys(env.str("FIELD_ENCRYPTION_KEYS", default=""))
    # The history chain's HMAC keys: a secret outside the database, so whoever can write SQL cannot forge a row.
    HISTORY_HMAC_KEYS = parse_history_keys(env.str("HISTORY_HMAC_KEYS", default=""))
except KeyConfigurationError as exc:
    raise ImproperlyConfigured(f"{exc} {HOW_TO_SET}") from None

if not DEBUG:
    # Production refuses what is only acceptable on a developer's machine.
    if SECRET_KEY in INSECURE_SECRET_KEYS or SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "SECRET_KEY is a default or too short for DEBUG=false. Use 50 random characters, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS is empty and DEBUG=false. List the host names the app is served under, "
            "comma-separated, e.g. ALLOWED_HOSTS=onboarding.example.com."
        )
    if "*" in ALLOWED_HOSTS:
        # A wildcard lets any Host header through: password-reset links and absolute URLs could name
        # an attacker's host, and the Host header check stops protecting against DNS rebinding.
        raise ImproperlyConfigured(
            "ALLOWED_HOSTS=* accepts any Host header and is refused with DEBUG=false. List the host names the app "
            "is served under, e.g. ALLOWED_HOSTS=onboarding.example.com."
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",  # its widget templates, for FORM_RENDERER
    "django_htmx",
    "django_tasks_db",
    "connections.apps.ConnectionsConfig",
    "onboarding.apps.OnboardingConfig",
    "mozilla_django_oidc",
    "identity.apps.IdentityConfig",
    "monitoring.apps.MonitoringConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "onboarding.middleware.AcceptedCharsetMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "onboarding.middleware.NoStoreMiddleware",
]

ROOT_URLCONF = "onboarding.urls"
WSGI_APPLICATION = "onboarding.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "onboarding.context_processors.flow_service_mode",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The file holds sessions and (encrypted) credentials: its owner's only. SQLite gives its -wal
    # and -shm files the database file's mode, so creating it 0600 covers them too.
    owner_only_file(str(DATABASES["default"]["NAME"]))
    # IMMEDIATE takes the write lock when a transaction starts, so two requests that both
    # check-then-claim a wizard step are serialized (SQLite has no SELECT ... FOR UPDATE).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Django's default, a connection per request, unless CONN_MAX_AGE is set: a kept connection holds the file
    # open, so a database file replaced underneath (a backup restored) would go on being written to the old,
    # unlinked file until the process restarts. Kept (CONN_MAX_AGE=600) saves opening one on every page.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
else:
    # One connection per worker thread, kept between requests: opening a PostgreSQL connection costs more
    # than a whole cheap page.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=600))
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # A query a kept connection has run five times (psycopg's threshold) is prepared on the server: parsed
        # and planned once, not on every page. Psycopg prepares only statements bound on the server. A pooler in
        # transaction mode (PgBouncer before 1.21) cannot follow prepared statements across connections:
        # DATABASE_PREPARED_STATEMENTS=false.
        options = DATABASES["default"].setdefault("OPTIONS", {})  # what DATABASE_URL's query string sets wins
        options.setdefault("server_side_binding", True)
        options.setdefault("prepare_threshold", 5)
# A kept connection is checked before it is reused (SQLite's check asks nothing of the database).
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": env.cache("CACHE_URL", default="locmemcache://onboarding"),
    # Markup that depends on the code alone ({% cache ... using="fragments" %}): kept in the process, so a new
    # release never serves an old one's.
    "fragments": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fragments"},
}
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # Sessions read from the shared cache, written through to the database: no query per page.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Remote work (every call to Adobe a user waits on) runs as a background task (django.tasks).
# "db": django-tasks-db, the tasks stored in this database, run by `manage.py run_tasks`;
# "rq": RQ on Redis (pip install -r requirements-rq.txt), run by `manage.py rqworker-pool`;
# "immediate": run inside the request (tests and one-off scripts only).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="db")
TASKS_BACKENDS = {
    "db": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    # "behind": a person's tasks beyond their first few (connections/services/caps.py); workers take it last.
    "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "behind"]},
    "immediate": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
}
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {', '.join(TASKS_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": TASKS_BACKENDS[TASKS_BACKEND]}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    # A job running longer than every call's timeouts and retries is killed (then settled by the sweep).
    RQ_QUEUES = {name: {"URL": required("REDIS_URL"), "DEFAULT_TIMEOUT": 300} for name in ("default", "behind")}
# How many tasks one `run_tasks` process runs at once (threads): eight onboardings wait on Adobe together.
TASKS_THREADS = env.int("TASKS_THREADS", default=8)
# Caps on background work (connections/services/caps.py): a person's first tasks go ahead of the queue, the
# rest behind everyone else's; a ceiling on a person's work under way for a new remote action; a rate on
# asking Adobe on demand.
TASKS_AHEAD_PER_PERSON = env.int("TASKS_AHEAD_PER_PERSON", default=2)
TASKS_PER_PERSON = env.int("TASKS_PER_PERSON", default=20)
ADOBE_ASKS_PER_MINUTE = env.int("ADOBE_ASKS_PER_MINUTE", default=30)
# A running task's lease outlasts one call to Adobe (timeouts and retries) by this margin, in seconds: room for
# the machines' clocks to differ and a busy worker to be slow (connections/services/lease.py).
TASKS_LEASE_MARGIN = env.float("TASKS_LEASE_MARGIN", default=30.0)

# Email (alerts): EMAIL_URL, e.g. smtp+tls://user%40example.com:password@mail.example.com:587 (django-environ's
# form); unset, every email is printed on the worker's console (`make run` says so).
EMAIL_URL_SET = bool(env.str("EMAIL_URL", default="").strip())
MAILERS = mailers_from(env.email_url("EMAIL_URL", default="consolemail://"), timeout=env.float("EMAIL_TIMEOUT", 10.0))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Event Hubs Onboarding <alerts@localhost>")
# The address people open the app at, for the links in alerts (a worker has no request to read it from).
SITE_URL = env.str("SITE_URL", default="").strip().rstrip("/")
# Seconds between two reads of a dataflow's runs (and checks of its alerts), whoever watches it.
MONITORING_INTERVAL = env.int("MONITORING_INTERVAL", default=300)
# Signs the body of generic JSON webhooks (HMAC-SHA256 in X-Signature-256), so receivers can check who sent it.
ALERT_WEBHOOK_SECRET = env.str("ALERT_WEBHOOK_SECRET", default="")
# The hosts (and their subdomains) webhooks may go to, e.g. hooks.slack.com,logic.azure.com; empty: any https host.
ALERT_WEBHOOK_HOSTS = env.list("ALERT_WEBHOOK_HOSTS", default=[])
# What the task worker (`run_tasks`) calls every so many seconds: (dotted path, seconds).
TASKS_PERIODIC = [("monitoring.tasks.enqueue_due", MONITORING_INTERVAL)]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "onboarding:list"
LOGOUT_REDIRECT_URL = "login"

# Single sign-on with the organisation's OpenID Connect provider (identity/, docs/sign-in.md). Off while
# OIDC_ISSUER is empty: then everyone logs in with a local password, as before. Nothing is fetched here: the
# provider's discovery document is read when the first sign-in needs it, then cached.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").strip()
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="").strip()
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="").strip()
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile groups").strip()
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups").strip()
OIDC_ADMIN_GROUPS = env.list("OIDC_ADMIN_GROUPS", default=[])
OIDC_AUDITOR_GROUPS = env.list("OIDC_AUDITOR_GROUPS", default=[])
# With single sign-on on: true keeps the password log-in for local superusers only (break-glass), false shuts it.
LOCAL_PASSWORD_LOGIN = env.bool("LOCAL_PASSWORD_LOGIN", default=True)
OIDC_RP_SIGN_ALGO = "RS256"  # what Entra ID, Okta and Keycloak sign ID tokens with
OIDC_USE_PKCE = True
OIDC_TOKEN_USE_BASIC_AUTH = True  # client_secret_basic, which every provider must accept (RFC 6749, 2.3.1)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=10.0)
OIDC_AUTHENTICATION_CALLBACK_URL = "identity:callback"
OIDC_STORE_ID_TOKEN = True  # in the (server-side) session, as the hint of the provider's sign-out
AUTHENTICATION_BACKENDS = ["identity.backends.password.LocalPasswordBackend"]
if OIDC_ISSUER:
    AUTHENTICATION_BACKENDS.append("identity.backends.organisation.OrganisationBackend")
    if not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
        raise ImproperlyConfigured(
            "OIDC_ISSUER is set but OIDC_CLIENT_ID or OIDC_CLIENT_SECRET is not: copy both from the app's "
            "registration at the identity provider (docs/sign-in.md)."
        )
    issuer_url = urlsplit(OIDC_ISSUER)
    if issuer_url.scheme != "https" and not (issuer_url.scheme == "http" and issuer_url.hostname in LOOPBACK):
        # Tokens and the client secret travel to it: plain HTTP only to a provider on this machine (tests).
        raise ImproperlyConfigured(f"OIDC_ISSUER must be an https:// address, not {OIDC_ISSUER!r}.")
    LOGOUT_REDIRECT_URL = "identity:signed_out"  # which offers the provider's sign-out too
elif not LOCAL_PASSWORD_LOGIN:
    raise ImproperlyConfigured("LOCAL_PASSWORD_LOGIN=false needs OIDC_ISSUER: nobody could log in at all.")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
# The app is in English only (no locale/, no LocaleMiddleware) and Django's English catalogues are empty:
# without the translation machinery every text, date and number reads the same, and each of the few dozen
# labels and help texts a page shows no longer looks itself up in a catalogue. Turn it on to translate.
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Adobe Flow Service. With no Adobe credentials the app talks to the local emulator.
ADOBE_CLIENT_ID = env.str("ADOBE_CLIENT_ID", default="").strip()
ADOBE_CLIENT_SECRET = env.str("ADOBE_CLIENT_SECRET", default="").strip()
ADOBE_ORG_ID = env.str("ADOBE_ORG_ID", default="").strip()
ADOBE_SANDBOX_NAME = env.str("ADOBE_SANDBOX_NAME", default="prod").strip()
ADOBE_SCOPES = env.str("ADOBE_SCOPES", default=DEFAULT_SCOPES).strip()
# Which Adobe credentials were given, before the emulator defaults below fill the gaps.
ADOBE_CONFIGURED = sorted(
    name
    for name, value in (
        ("ADOBE_CLIENT_ID", ADOBE_CLIENT_ID),
        ("ADOBE_CLIENT_SECRET", ADOBE_CLIENT_SECRET),
        ("ADOBE_ORG_ID", ADOBE_ORG_ID),
    )
    if value
)
FLOW_SERVICE_MODE = FlowServiceMode.ADOBE if ADOBE_CONFIGURED else FlowServiceMode.EMULATOR
EMULATOR_URL = env.str("EMULATOR_URL", default="http://127.0.0.1:8765").rstrip("/")
if FLOW_SERVICE_MODE is FlowServiceMode.ADOBE:
    IMS_URL = env.str("IMS_URL", default="https://ims-na1.adobelogin.com")
    FLOW_SERVICE_URL = env.str("FLOW_SERVICE_URL", default="https://platform.adobe.io/data/foundation/flowservice")
else:
    IMS_URL = env.str("IMS_URL", default=EMULATOR_URL)
    FLOW_SERVICE_URL = env.str("FLOW_SERVICE_URL", default=f"{EMULATOR_URL}/data/foundation/flowservice")
    # The emulator accepts any client; these identify this app in its records.
    ADOBE_CLIENT_ID = "eh-onboarding-local"
    ADOBE_CLIENT_SECRET = "emulator-secret"  # noqa: S105 - not a secret: the emulator accepts any
    ADOBE_ORG_ID = "E0E0E0E0E0E0E0E0E0E0E0E0@AdobeOrg"
FLOW_SERVICE_CONNECT_TIMEOUT = env.float("FLOW_SERVICE_CONNECT_TIMEOUT", default=5.0)
FLOW_SERVICE_READ_TIMEOUT = env.float("FLOW_SERVICE_READ_TIMEOUT", default=30.0)
FLOW_SERVICE_MAX_ATTEMPTS = env.int("FLOW_SERVICE_MAX_ATTEMPTS", default=4)
FLOW_SERVICE_RETRY_BUDGET = env.float("FLOW_SERVICE_RETRY_BUDGET", default=20.0)

# Security headers and cookies. Production values are in the README ("Going live").
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
if BEHIND_PROXY:
    # Only behind a proxy that sets this header itself and strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "onboarding.views.wizard.csrf_failure"
SESSION_COOKIE_SAMESITE = "Lax"

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# Login throttling (onboarding/throttle.py): attempts within the window per (user name, address) before a
# lock, per address before refusal; after SLOW_AFTER attempts on a user name from anywhere, its next attempt must
# wait DELAY seconds, doubling up to MAX_DELAY. A refused attempt is a 429 with Retry-After; nothing sleeps.
LOGIN_THROTTLE_LIMIT = env.int("LOGIN_THROTTLE_LIMIT", default=5)
LOGIN_THROTTLE_ADDRESS_LIMIT = env.int("LOGIN_THROTTLE_ADDRESS_LIMIT", default=20)
LOGIN_THROTTLE_WINDOW = env.int("LOGIN_THROTTLE_WINDOW", default=900)
LOGIN_THROTTLE_SLOW_AFTER = env.int("LOGIN_THROTTLE_SLOW_AFTER", default=3)
LOGIN_THROTTLE_DELAY = env.float("LOGIN_THROTTLE_DELAY", default=0.5)
LOGIN_THROTTLE_MAX_DELAY = env.float("LOGIN_THROTTLE_MAX_DELAY", default=4.0)
# Django's default User matches user names case-sensitively; true only for a model that does not.
LOGIN_USERNAME_CASE_INSENSITIVE = env.bool("LOGIN_USERNAME_CASE_INSENSITIVE", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "connections.log_filters.MaskSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["mask_secrets"],
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own loggers go through the masking handler too, not their default console one.
        "django": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "connections.log_filters.SecretsExceptionReporterFilter"

# Django's widget templates, and the app's field group (templates/onboarding/_field.html).
FORM_RENDERER = "onboarding.forms.renderer.FieldGroupRenderer"
