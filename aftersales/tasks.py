"""Celery tasks of the cross-cutting app: deliver outbox messages, re-drive them."""

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
