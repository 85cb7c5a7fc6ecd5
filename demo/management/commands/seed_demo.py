from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from demo.story import SeedReport, seed_demo


class Command(BaseCommand):
    help = (
        "Create demo meetings (repeating, in their own zones, one occurrence cancelled), contacts, sessions of "
        "every outcome with their events, a refused check-in, a case manager with a caseload, and court mandates "
        "in each status. Safe to run again: rows that already exist are "
        "left as they are and nothing is duplicated. "
        "Then run refresh_schedule (make run does) for today's meetings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Write demo data even with DEBUG off. Demo sessions look like real evidence: never in production.",
        )

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not (settings.DEBUG or force):
            raise CommandError(
                "Refusing to write demo attendance data with DEBUG off: this may be a production database. "
                "Run with DEBUG=true for development, or pass --force if you are sure."
            )
        try:
            report = seed_demo()
        except ValidationError as error:
            raise CommandError(
                f"The demo data clashes with existing rows; nothing was written. {'; '.join(error.messages)}"
            ) from error
        self.stdout.write(format_report(report))


def format_report(report: SeedReport) -> str:
    rows = [
        ("Meetings", report.meetings),
        ("Contacts", report.contacts),
        ("Sessions", report.sessions),
        ("Session events", report.events),
        ("Cancellations", report.cancellations),
        ("Refused attempts", report.attempts),
        ("Staff users", report.staff),
        ("Courts", report.courts),
        ("Mandates", report.mandates),
    ]
    lines = [f"  {label:<17}{tally.created:>4} created, {tally.present:>3} already present" for label, tally in rows]
    created = sum(tally.created for _, tally in rows)
    summary = "Demo data created." if created else "Demo data already present; nothing to do."
    return "\n".join([summary, *lines])
