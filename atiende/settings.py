"""Django settings for Atiende.

Everything that changes between machines comes from the environment:

- ``ATIENDE_HOME``: folder for the embedded SQLite database and uploads (default ``./var``).
- ``DATABASE_URL``: any database URL (``postgres://...``); default SQLite under ``ATIENDE_HOME``.
- ``REDIS_URL``: optional; live-update fan-out across processes.
- ``ATIENDE_SECRET_KEY``: required when ``ATIENDE_DEBUG`` is off.
- ``ATIENDE_VAULT_KEYS``: comma-separated vault keys, newest first.
- ``ATIENDE_DEBUG``: ``1`` for development (default ``0``).
- ``ATIENDE_ALLOWED_HOSTS``: comma-separated host names (default ``127.0.0.1,localhost``).
- ``ATIENDE_LOG_FORMAT`` (``text`` or ``json``), ``ATIENDE_LOG_LEVEL`` (default ``WARNING``).

Every setting and secret of a deployment, with the probes and metrics settings, is in docs/deploy.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent
HOME = Path(os.environ.get("ATIENDE_HOME", "var")).resolve()


def _private_home() -> None:
    """ATIENDE_HOME holds the SQLite database (sessions, password hashes, customers), uploads and keys: only
    its owner may read it (issue 22, item 8). Created 0700; an existing folder is left as its owner set it."""
    if not HOME.exists():
        HOME.mkdir(mode=0o700, parents=True, exist_ok=True)


def _private_file(path: Path) -> None:
    """The SQLite file 0600 (SQLite gives its -wal and -shm files the same mode), new or already there."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        if path.stat().st_mode & 0o077 and path.stat().st_uid == os.getuid():
            path.chmod(0o600)
    except OSError:
        pass  # not ours to change, or a read-only place: SQLite will say what is wrong when it opens it


_private_home()

DEBUG = os.environ.get("ATIENDE_DEBUG", "0") == "1"
# The key of development and the demo; `atiende serve` refuses to run on it with debug off (cli/server.py).
DEVELOPMENT_SECRET_KEY = _DEV_KEY = "atiende-development-key-not-for-production-use-0123456789"
SECRET_KEY = os.environ.get("ATIENDE_SECRET_KEY") or _DEV_KEY
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ATIENDE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "ninja",  # serves the API docs from local files, which the CSP allows
    "atiende.people",
    "atiende.desk",
    "atiende.web",
    "atiende.privacy",
    "atiende.contact",
    "atiende.telephony",
    "atiende.scorecards",
    "atiende.consoles",
    "atiende.planning",
    "atiende.notifications",
    "atiende.mail",
    "atiende.practice",
    "atiende.sla",
    "atiende.knowledge",
    "atiende.operations",
    "atiende.rulebook",
    "atiende.administration",
    "atiende.reports",
    "atiende.walkin",
    "atiende.campaigns",
    "atiende.chat",
]

MIDDLEWARE = [
    # First: every request gets its id and timing; the probes (/healthz, /readyz, /metrics) answer before
    # host-name checks and HTTPS redirects (atiende/operations/middleware.py).
    "atiende.operations.middleware.RequestContextMiddleware",
    "atiende.operations.middleware.ProbeMiddleware",
    "atiende.api.middleware.ApiErrorsAsJsonMiddleware",  # outermost: every error under /api/ as JSON
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "atiende.privacy.middleware.RejectNulMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "atiende.web.signin_again.HtmxSignInMiddleware",  # a signed-out htmx action: the sign-in page, whole
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "atiende.urls"
CSRF_FAILURE_VIEW = "atiende.api.middleware.csrf_failure"
ASGI_APPLICATION = "atiende.asgi.application"
WSGI_APPLICATION = "atiende.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
            # {% rule "HO-3" %} in every template without a {% load %}: the one way to show a rule code.
            "builtins": ["atiende.rulebook.templatetags.rules"],
        },
    },
]


