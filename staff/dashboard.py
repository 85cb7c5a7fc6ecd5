"""What a case manager needs to see first: today, what is open, what needs a look."""

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from attendance.models import OPEN_STATUSES, EventType, LocationFlag, Session, SessionEvent
from attendance.outcomes import Outcome
from attendance.queries import verified, with_attendance
from attendance.reports import local_midnight
from contacts.models import Contact
from mandates.models import Mandate
from mandates.queries import behind, last_periods, missed_last_period
from meetings.models import ScheduledOccurrence
from meetings.schedule import todays_occurrences, window_is_current

REVIEW_DAYS = 7
LIST_LENGTH = 10
# A large programme can have hundreds of meetings a day; the full list is on the meetings page.
TODAYS_MEETINGS_SHOWN = 25


@dataclass(frozen=True)
class OutcomeCount:
    """How many sessions started today and in the last 7 days (the site's days, as the
    sessions list's date filters read them) have one outcome, with the list's query for each."""

    outcome: str
    label: str
    today: int
    week: int
    today_query: str
    week_query: str


@dataclass
class Overview:
    """Sections a staff member may not see are left empty (and `shows_*` False)."""

    shows_meetings: bool = False
    shows_sessions: bool = False
    shows_contacts: bool = False
    todays_meetings: list[ScheduledOccurrence] = field(default_factory=list)
    todays_meeting_count: int = 0
    schedule_is_current: bool = True
    open_sessions: list[Session] = field(default_factory=list)
    open_session_count: int = 0
    recent_events: list[SessionEvent] = field(default_factory=list)
    to_review: list[Session] = field(default_factory=list)
    to_review_count: int = 0
    outcomes: list[OutcomeCount] = field(default_factory=list)
    without_consent: list[Contact] = field(default_factory=list)
    without_consent_count: int = 0
    shows_mandates: bool = False
    behind: list[Mandate] = field(default_factory=list)
    behind_count: int = 0
    missed: list[Mandate] = field(default_factory=list)
    missed_count: int = 0


def mandates_needing_attention(overview: "Overview", now: dt.datetime, case_manager_id: int | None) -> None:
    """The panels "Behind this week" and "Missed last period": how many, and the first
    LIST_LENGTH of each with their figures, in six queries."""
    # Imported here: staff.views.mandates words the figures the way the mandate pages do.
    from staff.views.mandates import with_current

    lists = {}
    for name, mandates in (("behind", behind(now)), ("missed", missed_last_period(now))):
        mandates = _of_caseload(mandates, "contact__", case_manager_id)
        rows = mandates.select_related("contact", "jurisdiction").order_by(
            "contact__last_name", "contact__first_name", "case_number", "pk"
        )
        lists[name] = list(rows[:LIST_LENGTH])
        setattr(overview, f"{name}_count", mandates.count())
    shown = with_current([*lists["behind"], *lists["missed"]], now)
    last = last_periods(lists["missed"], now)
    for mandate in lists["missed"]:
        mandate.last_period = last.get(mandate.pk)
    overview.behind, overview.missed = shown[: len(lists["behind"])], shown[len(lists["behind"]) :]


