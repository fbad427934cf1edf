"""Celery tasks of the portal: reading the service mailbox."""

from celery import shared_task

from portal import inbound


@shared_task(acks_late=True)
def mailbox_poll_task() -> int:
    """Read the service mailbox (every 2 minutes; nothing without MAILBOX_URL)."""
    return inbound.mailbox_poll()
