"""Run the daily standards jobs: activation, review reminders, calendar coverage (each is
also a beat entry; all idempotent)."""

from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from standards import services


class Command(BaseCommand):
    help = "Activate approved standard versions, send review reminders, check holiday coverage."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="YYYY-MM-DD (default: today)",
        )
        parser.add_argument(
            "--only",
            choices=["activation", "reviews", "calendar"],
            help="run just one of the jobs",
        )

    def handle(self, *args, today=None, only=None, **options):
        today = today or timezone.localdate()
        if only in (None, "activation"):
            count = services.standard_activation_sweep(today=today)
            self.stdout.write(f"standard_activation: {count} version(s) made effective")
        if only in (None, "reviews"):
            count = services.standard_review_sweep(today=today)
            self.stdout.write(f"standard_review_reminders: {count} reminder(s) sent")
        if only in (None, "calendar"):
            missing = services.calendar_coverage_check(today=today)
            self.stdout.write(
                "calendar_coverage: "
                + (
                    f"holidays missing for {', '.join(map(str, missing))}"
                    if missing
                    else "ok"
                )
            )
