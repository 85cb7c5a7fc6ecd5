"""close_stale_sessions run twice at once (two cron hosts, or a slow run overlapping the next):
each stale session is closed once, with one status change event."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from attendance.models import EventType, SessionEvent, SessionStatus
from attendance.services import close_if_stale
from tests.factories import MeetingFactory, SessionFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite serialises writers by locking the whole file: PostgreSQL is where they interleave.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]


def test_two_concurrent_runs_close_a_stale_session_once():
    start = timezone.now() - dt.timedelta(hours=5)
    meeting = MeetingFactory(start_time=start, end_time=start + dt.timedelta(hours=1))
    session = SessionFactory(meeting=meeting, status=SessionStatus.CHECKED_IN)
    ready = threading.Barrier(2, timeout=5)
    results: list[bool] = []

    def run() -> None:
        try:
            ready.wait()
            results.append(close_if_stale(session.id) is not None)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == [False, True]
    assert SessionEvent.objects.filter(session=session, type=EventType.STATUS_CHANGE).count() == 1
    session.refresh_from_db()
    assert (session.status, session.outcome, session.outcome_reasons) == (
        "ended",
        "not_verified",
        "no_verified_check_in",
    )
