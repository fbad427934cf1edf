"""Issue the quality notices of the previous month (twin of the beat entry
`quality-notices`; idempotent). `--month YYYY-MM` issues those of another month."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from feedback.voice import services
from feedback.voice.services.common import local_midnight, next_month


class Command(BaseCommand):
    help = "Issue last month's quality notices per product model (or --month YYYY-MM)."

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month to report, YYYY-MM.")

    def handle(self, *args, month=None, **options):
        now = timezone.now()
        if month:
            try:
                first = datetime.strptime(month, "%Y-%m").date()  # noqa: DTZ007
            except ValueError as exc:
                raise CommandError("--month must look like 2026-03") from exc
            now = local_midnight(next_month(first))
        issued = services.quality_notice_generate(now=now)
        self.stdout.write(f"quality_notice_generate: {issued} notice(s)")
