"""manage.py refresh_schedule: move the window of scheduled occurrences on to today.

Run daily (cron, a systemd timer or the platform's scheduler), and after loading meetings in
bulk: see meetings.schedule. Safe to run at any time and as often as wanted; it rebuilds the
whole window in one transaction.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection

from meetings import schedule
from meetings.models import ScheduledOccurrence, ScheduleWindow


class Command(BaseCommand):
    help = (
        "Rebuild the window of scheduled occurrences (what 'meetings today' reads) for today. "
        "Run it daily; the dashboard and /health/ say when it has not run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        kept = schedule.refresh()
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            # The rows were all just rewritten: without their visibility map and statistics,
            # "meetings today" reads the table's pages until autovacuum passes (80 ms, not 110,
            # at bench scale). VACUUM cannot run inside a transaction, hence here, after it.
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM (ANALYZE) {ScheduledOccurrence._meta.db_table}")
        window = ScheduleWindow.objects.get()
        self.stdout.write(
            self.style.SUCCESS(
                f"Schedule window refreshed: {kept:,} occurrences from {window.first_date:%Y-%m-%d} to "
                f"{window.last_date:%Y-%m-%d} (local dates at each meeting), in {time.monotonic() - started:.1f} s."
            )
        )
