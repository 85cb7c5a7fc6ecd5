"""manage.py refresh_schedule: move the window of scheduled occurrences on to today.

Run daily (cron, a systemd timer or the platform's scheduler), and after loading meetings in
bulk: see meetings.schedule. Safe to run at any time and as often as wanted; it rebuilds the
whole window in one transaction.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand

from meetings import schedule
from meetings.models import ScheduleWindow


class Command(BaseCommand):
    help = (
        "Rebuild the window of scheduled occurrences (what 'meetings today' reads) for today. "
        "Run it daily; the dashboard and /health/ say when it has not run."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        kept = schedule.refresh()
        window = ScheduleWindow.objects.get()
        self.stdout.write(
            self.style.SUCCESS(
                f"Schedule window refreshed: {kept:,} occurrences from {window.first_date:%Y-%m-%d} to "
                f"{window.last_date:%Y-%m-%d} (local dates at each meeting), in {time.monotonic() - started:.1f} s."
            )
        )
