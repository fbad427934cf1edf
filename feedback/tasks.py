"""Celery tasks of the feedback app (archive layer: retention, imports)."""

from celery import shared_task
from django.utils import timezone

from .archive import services as archive_services


@shared_task(acks_late=True)
def retention_sweep_task() -> int:
    """Anonymise archives past the retention period (monthly)."""
    return archive_services.retention_sweep(now=timezone.now())
