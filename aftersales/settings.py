"""Aftersales settings: the one place where the environment is read.

Every variable has a safe development default, except the secret key in production. Unset,
the system runs on its embedded default: SQLite under var/, kombu's filesystem broker under
var/celery/, a local-memory cache, and e-mail/SMS written to var/outbox/. With DATABASE_URL and
REDIS_URL (or CELERY_BROKER_URL) set, it uses PostgreSQL and Redis. README.md lists every
variable with its default.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    """Read a boolean variable: 1/true/yes/on are true, 0/false/no/off/empty are false."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    """Read a comma-separated variable into a list, dropping blanks."""
    return [
        item.strip()
        for item in os.environ.get(name, default).split(",")
        if item.strip()
    ]


# --- Core -----------------------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off (production). "
            "For local use run `make run`, which sets DJANGO_DEBUG=1."
        )
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105  # DEBUG only

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

VAR_DIR = Path(os.environ.get("AFTERSALES_VAR_DIR", BASE_DIR / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Customer archives without activity for this many days are anonymised by the monthly
# retention job (PIPL); 5 years by default.
AFTERSALES_RETENTION_DAYS = int(
    os.environ.get("AFTERSALES_RETENTION_DAYS", str(5 * 365))
)

# Region of phone numbers written without a country code (ISO 3166 code).
AFTERSALES_PHONE_REGION = os.environ.get("AFTERSALES_PHONE_REGION", "CN")

# Demo data may be loaded only where this is on (never under production settings).
DEMO_DATA_ALLOWED = env_bool("AFTERSALES_DEMO_DATA", DEBUG)

INSTALLED_APPS = [
    "aftersales",
    "standards",
    "customers",
    "tickets",
    "feedback",
    "portal",
    "dashboards",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "csp",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aftersales.middleware.RequestSizeLimitMiddleware",
    "aftersales.middleware.RejectNullBytesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aftersales.middleware.ProfileLanguageMiddleware",
    "aftersales.middleware.SessionActivityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "aftersales.middleware.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # last, as django-axes asks: it turns a locked-out sign-in into the lockout answer
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aftersales.urls"
WSGI_APPLICATION = "aftersales.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aftersales.context_processors.navigation",
            ],
        },
    },
]
# Django's renderer with `<select>` built in Python (aftersales/renderers.py).
FORM_RENDERER = "aftersales.renderers.FormRenderer"

# --- Database -------------------------------------------------------------------------------


def postgres_options() -> dict:
    """The session settings of our PostgreSQL connections. Plan for SSD storage:
    PostgreSQL's default random_page_cost of 4 assumes spinning disks and made broad
    searches scan whole tables at a million cases (158 ms -> 15 ms for a common surname);
    PG_RANDOM_PAGE_COST overrides it. No JIT compilation: the product's queries are short;
    compiling the dashboards' aggregates cost 10-20 ms each at a million cases and saved
    nothing (PG_JIT=on brings it back)."""
    cost = float(os.environ.get("PG_RANDOM_PAGE_COST", "1.1"))
    jit = "on" if os.environ.get("PG_JIT") == "on" else "off"
    return {"options": f"-c random_page_cost={cost} -c jit={jit}"}


DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write to one file: wait for the lock instead of
    # failing with "database is locked", and take the write lock at BEGIN (Django >= 5.1).
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {}).update(postgres_options())
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Browser security headers ------------------------------------------------------------------

# Content-Security-Policy on every response (django-csp; enforced, not report-only): scripts
# only from our own static files (no inline script, no inline event handler, no eval);
# styles from our files and style attributes (31 templates use them; Swagger UI injects
# styles); nothing framed; forms post only here. File downloads set a stricter one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Permissions-Policy (aftersales.middleware.PermissionsPolicyMiddleware): the powerful
# features are off, but the camera for our own pages (photos of a repair).
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=(), "
    "bluetooth=(), midi=(), magnetometer=(), gyroscope=(), accelerometer=(), "
    "display-capture=(), fullscreen=(self), browsing-topics=()"
)

# --- Cache ----------------------------------------------------------------------------------

REDIS_URL = os.environ.get("REDIS_URL", "")
# `shared`: what every process must see alike (the data stamp, aftersales/datastamp.py):
# the same Redis, else a folder of the var directory (the web server and the Celery
# worker are separate processes).
# Redis fails open and fast (aftersales/cache.py): short socket timeouts, then a miss.
if REDIS_URL:
    _redis = {
        "BACKEND": "aftersales.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "socket_connect_timeout": float(
                os.environ.get("REDIS_CONNECT_TIMEOUT", "0.3")
            ),
            "socket_timeout": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
        },
    }
    CACHES = {"default": _redis, "shared": _redis}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        },
    }
# Rate limits (django-ratelimit) let requests through when the cache cannot count them
# (Redis down or hung): the service stays up, a little less protected (issue #14).
RATELIMIT_FAIL_OPEN = True
# How long the dashboards keep a figure computed (seconds; 0: never kept). A kept figure
# is also dropped as soon as the business data changes (the data stamp).
DASHBOARD_CACHE_SECONDS = int(os.environ.get("DASHBOARD_CACHE_SECONDS", "300"))

# --- Auth -----------------------------------------------------------------------------------

AUTH_USER_MODEL = "aftersales.User"
AUTHENTICATION_BACKENDS = [
    "aftersales.backends.LockoutBackend",  # refuses a locked-out account or address
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed or successful, a login form answers at most this often per client address.
LOGIN_RATE_LIMIT = os.environ.get("AFTERSALES_LOGIN_RATE", "20/m")
# Proxies in front of the web server that append to X-Forwarded-For (0: none; the client
# is REMOTE_ADDR). Every per-address limit keys on aftersales.clients.client_ip.
AFTERSALES_TRUSTED_PROXIES = int(os.environ.get("AFTERSALES_TRUSTED_PROXIES", "0"))
RATELIMIT_IP_META_KEY = "aftersales.clients.client_ip"
# Lockout after failed sign-ins (django-axes), on every path that checks a password
# (staff sign-in, admin, API token): per account and, separately, per client address,
# AXES_FAILURE_LIMIT failures lock for AXES_COOLOFF_TIME; a success clears the count.
AXES_FAILURE_LIMIT = int(os.environ.get("AFTERSALES_LOCKOUT_FAILURES", "10"))
AXES_COOLOFF_TIME = timedelta(
    minutes=int(os.environ.get("AFTERSALES_LOCKOUT_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "aftersales.clients.axes_client_ip"
AXES_LOCKOUT_CALLABLE = "aftersales.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_USERNAME_FORM_FIELD = "username"
# Public forms of the customer portal and the survey link (per client address).
PUBLIC_FORM_RATE_LIMIT = os.environ.get("AFTERSALES_PUBLIC_FORM_RATE", "10/m")
# Absolute links in e-mails and SMS (tracking links, survey links, notifications).
AFTERSALES_BASE_URL = os.environ.get(
    "AFTERSALES_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)
# Case attachments: largest upload accepted (bytes), and the largest image (pixels).
AFTERSALES_ATTACHMENT_MAX_BYTES = int(
    os.environ.get("AFTERSALES_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
)
AFTERSALES_IMAGE_MAX_PIXELS = int(
    os.environ.get("AFTERSALES_IMAGE_MAX_PIXELS", "40000000")
)
# Largest request body (bytes): three portal photos at the attachment limit and some
# room; larger requests are answered 413 before they are read.
AFTERSALES_MAX_REQUEST_BYTES = int(
    os.environ.get(
        "AFTERSALES_MAX_REQUEST_BYTES", str(3 * AFTERSALES_ATTACHMENT_MAX_BYTES + 2**20)
    )
)
# The unit that receives complaints filed on the customer portal (its code).
AFTERSALES_PORTAL_UNIT = os.environ.get("AFTERSALES_PORTAL_UNIT", "sh-hotline")
# The customer's follow-up answer page (per client address).
FOLLOWUP_ANSWER_RATE = os.environ.get("AFTERSALES_FOLLOWUP_ANSWER_RATE", "30/m")
# One-time codes of the portal: per contact and per client address; tracking link lifetime.
AFTERSALES_PORTAL_CODE_RATE = os.environ.get("AFTERSALES_PORTAL_CODE_RATE", "3/10m")
AFTERSALES_PORTAL_CODE_IP_RATE = os.environ.get(
    "AFTERSALES_PORTAL_CODE_IP_RATE", "20/h"
)
AFTERSALES_PORTAL_TRACKING_DAYS = int(
    os.environ.get("AFTERSALES_PORTAL_TRACKING_DAYS", "90")
)

# --- Internationalisation -------------------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("AFTERSALES_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("AFTERSALES_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = (
    "/media/"  # never served publicly: uploads go through permission-checked views
)
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
WHITENOISE_USE_FINDERS = DEBUG

# --- Security -------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
# A signed-in session ends after this long without a page (the session is renewed at
# most every few minutes while pages are opened: aftersales.middleware); API tokens
# expire after AFTERSALES_TOKEN_DAYS and are revoked when the password changes.
SESSION_COOKIE_AGE = 60 * int(os.environ.get("AFTERSALES_SESSION_IDLE_MINUTES", "60"))
AFTERSALES_TOKEN_DAYS = int(os.environ.get("AFTERSALES_TOKEN_DAYS", "30"))
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Outgoing messages ----------------------------------------------------------------------

OUTBOX_DIR = VAR_DIR / "outbox"


def _email_settings(url: str) -> dict:
    """Translate EMAIL_URL (outbox://, console://, smtp://, smtps://) into Django settings."""
    parts = urlsplit(url)
    scheme = parts.scheme
    if scheme == "outbox":
        return {"EMAIL_BACKEND": "aftersales.outbox.OutboxEmailBackend"}
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme in {"smtp", "smtps"}:
        query = parse_qs(parts.query)
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": parts.hostname or "localhost",
            "EMAIL_PORT": parts.port or (465 if scheme == "smtps" else 25),
            "EMAIL_HOST_USER": unquote(parts.username or ""),
            "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
            "EMAIL_USE_SSL": scheme == "smtps",
            "EMAIL_USE_TLS": query.get("tls", ["0"])[0] in {"1", "true"},
            "EMAIL_TIMEOUT": 10,
        }
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {scheme!r} is not one of outbox, console, smtp, smtps"
    )


