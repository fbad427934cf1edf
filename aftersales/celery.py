"""The Celery application. Configuration comes from Django settings (CELERY_* names).

`tasks_run_inline()` runs the tasks published inside a block in the same process at its end
instead of queueing them (the demo loader: the demo's past leaves no backlog).

Also the embedded broker's transport (settings.CELERY_BROKER_TRANSPORT on `filesystem://`):
kombu's filesystem transport with two fixes that make it keep up with `make run`.

- It polls the folder every 50 ms instead of every second. kombu sleeps `polling_interval`
  whenever a poll finds nothing it may take, which includes "the worker holds its prefetch
  limit": with 1 s a worker moved about 2 messages a second.
- A message appears in the queue folder only when it is complete. kombu creates the file
  under its final name and then writes it, so a worker polling at that moment reads an
  empty file and dies with "Unrecoverable error: JSONDecodeError" (kombu issue #1551);
  polling often made that a matter of seconds under load. Here the message is written
  under a name the consumer ignores and renamed into place (atomic on POSIX), and a
  consumer takes a file by renaming it into the processed folder, so two workers never
  take the same one.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cached_property
from queue import Empty
from time import monotonic_ns

from celery import Celery
from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

logger = logging.getLogger(__name__)

# The calls published inside tasks_run_inline(): (task name, args, kwargs), in order.
_inline_calls: ContextVar[list[tuple[str, tuple, dict]] | None] = ContextVar(
    "aftersales_inline_calls", default=None
)


class AftersalesCelery(Celery):
    """Celery, but a task published inside tasks_run_inline() is kept for it to run."""

    def send_task(self, name, args=None, kwargs=None, **options):
        calls = _inline_calls.get()
        if calls is None or options.get("countdown") or options.get("eta"):
            return super().send_task(name, args, kwargs, **options)
        calls.append((name, tuple(args or ()), dict(kwargs or {})))
        return self.AsyncResult(options.get("task_id") or str(uuid.uuid4()))


@contextmanager
def tasks_run_inline() -> Iterator[list[str]]:
    """Run every task published inside the block (after its transaction commits, as
    services publish) here at the end of the block, in publish order, instead of sending it
    to the broker; tasks those publish run too. Yields the names of the tasks run, filled
    at the end. A failing task is logged and the rest still run, as on a worker (the
    owning sweep re-drives its work). Tasks with a countdown or an eta are still sent.
    Eager mode (tests) runs tasks at publish time anyway."""
    calls: list[tuple[str, tuple, dict]] = []
    ran: list[str] = []
    token = _inline_calls.set(calls)
    try:
        yield ran
        while calls:
            name, args, kwargs = calls.pop(0)
            try:
                app.tasks[name](*args, **kwargs)
            except Exception:
                logger.exception("Task %s%r failed when run inline", name, args)
            ran.append(name)
    finally:
        _inline_calls.reset(token)


app = AftersalesCelery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

PARTIAL_SUFFIX = ".part"  # a message being written; `_get` only takes "<queue>.msg"


class FilesystemChannel(filesystem.Channel):
    """kombu's filesystem channel with an atomic publish and an atomic take."""

    @cached_property
    def _taken_folder(self) -> str:
        """Where a consumer moves the file it takes: the processed folder (created once),
        on the queue's file system so that the move is a rename."""
        os.makedirs(self.processed_folder, exist_ok=True)
        return self.processed_folder

    def _put(self, queue, payload, **kwargs):
        """Write the message beside the queue, then rename it into the queue."""
        # Like kombu's name, the (system-wide) monotonic clock first for the order, but in
        # nanoseconds of fixed width: kombu's milliseconds tie within a burst, and the
        # tied messages then leave in the order of their uuids.
        name = f"{monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        """Take the oldest message of `queue`: the consumer whose rename succeeds has it."""
        wanted = f"{queue}.msg"
        taken_to = self._taken_folder
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            taken = os.path.join(taken_to, name)
            try:
                os.replace(os.path.join(self.data_folder_in, name), taken)
            except FileNotFoundError:
                continue  # another consumer took it
            try:
                with open(taken, "rb") as file:
                    payload = file.read()
                if not self.store_processed:
                    os.remove(taken)
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            try:
                return loads(bytes_to_str(payload))
            except ValueError:
                # Not a message (a file a person dropped there, a disk full): skip it
                # rather than stop the worker.
                logger.error("Broker: dropped unreadable message file %s", name)
        raise Empty()


class FilesystemTransport(filesystem.Transport):
    """The embedded broker (settings: CELERY_BROKER_TRANSPORT)."""

    Channel = FilesystemChannel
    polling_interval = 0.05  # seconds; transport option `polling_interval` overrides it
