"""Shared fixtures: people of every role, logged-in clients, the API client, the browser
launch arguments (Debian's Chromium), and a real Celery worker process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.utils import translation
from rest_framework.test import APIClient

from aftersales.outbox import LocmemSmsBackend
from tests.aftersales.factories import UnitFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls of a test are
# still synchronous and safe (tooling.md §4).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

BASE_DIR = Path(__file__).resolve().parent.parent
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_available() -> bool:
    return Path(CHROMIUM_PATH).exists() or shutil.which(CHROMIUM_PATH) is not None


def pytest_collection_modifyitems(config, items):
    """Browser tests need Debian's Chromium: skipped with a clear reason where it is missing,
    but a failure under CI (CI=true), where a skip would hide a broken setup."""
    # pytest-playwright turns any test with an argument named like one of its fixtures
    # ("page") into a browser test, which reorders the suite around the transactional
    # browser tests (their flush then empties the seeded tables for the tests after them)
    stray = [
        item.nodeid
        for item in items
        if "[chromium" in item.nodeid and not item.get_closest_marker("browser")
    ]
    if stray:
        raise pytest.UsageError(
            f"Not a browser test but parametrized by pytest-playwright: {stray[:3]}"
        )
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or _chromium_available():
        return
    message = (
        f"Chromium not found at {CHROMIUM_PATH}: install it (Debian: apt-get install chromium) "
        "or set CHROMIUM_PATH"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        raise pytest.UsageError(f"{message}. Under CI the browser tests must run.")
    skip = pytest.mark.skip(reason=message)
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The legal rule sets are seeded by a data migration; a run with `--no-migrations`
    (handy while models are in flux) seeds them here so the same tests pass."""
    from standards.services import legal_rule_sets_seed

    with django_db_blocker.unblock():
        legal_rule_sets_seed()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (a browser download by Playwright is not possible here)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM_PATH,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(autouse=True)
def _clean_state():
    """Rate-limit counters live in the cache and SMS in a list: start each test empty; a
    request of a Chinese-speaking user leaves its language active in the thread (the
    middleware activates, nothing deactivates): each test starts in the default."""
    for each in caches.all():
        each.clear()
    LocmemSmsBackend.sent.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


# --- People -----------------------------------------------------------------------------------


@pytest.fixture
def unit_tree(db):
    """company → branch → hotline, workshop; returns a dict by code."""
    company = UnitFactory(code="co", name="Company", kind="company")
    branch = UnitFactory(code="br", name="Branch", kind="branch", parent=company)
    hotline = UnitFactory(code="hot", name="Hotline", kind="hotline", parent=branch)
    workshop = UnitFactory(
        code="ws", name="Workshop", kind="repair_workshop", parent=branch
    )
    return {"co": company, "br": branch, "hot": hotline, "ws": workshop}


@pytest.fixture
def agent_user(unit_tree):
    return UserFactory(username="li", roles=["agent"], units=[unit_tree["hot"]])


@pytest.fixture
def technician_user(unit_tree):
    return UserFactory(username="liu", roles=["technician"], units=[unit_tree["ws"]])


@pytest.fixture
def supervisor_user(unit_tree):
    return UserFactory(
        username="chen",
        roles=["supervisor"],
        supervises=[unit_tree["hot"], unit_tree["ws"]],
    )


@pytest.fixture
def manager_user(unit_tree):
    return UserFactory(username="wang", roles=["manager"], units=[unit_tree["co"]])


@pytest.fixture
def customer_user(db):
    return UserFactory(username="zhang@example.com", roles=["customer"])


@pytest.fixture
def agent_client(client, agent_user):
    client.force_login(agent_user)
    return client


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def agent_api(api_client, agent_user):
    api_client.force_authenticate(agent_user)
    return api_client


# --- A real Celery worker ---------------------------------------------------------------------


@pytest.fixture
def celery_worker_process(transactional_db, settings):
    """Start a real Celery worker on the configured broker (filesystem by default, Redis
    when REDIS_URL/CELERY_BROKER_URL is set) against the test database, and make this
    test's code publish to it instead of running tasks eagerly."""
    from django.db import connection

    settings.CELERY_TASK_ALWAYS_EAGER = False
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aftersales.settings_test",
        "AFTERSALES_TEST_WORKER_DB": str(connection.settings_dict["NAME"]),
    }
    log = Path(settings.VAR_DIR) / "test-worker.log"
    with log.open("w") as log_file:
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "aftersales", "worker", "--pool=solo",
             "-l", "info", "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
             "-n", f"test-{os.getpid()}@%h"],
            cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while "ready." not in log.read_text() and time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"Celery worker exited early:\n{log.read_text()}")
            time.sleep(0.2)
        try:
            yield worker
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
