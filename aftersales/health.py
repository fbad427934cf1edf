"""Probes behind /healthz. Each answers within about two seconds, whatever the broker does."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from kombu import Connection

logger = logging.getLogger(__name__)

PROBE_TIMEOUT = 1.5


def database_status() -> str:
    """ "ok" when the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # a health probe reports every failure, it never raises
        logger.warning("Database probe failed: %s", exc)
        return "unavailable"
    return "ok"


def cache_status() -> str:
    """ "ok" when the cache answers a round trip (Redis: a PING, within its socket
    timeouts); "local" for the in-process cache of the embedded default. "unavailable"
    means rate limits and throttles are failing open (aftersales/cache.py)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return "local"
    try:
        backend._cache.get_client(write=True).ping()
    except Exception as exc:  # see database_status
        logger.warning("Cache probe failed: %s", exc)
        return "unavailable"
    return "ok"


def broker_status() -> str:
    """ "ok" when the Celery broker accepts a connection and answers, else "unavailable".

    The filesystem broker is "ok" when its queue folder is writable; a network broker gets a
    connect plus a round trip with short socket timeouts, so a hung broker (accepts the TCP
    connection, never answers) is reported instead of hanging the request.
    """
    url = settings.CELERY_BROKER_URL
    try:
        if url.startswith("filesystem://"):
            folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"])
            return (
                "ok"
                if folder.is_dir() and os.access(folder, os.W_OK)
                else "unavailable"
            )
        options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "socket_timeout": PROBE_TIMEOUT,
            "socket_connect_timeout": PROBE_TIMEOUT,
        }
        with Connection(
            url, connect_timeout=PROBE_TIMEOUT, transport_options=options
        ) as conn:
            conn.ensure_connection(
                max_retries=1, interval_start=0, interval_step=0, timeout=PROBE_TIMEOUT
            )
            client = getattr(conn.default_channel, "client", None)
            if client is not None and hasattr(client, "ping"):
                client.ping()  # the round trip that catches a hung Redis
    except Exception as exc:  # see database_status
        logger.warning("Broker probe failed: %s", exc)
        return "unavailable"
    return "ok"
