"""A Redis outage never takes the API, sign-in or the portal down (issue #14): the cache
(rate limits, API throttles, kept figures, the data stamp) fails open and fast. A real
Redis works as a cache; a stopped one (connection refused) and a hung one (accepts the
connection, never answers, as under SIGSTOP) answer as an empty cache within the socket
timeout, and then not at all for a few seconds (the breaker)."""

from __future__ import annotations

import os
import socket
import time

import pytest
import redis
from django.core.cache import cache, caches
from django.urls import reverse

from aftersales import cache as failopen

pytestmark = pytest.mark.django_db

REAL_REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/13"


def redis_cache(location: str) -> dict:
    return {
        "BACKEND": "aftersales.cache.FailOpenRedisCache",
        "LOCATION": location,
        "OPTIONS": {"socket_connect_timeout": 0.3, "socket_timeout": 0.5},
    }


@pytest.fixture(autouse=True)
def closed_breaker():
    failopen.reset()
    yield
    failopen.reset()


@pytest.fixture
def hung_redis():
    """A TCP server that completes the handshake (the kernel's backlog) and never
    answers: what clients see of a Redis stopped with SIGSTOP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"
    server.close()


@pytest.fixture
def stopped_redis():
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now: connection refused
    return f"redis://127.0.0.1:{port}/0"


def use(settings, location: str) -> None:
    settings.CACHES = {
        "default": redis_cache(location),
        "shared": redis_cache(location),
    }


def test_a_running_redis_is_an_ordinary_cache(settings):
    try:
        redis.Redis.from_url(REAL_REDIS, socket_connect_timeout=0.5).ping()
    except redis.RedisError:  # pragma: no cover  # no Redis here (CI always has one)
        if os.environ.get("CI"):
            pytest.fail("CI needs Redis at " + REAL_REDIS)
        pytest.skip("needs Redis at " + REAL_REDIS)
    use(settings, REAL_REDIS)
    try:
        cache.set("probe", 41)
        assert cache.incr("probe") == 42
        assert cache.get("probe") == 42
        assert cache.add("probe", 1) is False
    finally:
        cache.delete("probe")
    assert not failopen.is_down()


@pytest.mark.parametrize("outage", ["stopped_redis", "hung_redis"])
def test_without_redis_the_cache_answers_as_an_empty_one_and_fast(
    settings, request, outage
):
    use(settings, request.getfixturevalue(outage))
    started = time.monotonic()
    assert cache.get("x", "default") == "default"
    assert cache.set("x", 1) is None
    assert cache.add("x", 1) is False
    with pytest.raises(ValueError, match="not found"):
        cache.incr("x")
    assert cache.get_many(["a", "b"]) == {}
    assert caches["shared"].get("stamp") is None
    # one socket timeout at most, then the breaker answers at once
    assert time.monotonic() - started < 1.5
    assert failopen.is_down()


@pytest.mark.parametrize("outage", ["stopped_redis", "hung_redis"])
def test_without_redis_the_api_sign_in_and_portal_still_answer(
    settings, request, outage, client, agent_user
):
    use(settings, request.getfixturevalue(outage))
    started = time.monotonic()
    # the API (throttled per user through the cache)
    client.force_login(agent_user)
    assert client.get("/api/v1/me/").status_code == 200
    assert client.get("/api/v1/tickets/").status_code == 200
    client.logout()
    # sign-in (rate-limited per address through the cache)
    response = client.post(
        reverse("login"),
        {"username": agent_user.username, "password": "secret-pass-123"},
    )
    assert response.status_code == 302
    client.logout()
    # the portal's public pages and forms
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.post(
        reverse("portal:complaint-contact"), {"contact": "13800138000"}
    ).status_code in {200, 302}
    # eight requests in well under the time of one socket timeout each
    assert time.monotonic() - started < 3
