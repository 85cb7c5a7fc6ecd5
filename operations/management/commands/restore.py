"""manage.py restore FILE: restore a backup made by `manage.py backup` into an empty database."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from operations.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore FILE, made by `manage.py backup`, into the database (DATABASE_URL). Refuses a database that "
        "already has tables unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="A backup made by `manage.py backup`.")
        parser.add_argument(
            "--force", action="store_true", help="Replace the contents of a database that is not empty."
        )

    def handle(self, *args: Any, file: Path, force: bool = False, **options: Any) -> None:
        try:
            outcome = restore(connection, file, force=force)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = ", ".join(f"{table} {count:,}" for table, count in outcome.row_counts.items())
        self.stdout.write(self.style.SUCCESS(f"Restored {outcome.path}; rows: {rows or 'none'}."))
        self.stdout.write("Then run `python manage.py migrate` in case the backup predates the latest migrations.")
