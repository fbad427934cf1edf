"""Re-drive queued imports and fail stalled ones (twin of the beat entry `import-sweep`)."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from customers.imports.importing import import_sweep


class Command(BaseCommand):
    help = "Re-drive imports whose message was lost; fail runs whose worker died."

    def handle(self, *args, **options):
        count = import_sweep(now=timezone.now())
        self.stdout.write(f"archive_import_sweep: {count} import(s) touched")
