"""A real Celery worker process consumes what the web tier enqueues after commit."""

import time

import pytest
from django.db import transaction

from aftersales import services
from aftersales.models import OutboxMessage

pytestmark = [pytest.mark.worker]


def test_outbox_message_is_delivered_by_a_real_worker(celery_worker_process):
    with transaction.atomic():
        message = services.outbox_enqueue(
            channel="email",
            to="worker@example.com",
            body="through the broker",
            key="w1",
        )
        # not yet: the task is published only after commit
        assert OutboxMessage.objects.get(pk=message.pk).sent_at is None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.sent_at:
            break
        time.sleep(0.25)
    assert message.sent_at is not None, (
        "the worker did not deliver the message within 30 s"
    )
    assert message.attempts == 1
