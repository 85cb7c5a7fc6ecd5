"""Two requests racing to open a session for the same contact: the database lets one win."""

import contextlib
import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from attendance.models import Session, SessionStatus
from tests.factories import ContactFactory, MeetingFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # SQLite serialises writers by locking the whole file, so there is no race to lose there;
    # PostgreSQL is where concurrent transactions really interleave.
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]


def test_only_one_of_two_concurrent_session_starts_succeeds():
    contact = ContactFactory()
    meeting = MeetingFactory()
    # The loser blocks on the winner's unique index entry, so the winner waits out the timeout.
    both_inserted = threading.Barrier(2, timeout=2)
    outcomes: list[str] = []

    def start_session() -> None:
        try:
            with transaction.atomic():
                Session.objects.create(
                    contact=contact,
                    meeting=meeting,
                    status=SessionStatus.ACTIVE,
                    dest_name=meeting.name,
                    dest_address=meeting.address,
                    dest_lat=meeting.lat,
                    dest_lng=meeting.lng,
                )
                # Neither has committed when both have checked for an open session and inserted
                # (or the second is blocked on the first's unique index entry).
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_inserted.wait()
            outcomes.append("created")
        except IntegrityError:
            both_inserted.abort()
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start_session) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["created", "refused"]
    assert Session.objects.filter(contact=contact).count() == 1
