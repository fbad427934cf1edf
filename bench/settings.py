"""Settings of the benchmark server: the product's settings as production runs them (DEBUG
off), on the benchmark database, plus a bare JSON view (bench/urls.py) and a header with
each request's query count (bench/middleware.py). Nothing else differs: the API throttles
and the login limit are raised so that a load generator is not refused."""

import os
from pathlib import Path

os.environ["DJANGO_DEBUG"] = "0"
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-key-" + "x" * 50)

import dj_database_url  # noqa: E402

from aftersales import settings as _base  # noqa: E402

globals().update({name: getattr(_base, name) for name in dir(_base) if name.isupper()})

BASE_DIR = _base.BASE_DIR
VAR_DIR = _base.VAR_DIR
BENCH_DIR = Path(os.environ.get("BENCH_DIR", VAR_DIR / "bench"))
BENCH_DIR.mkdir(parents=True, exist_ok=True)

# The benchmark database: BENCH_DATABASE_URL, set by `python -m bench` (a PostgreSQL
# database of its own, or var/bench/bench.sqlite3).
_url = (
    os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{BENCH_DIR / 'bench.sqlite3'}"
)
DATABASES = {
    "default": dj_database_url.parse(_url, conn_max_age=600, conn_health_checks=False)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The product's session settings (random_page_cost, no JIT): measured as it runs.
    DATABASES["default"]["OPTIONS"] = _base.postgres_options()
DEMO_DATA_ALLOWED = True  # the benchmark database is throwaway

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *_base.MIDDLEWARE]

# Plain HTTP on loopback; static files from the finders (no collectstatic needed).
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
SECURE_HSTS_PRELOAD = False
STORAGES = {
    **_base.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_RATE_LIMIT = "100000/m"
REST_FRAMEWORK = {
    **_base.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "anon": "1000000/min",
        "user": "1000000/min",
        "auth-token": "100000/min",
    },
}

# Messages the web process publishes go to a broker folder of the benchmark's own (the
# embedded default), never to a developer's running system.
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F821  # from the base
    CELERY_BROKER_TRANSPORT_OPTIONS = _base.filesystem_broker_options(
        BENCH_DIR / "celery"
    )
CELERY_TASK_DEFAULT_QUEUE = "aftersales-bench"
OUTBOX_DIR = BENCH_DIR / "outbox"
LOGGING = {
    **_base.LOGGING,
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
MEDIA_ROOT = BENCH_DIR / "media"  # import files of the in-process timings