def _database_from_environment() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        # A plain dict: DBConfig is a TypedDict, and the keys added below (pool, TEST) are not in it.
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=0))
    else:
        config = {"ENGINE": "atiende.backends.sqlite3", "NAME": str(HOME / "atiende.sqlite3")}
        _private_file(HOME / "atiende.sqlite3")
    if config["ENGINE"] in ("django.db.backends.sqlite3", "atiende.backends.sqlite3"):
        # Django's SQLite backend with this process's writers queued in arrival order (atiende/backends/sqlite3).
        config["ENGINE"] = "atiende.backends.sqlite3"
        # WAL lets readers run beside the single writer; IMMEDIATE makes every
        # transaction take the write lock up front, so SQLite is a single writer
        # and two claims can never interleave (see docs/architecture.md).
        config.setdefault("OPTIONS", {}).update(
            {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            }
        )
        # Each thread keeps its connection (a server's socket thread, its request threads, the worker) instead of
        # opening one per request or socket call and closing it after: closing the file's last connection
        # checkpoints the WAL into the database, so a chat line cost ~60 ms of wall time (11 ms CPU) on the
        # sockets' one database thread instead of ~17 (5 ms CPU), and 33 lines a second could not be stored
        # (issue 17, docs/performance.md "bench_chat"). SQLite connections are cheap and there is no server
        # to run out of them; ATIENDE_SQLITE_CONN_SECONDS=0 closes them after each use again.
        config["CONN_MAX_AGE"] = int(os.environ.get("ATIENDE_SQLITE_CONN_SECONDS", "600"))
    else:
        if config["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("ATIENDE_DB_POOL", "1") == "1":
            # Under ASGI every request runs in its own thread, so persistent
            # connections pile up (one per thread) until PostgreSQL refuses
            # more. A bounded pool shares a few connections instead.
            config.setdefault("OPTIONS", {})["pool"] = {
                "min_size": 1,
                "max_size": int(os.environ.get("ATIENDE_DB_POOL_SIZE", "10")),
                "timeout": 10,
            }
        if config["ENGINE"] == "django.db.backends.postgresql" and os.environ.get("ATIENDE_DB_PREPARE", "1") == "1":
            # Parameters sent apart from the SQL, and a statement run a few times on a
            # connection prepared there: PostgreSQL parses and plans it once, not on
            # every call. About 40 % less PostgreSQL CPU per CTI event
            # (bench/bench_cti_costs.py). ATIENDE_DB_PREPARE=0 turns it off, for a
            # connection pooler in transaction mode that cannot keep prepared statements.
            config.setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
        # Each test run may name its own PostgreSQL test database, so parallel runs
        # on one server do not collide (SQLite tests use memory and need no name).
        config["TEST"] = {"NAME": os.environ.get("ATIENDE_TEST_DB_NAME", "test_atiende")}
    return config


DATABASES = {"default": _database_from_environment()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "people.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sign-in throttling and lockout (atiende/privacy/auth.py).
AUTHENTICATION_BACKENDS = ["atiende.privacy.auth.ThrottledModelBackend"]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "desk:home"
LOGOUT_REDIRECT_URL = "web:login"

LANGUAGE_CODE = "es"
LANGUAGES = [("es", _("Spanish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("ATIENDE_TIME_ZONE", "Europe/Madrid")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HOME / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = HOME / "media"

SESSION_COOKIE_AGE = int(os.environ.get("ATIENDE_SESSION_SECONDS", 8 * 3600))
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the cookie-less header we render
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (docs/security.md): scripts only from our own files or with the
# request's nonce ({{ csp_nonce }}); inline style attributes stay allowed.
from atiende.privacy.csp import CONTENT_SECURITY_POLICY as SECURE_CSP  # noqa: E402, F401 - a setting

if not DEBUG and SECRET_KEY != _DEV_KEY:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_SSL_REDIRECT = os.environ.get("ATIENDE_SSL_REDIRECT", "1") == "1"

# Each websocket waits on Redis with a blocking pop of 5 s (channels_redis). redis-py 8 reads with a 5 s socket
# timeout by default, so an idle wait raced that timeout and lost: every idle socket was torn down about every
# 5 s, and the consoles' hub stopped hearing (issue 24's topology test). Reads get longer than the pop; a value
# in the URL (?socket_timeout=) still wins.
REDIS_READ_TIMEOUT_SECONDS = 15.0
REDIS_URL = os.environ.get("REDIS_URL")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                    "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": REDIS_READ_TIMEOUT_SECONDS}]}}
    }
