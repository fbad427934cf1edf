"""/healthz: database and broker status; a dead or hung broker answers fast."""

import socket
import time

import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


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