globals().update(_email_settings(os.environ.get("EMAIL_URL", "outbox://")))

# The service mailbox (portal/inbound.py): imaps://user:password@host:993/INBOX, read by
# the beat job `mailbox-poll`; empty: no mailbox. MAILBOX_CA_FILE: a PEM file of the
# authorities that sign the server's certificate (default: the system's).
MAILBOX_URL = os.environ.get("MAILBOX_URL", "")
MAILBOX_CA_FILE = os.environ.get("MAILBOX_CA_FILE", "")
# The type of a case opened from an e-mail (the text does not say; complaints are the
# most common and the strictest clocks).
AFTERSALES_MAIL_CASE_TYPE = os.environ.get("AFTERSALES_MAIL_CASE_TYPE", "complaint")
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Aftersales <service@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMS leaves through one gateway class; the default writes each message to var/outbox/.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "aftersales.outbox.OutboxSmsBackend")

# --- Celery ---------------------------------------------------------------------------------

CELERY_DATA_DIR = VAR_DIR / "celery"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# A stopped or hung broker must never hang a web request: connect and publish give up fast
# (the database row is the truth; a sweep re-drives what was not enqueued).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def filesystem_broker_options(folder: Path) -> dict:
    """The filesystem broker's transport options for `folder`, whose queue, processed and
    control folders are created here (kombu does not create them). The test and benchmark
    settings give theirs a folder of their own."""
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "processed_folder": str(folder / "processed"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(CELERY_DATA_DIR)
    # kombu's filesystem transport with an atomic publish, polling every 50 ms (its
    # docstring says why): without it a worker moved about 2 messages a second.
    CELERY_BROKER_TRANSPORT = "aftersales.celery:FilesystemTransport"
    # A poll takes at most concurrency x this many messages before the worker sleeps the
    # polling interval again; a few per process keep a burst (a sweep's notifications)
    # moving without sleeping between every pair. Unacknowledged ones go back to the
    # folder on a normal stop.
    CELERY_WORKER_PREFETCH_MULTIPLIER = 4
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "max_retries": 1,
        "visibility_timeout": 3600,
    }
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The default schedule is code-reviewed here; the database scheduler copies it into the admin
# (django-celery-beat) on start, where times can be adjusted.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "aftersales.tasks.outbox_sweep_task", "schedule": 60.0},
    "standard-activation": {
        "task": "standards.tasks.standard_activation_sweep_task",
        "schedule": crontab(hour=0, minute=5),
    },
    "standard-review-reminders": {
        "task": "standards.tasks.standard_review_sweep_task",
        "schedule": crontab(hour=8, minute=0),
    },
    "sla-sweep": {"task": "tickets.tasks.sla_sweep_task", "schedule": 60.0},
    "handover-sweep": {"task": "tickets.tasks.handover_sweep_task", "schedule": 300.0},
    "orphan-sweep": {
        "task": "tickets.tasks.orphan_sweep_task",
        "schedule": crontab(hour=1, minute=15),
    },
    "legal-clock-sweep": {
        "task": "tickets.tasks.legal_clock_sweep_task",
        "schedule": crontab(hour=6, minute=30),
    },
    "recourse-sweep": {
        "task": "tickets.tasks.recourse_sweep_task",
        "schedule": crontab(hour=7, minute=0),
    },
    "mailbox-poll": {"task": "portal.tasks.mailbox_poll_task", "schedule": 120.0},
    "visit-reminder-sweep": {
        "task": "tickets.tasks.visit_reminder_sweep_task",
        "schedule": crontab(hour=10, minute=0),
    },
    "import-sweep": {"task": "customers.tasks.import_sweep_task", "schedule": 300.0},
    "followup-sweep": {
        "task": "feedback.tasks.followup_sweep_task",
        "schedule": crontab(minute=5),
    },
    "qa-sampling": {
        "task": "feedback.tasks.qa_sampling_task",
        "schedule": crontab(hour=2, minute=0),
    },
    "quality-notices": {
        "task": "feedback.tasks.quality_notice_task",
        "schedule": crontab(day_of_month=1, hour=4, minute=0),
    },
    "voice-reminders": {
        "task": "feedback.tasks.voice_reminders_task",
        "schedule": crontab(hour=8, minute=20),
    },
    "care-programmes": {
        "task": "feedback.tasks.care_sweep_task",
        "schedule": crontab(hour=9, minute=0),
    },
    "archive-retention": {
        "task": "customers.tasks.retention_sweep_task",
        "schedule": crontab(day_of_month=1, hour=3, minute=0),
    },
    "monthly-report": {
        "task": "dashboards.tasks.monthly_report_task",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "kpi-rollup": {
        "task": "dashboards.tasks.kpi_rollup_task",
        "schedule": crontab(hour=1, minute=30),
    },
    "kpi-breaches": {
        "task": "dashboards.tasks.kpi_breach_sweep_task",
        "schedule": crontab(hour=5, minute=0),
    },
    "calendar-coverage": {
        "task": "standards.tasks.calendar_coverage_check_task",
        "schedule": crontab(hour=8, minute=10),
    },
}

