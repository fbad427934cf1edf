"""Anonymise customer archives past the retention period (cron-able twin of the monthly
beat entry `archive-retention`)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.services import retention_sweep


class Command(BaseCommand):
    help = "Anonymise archives with no activity for AFTERSALES_RETENTION_DAYS (idempotent)."

    def handle(self, *args, **options):
        count = retention_sweep(now=timezone.now())
        self.stdout.write(f"archive_retention: {count} archive(s) anonymised")
