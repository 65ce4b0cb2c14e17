"""One settings module for every environment, configured from environment variables.

Every variable is listed with its default in `.env.example` and the README. The defaults are
safe for development and need no server: SQLite and a filesystem broker under `var/`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
# A local, git-ignored `.env` file is read when present; the environment always wins.
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Development without DEBUG=True gets the insecure key only inside tests and `make run`,
# which set DEBUG explicitly; a production start must provide both values below.
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])

if not DEBUG:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"Refusing to start in production (DEBUG=False) without {' and '.join(missing)}. "
            "Set them in the environment, or set DEBUG=True for local development."
        )
elif not SECRET_KEY:
    SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"  # noqa: S105

TIME_ZONE = env.str("TIME_ZONE", default="Asia/Yangon")
# Phones written without a country code are read as numbers of the site's country; of this
# region (ISO 3166 code) when the site's country is not one the portal knows (people.matching).
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="MM")
USE_TZ = True
# Each site has its own zone (`portal.Location.time_zone`); statistics keep one, so that a
# month is the same month for every site (`portal.timezones.reporting_zone`).
STATISTICS_TIME_ZONE = env.str("STATISTICS_TIME_ZONE", default="Asia/Yangon")

INSTALLED_APPS = [
    "portal",
    "people",
    "programs",
    "reports",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # allauth's list of passkeys
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_celery_beat",
    "django_celery_results",
    "django_filters",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
# Demo data and the benchmark (`seed_demo`, `bench`, `bench_session`): installed in
# development and CI, production leaves it out.
DEVTOOLS = env.bool("DEVTOOLS", default=DEBUG)
if DEVTOOLS:
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Django's, but a public view never loads the session (healthz without the database).
    "portal.middleware.LoginRequiredMiddleware",
    "portal.middleware.SessionTimeoutMiddleware",
    "portal.middleware.DeviceWipeMiddleware",
    "portal.middleware.OfflineKeyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "portal.middleware.MfaRequiredMiddleware",
    "portal.middleware.PledgeRequiredMiddleware",
    "csp.middleware.CSPMiddleware",
    "portal.middleware.SecurityHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "config.navigation.navigation",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share the file: wait for locks instead of failing at once.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # IMMEDIATE: a writing transaction takes the lock at BEGIN, so concurrent writers wait
    # (timeout) instead of failing with "database is locked" halfway through.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
# Behind PgBouncer in transaction mode (README "Scaling out"): each transaction may run on
# another server connection, so nothing may outlive one: no server-side cursors (the WITH
# HOLD cursor of `.iterator()` stays on the server it was declared on) and no prepared
# statements (Django's default binds client-side and prepares nothing; pinned here, so that
# an OPTIONS change cannot turn them on behind the pooler).
PGBOUNCER_TRANSACTION_MODE = env.bool("PGBOUNCER_TRANSACTION_MODE", default=False)
if PGBOUNCER_TRANSACTION_MODE:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None

# A PostgreSQL streaming replica for the long reads (report builds, exports, the analysts'
# dashboard): they ask for it with `portal.replica.reading_from_replica()`; every other
# read and every write stays on the primary. A replica further behind than
# REPLICA_MAX_LAG_SECONDS, or unreachable, is passed over for the primary.
REPLICA_DATABASE_URL = env.str("REPLICA_DATABASE_URL", default="")
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=30.0)
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = env.db_url_config(REPLICA_DATABASE_URL)
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    replica_options = DATABASES["replica"].setdefault("OPTIONS", {})
    # A replica that does not answer must not hold a page or a job for long.
    replica_options.setdefault("connect_timeout", env.int("REPLICA_CONNECT_TIMEOUT", default=3))
    if PGBOUNCER_TRANSACTION_MODE:
        DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = True
        replica_options["prepare_threshold"] = None
    # Tests read the replica alias from the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["portal.replica.ReplicaRouter"]
# A report build computes this many of its sections at once, each on a connection of its
# own (PostgreSQL only): its long queries then use as many of the database's cores. 1 computes
# them one after another.
REPORT_BUILD_CONNECTIONS = env.int("REPORT_BUILD_CONNECTIONS", default=2)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Broker and cache ---------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # Redis going away must not take the pages with it: on a connection error the cache
    # answers from the database (portal.cache), sign-in rate limits included.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            "FALLBACK": "fallback",
            "RETRY_AFTER": env.float("CACHE_RETRY_AFTER", default=10.0),
            # A Redis that does not answer must not hold a page for long.
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
            },
        },
        # The table is created by a migration (portal 0008), so `migrate` is enough.
        "fallback": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "portal_cache",
            "KEY_PREFIX": "portal",
        },
    }
else:
    # No server needed: kombu's filesystem transport and a file cache under var/, both shared
    # between the web, worker and beat processes (rate limits must hold across processes).
    BROKER_DIR = VAR_DIR / "broker"
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
    for folder in ("queue", "control", "processed"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- People import ---------------------------------------------------------------------------
# Bounds on every import file, upload page and command alike (see people/import_limits.py):
# no file within them can hold a worker for long or take more than a few hundred MB.
# Offline attendance: data kept on a phone this many days without a successful sync is erased.
OFFLINE_DATA_MAX_DAYS = env.int("OFFLINE_DATA_MAX_DAYS", default=7)
IMPORT_MAX_FILE_BYTES = env.int("IMPORT_MAX_FILE_BYTES", default=20 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
IMPORT_MAX_CELL_CHARS = env.int("IMPORT_MAX_CELL_CHARS", default=10_000)
IMPORT_MAX_LINE_CHARS = env.int("IMPORT_MAX_LINE_CHARS", default=200_000)
IMPORT_MAX_ERRORS = env.int("IMPORT_MAX_ERRORS", default=1000)
IMPORT_CHECK_SECONDS = env.int("IMPORT_CHECK_SECONDS", default=300)
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=150_000_000)
IMPORT_XLSX_MAX_RATIO = env.int("IMPORT_XLSX_MAX_RATIO", default=100)
IMPORT_XLSX_MAX_ENTRIES = env.int("IMPORT_XLSX_MAX_ENTRIES", default=500)

# Restricted records (issue 20): how long an opening with a reason (break-the-glass) lasts.
RESTRICTED_ACCESS_HOURS = env.int("RESTRICTED_ACCESS_HOURS", default=4)

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "portal.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_PREVENT_ENUMERATION = True
# Do not send "no account for this address" e-mails: they would let anyone mail strangers.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Support portal] "
# allauth's defaults, stated so that a change is a reviewed decision: the 6th failed login
# for one address within 5 minutes is refused.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
}

MFA_ADAPTER = "portal.adapters.MfaAdapter"
# Passkeys (WebAuthn, issue 20): as a second factor next to TOTP and recovery codes, and for
# signing in without a password (a passkey is both factors: something held, and the phone's
# or key's PIN or fingerprint). allauth's WebAuthn scripts are static files: the CSP holds.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Support portal"
# When set, admins must register a passkey before any other page (MfaRequiredMiddleware):
# phishing-resistant sign-in for the accounts that can read and export everything.
ADMIN_PASSKEY_REQUIRED = env.bool("ADMIN_PASSKEY_REQUIRED", default=False)

# Invitations: the set-password link in the e-mail is valid for 72 hours.
INVITATION_VALID_FOR = timedelta(hours=72)
# Keys for authenticated field encryption (Fernet), newest first, comma separated.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured("Refusing to start in production without FIELD_ENCRYPTION_KEYS.")
    # Development-only key (a valid Fernet key), never used when DEBUG=False.
    FIELD_ENCRYPTION_KEYS = ["ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE="]

# --- What the core asks of the domain apps (portal imports no domain app) -------------------
# Person-level exports: kind -> `(user, params) -> portal.exports.Table`.
EXPORTERS = {
    "people": "people.exporting.people_table",
    "audit": "portal.audit_log.audit_table",
}
# The audit log's "person (case number)" filter: case number -> person ids.
AUDIT_PERSON_LOOKUP = "people.selectors.person_ids_with_case_number"

# --- REST API ---------------------------------------------------------------------------------
# Deny by default; session authentication (CSRF enforced) for the browser and personal tokens
# (knox: hashed, expiring, revocable) for scripts. No HTTP Basic authentication.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": env.str("API_THROTTLE_RATE", default="1200/hour")},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("API_TOKEN_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": 5,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Support services portal API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several fields share Myanmar's list of states and regions: one schema name for it.
    "ENUM_NAME_OVERRIDES": {
        "RegionEnum": "people.choices.Region",
        "CaseStatusEnum": "people.choices.Status",
        "ClosingReasonEnum": "people.choices.ClosingReason",
        "ReportVersionStatusEnum": "reports.models.ReportVersion.Status",
    },
}

# --- Sessions ---------------------------------------------------------------------------------
# Django's database sessions, read with one short statement (portal/sessions.py).
SESSION_ENGINE = "portal.sessions"
SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security (production values unless DEBUG) ---------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        # allauth draws the TOTP QR code as an SVG data URI.
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# --- E-mail -----------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="portal@localhost")
# Absolute address of the portal, for links in e-mails sent by background tasks.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Statistics for analysts and publication: the cell-key method's perturbation table
# (reports/disclosure.py, docs/statistics.md). Counts 1 to SMALL_COUNT-1 are published as 0;
# others move by at most MAX_NOISE, with these weights for a noise of 0, ±1, ±2, …; sums of
# money are rounded to AMOUNT_ROUNDING.
STATISTICS_SMALL_COUNT = env.int("STATISTICS_SMALL_COUNT", default=5)
STATISTICS_MAX_NOISE = env.int("STATISTICS_MAX_NOISE", default=2)
STATISTICS_NOISE_PROBABILITIES = env.list(
    "STATISTICS_NOISE_PROBABILITIES", cast=float, default=[0.5, 0.2, 0.05]
)
STATISTICS_AMOUNT_ROUNDING = env.int("STATISTICS_AMOUNT_ROUNDING", default=100)
# Closed cases are anonymised after this many days (people.retention); 0 turns it off.
RETENTION_CLOSED_CASE_DAYS = env.int("RETENTION_CLOSED_CASE_DAYS", default=1825)
# "My caseload" marks an open case whose latest contact (registration, a case note, a
# follow-up done, assistance given) is this many days old or older.
CASELOAD_NO_CONTACT_DAYS = env.int("CASELOAD_NO_CONTACT_DAYS", default=30)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("my", _("Burmese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True

# --- Static files -----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Logging: request ids, never personal data ------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.logging.RequestIdFilter"},
        # A query string may hold a name or a phone number: request lines are logged without.
        "without_query_string": {"()": "portal.logging.WithoutQueryString"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
        "server": {
            "class": "logging.StreamHandler",
            "formatter": "server",
            "filters": ["without_query_string"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request warnings print the path (never the query string or a body).
        "django.db.backends": {"level": "WARNING"},
        # `manage.py runserver`'s request lines: the path without its query string.
        "django.server": {
            "handlers": ["server"],
            "filters": ["without_query_string"],
            "level": "INFO",
            "propagate": False,
        },
    },
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
