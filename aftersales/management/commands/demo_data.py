"""Load the demo data set (idempotent). Refused under production settings."""

from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each app's `demo.load()` in dependency order (style.md B.1).
DEMO_MODULES = [
    "aftersales.demo",
    "standards.demo",
    "customers.demo",
    "tickets.demo",
    "feedback.demo",
]


class Command(BaseCommand):
    help = "Create the demo organisation, users and data. Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is refused under production settings (DJANGO_DEBUG off). "
                "Set AFTERSALES_DEMO_DATA=1 only on a throwaway installation."
            )
        for name in DEMO_MODULES:
            if find_spec(name) is None:
                continue
            import_module(name).load(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
