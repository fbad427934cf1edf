"""Run the ticket sweeps once: SLA warnings/breaches/escalations and handover expiry
(twins of the beat entries `sla-sweep` and `handover-sweep`; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets import services


class Command(BaseCommand):
    help = (
        "Warn, breach and escalate SLA clocks; expire handovers not accepted in time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["sla", "handovers"])

    def handle(self, *args, only=None, **options):
        now = timezone.now()
        if only in (None, "sla"):
            self.stdout.write(f"sla_sweep: {services.sla_sweep(now=now)} step(s)")
        if only in (None, "handovers"):
            self.stdout.write(
                f"handover_sweep: {services.handover_sweep(now=now)} handover(s)"
            )
