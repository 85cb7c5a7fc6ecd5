"""What a case manager needs to see first: today, what is open, what needs a look."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from attendance.models import OPEN_STATUSES, EventType, LocationFlag, Session, SessionEvent, SessionStatus
from contacts.models import Contact
from meetings.models import Meeting

REVIEW_DAYS = 7
LIST_LENGTH = 10


@dataclass
class Overview:
    todays_meetings: list[Meeting]
    open_sessions: list[Session]
    open_session_count: int
    recent_events: list[SessionEvent]
    to_review: list[SessionEvent]
    to_review_count: int
    without_consent: list[Contact]
    without_consent_count: int


def today_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in the site's time zone."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def todays_meetings(now: dt.datetime | None = None) -> QuerySet[Meeting]:
    """Active meetings starting today, each with how many attendees checked in there today."""
    start, end = today_bounds(now)
    checked_in = Q(
        sessions__created_at__gte=start,
        sessions__created_at__lt=end,
        sessions__status__in=[SessionStatus.CHECKED_IN, SessionStatus.COMPLETED],
    )
    return (
        Meeting.objects.active()
        .filter(start_time__gte=start, start_time__lt=end)
        .annotate(checked_in_count=Count("sessions", filter=checked_in))
        .order_by("start_time", "name")
    )


def check_ins_to_review(now: dt.datetime | None = None) -> QuerySet[SessionEvent]:
    """Check-ins of the last week that were not verified: denied, or without a position."""
    since = (now or timezone.now()) - dt.timedelta(days=REVIEW_DAYS)
    return (
        SessionEvent.objects.filter(
            type=EventType.CHECK_IN,
            location_flag__in=[LocationFlag.DENIED, LocationFlag.TIMEOUT],
            ts_server__gte=since,
        )
        .select_related("session__contact", "session__meeting")
        .order_by("-ts_server")
    )


def overview(now: dt.datetime | None = None) -> Overview:
    """Everything on the dashboard, in a fixed number of queries."""
    open_sessions = Session.objects.filter(status__in=OPEN_STATUSES)
    review = check_ins_to_review(now)
    without_consent = Contact.objects.active().filter(consent_granted=False)
    return Overview(
        todays_meetings=list(todays_meetings(now)),
        open_sessions=list(open_sessions.select_related("contact", "meeting").order_by("-created_at")[:LIST_LENGTH]),
        open_session_count=open_sessions.count(),
        recent_events=list(
            SessionEvent.objects.select_related("session__contact", "session__meeting").order_by("-ts_server")[
                :LIST_LENGTH
            ]
        ),
        to_review=list(review[:LIST_LENGTH]),
        to_review_count=review.count(),
        without_consent=list(without_consent.order_by("last_name", "first_name", "email")[:LIST_LENGTH]),
        without_consent_count=without_consent.count(),
    )
