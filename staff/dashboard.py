"""What a case manager needs to see first: today, what is open, what needs a look."""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, QuerySet
from django.utils import timezone

from attendance.models import OPEN_STATUSES, EventType, LocationFlag, Session, SessionEvent
from attendance.queries import verified, with_attendance
from contacts.models import Contact
from meetings.models import Meeting

REVIEW_DAYS = 7
LIST_LENGTH = 10
# A large programme can have hundreds of meetings a day; the full list is on the meetings page.
TODAYS_MEETINGS_SHOWN = 25


@dataclass
class Overview:
    """Sections a staff member may not see are left empty (and `shows_*` False)."""

    shows_meetings: bool = False
    shows_sessions: bool = False
    shows_contacts: bool = False
    todays_meetings: list[Meeting] = field(default_factory=list)
    todays_meeting_count: int = 0
    open_sessions: list[Session] = field(default_factory=list)
    open_session_count: int = 0
    recent_events: list[SessionEvent] = field(default_factory=list)
    to_review: list[Session] = field(default_factory=list)
    to_review_count: int = 0
    without_consent: list[Contact] = field(default_factory=list)
    without_consent_count: int = 0


def today_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in the site's time zone."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def todays_meetings(now: dt.datetime | None = None) -> list[Meeting]:
    """Active meetings starting today, each with how many of today's sessions there have a
    verified check-in (attendance.queries)."""
    start, end = today_bounds(now)
    meetings = list(
        Meeting.objects.active()
        .filter(start_time__gte=start, start_time__lt=end)
        .order_by("start_time", "name")[:TODAYS_MEETINGS_SHOWN]
    )
    # Counted apart from the meetings: today's sessions are few and indexed by created_at,
    # where a join would group every session each meeting ever had.
    todays = Session.objects.filter(meeting__in=meetings, created_at__gte=start, created_at__lt=end)
    counts = dict(verified(with_attendance(todays)).values_list("meeting_id").annotate(n=Count("id")).order_by())
    for meeting in meetings:
        meeting.checked_in_count = counts.get(meeting.pk, 0)
    return meetings


def sessions_to_review(now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions whose check-in (attendance.queries' deciding one) is not verified, denied or
    without a position, and was made in the last week; the latest first."""
    since = (now or timezone.now()) - dt.timedelta(days=REVIEW_DAYS)
    # Only sessions with a check-in this week can have their deciding one this week: found by
    # the events' time index first, so the definition is computed for a week's sessions only.
    recent = SessionEvent.objects.filter(type=EventType.CHECK_IN, ts_server__gte=since).values("session_id")
    sessions = with_attendance(Session.objects.filter(pk__in=recent))
    return sessions.filter(
        check_in_flag__in=[LocationFlag.DENIED, LocationFlag.TIMEOUT], check_in_at__gte=since
    ).order_by("-check_in_at", "-id")


def overview(
    now: dt.datetime | None = None, *, meetings: bool = True, sessions: bool = True, contacts: bool = True
) -> Overview:
    """The dashboard's sections the caller may see, in a fixed number of queries."""
    result = Overview(shows_meetings=meetings, shows_sessions=sessions, shows_contacts=contacts)
    if meetings:
        start, end = today_bounds(now)
        result.todays_meetings = todays_meetings(now)
        result.todays_meeting_count = (
            len(result.todays_meetings)
            if len(result.todays_meetings) < TODAYS_MEETINGS_SHOWN
            else Meeting.objects.active().filter(start_time__gte=start, start_time__lt=end).count()
        )
    if sessions:
        open_sessions = Session.objects.filter(status__in=OPEN_STATUSES)
        review = sessions_to_review(now)
        result.open_sessions = list(
            open_sessions.select_related("contact", "meeting").order_by("-created_at")[:LIST_LENGTH]
        )
        result.open_session_count = open_sessions.count()
        result.recent_events = list(
            SessionEvent.objects.select_related("session__contact", "session__meeting").order_by("-ts_server")[
                :LIST_LENGTH
            ]
        )
        result.to_review = list(review.select_related("contact", "meeting")[:LIST_LENGTH])
        result.to_review_count = review.count()
    if contacts:
        without_consent = Contact.objects.active().filter(consent_granted=False)
        result.without_consent = list(without_consent.order_by("last_name", "first_name", "email")[:LIST_LENGTH])
        result.without_consent_count = without_consent.count()
    return result
