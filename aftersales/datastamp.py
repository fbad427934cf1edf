"""The data stamp: a token that changes whenever the business data changes, so that a
costly read (the dashboards' figures) can be kept and reused until then.

Every statement a Django connection executes passes a wrapper (installed when the
connection is made, `install`) that notices writes (`INSERT`, `UPDATE`, `DELETE`, also
`bulk_create`, `update()` and raw SQL, which model signals would miss) to the tables of the
product's apps, except the bookkeeping ones that a read itself writes (sessions, the
archive access log, notifications, the outbox, job runs, logins). A write marks this
process dirty (seen by its next `current()`, also inside a transaction that has not
committed, as in tests) and renews the stamp when its transaction commits (seen by every
process). The stamp lives in the `shared` cache: Redis when configured, else a folder of
the var directory, so that the web server sees the Celery worker's writes.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.core.cache import caches
from django.db import connections, transaction
from django.db.backends.signals import connection_created

KEY = "aftersales:data-stamp"
APPS = ("aftersales", "standards", "customers", "tickets", "feedback", "dashboards")
IGNORED = frozenset(
    {
        "aftersales_user",  # last_login on each sign-in
        "aftersales_notification",
        "aftersales_outboxmessage",
        "aftersales_jobrun",
        "customers_archiveaccess",  # written by reading an archive
        "customers_importjob",
    }
)
_WRITE = re.compile(
    r"""^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+["`]?(\w+)""",
    re.IGNORECASE,
)
_WITH_WRITE = re.compile(r"^\s*WITH\b.*\b(?:INSERT|UPDATE|DELETE)\b", re.I | re.S)
_TABLE = re.compile(rf"^(?:{'|'.join(APPS)})_")

_dirty = False  # a write of this process not yet published


def is_watched_write(sql: str) -> bool:
    """Whether `sql` writes to a table whose rows the stamp follows (a `WITH … UPDATE`
    whose table is not read here counts as one)."""
    match = _WRITE.match(sql)
    if match is None:
        return bool(_WITH_WRITE.match(sql))
    table = match.group(1).lower()
    return bool(_TABLE.match(table)) and table not in IGNORED


def touch() -> None:
    """Renew the stamp (a new value for every process; random, not the time, which tests
    may stop)."""
    global _dirty
    _dirty = False
    caches["shared"].set(KEY, secrets.token_hex(8), None)


def current() -> str:
    """The stamp now: unchanged as long as the business data is."""
    if _dirty:
        touch()
    stamp = caches["shared"].get(KEY)
    if stamp is None:
        touch()
        stamp = caches["shared"].get(KEY) or "0"
    return stamp


def _after_commit() -> None:
    touch()


def _wrapper(execute, sql: str, params: Any, many: bool, context: dict) -> Any:
    result = execute(sql, params, many, context)
    if isinstance(sql, str) and is_watched_write(sql):
        global _dirty
        _dirty = True
        connection = context["connection"]
        if not connection.in_atomic_block:
            touch()
        elif (
            getattr(connection, "_datastamp_hooks", None)
            is not connection.run_on_commit
        ):
            # Once per transaction: Django starts a new list of commit hooks whenever
            # the old one is run or dropped (commit, rollback, a savepoint rolled back),
            # so a write that sees the list it registered on needs no second hook (and
            # a transaction of many writes does not scan its hooks on every one).
            transaction.on_commit(_after_commit, using=connection.alias)
            connection._datastamp_hooks = connection.run_on_commit
    return result


def install(connection, **kwargs) -> None:
    """Put the write detector first among the connection's execute wrappers (first, so
    that `connection.execute_wrapper()` blocks opened earlier pop their own)."""
    if _wrapper not in connection.execute_wrappers:
        connection.execute_wrappers.insert(0, _wrapper)


def connect() -> None:
    """Install the detector on every connection, now and when one is made."""
    connection_created.connect(install, dispatch_uid="aftersales_datastamp")
    for connection in connections.all(initialized_only=True):
        install(connection)
