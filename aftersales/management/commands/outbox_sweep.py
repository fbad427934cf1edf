"""Re-drive unsent outbox messages (cron-able twin of the beat entry `outbox-sweep`)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from aftersales.services import outbox_sweep


class Command(BaseCommand):
    help = "Send outbox messages that are still unsent (idempotent)."

    def handle(self, *args, **options):
        sent = outbox_sweep(now=timezone.now())
        self.stdout.write(f"outbox_sweep: {sent} message(s) sent")
