"""manage.py backup FILE: a consistent backup of the database, safe while the application runs."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from operations.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a consistent backup of the database to FILE, while the application keeps running: SQLite's "
        "online backup API, or pg_dump's custom format for PostgreSQL. Never overwrites a file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The backup file to create.")

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        started = time.monotonic()
        try:
            outcome = backup(connection, file)
        except BackupError as error:
            raise CommandError(str(error)) from error
        rows = ", ".join(f"{table} {count:,}" for table, count in outcome.row_counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {outcome.path} ({outcome.size:,} bytes, {time.monotonic() - started:.1f} s)"
                + (f"; rows: {rows}." if rows else ".")
            )
        )
