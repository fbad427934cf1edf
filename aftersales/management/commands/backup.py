"""`manage.py backup DIR`: the database and the uploaded files into an empty folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from aftersales import backup


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and the uploaded "
        "files into an empty folder, with a manifest of what it holds."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)

    def handle(self, *args, folder: Path, **options):
        try:
            manifest = backup.backup(folder)
        except (FileExistsError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backup in {folder}: {manifest['counts']}")
