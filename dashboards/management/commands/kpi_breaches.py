"""Open the improvement actions of last month's KPI breaches (twin of the beat entry
`kpi-breaches`; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboards import services


class Command(BaseCommand):
    help = (
        "Open improvement actions for last month's KPI breaches; verify recovered ones."
    )

    def handle(self, *args, **options):
        touched = services.kpi_breach_sweep(now=timezone.now())
        self.stdout.write(f"kpi_breach_sweep: {touched} action(s) opened or verified")
