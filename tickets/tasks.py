"""Celery tasks of the tickets app: the SLA and handover sweeps (each also a command)."""

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(acks_late=True)
def sla_sweep_task() -> int:
    """Warn, breach and escalate SLA clocks (every minute)."""
    return services.sla_sweep(now=timezone.now())


@shared_task(acks_late=True)
def handover_sweep_task() -> int:
    """Expire handovers not accepted in time and escalate them (every 5 minutes)."""
    return services.handover_sweep(now=timezone.now())
