"""
Settings for Summit Tracker, read from environment variables.

Without a variable, what is local is the default (SQLite, Celery tasks run eagerly, mail printed to the
console); `make run` writes DEBUG=1 and a key of the checkout's own into .env, which manage.py reads,
so that a fresh checkout runs.
Production sets DATABASE_URL, REDIS_URL, SECRET_KEY, SITE_URL, ALLOWED_HOSTS and the EMAIL_* variables
(docs/deployment.md). With DEBUG off the process refuses to start on a missing or placeholder
SECRET_KEY, or without SITE_URL.
"""

import datetime
import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    """Return the boolean value of environment variable `name` ("1", "true", "yes", "on" are true)."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)

# Local development gets a throwaway key; production must bring its own (Django's own rules for a
# strong key: at least 50 characters, 5 distinct ones, not the "django-insecure-" placeholder).
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = "django-insecure-local-development-only-never-use-in-production"
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters when DEBUG is off "
        '(python3 -c "import secrets; print(secrets.token_urlsafe(50))").'
    )

# The address the site is served at, e.g. https://tracker.example.org: every absolute link starts with
# it, whatever host a request came through (tracker/addresses.py). `make run` writes the address it
# serves on into .env; production must say it, or links would lead to a laptop.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
_site = urlsplit(SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path or _site.query:
    raise ImproperlyConfigured(
        f"SITE_URL must be the address the site is served at, e.g. https://tracker.example.org "
        f"(a scheme and a host, no path); it is {SITE_URL!r}."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", f"127.0.0.1,localhost,{_site.hostname}" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    # Full-text search's lookups and the unaccent extension, on PostgreSQL (tracker/search.py).
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Cross-origin reads of the open data (CORS_* below).
    "corsheaders",
    # Django's form templates, for the form renderer below.
    "django.forms",
    "django_countries",
    "django_filters",
    "import_export",
    "rest_framework",
    # The API's tokens, hashed and expiring (tracker/models/tokens.py, tracker/api/tokens.py).
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    # Failed sign-ins, counted by account and by client address (tracker/throttling.py).
    "axes",
    # Two-step sign-in's keys (tracker/workspace/second_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cross-origin reads of the open data (CORS_* below). Before every middleware that can answer on its
    # own (the page cache, ConditionalGet's 304s, WhiteNoise, CommonMiddleware's redirects), so that
    # those answers carry its headers too; and outside the page cache, whose entries it must not
    # reach: the `Vary: Origin` it adds would keep them from being stored (tracker/cache.py).
    "tracker.headers.ReadOnlyCorsMiddleware",
    # Content-Security-Policy, Permissions-Policy and private caching for signed-in answers, outside
    # the page cache so that the answers it gives carry them too.
    "csp.middleware.CSPMiddleware",
    "tracker.headers.SecurityHeadersMiddleware",
    # The data's licence in a Link header on every API answer, cached ones included.
    "tracker.headers.ApiLicenceMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # An ETag on every page, feed and API answer that has none, and 304 Not Modified when the client
    # already holds it (streamed answers such as the CSV are left alone).
    "django.middleware.http.ConditionalGetMiddleware",
    # Anonymous reads from the cache, keyed by the last public change (tracker/cache.py).
    "tracker.cache.AnonymousPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, answering browsers that ask for neither language in English (tracker/languages.py).
    "tracker.languages.BrowserLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A write SQLite could not take in time answers 409, not 500 (tracker/errors.py).
    "tracker.errors.DatabaseBusyMiddleware",
    # Records which user made each change in the history tables.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Answers a locked-out sign-in (last, as django-axes asks).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "summit.urls"
WSGI_APPLICATION = "summit.wsgi.application"

# What a page may load and run: its own styles and images, no script but the API docs' (their views
# widen it), nothing framed elsewhere. The status colours are set in style attributes, which
# style-src-attr allows without allowing <style> elements. The site itself runs no JavaScript.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Forms render with the project's templates, so that templates/django/forms/ overrides Django's own
# (a <select> that writes its options itself).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"

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
                "django.template.context_processors.i18n",
                "tracker.context_processors.site",
            ],
        },
    },
]

# SQLite beside the code unless DATABASE_URL names another database (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiler pays off for long analytical queries, not for pages: it spent 1.6 s of a
# 2 s CSV export compiling (measured on the synthetic data). Off for this application's sessions, added
# to any options DATABASE_URL gives. Behind PgBouncer (which refuses startup options) set DB_JIT_OFF=0
# and run ALTER ROLE … SET jit = off instead.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and envbool("DB_JIT_OFF", True):
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# Parameters bound by PostgreSQL rather than pasted into the SQL, so that psycopg can prepare the
# statements a connection runs again and again (after DB_PREPARE_THRESHOLD runs): PostgreSQL then
# plans each once a connection, not once a query. It halved the database time of the commitment page
# and the API (14 queries each; measured on the synthetic data). PgBouncer before 1.21 in transaction
# mode cannot keep prepared statements: set DB_PREPARE_THRESHOLD=0 behind one.
PREPARE_THRESHOLD = envint("DB_PREPARE_THRESHOLD", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PREPARE_THRESHOLD:
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("server_side_binding", True)
    options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
# SQLite takes one writer at a time. A transaction begun as DEFERRED (SQLite's default) that reads,
# then writes, fails at once with "database is locked" when another wrote meanwhile; IMMEDIATE takes
# the write lock when the transaction begins, so concurrent writes queue for up to `timeout` seconds
# (Django 5.1+). What still waits longer answers 409 (tracker/errors.py), not 500. Issue #24.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options.setdefault("transaction_mode", "IMMEDIATE")
    options.setdefault("timeout", 10)  # seconds, well within gunicorn's 30 (DATABASE_URL: ?timeout=)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# How long an anonymous page stays in the cache (tracker/cache.py). A public change retires every
# entry at once; this bounds only what a write that bypasses model signals could leave, and, with the
# requests made within it, the cache's size (docs/deployment.md, "Redis"). PAGE_CACHE=0 switches the
# cache off (the benchmark's uncached run); Last-Modified and ETags stay.
TRACKER_PAGE_CACHE_SECONDS = envint("PAGE_CACHE_SECONDS", 600) if envbool("PAGE_CACHE", True) else 0
# What each process keeps of the page cache in its own memory (the `pages` cache below): the generation
# for a few seconds, so that another process's change shows within them, and the entries it served, for
# at most a minute (a shorter life than the shared entries', as it is not shared).
TRACKER_PAGE_GENERATION_SECONDS = envint("PAGE_GENERATION_SECONDS", 2)
TRACKER_PAGE_LOCAL_SECONDS = min(TRACKER_PAGE_CACHE_SECONDS, envint("PAGE_LOCAL_SECONDS", 60))
# Entries a process keeps, uncompressed: 2 to 85 KB (the calendar 280 KB), up to about 25 MB a process.
PAGE_LOCAL_ENTRIES = envint("PAGE_LOCAL_ENTRIES", 300)

REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache's Redis. In production an instance apart from the broker's: the cache's evicts under
# `maxmemory`, which on the broker's would drop queued reminders (docs/deployment.md, "Redis"). The
# broker's by default (development, CI).
CACHE_URL = os.environ.get("CACHE_URL", REDIS_URL)
if CACHE_URL:
    # django-redis rather than Django's own backend: it keeps one client per process (Django's builds
    # one per call, a third of a cached page's time), and a Redis outage degrades to cache misses
    # instead of failing every page.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": CACHE_URL,
            # Every key expires (pages, throttle counters, sessions at their age) but the page cache's
            # generation, so that `volatile-lru` never evicts it.
            "TIMEOUT": 300,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                # Pages and API answers shrink four to eight times, for ~0.05 ms to read one back.
                "COMPRESSOR": "django_redis.compressors.zlib.ZlibCompressor",
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    # Several web processes (or machines) serve the same visitors: sessions are read from Redis, shared
    # by all, and written through to the database, which stays the durable store (flushing or
    # restarting Redis, or evicting a session, signs nobody out).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rate counters (tracker/throttling.py): the same Redis, but an outage raises instead of reading as
# a miss, so that throttles refuse rather than let everything through.
CACHES["throttles"] = (
    {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttles"}
)
# This process's copies of the page cache's generation and entries (tracker/cache.py).
CACHES["pages"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "pages",
    "OPTIONS": {"MAX_ENTRIES": PAGE_LOCAL_ENTRIES},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# History (django-simple-history) is a record, not an undo button: reverting an old version in the
# admin would change statuses and published updates behind tracker/workflow.py's back.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Accounts: representatives and editors sign in on the site (in its language), then land on their
# workspace; the admin keeps its own sign-in page.
# Sign-in (the site's and the admin's) is refused for AXES_COOLOFF_TIME after AXES_FAILURE_LIMIT
# failures for one account, or from one client address, whichever comes first; a success resets the
# count. Failures are kept in the database, so an outage of Redis does not lift the limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "tracker.throttling.client_address"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The name an authenticator app shows beside the account (two-step sign-in).
OTP_TOTP_ISSUER = "Summit Tracker"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tracker:my_commitments"
LOGOUT_REDIRECT_URL = "tracker:home"

# Internationalisation: French is the source language of the summit documents, English the other
# language every commitment carries. Deadlines are judged in the site's zone (tracker/dates.py).
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# How each language writes dates and times, one way site-wide (summit/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["summit.formats"]

# Cross-origin requests (django-cors-headers): any site's script may read the open data — the API, the
# CSV, the feeds, the calendar, the badges, the social cards and the data package — without
# credentials: `Access-Control-Allow-Origin: *`, never with cookies. Only reads: a write, or the
# preflight for one, gets no CORS header at all (tracker.headers.ReadOnlyCorsMiddleware).
# Pages, the workspaces, the admin and the API's documentation pages send no CORS headers.
# (The data package's files are under data/, the page that lists them is data/ itself.)
CORS_URLS_REGEX = (
    r"^/(?:api/(?!docs/|redoc/)"
    rf"|(?:{'|'.join(code for code, _name in LANGUAGES)})/"
    r"(?:commitments[\w-]*\.csv$|feeds/|calendar\.ics$|badges/|cards/|data/."
    r"|reports/[\w-]+\.(?:csv|json|pdf)$))"
)
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
# What a read may send: content negotiation, and revalidation of a copy it holds.
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-match", "if-modified-since", "if-none-match"]
# What a script may read besides the safelisted headers: the version to revalidate with, the licence
# (Link), and how long to wait when throttled.
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Link", "Retry-After"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# E-mail: printed to the console unless an SMTP host is configured.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# The folder EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes to (deploy/smoke.py).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH") or None
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Summit Tracker <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security: production answers over HTTPS only. Behind a proxy that terminates TLS, set
# SECURE_PROXY_SSL_HEADER=1 so Django trusts its X-Forwarded-Proto header.
if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Load balancers check the web processes over plain HTTP, and count a redirect as a failure.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Joining the browsers' HSTS preload list is a decision for the operator of a domain, not a default
# (it cannot be undone quickly), so the deploy check's reminder about it is silenced here.
SILENCED_SYSTEM_CHECKS = ["security.W021"]

# Celery. Without REDIS_URL there is no broker: tasks run eagerly, in the calling process, and
# `manage.py` commands do the periodic work (cron). With REDIS_URL, Redis is broker and result store.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it has finished, so a worker killed mid-task leaves it to another
# worker; tasks must therefore be safe to run twice (they claim their work in the database).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One message at a time per worker process: tasks are long sweeps, not tiny jobs.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_TIME_LIMIT = 300
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic tasks, named for what they do and when. The schedule lives here, in code and reviewed like
# it, rather than in the database (django-celery-beat): what editors control is per commitment (a
# hold) and per recipient (opt-outs), not when the sweeps run.
CELERY_BEAT_SCHEDULE = {
    "reminders-plan-and-send-hourly": {
        "task": "tracker.tasks.send_reminders",
        "schedule": envint("REMINDER_SWEEP_SECONDS", 3600),
    },
    "reminders-retry-every-minute": {
        "task": "tracker.tasks.deliver_reminders",
        "schedule": envint("REMINDER_DELIVER_SECONDS", 60),
    },
    # Hourly rather than a Monday crontab: the week's digest goes at the first run from Monday 08:00
    # on, and still goes later in the week if beat was down then (tracker/reminders.py: plan_digest).
    "editors-digest-weekly-checked-hourly": {
        "task": "tracker.tasks.send_digest",
        "schedule": 3600,
    },
    # The followers' news: a sweep catches what the task run after each publication missed (a broker
    # down, a transaction committed late); their weekly digest, checked hourly as the editors' is.
    "followers-news-every-ten-minutes": {
        "task": "tracker.tasks.announce",
        "schedule": envint("FOLLOW_SWEEP_SECONDS", 600),
    },
    "followers-digest-weekly-checked-hourly": {
        "task": "tracker.tasks.send_follow_digest",
        "schedule": 3600,
    },
}

# REST API (tracker/api): public reads, token or session writes, anonymous clients throttled.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tracker.api.tokens.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "tracker.api.pagination.Pagination",
    # A body too deep or too large answers a JSON 400 or 413, as other errors do (tracker/api/errors.py).
    "DEFAULT_PARSER_CLASSES": [
        "tracker.api.errors.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "tracker.api.errors.handle",
    "DEFAULT_THROTTLE_CLASSES": ["tracker.throttling.AnonymousRate"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/minute"),
        # Password-reset mails (tracker/throttling.py): to one address, and from one client.
        "password_reset_address": os.environ.get("PASSWORD_RESET_ADDRESS_RATE", "3/hour"),
        "password_reset_client": os.environ.get("PASSWORD_RESET_CLIENT_RATE", "10/hour"),
        # Sign-ups to follow by e-mail (tracker/throttling.py): to one address, and from one client.
        "follow_address": os.environ.get("FOLLOW_ADDRESS_RATE", "3/hour"),
        "follow_client": os.environ.get("FOLLOW_CLIENT_RATE", "20/hour"),
    },
    # Clients are told apart by REMOTE_ADDR; behind NUM_PROXIES proxies of ours, by the address the
    # nearest one saw (X-Forwarded-For read from the right). Never by what the client writes there.
    "NUM_PROXIES": envint("NUM_PROXIES", 0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens (django-rest-knox): only a digest is stored, and each token ends API_TOKEN_DAYS after it is
# made, or sooner when its user's password changes or the account is deactivated. Clients still send
# `Authorization: Token <key>`, as with DRF's tokens before them.
KNOX_TOKEN_MODEL = "tracker.ApiToken"
# knox's migrations make its own token table even when its model is swapped for ours: an unknown table
# whose foreign key to the users then stops `flush` (a TRUNCATE of the known tables). Nothing of
# knox's is stored, so its migrations do not run.
MIGRATION_MODULES = {"knox": None}
REST_KNOX = {
    "TOKEN_TTL": datetime.timedelta(days=envint("API_TOKEN_DAYS", 90)),
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Summit Tracker API",
    "DESCRIPTION": "Open data on the commitments of the Paris AI Action Summit (February 2025), and progress "
    "reporting for their owners. Texts come in French or English: send Accept-Language or ?lang=. This "
    "schema is in English whatever the language asked for.\n\n"
    "The data is under the Creative Commons Attribution 4.0 International licence (CC BY 4.0): reuse it "
    'freely, crediting "Summit Tracker, CC BY 4.0" with a link to the page or dataset, and the sources '
    "it cites. The code that serves it is under the Apache License 2.0; the licence stated here is the "
    "data's.",
    "VERSION": "1.0.0",
    # The data's licence, as the site's licence page gives it (docs/licence.md).
    "LICENSE": {"name": "CC-BY-4.0", "url": "https://creativecommons.org/licenses/by/4.0/"},
    # In English for every reader: names generated from the schema must not change with the language.
    "DEFAULT_GENERATOR_CLASS": "tracker.api.schema.SchemaGenerator",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI and Redoc from the installed sidecar package, not from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "tracker.api.schema.document_errors",
        "tracker.api.schema.document_open_reads",
        "tracker.api.schema.untitle_parameters",
    ],
    "ENUM_NAME_OVERRIDES": {
        "OwnerKindEnum": "tracker.choices.OwnerKind",
        "CommitmentKindEnum": "tracker.choices.CommitmentKind",
        "DatePrecisionEnum": "tracker.dates.DatePrecision",
        "StatusEnum": "tracker.choices.Status",
    },
}

# Spreadsheet import and export (django-import-export): importing needs the permission to add.
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
# No IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT: the admin's formats (tracker/spreadsheets.py) make every
# cell safe themselves; import-export's setting strips a leading "=" only, and would change the text.

# What the tracker calls "due soon" and "stale"; the querysets read these (tracker/models/querysets.py).
TRACKER_DUE_SOON_DAYS = envint("TRACKER_DUE_SOON_DAYS", 30)
TRACKER_STALE_AFTER_DAYS = envint("TRACKER_STALE_AFTER_DAYS", 90)

# Reminders (tracker/reminders.py). Before each open deadline, at these many days; after it, the day
# after and then every REPEAT days; editors hear of a deadline after ESCALATE_AFTER unanswered
# overdue reminders. A failed e-mail is retried after RETRY_SECONDS, doubling each time, up to
# MAX_ATTEMPTS tries, then marked failed for the editors. Sweeps work in batches of BATCH.
TRACKER_REMINDER_LEAD_DAYS = [int(days) for days in envlist("TRACKER_REMINDER_LEAD_DAYS", "30,7,1")]
TRACKER_OVERDUE_REPEAT_DAYS = envint("TRACKER_OVERDUE_REPEAT_DAYS", 7)
TRACKER_ESCALATE_AFTER = envint("TRACKER_ESCALATE_AFTER", 3)
TRACKER_REMINDER_RETRY_SECONDS = envint("TRACKER_REMINDER_RETRY_SECONDS", 60)
TRACKER_REMINDER_MAX_ATTEMPTS = envint("TRACKER_REMINDER_MAX_ATTEMPTS", 5)
# A failed reminder gets another round of MAX_ATTEMPTS tries at each sweep (hourly), up to this many
# rounds in all: an outage of the mail server of an hour or two loses nothing.
TRACKER_REMINDER_FAILED_ROUNDS = envint("TRACKER_REMINDER_FAILED_ROUNDS", 3)
# A reminder caught "sending" for longer than this (its worker died mid-send) is tried again.
TRACKER_REMINDER_LEASE_SECONDS = envint("TRACKER_REMINDER_LEASE_SECONDS", 600)
# Outcomes are written after this many messages: the most each worker process killed outright could
# send twice (docs/reminders.md, "Exactly once").
TRACKER_REMINDER_RECORD_EVERY = envint("TRACKER_REMINDER_RECORD_EVERY", 20)
TRACKER_REMINDER_BATCH = envint("TRACKER_REMINDER_BATCH", 200)
# Following by e-mail (tracker/following.py, docs/following.md): how long a confirmation link is valid,
# and an unconfirmed sign-up (an address) kept; how far back each sweep looks for events.
TRACKER_FOLLOW_CONFIRM_DAYS = envint("TRACKER_FOLLOW_CONFIRM_DAYS", 7)
TRACKER_FOLLOW_LOOKBACK_HOURS = envint("TRACKER_FOLLOW_LOOKBACK_HOURS", 48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
