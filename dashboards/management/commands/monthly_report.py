"""E-mail last month's service figures to managers and quality managers (twin of the beat
entry `monthly-report`; idempotent: one message per person and month)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboards import services


class Command(BaseCommand):
    help = "E-mail last month's service figures to managers and quality managers."

    def handle(self, *args, **options):
        queued = services.monthly_report_send(now=timezone.now())
        self.stdout.write(f"monthly_report_send: {queued} message(s) queued")
