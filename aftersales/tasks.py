"""Celery tasks of the cross-cutting app: deliver outbox messages, re-drive them."""

import time

from celery import shared_task
from django.utils import timezone

from aftersales import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=30, max_retries=4)
def outbox_deliver_task(message_id: int) -> bool:
    """Deliver one outbox message if it is still unsent (idempotent)."""
    return services.outbox_deliver(message_id=message_id)


@shared_task(acks_late=True)
def outbox_sweep_task() -> int:
    """Re-drive unsent outbox messages (beat: every minute)."""
    return services.outbox_sweep(now=timezone.now())


@shared_task
def ping_task() -> float:
    """Do nothing and answer when it ran (Unix time): shows a worker is alive, and is the
    no-op the broker benchmark (bench/broker.py) times."""
    return time.time()
