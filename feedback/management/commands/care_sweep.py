"""Run the care programmes due today (cron-able twin of the daily beat entry
`care-programmes`)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from feedback.care.services import care_sweep


class Command(BaseCommand):
    help = (
        "Run every active care programme due today: reminders, recalls, care calls "
        "(idempotent: nothing already sent is sent again)."
    )

    def handle(self, *args, **options):
        count = care_sweep(now=timezone.now())
        self.stdout.write(f"care_sweep: {count} message(s) sent or call(s) scheduled")
