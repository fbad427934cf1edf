"""Test settings: the real settings plus what only tests need (eager Celery, fast hashing)."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-key-" + "x" * 50)

from aftersales.settings import *  # noqa: E402, F403
from aftersales.settings import (  # noqa: E402
    STORAGES,
    VAR_DIR,
    filesystem_broker_options,
)

CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "aftersales.outbox.LocmemSmsBackend"
OUTBOX_DIR = VAR_DIR / "test-outbox"
DEMO_DATA_ALLOWED = True
SECURE_SSL_REDIRECT = False
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests travel in time across days with one sign-in; the idle timeout has its own test.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "shared",
    },
}

# Test isolation from a developer's running system: own queue name and broker folder.
CELERY_TASK_DEFAULT_QUEUE = "aftersales-test"
if CELERY_BROKER_URL.startswith("filesystem://"):  # noqa: F405
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(VAR_DIR / "test-celery")

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so that a real Celery worker process can open the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}  # noqa: F405

# A Celery worker started by the tests (tests/conftest.py) runs against the test database
# and is not eager.
if os.environ.get("AFTERSALES_TEST_WORKER_DB"):
    DATABASES["default"]["NAME"] = os.environ["AFTERSALES_TEST_WORKER_DB"]  # noqa: F405
    CELERY_TASK_ALWAYS_EAGER = False
