"""Load the demo data set (idempotent). Refused under production settings.

What the loaders publish for the worker (the e-mail copies of the demo's notifications, the
follow-up scheduling of resolved cases, ...) runs here, once the data is in, instead of
waiting in the broker's queue, and the outbox messages left to the outbox sweep are sent in
one pass: the demo's past leaves no backlog, and `make run` starts with an empty queue and
an outbox with nothing unsent.
"""

from collections import Counter
from importlib import import_module
from importlib.util import find_spec

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from aftersales.celery import tasks_run_inline
from aftersales.demo import outbox_send

# Each app's `demo.load()` in dependency order (style.md B.1).
DEMO_MODULES = [
    "aftersales.demo",
    "standards.demo",
    "customers.demo",
    "tickets.demo",
    "feedback.demo",
    "dashboards.demo",
]


class Command(BaseCommand):
    help = "Create the demo organisation, users and data. Safe to run again."

    def handle(self, *args, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is refused under production settings (DJANGO_DEBUG off). "
                "Set AFTERSALES_DEMO_DATA=1 only on a throwaway installation."
            )
        with tasks_run_inline() as ran:
            for name in DEMO_MODULES:
                if find_spec(name) is None:
                    continue
                import_module(name).load(stdout=self.stdout)
        if ran:
            done = ", ".join(
                f"{count} {name.rsplit('.', 1)[-1]}"
                for name, count in Counter(ran).most_common()
            )
            self.stdout.write(f"  background work run now, not queued: {done}")
        outbox_send(stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
