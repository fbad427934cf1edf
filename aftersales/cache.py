"""The Redis cache, failing open and fast (issue #14). Rate limits, API throttles, the
dashboards' kept figures and the data stamp all live in the cache; when Redis is down or
hung, a request must still be answered, a little less protected, rather than fail with a
500 after seconds. So every call has bounded socket timeouts (settings), and an error
answers as an empty cache would (a miss, nothing stored, a missing counter) and opens a
breaker: for `RETRY_AFTER` seconds this process does not ask Redis at all, so a hung
server costs one timeout per process every few seconds, not one per call."""

from __future__ import annotations

import logging
import threading
import time
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

RETRY_AFTER = 5.0  # seconds without Redis after an error

_lock = threading.Lock()
_down_until = 0.0


def is_down() -> bool:
    """Whether the breaker is open (Redis failed less than RETRY_AFTER seconds ago)."""
    return time.monotonic() < _down_until


def _trip(exc: Exception, method: str) -> None:
    global _down_until
    with _lock:
        first = not is_down()
        _down_until = time.monotonic() + RETRY_AFTER
    if first:
        logger.warning("Cache unavailable (%s: %s); failing open", method, exc)


def reset() -> None:
    """Close the breaker (tests)."""
    global _down_until
    _down_until = 0.0


def _missing_counter(*args, **kwargs):
    raise ValueError("Key not found (the cache is unavailable)")


def _get_default(key, default=None, *args, **kwargs):
    return default


# What each method answers when Redis does not: what an empty cache answers.
FALLBACKS = {
    "get": _get_default,
    "get_many": lambda *args, **kwargs: {},
    "set": lambda *args, **kwargs: None,
    "set_many": lambda *args, **kwargs: [],
    "add": lambda *args, **kwargs: False,
    "touch": lambda *args, **kwargs: False,
    "delete": lambda *args, **kwargs: False,
    "delete_many": lambda *args, **kwargs: None,
    "has_key": lambda *args, **kwargs: False,
    "incr": _missing_counter,
    "clear": lambda *args, **kwargs: False,
}


def _guarded(name: str):
    method = getattr(RedisCache, name)
    fallback = FALLBACKS[name]

    @wraps(method)
    def call(self, *args, **kwargs):
        if is_down():
            return fallback(*args, **kwargs)
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as exc:
            _trip(exc, name)
            return fallback(*args, **kwargs)

    return call


class FailOpenRedisCache(RedisCache):
    """Django's Redis cache that answers as an empty cache while Redis is unavailable."""


for _name in FALLBACKS:
    setattr(FailOpenRedisCache, _name, _guarded(_name))
