"""A mandate's progress as the attendee reads it, and every mandate of a contact at once.

The attendee's phone (portal) and the attendee API (GET /api/v1/me/mandates/) show the same
words, from here: "This week: 2 of 3 meetings. Next: Thursday 7:00 pm PST, Hope Group", with the
mandate's standing in plain, calm words. Nothing is decided here: the figures and statuses are
mandates.status's and mandates.queries', the occurrences meetings.occurrences'.

`standings` gives each of a contact's mandates its status, periods and current period in a
fixed number of queries (GET /api/v1/contacts/<id>/compliance/), the same answer as
mandates.queries.compliance_of gives one mandate (tests/test_api_mandates.py compares them).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from attendance.models import Session
from contacts.models import Contact
from mandates.counting import qualifies
from mandates.models import Mandate, MandatePeriod, Period
from mandates.queries import PeriodView, view_of, with_status
from mandates.status import MandateStatus, PeriodStatus
from meetings.models import Meeting
from meetings.occurrences import Occurrence, occurrences
from meetings.wording import clock

# How far ahead the next qualifying meeting is looked for.
LOOK_AHEAD = dt.timedelta(days=14)
# Which meetings are looked at for it: those the mandates name, and the latest ones the attendee
# went to (a mandate for "any AA meeting" names none; the attendee's own are the likely ones).
RECENT_MEETINGS = 20
RECENT_SESSIONS = 200

# What a mandate's current period is called ("2 of 3 this week"; on the phone "This week: ...").
PERIOD_WORDS = {Period.WEEK: "this week", Period.MONTH: "this month", Period.WHOLE: "so far"}
# Whose requirement a running period is ("this week's requirement").
PERIOD_OWNER = {Period.WEEK: "this week's", Period.MONTH: "this month's"}


def meetings_noun(count: int) -> str:
    return "meeting" if count == 1 else "meetings"


def long_date(day: dt.date) -> str:
    """'Thursday 17 December'"""
    return f"{day:%A} {day.day} {day:%B}"


def period_name(mandate: Mandate) -> str:
    """'this week', 'this month', 'so far', 'in the last 30 days': the current period, as staff
    pages and the phone name it."""
    if mandate.period == Period.ROLLING:
        return f"in the last {mandate.rolling_days} days"
    return PERIOD_WORDS[Period(mandate.period)]


def period_words(mandate: Mandate, current: PeriodView) -> str:
    """'This week', 'This month', 'So far', 'In the last 30 days' (a rolling window that started
    with the mandate: 'So far')."""
    if mandate.period == Period.ROLLING and current.starts_on == mandate.starts_on:
        return "So far"
    name = period_name(mandate)
    return name[:1].upper() + name[1:]


def summary(mandate: Mandate, current: PeriodView | None, today: dt.date) -> str:
    """'This week: 2 of 3 meetings.'; before it starts 'Starts Tuesday 1 December.'; once over
    'Ended Monday 28 December.'"""
    if current is None:
        if today < mandate.starts_on:
            return f"Starts {long_date(mandate.starts_on)}."
        return f"Ended {long_date(mandate.last_day)}."
    return (
        f"{period_words(mandate, current)}: {current.attended} of {current.required} {meetings_noun(current.required)}."
    )


def standing_words(mandate: Mandate, status: str, current: PeriodView | None, today: dt.date) -> str:
    """The mandate's status in plain, calm words: what it means and what to do, never a verdict."""
    if status == MandateStatus.COMPLETED:
        return "Completed: every period was met."
    if status == MandateStatus.NON_COMPLIANT:
        return "An earlier period did not reach the requirement. Your case manager can tell you what happens next."
    if current is None:
        return "Not started yet." if today < mandate.starts_on else "Ended."
    owner = PERIOD_OWNER.get(Period(mandate.period), "the")
    if current.status == PeriodStatus.MET:
        return f"You have met {owner} requirement."
    if status == MandateStatus.AT_RISK:
        needed = current.required - current.attended
        by = long_date(current.ends_on)
        return f"You need {needed} more {meetings_noun(needed)} by {by} to meet {owner} requirement."
    return "You are on track."


def day_words(start: dt.datetime, now: dt.datetime) -> str:
    """'Today', 'Tomorrow', 'Thursday' (within the week), else 'Thursday 17 December'; `start` in
    the meeting's zone, `now` seen there."""
    today = now.astimezone(start.tzinfo).date()
    days = (start.date() - today).days
    if days == 0:
        return "Today"
    if days == 1:
        return "Tomorrow"
    if days < 7:
        return f"{start:%A}"
    return long_date(start.date())


