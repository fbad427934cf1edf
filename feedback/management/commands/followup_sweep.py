"""Follow-up sweep (twin of the beat entry `followup-sweep`): due, automated retries,
unreachable, cancelled, re-driven scheduling."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from feedback.followups.services import followup_sweep


class Command(BaseCommand):
    help = (
        "Move follow-ups to due, send the automated retries outside quiet hours, mark "
        "unreachable after the maximum attempts, and schedule lost follow-ups."
    )

    def handle(self, *args, **options):
        count = followup_sweep(now=timezone.now())
        self.stdout.write(f"followup_sweep: {count} follow-up(s) touched")
