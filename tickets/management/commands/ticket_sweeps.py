"""Run the ticket sweeps once (twins of the beat entries `sla-sweep`, `handover-sweep`,
`orphan-sweep`, `legal-clock-sweep`, `recourse-sweep`,
`visit-reminder-sweep`; each idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets.cases import sweep as case_sweep
from tickets.ownership import services as ownership_services
from tickets.recourse import services as recourse_services
from tickets.repairs import services as repair_services

SWEEPS = {
    "sla": (case_sweep.sla_sweep, "step(s)"),
    "handovers": (case_sweep.handover_sweep, "handover(s)"),
    "orphans": (ownership_services.orphan_sweep, "case(s)"),
    "legal": (repair_services.legal_clock_sweep, "case(s)"),
    "recourse": (recourse_services.recourse_sweep, "claim(s)"),
    "visit-reminders": (repair_services.visit_reminder_sweep, "reminder(s)"),
}


class Command(BaseCommand):
    help = (
        "Warn, breach and escalate SLA clocks; expire handovers not accepted in time; "
        "raise cases of inactive first owners; watch legal windows and repair limits; "
        "draft, remind and watch the limitation of recourse claims; remind customers of "
        "tomorrow's visits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=sorted(SWEEPS))

    def handle(self, *args, only=None, **options):
        now = timezone.now()
        for name, (function, unit) in SWEEPS.items():
            if only in (None, name):
                touched = function(now=now)
                self.stdout.write(f"{function.__name__}: {touched} {unit}")
