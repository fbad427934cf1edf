"""Demo data of the dashboards, loaded last: the KPI breach sweep runs once over the demo's
previous month, so the improvement actions of the breached KPIs exist (idempotent: the
sweep opens each action once)."""

from __future__ import annotations

from django.utils import timezone

from dashboards import services


def load(stdout=None) -> None:
    opened = services.kpi_breach_sweep(now=timezone.now())
    if stdout:
        stdout.write(
            f"  dashboards: {opened} improvement action(s) for last month's breaches"
        )
