"""/healthz: database and broker status; a dead or hung broker answers fast."""

import os
import socket
import time

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "cache": "local", "broker": "ok",
    }  # fmt: skip


def test_healthz_with_stopped_broker_is_unavailable_within_seconds(client, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert response.json()["broker"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert elapsed < 5


def test_healthz_with_hung_broker_is_unavailable_within_seconds(client, settings):
    with socket.socket() as hung:  # accepts TCP connections, never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.json()["broker"] == "unavailable"
    assert elapsed < 6


def test_healthz_needs_no_login_and_no_language_prefix(client):
    assert client.get("/zh-hans/healthz").status_code == 404
    assert client.get("/healthz").status_code == 200


def test_healthz_reports_the_cache_of_a_stopped_redis_and_stays_up(client, settings):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "aftersales.cache.FailOpenRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"


def test_healthz_with_a_real_redis_reports_ok(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "aftersales.cache.FailOpenRedisCache",
            "LOCATION": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13",
            "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
        }
    }
    assert client.get("/healthz").json()["cache"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_the_database_is_gone(client):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent/folder/db.sqlite3"
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            connection.settings_dict["PORT"] = probe.getsockname()[1]
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"
