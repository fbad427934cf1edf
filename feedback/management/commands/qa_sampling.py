"""Draw the QA re-call sample of the follow-ups completed yesterday (twin of the beat entry
`qa-sampling`; idempotent)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from feedback.voice import services


class Command(BaseCommand):
    help = "Draw yesterday's QA re-call sample of completed follow-ups."

    def handle(self, *args, **options):
        created = services.qa_sampling(now=timezone.now())
        self.stdout.write(f"qa_sampling: {created} re-call(s)")
