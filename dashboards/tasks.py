"""Celery tasks of the dashboards."""

from celery import shared_task
from django.utils import timezone

from dashboards import services


@shared_task(acks_late=True)
def kpi_breach_sweep_task() -> int:
    """Open improvement actions for last month's KPI breaches, verify recovered ones."""
    return services.kpi_breach_sweep(now=timezone.now())


@shared_task(acks_late=True)
def monthly_report_task() -> int:
    """E-mail last month's figures to managers and quality managers (monthly)."""
    return services.monthly_report_send(now=timezone.now())


@shared_task(acks_late=True)
def kpi_rollup_task() -> int:
    """Roll up the settled KPI counters of the days not held yet and the trailing days
    (nightly)."""
    return services.kpi_rollup_nightly(now=timezone.now())
