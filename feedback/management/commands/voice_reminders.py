"""Send the voice reminders: late feedback replies, unacknowledged quality notices, overdue
improvement actions (twin of the beat entry `voice-reminders`; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from feedback.voice import services


class Command(BaseCommand):
    help = (
        "Remind about feedback items past their reply date, quality notices not "
        "acknowledged within a week and overdue improvement actions."
    )

    def handle(self, *args, **options):
        touched = services.voice_reminders(now=timezone.now())
        self.stdout.write(f"voice_reminders: {touched} item(s)")