@dataclass(frozen=True)
class NextMeeting:
    meeting: Meeting
    occurrence: Occurrence

    def label(self, now: dt.datetime) -> str:
        """'Thursday 7:00 pm PST': at the meeting's place, with its zone."""
        start = self.occurrence.local_start
        return f"{day_words(start, now)} {clock(start)} {start.tzname()}"


@dataclass
class Progress:
    """One mandate as the attendee reads it."""

    mandate: Mandate
    status: str  # MandateStatus value
    current: PeriodView | None
    summary: str
    standing: str
    next_meeting: NextMeeting | None
    now: dt.datetime

    @property
    def line(self) -> str:
        """'This week: 2 of 3 meetings. Next: Thursday 7:00 pm PST, Hope Group'"""
        if self.next_meeting is None:
            return self.summary
        return f"{self.summary} Next: {self.next_meeting.label(self.now)}, {self.next_meeting.meeting.name}"


def running_and_upcoming(contact: Contact, now: dt.datetime) -> QuerySet[Mandate]:
    """The contact's mandates not over at `now`, with `status`, soonest first."""
    mandates = Mandate.objects.filter(Q(ends_at__gt=now) | Q(ends_at__isnull=True), contact=contact)
    mandates = mandates.select_related("jurisdiction").prefetch_related("kind_links", "meeting_links")
    return with_status(mandates, now).order_by("starts_on", "case_number", "pk")


def progress_of(contact: Contact, now: dt.datetime | None = None) -> list[Progress]:
    """Each of the contact's running and upcoming mandates with its progress. Eight queries at
    most, whatever the number of mandates."""
    now = now or timezone.now()
    mandates = list(running_and_upcoming(contact, now))
    current = phone_periods(mandates, now)
    following = next_meetings(contact, mandates, now)
    found = []
    for mandate in mandates:
        today = timezone.localdate(now, mandate.zone)
        period = current.get(mandate.pk)
        found.append(
            Progress(
                mandate,
                mandate.status,
                period,
                summary(mandate, period, today),
                standing_words(mandate, mandate.status, period, today),
                following.get(mandate.pk),
                now,
            )
        )
    return found


def phone_periods(mandates: Iterable[Mandate], now: dt.datetime) -> dict[str, PeriodView]:
    """Each mandate's period running at `now`, in one query. For a rolling mandate, the window
    that ends first: the one holding the last `rolling_days` days, which is what "In the last 30
    days" says (mandates.queries.current_periods gives the worst window, for staff)."""
    ids = [mandate.pk for mandate in mandates]
    if not ids:
        return {}
    found: dict[str, PeriodView] = {}
    running = MandatePeriod.objects.filter(mandate_id__in=ids, starts_at__lte=now, ends_at__gt=now)
    for period in running.order_by("mandate_id", "ends_at", "number"):
        found.setdefault(period.mandate_id, view_of(period, now))
    return found


def candidate_meetings(contact: Contact, mandates: list[Mandate]) -> list[Meeting]:
    """The active meetings the mandates name and the latest ones the contact went to (three
    queries: sessions, meetings with their kinds and cancellations)."""
    ids = {link.meeting_id for mandate in mandates for link in mandate.meeting_links.all()}
    recent = Session.objects.filter(contact=contact, meeting__isnull=False).order_by("-created_at")
    seen: list[str] = []
    for meeting_id in recent.values_list("meeting_id", flat=True)[:RECENT_SESSIONS]:
        if meeting_id not in seen:
            seen.append(meeting_id)
    ids |= set(seen[:RECENT_MEETINGS])
    if not ids:
        return []
    meetings = Meeting.objects.active().filter(pk__in=ids, start_time__isnull=False)
    return list(meetings.prefetch_related("kind_assignments", "cancellations").order_by("name", "pk"))


def next_meetings(contact: Contact, mandates: list[Mandate], now: dt.datetime) -> dict[str, NextMeeting]:
    """Each mandate's next qualifying occurrence, not cancelled, starting from `now` (or the
    mandate's first day) within LOOK_AHEAD and on or before its last day."""
    if not mandates:
        return {}
    meetings = candidate_meetings(contact, mandates)
    upcoming = {
        meeting.pk: [o for o in occurrences(meeting, now, now + LOOK_AHEAD) if not o.cancelled] for meeting in meetings
    }
    found = {}
    for mandate in mandates:
        zone = mandate.zone
        best: NextMeeting | None = None
        for meeting in meetings:
            if not qualifies(meeting, mandate):
                continue
            for occurrence in upcoming[meeting.pk]:
                day = occurrence.start.astimezone(zone).date()
                if day < mandate.starts_on or day > mandate.last_day:
                    continue
                if best is None or occurrence.start < best.occurrence.start:
                    best = NextMeeting(meeting, occurrence)
                break
        if best is not None:
            found[mandate.pk] = best
    return found
