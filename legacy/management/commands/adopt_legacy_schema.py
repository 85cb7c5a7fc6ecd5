"""manage.py adopt_legacy_schema: take over a legacy (SQLAlchemy/Alembic, revision 002) database."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from legacy.adoption import AdoptionFailed, adopt, plan
from legacy.models import LegacyAdoption
from legacy.survey import ADOPTION_TABLE, survey


class Command(BaseCommand):
    help = (
        "Put a database of the legacy system (Alembic revision 002) under Django migrations, keeping every "
        "row. Point DATABASE_URL at it; take a backup first. Refuses, changing nothing, any other database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print the plan and change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        name = connection.settings_dict["NAME"]
        if connection.vendor == "sqlite" and not connection.is_in_memory_db() and not Path(name).is_file():
            # Connecting would create an empty file there: a mistyped path must not look adopted.
            raise CommandError(f"There is no SQLite database at {name}; check DATABASE_URL. Nothing was changed.")
        found = survey(connection)
        if found.managed_by_django:
            self.stdout.write(self._already_done(found.tables))
            return
        if found.refusals:
            raise CommandError(
                "This database cannot be adopted; nothing was changed.\n"
                + "\n".join(f"  - {reason}" for reason in found.refusals)
            )
        engine = "PostgreSQL" if found.vendor == "postgresql" else "SQLite"
        self.stdout.write(f"Legacy database found ({engine}, Alembic revision {found.revision}):")
        for table, count in found.row_counts.items():
            self.stdout.write(f"  {table:<16}{count:>12,} rows")
        for note in found.notes:
            self.stdout.write(f"  Note: {note}")
        self.stdout.write("Plan (one transaction: any failure rolls all of it back):")
        for number, step in enumerate(plan(found), start=1):
            self.stdout.write(f"  {number}. {step}")
        if dry_run:
            self.stdout.write("Dry run: nothing was changed.")
            return
        try:
            record = adopt(found)
        except (AdoptionFailed, DatabaseError) as error:
            raise CommandError(f"Adoption failed and was rolled back; nothing was changed. Cause: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Done. {record}; rows: {record.row_counts}."))
        self.stdout.write(
            "Next: `python manage.py create_staff_groups` and `python manage.py createsuperuser`, then start the "
            "application."
        )

    def _already_done(self, tables: set[str]) -> str:
        record = LegacyAdoption.objects.order_by("-adopted_at").first() if ADOPTION_TABLE in tables else None
        if record:
            return f"This database is already adopted ({record}). Nothing to do."
        return "This database is already managed by Django migrations; there is nothing to adopt."
