"""A session's attendance in the words the attendee's phone shows: "Checked out at 8:31 pm PST:
1 h 28 min of 1 h 30 min, attended", and when check-in opens next.

Everything here reads what attendance.services stored (the session's outcome, its events) or
the meeting's schedule; nothing is decided here. Times are at the meeting's place, with the
zone's abbreviation (attendance.windows.at_place).
"""

import dataclasses
import datetime as dt
import zoneinfo

from attendance import services
from attendance.models import Session, SessionStatus
from attendance.outcomes import REASON_LABELS, Outcome
from attendance.reports import VERIFICATION_LABELS
from attendance.windows import at_place, window
from meetings.models import Meeting
from meetings.occurrences import Occurrence, next_occurrences
from meetings.wording import clock
from policies.services import PolicyError, in_force

OUTCOME_WORDS = {
    Outcome.OPEN: "in progress",
    Outcome.ATTENDED: "attended",
    Outcome.PARTIAL: "partly attended",
    Outcome.NOT_VERIFIED: "not verified",
}
# How far ahead the next held occurrence is looked for (cancelled ones are skipped).
LOOK_AHEAD = 10


def hours_and_minutes(seconds: int | None) -> str:
    """'1 h 28 min', '1 h', '45 min', '0 min' (whole minutes, rounded down)."""
    if seconds is None:
        return ""
    hours, minutes = divmod(max(seconds, 0) // 60, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"


def outcome_words(session: Session) -> str:
    """'attended', 'partly attended', 'not verified', 'in progress'."""
    return OUTCOME_WORDS[Outcome(session.outcome)]


def reason_words(session: Session) -> list[str]:
    """The stored reasons, each as a person reads it (attendance.outcomes.REASON_LABELS)."""
    return [REASON_LABELS[reason] for reason in session.reasons]


def time_attended(session: Session) -> str:
    """'1 h 28 min of 1 h 30 min' (as judged), '1 h 28 min' without a schedule, '' when unknown."""
    attended = hours_and_minutes(session.seconds_attended)
    if not attended:
        return ""
    scheduled = hours_and_minutes(session.attendance.seconds_scheduled)
    return f"{attended} of {scheduled}" if scheduled else attended


def end_state(session: Session) -> str:
    """'Checked out at 8:31 pm PST: 1 h 28 min of 1 h 30 min, attended' for a closed session
    loaded with attendance.queries.with_attendance (its check_out_at and ended_at)."""
    zone = zoneinfo.ZoneInfo(session.time_zone)
    checked_out = session.status == SessionStatus.COMPLETED
    how = "Checked out" if checked_out else "Session ended"
    moment = session.check_out_at if checked_out else session.ended_at
    if moment is not None:  # sessions from before this system may lack the event
        how += f" at {at_place(moment, zone)}"
    attended = time_attended(session)
    return f"{how}: {attended}, {outcome_words(session)}" if attended else f"{how}: {outcome_words(session)}"


def position_words(flag: str | None) -> str:
    """A check-in's position as the reports say it ('At the place'), never 'Verified': whether a
    session counts is its outcome."""
    return VERIFICATION_LABELS.get(flag, flag or "")


def reasons_so_far(session: Session) -> list[str]:
    """For an open session, the reasons its check-in already gives ('Arrived late'), in words
    (attendance.services.reasons_so_far decides them)."""
    return [REASON_LABELS[reason] for reason in services.reasons_so_far(session)]


@dataclasses.dataclass(frozen=True)
class NextCheckIn:
    """The next occurrence that is held, and when its check-in opens (UTC)."""

    occurrence: Occurrence
    opens_at: dt.datetime

    def words(self, now: dt.datetime) -> str:
        """'Next meeting: Tue 8 Dec, check-in opens at 6:30 pm PST' ('today' for today)."""
        start = self.occurrence.local_start
        day = "today" if start.date() == now.astimezone(start.tzinfo).date() else f"{start:%a} {start.day} {start:%b}"
        opens = self.opens_at.astimezone(start.tzinfo)
        return f"Next meeting: {day}, check-in opens at {clock(opens)} {opens.tzname()}"


def next_check_in(meeting: Meeting, after: dt.datetime) -> NextCheckIn | None:
    """The first occurrence of `meeting` starting after `after` that is not cancelled, with the
    opening of its check-in window under the policy in force then; None when none is scheduled."""
    for occurrence in next_occurrences(meeting, after + dt.timedelta(microseconds=1), LOOK_AHEAD):
        if occurrence.cancelled:
            continue
        try:
            policy = in_force(meeting.jurisdiction_id, occurrence.start)
        except PolicyError:
            return None
        opens, _ = window(occurrence.start, occurrence.end, policy)
        return NextCheckIn(occurrence, opens)
    return None


def check_in_opens(occurrence: Occurrence | None, meeting: Meeting, now: dt.datetime) -> str:
    """'Check-in opens at 6:30 pm PST' when today's occurrence's check-in window is still to
    open, else ''."""
    if occurrence is None or occurrence.cancelled:
        return ""
    try:
        policy = in_force(meeting.jurisdiction_id, now)
    except PolicyError:
        return ""
    opens, _ = window(occurrence.start, occurrence.end, policy)
    return f"Check-in opens at {at_place(opens, meeting.zone, now)}" if now < opens else ""
