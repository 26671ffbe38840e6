"""Django settings, read once from the environment; defaults run the embedded SQLite world."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from civicgrid.env import env_bool, env_int, env_list, env_str

SRC_DIR = Path(__file__).resolve().parent
BASE_DIR = SRC_DIR.parent.parent
DATA_DIR = Path(env_str("CIVICGRID_DATA_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """The configured secret, or one generated once and kept in the data directory (demo)."""
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key, encoding="utf-8")
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
SECRET_KEY_GENERATED = not env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "civicgrid.core",
    "civicgrid.regions",
    "civicgrid.accounts",
    "civicgrid.people",
    "civicgrid.workflow",
    "civicgrid.notifications",
    "civicgrid.events",
    "civicgrid.resources",
    "civicgrid.assistance",
    "civicgrid.disputes",
    "civicgrid.command",
    "civicgrid.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "civicgrid.accounts.middleware.SessionTimeoutMiddleware",
    "civicgrid.accounts.middleware.RegionScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "civicgrid.core.middleware.DomainErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that a lockout answer is produced after every other middleware ran.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicgrid.urls"
WSGI_APPLICATION = "civicgrid.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civicgrid.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database: SQLite (embedded default, WAL) or PostgreSQL via DATABASE_URL ---------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'civicgrid.sqlite3'}")
# Each worker keeps its connection for this many seconds (0: one per request); with health
# checks on, a kept connection is tested once per request (a `SELECT 1`) before it is used, so
# a database restart costs no failed request.
# A DATABASE_URL that cannot be read does not stop the import: system check civicgrid.E004
# names it instead (with the dummy backend nothing can be queried meanwhile).
DATABASE_URL_ERROR = ""
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=env_bool("DATABASE_HEALTH_CHECKS", True),
        )
    }
except (ValueError, KeyError) as exc:
    DATABASE_URL_ERROR = str(exc) or type(exc).__name__
    DATABASES = {"default": {"ENGINE": "django.db.backends.dummy"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Query text and parameters go apart, and a query run often on a connection is prepared
    # once (civicgrid.core.postgres). Off (DATABASE_SERVER_BINDING=0) behind a pooler that
    # cannot keep prepared statements, such as PgBouncer in transaction mode before 1.21.
    DATABASES["default"]["ENGINE"] = "civicgrid.core.postgres"
    if env_bool("DATABASE_SERVER_BINDING", True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers go on while one writer writes; IMMEDIATE avoids upgrade deadlocks.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
    }
    DATA_DIR.mkdir(parents=True, exist_ok=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if env_str("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "civicgrid.core.redis_cache.Cache",
        "LOCATION": env_str("REDIS_URL"),
    }
    # Sessions are read on every request: from the shared cache, written through to the
    # database. Only a shared cache will do: a per-process one would keep a signed-out session
    # alive in the other processes.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Accounts, passwords, sessions, lockout (SECURITY.md "Identity and sessions") ---------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, refusing demo accounts when DEBUG is off (SECURITY.md).
    "civicgrid.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 12, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "civicgrid.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": env_int("PASSWORD_MIN_CLASSES", 3, minimum=1)},
    },
]
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90)
# Cross-area access (AreaGrant) lasts at most this long: a working day by default.
AREA_GRANT_MAX_HOURS = env_int("AREA_GRANT_MAX_HOURS", 8, minimum=1)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: our own policy, not its defaults (SECURITY.md "Known pitfalls").
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "civicgrid.accounts.views.locked_out"
AXES_VERBOSE = False

SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_COOKIE_AGE = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG and env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Language and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [SRC_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "static")))
# Front-end packages come from npm at install time and are served from here, never from a CDN.
_NPM = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    (prefix, _NPM / folder)
    for prefix, folder in [
        ("vendor/leaflet", "leaflet/dist"),
        ("vendor/pico", "@picocss/pico/css"),
        ("vendor/echarts", "echarts/dist"),
    ]
    if (_NPM / folder).exists()
]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(DATA_DIR / "media")))
# Uploads are never served from here by the web server: photos carry locations, so pages show
# them through views that check the viewer's scope. The URL only gives the storage a prefix.
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # collectstatic also writes a gzip copy of each file; WhiteNoise serves it to browsers that
    # accept it (`civicgrid serve` collects on start).
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- Uploaded photos (core.photos) ----------------------------------------------------------
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000, minimum=10_000)

# --- Map ------------------------------------------------------------------------------------
# Government networks are often closed: no tiles unless an operator names a tile server.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")

# --- Logging: one JSON object per line (LOG_FORMAT=text for people at a terminal) ----------
# Every record carries the request id of the request it was written for (core.request_id);
# `civicgrid.request` writes one line per request, `civicgrid.slow_query` the slow statements.
LOG_FORMAT = env_str("LOG_FORMAT", "json").strip().lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r} is not json or text")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "civicgrid.core.request_id.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(levelname)s %(name)s %(message)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": True,
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The incident loop: a case whose stage deadline passes goes up a level (community → town →
# county) as a whistle when this is on; otherwise the people it waits for are only told.
EVENTS_AUTO_ESCALATE = env_bool("EVENTS_AUTO_ESCALATE", True)

# --- Open311 GeoReport v2 (/open311/v2/) ---------------------------------------------------
# The county or city code a request without jurisdiction_id is about. Empty: clients must say.
OPEN311_DEFAULT_JURISDICTION = env_str("OPEN311_DEFAULT_JURISDICTION", "").strip()
if OPEN311_DEFAULT_JURISDICTION and not (
    OPEN311_DEFAULT_JURISDICTION.isascii()
    and OPEN311_DEFAULT_JURISDICTION.isdigit()
    and len(OPEN311_DEFAULT_JURISDICTION) in (4, 6)
):
    raise ImproperlyConfigured(
        f"OPEN311_DEFAULT_JURISDICTION={OPEN311_DEFAULT_JURISDICTION!r} is not a city (4 digits) "
        "or county (6 digits) code"
    )
# Shown to client developers by discovery.json: who runs this endpoint and how to get a key.
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")
# --- Background work (Django's task API) and the periodic jobs of `civicgrid worker` ---------
# database: tasks wait in the database until `civicgrid worker` runs them (the default);
# immediate: run inside the process that enqueues them (tests, a one-process demo);
# dummy: kept, never run.
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "dummy": "django_tasks.backends.dummy.DummyBackend",
}
TASKS_BACKEND = env_str("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"TASKS_BACKEND={TASKS_BACKEND!r} is not one of {', '.join(_TASK_BACKENDS)}"
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}
EVENTS_DEADLINE_INTERVAL = env_int("EVENTS_DEADLINE_INTERVAL", 60, minimum=1)
# Connections on which one run of the deadline job works its batches off side by side
# (PostgreSQL; SQLite writes one at a time, so there it is always one).
EVENTS_DEADLINE_CONNECTIONS = env_int("EVENTS_DEADLINE_CONNECTIONS", 2, minimum=1)
# A worker shows it is alive every quarter of this (seconds); a task left running longer than
# this by a worker not seen for as long (killed, crashed) is queued again (core.workers).
WORKER_LEASE = env_int("WORKER_LEASE", 60, minimum=4)
# What `civicgrid worker` enqueues, and how often (seconds): name → (task path, interval).
# Social assistance: dynamic monitoring of everyone paid, and the register's signals (daily).
ASSISTANCE_MONITORING_INTERVAL = env_int("ASSISTANCE_MONITORING_INTERVAL", 86400, minimum=60)
PERIODIC_TASKS = {
    "events.deadlines": ("civicgrid.events.tasks.run_deadlines_task", EVENTS_DEADLINE_INTERVAL),
    "assistance.monitoring": (
        "civicgrid.assistance.tasks.run_monitoring_task",
        ASSISTANCE_MONITORING_INTERVAL,
    ),
    # The command centre adds the loop's waiting changes to its rollups (reads fold too).
    "command.fold_rollups": (
        "civicgrid.command.tasks.fold_rollups_task",
        env_int("COMMAND_FOLD_INTERVAL", 60, minimum=1),
    ),
    # Disputes: the days-open rules raise the colour of disputes left unresolved (daily).
    "disputes.regrade": (
        "civicgrid.disputes.tasks.regrade_daily_task",
        env_int("DISPUTES_REGRADE_INTERVAL", 86400, minimum=60),
    ),
}

# --- Notifications: in-app always; e-mail, SMS … through senders named here -----------------
NOTIFICATION_SENDERS = env_list("NOTIFICATION_SENDERS", [])
# The site's address as people outside it reach it, for links in e-mails and SMS.
SITE_URL = env_str("SITE_URL", "")
# A failed delivery is tried again this many times in all, later each time (database backend).
NOTIFICATION_ATTEMPTS = env_int("NOTIFICATION_ATTEMPTS", 3, minimum=1)
# SMS costs money and wakes people: only these kinds go by SMS.
SMS_NOTIFICATION_CODES = env_list(
    "SMS_NOTIFICATION_CODES", ["events.overdue", "events.whistle", "events.summons_overdue"]
)
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
# A mail server that does not answer must not hold a worker for ever.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "civicgrid@localhost")
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")

# Social assistance: the rules and standards file (empty: the Jiangsu/Nanjing demo defaults in
# civicgrid/assistance/data/jiangsu.json), and how long one verification source may take.
ASSISTANCE_RULES_PATH = env_str("ASSISTANCE_RULES_PATH", "")
ASSISTANCE_SOURCE_TIMEOUT = env_int("ASSISTANCE_SOURCE_TIMEOUT", 10, minimum=1)
# Folder of the demo's file-backed verification sources (one CSV per department).
ASSISTANCE_SOURCE_DIR = env_str("ASSISTANCE_SOURCE_DIR", str(DATA_DIR / "sources"))

# =============================================================================================
# --- Hardening (issue #9, SECURITY.md): headers, CSP, second factor, audit retention --------
# Kept in one block: it adds its apps and middleware to the lists above by name.
# =============================================================================================
from urllib.parse import urlsplit  # noqa: E402

from csp.constants import NONE, SELF, UNSAFE_INLINE  # noqa: E402

INSTALLED_APPS += [
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]


def _after(name: str, *added: str) -> None:
    at = MIDDLEWARE.index(name) + 1
    MIDDLEWARE[at:at] = list(added)


_after("django.middleware.security.SecurityMiddleware", "csp.middleware.CSPMiddleware")
_after(
    "civicgrid.accounts.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Administrators and security officers pass a second factor before anything else.
    "civicgrid.accounts.middleware.SecondFactorMiddleware",
    "civicgrid.accounts.middleware.PasswordExpiryMiddleware",
)

# Offline mode (closed government networks): nothing may be fetched from the internet;
# system check civicgrid.E003 refuses a map tile server outside.
OFFLINE = env_bool("OFFLINE", False)
# Hosts on the local network that a tile URL may name in offline mode besides private
# addresses and single-label or .local/.lan/.internal names.
OFFLINE_INTERNAL_HOSTS = env_list("OFFLINE_INTERNAL_HOSTS", [])

# TLS: HSTS is sent on HTTPS responses only; a proxy that terminates TLS says so by header.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# Off by default so the embedded demo runs on plain http://127.0.0.1; production turns it on.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline.
# Styles allow inline *attributes*: Leaflet and ECharts write them into their own markup; our
# templates carry no inline style.
_TILE = urlsplit(MAP_TILE_URL.replace("{s}", "*"))
_TILE_ORIGINS = [f"{_TILE.scheme}://{_TILE.netloc}"] if _TILE.scheme and _TILE.netloc else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *_TILE_ORIGINS],
        "connect-src": [SELF],
        "font-src": [SELF, "data:"],
        "worker-src": [SELF],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Second factor (django-otp, TOTP + printed backup codes) for the administrator roles.
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "CivicGrid")
# Demo accounts sign in only while this is on (default: only with DEBUG).
DEMO_ACCOUNTS_ALLOWED = env_bool("DEMO_ACCOUNTS_ALLOWED", DEBUG)

# The audit log: kept online this many days, then archived (gzip + SHA-256) and removed.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180, minimum=180)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(DATA_DIR / "audit-archive")))
PERIODIC_TASKS["core.audit_archive"] = (
    "civicgrid.core.tasks.archive_audit_task",
    env_int("AUDIT_ARCHIVE_INTERVAL", 86_400, minimum=60),
)
# --- Operations: probes, request ids, metrics, slow statements (docs/operations.md) --------
# Outermost: the request id and the per-request log line and metrics cover every answer; the
# probes (/healthz, /readyz) are answered before sessions, authentication and host checks.
MIDDLEWARE = [
    "civicgrid.core.request_log.RequestLogMiddleware",
    "civicgrid.core.health.HealthMiddleware",
    *MIDDLEWARE,
]
# Proxies whose X-Request-ID is kept (addresses or networks); from anyone else a new id is made.
REQUEST_ID_TRUSTED_PROXIES = env_list("REQUEST_ID_TRUSTED_PROXIES", ["127.0.0.1", "::1"])
for _proxy in REQUEST_ID_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(
            f"REQUEST_ID_TRUSTED_PROXIES: {_proxy!r} is not an address or network"
        ) from _exc
# /metrics answers only a request carrying `Authorization: Bearer <METRICS_TOKEN>`; empty: 404.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Statements slower than this (milliseconds) are logged with their SQL (never their values);
# 0 turns it off.
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 500)
