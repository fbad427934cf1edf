"""Celery tasks of the tickets app: the sweeps (each also `manage.py ticket_sweeps --only`)."""

from celery import shared_task
from django.utils import timezone

from tickets.cases import sweep as case_sweep
from tickets.ownership import services as ownership_services
from tickets.recourse import services as recourse_services
from tickets.repairs import services as repair_services


@shared_task(acks_late=True)
def sla_sweep_task() -> int:
    """Warn, breach and escalate SLA clocks (every minute)."""
    return case_sweep.sla_sweep(now=timezone.now())


@shared_task(acks_late=True)
def handover_sweep_task() -> int:
    """Expire handovers not accepted in time and escalate them (every 5 minutes)."""
    return case_sweep.handover_sweep(now=timezone.now())


@shared_task(acks_late=True)
def orphan_sweep_task() -> int:
    """Raise open cases whose first owner is inactive to the supervisors (nightly)."""
    return ownership_services.orphan_sweep(now=timezone.now())


@shared_task(acks_late=True)
def legal_clock_sweep_task() -> int:
    """Closing 7/15-day windows, 30/90-day repair limits, entitlement upgrades (daily)."""
    return repair_services.legal_clock_sweep(now=timezone.now())


@shared_task(acks_late=True)
def recourse_sweep_task() -> int:
    """Draft missing claims, remind on due responses, warn of limitation (daily)."""
    return recourse_services.recourse_sweep(now=timezone.now())


@shared_task(acks_late=True)
def visit_reminder_sweep_task() -> int:
    """Remind customers of tomorrow's visits (daily)."""
    return repair_services.visit_reminder_sweep(now=timezone.now())