else:
    # Channels' in-memory layer, its expiry sweep at most once a second (atiende/channel_layer.py).
    CHANNEL_LAYERS = {"default": {"BACKEND": "atiende.channel_layer.InProcessChannelLayer"}}

# API tokens: how long a new token lives unless told otherwise.
ATIENDE_TOKEN_DAYS = int(os.environ.get("ATIENDE_TOKEN_DAYS", 365))
# Telephony: the desk's region (ISO 3166 code: ES, MX, AR, CO, CL, PE, US...). Phone numbers written
# without their country (a customer's "600 11 22 33", a PBX's caller id) are read as numbers of this
# region, so national and international forms find the same customer (atiende/telephony/numbers.py).
# Empty: only numbers written with their country compare equal. The old ATIENDE_PHONE_COUNTRY_PREFIX
# ("+34") still names the region when ATIENDE_DEFAULT_REGION is not set.
ATIENDE_DEFAULT_REGION = os.environ.get("ATIENDE_DEFAULT_REGION", "ES").strip().upper()
if "ATIENDE_DEFAULT_REGION" not in os.environ and os.environ.get("ATIENDE_PHONE_COUNTRY_PREFIX", "").strip():
    _prefix = os.environ["ATIENDE_PHONE_COUNTRY_PREFIX"].strip().lstrip("+0")
    _region = phonenumbers.region_code_for_country_code(int(_prefix)) if _prefix.isdigit() else "ZZ"
    ATIENDE_DEFAULT_REGION = "" if _region == "ZZ" else _region
if ATIENDE_DEFAULT_REGION and ATIENDE_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"ATIENDE_DEFAULT_REGION={ATIENDE_DEFAULT_REGION!r} is not a region code phone numbers know: "
        "use a two-letter ISO 3166 code such as ES, MX, AR or CO, or leave it empty.")
# API tokens: seconds a verified token is remembered by a server process (0: ask the database every time).
# A revocation made in another process takes effect within this time (see docs/security.md).
ATIENDE_TOKEN_CACHE_SECONDS = float(os.environ.get("ATIENDE_TOKEN_CACHE_SECONDS", 5))
# Addresses (or networks, e.g. 10.0.0.0/8) of the reverse proxies whose X-Forwarded-For `atiende serve` believes;
# none by default, so REMOTE_ADDR is the address that connected (docs/security.md).
ATIENDE_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("ATIENDE_TRUSTED_PROXIES", "").split(",") if p.strip()]
# Audit chain (docs/security.md, atiende/privacy/audit_seal.py): the key of the chain head's seal, kept out of
# the database (default: the file $ATIENDE_HOME/audit.key, created on first use), and the file the sealed head
# is anchored in after every append (default $ATIENDE_HOME/audit.anchor; "-": no anchor).
ATIENDE_AUDIT_KEY = os.environ.get("ATIENDE_AUDIT_KEY", "")
ATIENDE_AUDIT_ANCHOR = os.environ.get("ATIENDE_AUDIT_ANCHOR", "")
# Work orders: page size of lists in the API and the UI.
ATIENDE_PAGE_SIZE = 25

# Logs (atiende/operations/logs.py): ATIENDE_LOG_FORMAT=json for one JSON object a line; every line carries
# the request id; secrets of the environment are never written.
from atiende.operations.logs import logging_config  # noqa: E402

LOGGING = logging_config(fmt=os.environ.get("ATIENDE_LOG_FORMAT", "text"),
                         level=os.environ.get("ATIENDE_LOG_LEVEL", "WARNING"))
