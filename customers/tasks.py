"""Celery tasks of the customer archive: retention and imports."""

from celery import shared_task
from django.utils import timezone

from customers import services as archive_services
from customers.imports import importing


@shared_task(acks_late=True)
def retention_sweep_task() -> int:
    """Anonymise archives past the retention period (monthly)."""
    return archive_services.retention_sweep(now=timezone.now())


@shared_task(acks_late=True)
def import_job_run_task(job_id: int) -> str:
    """Run a queued customer or product import (all valid rows or nothing); a job that is
    not queued any more (a redelivered message) is left alone."""
    return importing.import_run(job_id=job_id).status


@shared_task(acks_late=True)
def import_sweep_task() -> int:
    """Re-drive lost import messages and fail stalled runs (every 5 minutes)."""
    return importing.import_sweep(now=timezone.now())