def today_bounds(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in the site's time zone."""
    local = timezone.localtime(now)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def todays_meetings(now: dt.datetime | None = None) -> tuple[list[ScheduledOccurrence], int]:
    """Today's occurrences (today at each meeting, in its zone: meetings.schedule), the first
    TODAYS_MEETINGS_SHOWN by start, each with `checked_in_count`: the sessions for that
    occurrence with a verified check-in (attendance.queries); and how many there are in all."""
    todays = todays_occurrences(now)
    shown = list(todays[:TODAYS_MEETINGS_SHOWN])
    count = len(shown) if len(shown) < TODAYS_MEETINGS_SHOWN else todays.count()
    # Counted apart: the sessions of 25 occurrences, found by ix_sessions_meeting_occurrence.
    sessions = Session.objects.filter(
        meeting_id__in={row.meeting_id for row in shown}, occurrence_start__in={row.start for row in shown}
    )
    counts = {
        (meeting_id, start): n
        for meeting_id, start, n in verified(with_attendance(sessions))
        .values_list("meeting_id", "occurrence_start")
        .annotate(n=Count("id"))
        .values_list("meeting_id", "occurrence_start", "n")
        .order_by()
    }
    for row in shown:
        row.checked_in_count = counts.get((row.meeting_id, row.start), 0)
    return shown, count


def _of_caseload(queryset: QuerySet, contact_path: str, case_manager_id: int | None) -> QuerySet:
    """`queryset` narrowed to the contacts assigned to `case_manager_id` (None: everyone's)."""
    if case_manager_id is None:
        return queryset
    return queryset.filter(**{f"{contact_path}case_manager": case_manager_id})


def sessions_to_review(now: dt.datetime | None = None) -> QuerySet[Session]:
    """Sessions whose check-in (attendance.queries' deciding one) is not verified, denied or
    without a position, and was made in the last week; the latest first."""
    since = (now or timezone.now()) - dt.timedelta(days=REVIEW_DAYS)
    # A session whose deciding check-in is unverified and from this week has no verified one and
    # its latest attempt, denied or timed out, is from this week: found first by the partial
    # index ix_session_events_unverified, so that the definition is computed for those few
    # sessions, not for every session with a check-in this week (24,000 at bench scale: 5 s).
    unverified = [LocationFlag.DENIED, LocationFlag.TIMEOUT]
    recent = SessionEvent.objects.filter(
        type=EventType.CHECK_IN, location_flag__in=unverified, ts_server__gte=since
    ).values("session_id")
    sessions = with_attendance(Session.objects.filter(pk__in=recent))
    return sessions.filter(check_in_flag__in=unverified, check_in_at__gte=since).order_by("-check_in_at", "-id")


def outcome_counts(now: dt.datetime | None = None, *, case_manager_id: int | None = None) -> list[OutcomeCount]:
    """Sessions started today and in the last REVIEW_DAYS days by outcome, in one query; of one
    caseload when `case_manager_id` is given, and the list's links then ask for the same."""
    today = timezone.localdate(now)
    first_day = today - dt.timedelta(days=REVIEW_DAYS - 1)
    today_start, week_start = local_midnight(today), local_midnight(first_day)
    counted = {}
    for outcome in Outcome.values:
        counted[f"{outcome}_week"] = Count("pk", filter=Q(outcome=outcome))
        counted[f"{outcome}_today"] = Count("pk", filter=Q(outcome=outcome, created_at__gte=today_start))
    sessions = _of_caseload(Session.objects.filter(created_at__gte=week_start), "contact__", case_manager_id)
    counts = sessions.aggregate(**counted)
    caseload = {"caseload": "mine" if case_manager_id is not None else "all"}
    return [
        OutcomeCount(
            outcome=outcome,
            label=label,
            today=counts[f"{outcome}_today"],
            week=counts[f"{outcome}_week"],
            today_query=urlencode({"outcome": outcome, "start": today, "end": today, **caseload}),
            week_query=urlencode({"outcome": outcome, "start": first_day, "end": today, **caseload}),
        )
        for outcome, label in Outcome.choices
    ]


def overview(
    now: dt.datetime | None = None,
    *,
    meetings: bool = True,
    sessions: bool = True,
    contacts: bool = True,
    mandates: bool = True,
    case_manager_id: int | None = None,
) -> Overview:
    """The dashboard's sections the caller may see, in a fixed number of queries. With
    `case_manager_id`, the sections about contacts and their sessions are of that caseload;
    today's meetings are everyone's."""
    result = Overview(
        shows_meetings=meetings, shows_sessions=sessions, shows_contacts=contacts, shows_mandates=mandates
    )
    if meetings:
        result.todays_meetings, result.todays_meeting_count = todays_meetings(now)
        result.schedule_is_current = window_is_current(now)
    if sessions:
        open_sessions = _of_caseload(Session.objects.filter(status__in=OPEN_STATUSES), "contact__", case_manager_id)
        review = _of_caseload(sessions_to_review(now), "contact__", case_manager_id)
        result.open_sessions = list(
            open_sessions.select_related("contact", "meeting").order_by("-created_at")[:LIST_LENGTH]
        )
        result.open_session_count = open_sessions.count()
        result.recent_events = list(
            _of_caseload(SessionEvent.objects.all(), "session__contact__", case_manager_id)
            .select_related("session__contact", "session__meeting")
            .order_by("-ts_server")[:LIST_LENGTH]
        )
        result.to_review = list(review.select_related("contact", "meeting")[:LIST_LENGTH])
        result.to_review_count = review.count()
        result.outcomes = outcome_counts(now, case_manager_id=case_manager_id)
    if contacts:
        without_consent = _of_caseload(Contact.objects.active().filter(consent_granted=False), "", case_manager_id)
        result.without_consent = list(without_consent.order_by("last_name", "first_name", "email")[:LIST_LENGTH])
        result.without_consent_count = without_consent.count()
    if mandates:
        mandates_needing_attention(result, now or timezone.now(), case_manager_id)
    return result
