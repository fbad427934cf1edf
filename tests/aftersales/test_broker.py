"""The embedded broker keeps up (#11): kombu's filesystem transport polling every 50 ms with
an atomic publish, tasks run inline where the demo loads, and a demo that leaves no queue
and nothing unsent in the outbox."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from kombu import Connection

from aftersales.celery import (
    PARTIAL_SUFFIX,
    FilesystemTransport,
    app,
    tasks_run_inline,
)
from aftersales.models import OutboxMessage
from aftersales.tasks import ping_task
from feedback.followups.services.scheduling import followup_schedule_for_ticket
from feedback.models import FollowUp
from tickets.models import Ticket
from tickets.workflow import TicketStatus

filesystem_only = pytest.mark.skipif(
    not django_settings.CELERY_BROKER_URL.startswith("filesystem://"),
    reason="the embedded (filesystem) broker only",
)


def folders(tmp_path: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (tmp_path / sub).mkdir()
    return {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
    }


@pytest.fixture
def broker(tmp_path):
    """A connection of the project's filesystem transport on a folder of its own."""
    with Connection(
        "filesystem://",
        transport=FilesystemTransport,
        transport_options=folders(tmp_path),
    ) as connection:
        yield connection


def simple_queue(broker):
    """A queue of a name of its own (kombu keeps bindings in process-wide state)."""
    name = f"jobs-{uuid.uuid4().hex[:8]}"
    return broker.SimpleQueue(name), name


def queue_size(name: str) -> int:
    with app.connection_for_write() as connection:
        return connection.default_channel.queue_declare(
            queue=name, passive=True
        ).message_count


@filesystem_only
def test_the_embedded_broker_is_the_fast_atomic_transport():
    assert django_settings.CELERY_BROKER_TRANSPORT == (
        "aftersales.celery:FilesystemTransport"
    )
    with app.connection_for_read() as connection:
        transport = connection.transport
        assert isinstance(transport, FilesystemTransport)
        assert transport.polling_interval == pytest.approx(0.05)  # kombu's default: 1 s
    assert app.conf.worker_prefetch_multiplier == 4


def test_a_message_appears_in_the_queue_only_when_complete(broker, tmp_path):
    queue, name = simple_queue(broker)
    queue.put({"n": 1})
    names = [p.name for p in (tmp_path / "queue").iterdir()]
    assert len(names) == 1
    assert names[0].endswith(f".{name}.msg")  # renamed into place; no partial file left
    # A message still being written (its partial name) is neither taken nor counted.
    (tmp_path / "queue" / f"1_{uuid.uuid4()}.{name}.msg{PARTIAL_SUFFIX}").write_bytes(
        b""
    )
    assert queue.qsize() == 1
    message = queue.get(timeout=1)
    assert message.payload == {"n": 1}
    message.ack()
    assert queue.qsize() == 0
    with pytest.raises(queue.Empty):
        queue.get(block=False)
    queue.close()


def test_an_unreadable_message_file_is_dropped_and_the_next_delivered(broker, tmp_path):
    queue, name = simple_queue(broker)
    first = f"{0:020d}_{uuid.uuid4()}.{name}.msg"  # older than any message
    (tmp_path / "queue" / first).write_bytes(b"")
    queue.put({"n": 2})
    message = queue.get(timeout=1)  # stock kombu: JSONDecodeError, the worker stops
    assert message.payload == {"n": 2}
    message.ack()
    assert list((tmp_path / "queue").iterdir()) == []
    assert list((tmp_path / "processed").iterdir()) == []  # taken, read, removed
    queue.close()


def test_messages_leave_in_publish_order(broker):
    queue, _name = simple_queue(broker)
    for n in range(5):
        queue.put({"n": n})
    got = []
    for _ in range(5):
        message = queue.get(timeout=1)
        got.append(message.payload["n"])
        message.ack()
    assert got == [0, 1, 2, 3, 4]
    queue.close()


@filesystem_only
def test_tasks_published_inline_run_at_the_end_and_never_reach_the_broker(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as on `make run`
    queue = f"aftersales-test-inline-{uuid.uuid4().hex[:8]}"
    try:
        with tasks_run_inline() as ran:
            ping_task.apply_async(queue=queue)
            ping_task.apply_async(queue=queue)
            assert ran == []  # not yet
            assert queue_size(queue) == 0
            ping_task.apply_async(queue=queue, countdown=60)  # meant for later: sent
        assert ran == ["aftersales.tasks.ping_task"] * 2
        assert queue_size(queue) == 1
        ping_task.apply_async(queue=queue)  # outside the block: sent as always
        assert queue_size(queue) == 2
    finally:
        with app.connection_for_write() as connection:
            connection.default_channel.queue_purge(queue)


@filesystem_only
@pytest.mark.django_db(transaction=True)  # real commits, so services publish
def test_demo_data_leaves_no_backlog(settings):
    """After demo_data, the broker has nothing queued, the outbox nothing unsent, and the
    worker nothing left to do for the demo's resolved cases (their follow-ups exist)."""
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as on `make run`
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    before = queue_size(queue)
    call_command("demo_data", verbosity=0)
    assert queue_size(queue) == before
    assert OutboxMessage.objects.count() > 100
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    awaiting = Ticket.objects.filter(status=TicketStatus.AWAITING_FOLLOW_UP)
    assert awaiting.exists()
    assert FollowUp.objects.filter(ticket__in=awaiting).exists()
    assert [followup_schedule_for_ticket(ticket_id=t.pk) for t in awaiting] == [
        0
    ] * len(awaiting)
