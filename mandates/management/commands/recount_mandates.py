"""Rebuild every mandate's periods and figures from the sessions' stored outcomes.

Figures are kept up to date as sessions are judged; this is for repair: after sessions were
judged outside the services (a restore, a data fix) or to check the stored figures."""

from typing import Any

from django.core.management.base import BaseCommand

from mandates.counting import recount_all


class Command(BaseCommand):
    help = "Rebuild every mandate's periods and attended figures from the sessions' outcomes."

    def handle(self, *args: Any, **options: Any) -> None:
        count = recount_all()
        self.stdout.write(f"Recounted {count} mandate{'s' if count != 1 else ''}.")
