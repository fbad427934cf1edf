"""Roll up the settled KPI counters (twin of the beat entry `kpi-rollup`): every day not
held yet and the trailing days, or the days asked for (after a bulk correction)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dashboards import services


class Command(BaseCommand):
    help = (
        "Roll up the settled KPI counters of the days not rolled up yet and of the last "
        "days (or of --from/--to)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="first", help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="last", help="last day (YYYY-MM-DD)")

    def handle(self, *args, first=None, last=None, **options):
        now = timezone.now()
        if first is None and last is None:
            days = services.kpi_rollup_nightly(now=now)
        else:
            try:
                first_day = date.fromisoformat(first) if first else None
                last_day = date.fromisoformat(last) if last else timezone.localdate()
            except ValueError as exc:
                raise CommandError(f"Not a day (YYYY-MM-DD): {exc}") from exc
            if first_day is None:
                first_day = last_day
            if first_day > last_day:
                raise CommandError("--from is after --to.")
            days = services.kpi_rollup(first=first_day, last=last_day, now=now)
        self.stdout.write(f"kpi_rollup: {days} day(s) rolled up")