# --- API ------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "aftersales.api.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "aftersales.api.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "SEARCH_PARAM": "q",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aftersales.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("AFTERSALES_API_ANON_RATE", "120/min"),
        "user": os.environ.get("AFTERSALES_API_USER_RATE", "2000/min"),
        "auth-token": os.environ.get("AFTERSALES_API_TOKEN_RATE", "10/min"),
    },
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aftersales API",
    "DESCRIPTION": "After-sales service management: standards, customer archive, tickets, "
    "follow-ups.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "aftersales.api.schema.postprocess",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # Several models have a `kind`: name each choice set after its model.
    "ENUM_NAME_OVERRIDES": {
        "UnitKindEnum": "aftersales.models.Unit.Kind",
        "StandardKindEnum": "standards.models.StandardDocument.Kind",
        "CustomerKindEnum": "customers.models.Customer.Kind",
        "PartyKindEnum": "customers.models.Party.Kind",
        "PhoneKindEnum": "customers.models.CustomerPhone.Kind",
        "ValidityEventKindEnum": "customers.models.ValidityEvent.Kind",
        "ImportKindEnum": "customers.models.ImportJob.Kind",
        "ConsentKindEnum": "customers.models.ConsentChange.Kind",
        "TicketStatusEnum": "tickets.workflow.TicketStatus",
        "CaseTypeEnum": "standards.parameters.CaseType",
        "TicketEventTypeEnum": "tickets.models.TicketEvent.Type",
        "HandoverStatusEnum": "tickets.models.Handover.Status",
        "RepairOutcomeEnum": "tickets.models.Repair.Outcome",
        "OfferStatusEnum": "tickets.models.Offer.Status",
        "RecourseClaimStatusEnum": "tickets.models.RecourseClaim.Status",
        "OwnershipTransferStatusEnum": "tickets.models.OwnershipTransfer.Status",
        "UnitQueueModeEnum": "tickets.models.UnitQueue.Mode",
        "CompensationKindEnum": "tickets.models.CompensationKind",
        "LiabilityEnum": "tickets.models.Liability",
        "TicketSourceEnum": "standards.parameters.Channel",
        "ContactChannelEnum": "standards.parameters.ContactChannel",
        "SurveyScaleEnum": "standards.parameters.SurveyScale",
        "CustomerSegmentEnum": "customers.models.Customer.Segment",
        "ContactLogChannelEnum": "customers.models.Contact.Channel",
        "CareProgrammeKindEnum": "feedback.models.care.CareProgramme.Kind",
        "CareChannelEnum": "feedback.models.care.CareProgramme.Channel",
        "CareValidityBasisEnum": "feedback.models.care.CareProgramme.ValidityBasis",
        "CareRunTriggerEnum": "feedback.models.care.CareRun.Trigger",
        "CareTouchStatusEnum": "feedback.models.care.CareTouch.Status",
        "CareSkipReasonEnum": "feedback.models.care.CareTouch.SkipReason",
        "QaRecallStatusEnum": "feedback.models.voice.QaRecall.Status",
        "FeedbackItemSourceEnum": "feedback.models.voice.FeedbackItem.Source",
        "FeedbackItemStatusEnum": "feedback.models.voice.FeedbackItem.Status",
        "ImprovementActionStatusEnum": "feedback.models.voice.ImprovementAction.Status",
        "QuestionnaireStatusEnum": "feedback.models.followups.Questionnaire.Status",
        "FollowUpKindEnum": "feedback.models.followups.FollowUp.Kind",
        "FollowUpStatusEnum": "feedback.models.followups.FollowUp.Status",
        "FollowUpResultEnum": "feedback.models.followups.FollowUp.Result",
        "FollowUpTimelinessEnum": "feedback.models.followups.FollowUp.Timeliness",
        "FollowUpViaEnum": "feedback.models.followups.FollowUp.Via",
        "FollowUpAttemptOutcomeEnum": "feedback.models.followups.FollowUpAttempt.Outcome",
    },
}

# --- Logging --------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
