"""Close sessions left open past their meeting's end plus the policy's grace (README: "What
counts as attended"). Safe to run every few minutes from cron or a systemd timer, and from
several machines at once: each session is closed under its row lock, and one already closed is
left alone (attendance.services.close_if_stale)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from attendance.models import Session
from attendance.services import close_if_stale


class Command(BaseCommand):
    help = "Close sessions open past their occurrence's end plus the policy's grace, without a check-out."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        closed = 0
        for session_id in candidates(now):
            if close_if_stale(session_id, now) is not None:
                closed += 1
        self.stdout.write(f"Closed {closed} stale session(s).")


def candidates(now: object) -> list[str]:
    """Open sessions that may be stale at `now`: those whose end plus their policy's grace has
    passed, found with the partial index of open sessions (ix_sessions_open_ending)."""
    grace = ExpressionWrapper(F("policy_version__close_after_end"), output_field=DurationField())
    without_end = ExpressionWrapper(
        F("policy_version__close_after_end") + F("policy_version__min_stay_without_times"),
        output_field=DurationField(),
    )
    sessions = Session.objects.open().annotate(grace=grace, without_end=without_end)
    stale = sessions.filter(
        Q(occurrence_end__isnull=False, occurrence_end__lt=now - F("grace"))
        | Q(occurrence_end__isnull=True, occurrence_start__isnull=False, occurrence_start__lt=now - F("without_end"))
        | Q(occurrence_end__isnull=True, occurrence_start__isnull=True, created_at__lt=now - F("without_end"))
    )
    return list(stale.order_by("created_at").values_list("pk", flat=True))
