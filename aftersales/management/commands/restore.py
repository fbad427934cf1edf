"""`manage.py restore DIR`: put a backup back (stop the web and worker processes first)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and "
        "media folder. Stop the web server, the workers and beat first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask: replace the data."
        )

    def handle(self, *args, folder: Path, yes: bool, **options):
        if not (folder / backup.MANIFEST).exists():
            raise CommandError(f"{folder} holds no backup (no {backup.MANIFEST})")
        if (
            not yes
            and input("This replaces the database and the files. Go on? [y/N] ") != "y"
        ):
            raise CommandError("Nothing was restored.")
        try:
            manifest = backup.restore(folder)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {manifest['created']}: {manifest['counts']}"
        )
