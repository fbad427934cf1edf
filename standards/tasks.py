"""Celery tasks of the standards app: the daily jobs (each also a management command)."""

from celery import shared_task
from django.utils import timezone

from standards import services


@shared_task(acks_late=True)
def standard_activation_sweep_task() -> int:
    """Make approved versions effective on their date (daily)."""
    return services.standard_activation_sweep(today=timezone.localdate())


@shared_task(acks_late=True)
def standard_review_sweep_task() -> int:
    """Remind owners of coming and overdue reviews (daily)."""
    return services.standard_review_sweep(today=timezone.localdate())


@shared_task(acks_late=True)
def calendar_coverage_check_task() -> list[int]:
    """Warn when next year's statutory holidays are missing (daily)."""
    return services.calendar_coverage_check(today=timezone.localdate())
