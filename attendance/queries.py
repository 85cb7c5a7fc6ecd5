"""The one definition of a session's attendance, as annotations every page, list, filter, report
and export reads (README: "Which check-in and check-out are the session's").

- The deciding check-in: the first verified check-in (attendance counts from then); when none
  was verified, the latest attempt, whose flag says why it failed. Its flag is the session's
  verdict: `granted` is "Verified", `denied` "Not verified", `timeout` "No position", none
  "No check-in".
- The check-out: the first one, the one that completed the session (the state machine refuses
  a second; only data from before this application can hold more).
- The end: the first status change, which ended the session.
- The time attended, whether the session counts, and why not: the session's stored outcome
  (attendance.outcomes, judged when it closes), never computed here.

Each time is when the event happened as judged (SessionEvent.occurred_at): the server's receipt
time, or the phone's time for an event sent late; `*_received_at` is the server's. UTC in the
database.
"""

from django.db.models import BooleanField, Case, CharField, DateTimeField, F, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from attendance.models import EventType, LocationFlag, SessionEvent

FIRST = ("ts_server", "created_at", "id")
LATEST = ("-ts_server", "-created_at", "-id")


def _events(event_type: EventType) -> QuerySet:
    return SessionEvent.objects.filter(session=OuterRef("pk"), type=event_type).annotate(
        placed_at=Case(When(sent_late=True, then=F("ts_client")), default=F("ts_server"), output_field=DateTimeField())
    )


def with_attendance(sessions: QuerySet) -> QuerySet:
    """`sessions` annotated, in the same query, with `check_in_at` and `check_in_flag` (the
    deciding check-in), `check_out_at` and `check_out_flag` (the check-out) and `ended_at` (the
    end by a status change), each None when the session has none; `check_in_received_at`,
    `check_out_received_at` (server times) and `check_in_sent_late`, `check_out_sent_late`."""
    first_verified = _events(EventType.CHECK_IN).filter(location_flag=LocationFlag.GRANTED).order_by(*FIRST)
    latest_attempt = _events(EventType.CHECK_IN).order_by(*LATEST)
    check_out = _events(EventType.CHECK_OUT).order_by(*FIRST)
    return sessions.annotate(
        first_verified_at=Subquery(first_verified.values("placed_at")[:1]),
        first_verified_received_at=Subquery(first_verified.values("ts_server")[:1]),
        first_verified_sent_late=Subquery(first_verified.values("sent_late")[:1]),
        latest_attempt_at=Subquery(latest_attempt.values("placed_at")[:1]),
        latest_attempt_received_at=Subquery(latest_attempt.values("ts_server")[:1]),
        latest_attempt_flag=Subquery(latest_attempt.values("location_flag")[:1]),
        latest_attempt_sent_late=Subquery(latest_attempt.values("sent_late")[:1]),
        check_in_at=Coalesce(F("first_verified_at"), F("latest_attempt_at")),
        check_in_received_at=Coalesce(F("first_verified_received_at"), F("latest_attempt_received_at")),
        check_in_sent_late=Case(
            When(first_verified_at__isnull=False, then=F("first_verified_sent_late")),
            default=F("latest_attempt_sent_late"),
            output_field=BooleanField(),
        ),
        check_in_flag=Case(
            When(first_verified_at__isnull=False, then=Value(LocationFlag.GRANTED.value)),
            default=F("latest_attempt_flag"),
            output_field=CharField(),
        ),
        check_out_at=Subquery(check_out.values("placed_at")[:1]),
        check_out_received_at=Subquery(check_out.values("ts_server")[:1]),
        check_out_flag=Subquery(check_out.values("location_flag")[:1]),
        check_out_sent_late=Subquery(check_out.values("sent_late")[:1]),
        ended_at=Subquery(_events(EventType.STATUS_CHANGE).order_by(*FIRST).values("ts_server")[:1]),
    )


def verified(sessions: QuerySet) -> QuerySet:
    """Of `sessions` annotated by with_attendance(), those whose check-in is verified."""
    return sessions.filter(check_in_flag=LocationFlag.GRANTED)
