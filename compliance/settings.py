"""Settings for Verified Compliance.

Every value that differs between machines comes from the environment (or a `.env` file beside
`manage.py`), read here and nowhere else. `.env.example` documents each variable. A bad value
fails at start-up with ImproperlyConfigured rather than being guessed.
"""

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlsplit

import environ
import phonenumbers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Variables already in the environment win over the file. ENV_FILE points elsewhere (or at
# /dev/null, to ignore a developer's .env).
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")))


def strict_bool(name: str, default: bool) -> bool:
    """django-environ reads any unknown word as False; a typo in DEBUG must stop start-up instead."""
    raw = env.str(name, default="").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


DEBUG = strict_bool("DEBUG", default=False)

# A development key is only acceptable while DEBUG is on: with DEBUG off, sessions and signed
# links (password set-up links, for example) would be forgeable by anyone who read this file.
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set it in the environment or in .env "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'). "
            "Only with DEBUG=true is a development key used instead."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Production sits behind a TLS proxy that sets X-Forwarded-Proto: HTTPS only, secure cookies,
# HSTS. HTTPS=false (with DEBUG off) is for servers on loopback that nothing outside reaches:
# the benchmarks and the load tests.
HTTPS = strict_bool("HTTPS", default=not DEBUG)
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = strict_bool("HSTS_PRELOAD", default=True)
# The health check answers plain HTTP too: load balancers and monitors probe gunicorn directly.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
# Proxies whose X-Forwarded-For names the client (rate limits count per client address).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=["127.0.0.1", "::1"])
# Never framed (clickjacking); the attendee pages also send Referrer-Policy same-origin.
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# Content-Security-Policy (django-csp): scripts, styles, fonts and images only from this
# application, no inline scripts or styles, no plug-ins, never framed, forms post only here.
# Maps and tiles are links the attendee follows, not embedded, so nothing else is needed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI's stylesheet draws its icons as data: SVGs.
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The absolute origin printed in meeting QR codes and set-password links (PUBLIC_BASE_URL +
# /q/<qr_code>). Required with DEBUG off: posters are generated from the staff site and scanned
# elsewhere, so a request's origin is not the attendees'. Unset in development, links follow the
# address the page was served on (core/links.py), whatever port `make run` uses.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").strip()
if PUBLIC_BASE_URL:
    _base_url = urlsplit(PUBLIC_BASE_URL)
    if _base_url.scheme not in ("http", "https") or not _base_url.netloc:
        raise ImproperlyConfigured("PUBLIC_BASE_URL must be an absolute http(s) URL, e.g. https://example.org")
    PUBLIC_BASE_URL = PUBLIC_BASE_URL.rstrip("/")
elif not DEBUG:
    raise ImproperlyConfigured(
        "PUBLIC_BASE_URL is not set: the origin printed in QR codes and links, e.g. https://attend.example.org. "
        "Only with DEBUG=true may it be left out (links then follow the address the page was served on)."
    )

# Attendance rules live in policy versions (policies/models.py, README: "What counts as
# attended"): the radius without a meeting and the worst accepted accuracy included.
# Phones queue events while offline; older than this, a client timestamp is refused.
MAX_CLIENT_DELAY = dt.timedelta(seconds=env.int("MAX_CLIENT_DELAY_SECONDS", default=7 * 24 * 3600))
# Clocks drift; a client timestamp further ahead of the server's than this is refused.
MAX_CLIENT_CLOCK_AHEAD = dt.timedelta(minutes=5)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "phonenumber_field",
    "simple_history",
    "csp",
    # Helpers first, then the domain, then the interfaces on top (README: "What is here").
    "core",
    "access",
    "contacts",
    "policies",
    "meetings",
    "attendance",
    "mandates",
    "legacy",
    "staff",
    "portal",
    "api",
    "operations",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything can hand a NUL character to the database (core/middleware.py).
    "core.middleware.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Lets the audit trail (django-simple-history) know who made each change.
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "compliance.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "compliance.wsgi.application"

# Embedded SQLite by default; PostgreSQL 15+ with DATABASE_URL=postgres://user@host:5432/name.
DATABASE_URL = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
# Each worker keeps its connection for a minute instead of opening one per request (a new
# PostgreSQL connection costs milliseconds, more than a check-in's queries); a connection the
# server dropped (a restart) is noticed before use and replaced.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"].get("ENGINE") not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// URL (SQLite or PostgreSQL 15+).")

if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that stops answering (a host down, packets dropped) fails the request with a
    # 503 (core/error_pages.py) in seconds, instead of holding a worker until gunicorn's
    # timeout: libpq waits DB_CONNECT_TIMEOUT for a new connection, and an open one (workers
    # keep theirs) gives up when what it sent goes unacknowledged for DB_TCP_TIMEOUT seconds.
    # Keepalives notice a dead server behind an idle connection. URL parameters win.
    for option, value in {
        "connect_timeout": env.int("DB_CONNECT_TIMEOUT", default=5),
        "tcp_user_timeout": env.int("DB_TCP_TIMEOUT", default=15) * 1000,  # milliseconds
        "keepalives_idle": 30,
        "keepalives_interval": 10,
        "keepalives_count": 3,
    }.items():
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(option, value)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several requests at once on the embedded database: with write-ahead logging readers do
    # not block the writer, and IMMEDIATE transactions take the write lock when they begin, so
    # a second writer waits for it instead of failing halfway with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL", "timeout": 10}
    )

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# Contacts (attendees) use Django's hashers too. The legacy system stored raw bcrypt hashes;
# LegacyBcryptPasswordHasher verifies them and Django re-hashes with the first hasher on the
# next successful sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "contacts.hashers.LegacyBcryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff accounts open people's locations and legal evidence: at least 12 characters.
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Numbers typed without a country code ("(503) 555-0100") are read in this region before
# being stored in E.164.
PHONENUMBER_DEFAULT_REGION = env.str("PHONE_REGION", default="US").upper()
if PHONENUMBER_DEFAULT_REGION not in phonenumbers.SUPPORTED_REGIONS:
    raise ImproperlyConfigured(
        f"PHONE_REGION must be a two-letter region code such as US, not {PHONENUMBER_DEFAULT_REGION!r}."
    )
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "static/"
# Where collectstatic gathers the files whitenoise serves in production.
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.authentication.BearerTokenAuthentication",
        # Staff signed in to the site, for the browsable API; CSRF-protected.
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Nothing is open by default: every view names who may call it.
    "DEFAULT_PERMISSION_CLASSES": ["access.permissions.IsStaff"],
    # JSON only, for every view (api/parsers.py): a form or multipart body answers 415. A
    # form cannot say "true" or null, so a field would change meaning with the encoding (an
    # omitted is_active read as false); the browsable API keeps its raw JSON form.
    "DEFAULT_PARSER_CLASSES": ["api.parsers.StrictJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "api.common.Pagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.common.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": False,
}

# Limits on recording events, by the API and the phone page alike (access/throttles.py): a phone
# sends a few events a minute; a venue's attendees share its Wi-Fi, hence its address.
# (EVENT_RATE_PER_TOKEN is this limit's earlier name, still read.)
EVENT_RATE_PER_ACCOUNT = env.str("EVENT_RATE_PER_ACCOUNT", default=env.str("EVENT_RATE_PER_TOKEN", default="60/min"))
EVENT_RATE_PER_ADDRESS = env.str("EVENT_RATE_PER_ADDRESS", default="1200/min")
for _rate in ("EVENT_RATE_PER_ACCOUNT", "EVENT_RATE_PER_ADDRESS"):
    if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", globals()[_rate]):
        raise ImproperlyConfigured(f"{_rate} must be a rate such as 60/min, not {globals()[_rate]!r}.")

SPECTACULAR_SETTINGS = {
    "TITLE": "Verified Compliance API",
    "DESCRIPTION": (
        "Attendance at mandated meetings, verified by the server. Attendees sign in with "
        "POST /api/v1/auth/token/ and send `Authorization: Bearer <token>`; staff integrations use a "
        "token from `manage.py create_api_token`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Paths are absolute (/api/v1/...): a client's base URL is the server's origin.
    "SERVERS": [{"url": "/", "description": "The server that serves this document."}],
    # Swagger UI's JavaScript and CSS come from this application (drf-spectacular-sidecar).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.common.document_shared_answers",  # 401 and 503, wherever they can happen
    ],
}

# How long an attendee's API token lasts before they must sign in again.
CONTACT_TOKEN_LIFETIME = dt.timedelta(days=env.int("CONTACT_TOKEN_LIFETIME_DAYS", default=30))

# The court report's letterhead (mandates/court_report.py): the agency that issues it, as the
# court knows it. REPORT_LOGO_PATH, optional, is a PNG, JPEG or SVG file on this server, embedded
# in the document (nothing is fetched when a report is drawn).
REPORT_AGENCY_NAME = env.str("REPORT_AGENCY_NAME", default="Verified Compliance").strip()
REPORT_AGENCY_ADDRESS = env.str("REPORT_AGENCY_ADDRESS", default="").strip()
REPORT_AGENCY_PHONE = env.str("REPORT_AGENCY_PHONE", default="").strip()
REPORT_LOGO_PATH = env.str("REPORT_LOGO_PATH", default="").strip()
if REPORT_LOGO_PATH and not Path(REPORT_LOGO_PATH).is_file():
    raise ImproperlyConfigured(f"REPORT_LOGO_PATH is not a file: {REPORT_LOGO_PATH!r}.")
if not REPORT_AGENCY_NAME:
    raise ImproperlyConfigured("REPORT_AGENCY_NAME must not be empty: it heads every court report.")
# Public report verification (/verify/<number>/): lookups allowed per client address per window,
# so that report numbers cannot be guessed by trying many.
REPORT_VERIFY_LOOKUPS = env.int("REPORT_VERIFY_LOOKUPS", default=20)
REPORT_VERIFY_WINDOW_SECONDS = env.int("REPORT_VERIFY_WINDOW_SECONDS", default=10 * 60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # core/logs.py: tokens, cookies and passwords never reach the log.
        "redacted": {"()": "core.logs.RedactingFormatter", "format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "redacted"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # WeasyPrint (court report PDFs) logs every step and page at INFO: only its warnings.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}
