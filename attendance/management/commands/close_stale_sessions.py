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
    """Open sessions that may be stale at `now`, found with the partial index of open sessions
    (ix_sessions_open_ending): those past their occurrence's end plus their policy's grace, and
    those without an end opened more than the grace ago. close_if_stale then decides each one
    exactly (attendance.services.stale_after), so this only has to include every stale one."""
    grace = ExpressionWrapper(F("policy_version__close_after_end"), output_field=DurationField())
    sessions = Session.objects.open().annotate(grace=grace)
    stale = sessions.filter(
        Q(occurrence_end__isnull=False, occurrence_end__lt=now - F("grace"))
        | Q(occurrence_end__isnull=True, created_at__lt=now - F("grace"))
    )
    return list(stale.order_by("created_at").values_list("pk", flat=True))
