"""The one definition of whether a session counts as attended (README: "What counts as attended").

A court card's signature means "present for the whole meeting". A session is `attended` when all
of these hold under the policy version it was opened under:
- a verified check-in (at the place, precise enough) no later than the on-time limit after the
  occurrence's start;
- a check-out, itself verified when the policy says so, no earlier than the check-out limit
  before the end (or after the end);
- a stay (check-in to check-out, counted inside the scheduled time) of at least the policy's
  share of the scheduled duration, or of its minimum for meetings without an end time;
- the check-in and check-out reached the server promptly (within the policy's delay);
- the place was a meeting or a destination staff approved, not one the attendee chose.

Otherwise it is `partial` (a verified check-in, with the reasons it falls short),
`not_verified` (no verified check-in) or, while it runs, `open`.

`judge` is a pure function of a session's facts, so that the service that closes a session,
the migration that judged sessions recorded before this rule, and the tests all apply the same
words; the result is stored on the session (attendance.models.Session.outcome) and every page,
list, filter, report and API answer reads it from there.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import models


class Outcome(models.TextChoices):
    OPEN = "open", "Open"
    ATTENDED = "attended", "Attended"
    PARTIAL = "partial", "Partly attended"
    NOT_VERIFIED = "not_verified", "Not verified"


class Reason(models.TextChoices):
    """Why a session is not `attended`, each as a person reads it. The order is the report's."""

    NO_VERIFIED_CHECK_IN = "no_verified_check_in", "No verified check-in"
    ARRIVED_LATE = "arrived_late", "Arrived late"
    LEFT_EARLY = "left_early", "Left early"
    SHORT_STAY = "short_stay", "Stayed less than the minimum"
    NO_CHECK_OUT = "no_check_out", "No check-out"
    CHECK_OUT_NOT_VERIFIED = "check_out_not_verified", "Check-out not verified"
    SENT_LATE = "sent_late", "Sent late by the phone (needs a staff review)"
    SELF_DECLARED_DESTINATION = "self_declared_destination", "Place chosen by the attendee, not approved by staff"


@dataclass(frozen=True)
class Rules:
    """The parts of a policy version the judgement reads (policies.models.PolicyVersion)."""

    on_time_after_start: dt.timedelta
    check_out_from_before_end: dt.timedelta
    min_stay_percent: int
    min_stay_without_times: dt.timedelta
    check_out_must_be_verified: bool

    @classmethod
    def of(cls, version: object) -> "Rules":
        return cls(
            on_time_after_start=version.on_time_after_start,
            check_out_from_before_end=version.check_out_from_before_end,
            min_stay_percent=version.min_stay_percent,
            min_stay_without_times=version.min_stay_without_times,
            check_out_must_be_verified=version.check_out_must_be_verified,
        )


@dataclass(frozen=True)
class Mark:
    """One check-in or check-out as judged: when it happened (the server's receipt time, or the
    phone's time for one sent late), whether its position was verified, whether it was sent late."""

    at: dt.datetime
    verified: bool
    sent_late: bool = False


@dataclass(frozen=True)
class Facts:
    """What a session's judgement rests on. Times are aware (UTC)."""

    is_open: bool
    occurrence_start: dt.datetime | None
    occurrence_end: dt.datetime | None
    check_in: Mark | None  # the first verified check-in
    check_out: Mark | None  # the check-out that closed the session
    self_declared_destination: bool = False


@dataclass(frozen=True)
class Attendance:
    outcome: Outcome
    reasons: tuple[Reason, ...] = field(default=())
    seconds_attended: int | None = None
    seconds_scheduled: int | None = None

    @property
    def minutes_attended(self) -> int | None:
        return None if self.seconds_attended is None else self.seconds_attended // 60

    @property
    def minutes_scheduled(self) -> int | None:
        return None if self.seconds_scheduled is None else self.seconds_scheduled // 60


def scheduled_seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    if start is None or end is None or end <= start:
        return None
    return int((end - start).total_seconds())


def attended_seconds(facts: Facts) -> int | None:
    """Check-in to check-out, counted inside the occurrence: from its start, to its end when it
    has one (arriving early or staying on adds nothing); None without both marks."""
    if facts.check_in is None or facts.check_out is None:
        return None
    start, end = facts.check_in.at, facts.check_out.at
    if facts.occurrence_start is not None:
        start = max(start, facts.occurrence_start)
    if facts.occurrence_end is not None:
        end = min(end, facts.occurrence_end)
    return max(int((end - start).total_seconds()), 0)


def judge(facts: Facts, rules: Rules) -> Attendance:
    """The session's outcome, reasons and minutes (module docstring). Boundaries count in the
    attendee's favour: a check-in exactly at the on-time limit is on time, a check-out exactly
    at the check-out limit is not early, a stay of exactly the minimum is enough."""
    scheduled = scheduled_seconds(facts.occurrence_start, facts.occurrence_end)
    attended = attended_seconds(facts)
    reasons: list[Reason] = []
    if facts.self_declared_destination:
        reasons.append(Reason.SELF_DECLARED_DESTINATION)
    if facts.is_open:
        return Attendance(Outcome.OPEN, (), None, scheduled)
    if facts.check_in is None:
        return Attendance(Outcome.NOT_VERIFIED, (Reason.NO_VERIFIED_CHECK_IN, *reasons), attended, scheduled)
    start, end = facts.occurrence_start, facts.occurrence_end
    if start is not None and facts.check_in.at > start + rules.on_time_after_start:
        reasons.append(Reason.ARRIVED_LATE)
    check_out = facts.check_out
    if check_out is None:
        reasons.append(Reason.NO_CHECK_OUT)
    else:
        if end is not None and check_out.at < end - rules.check_out_from_before_end:
            reasons.append(Reason.LEFT_EARLY)
        needed = (
            scheduled * rules.min_stay_percent / 100
            if scheduled is not None
            else rules.min_stay_without_times.total_seconds()
        )
        if attended is not None and attended < needed:
            reasons.append(Reason.SHORT_STAY)
        if rules.check_out_must_be_verified and not check_out.verified:
            reasons.append(Reason.CHECK_OUT_NOT_VERIFIED)
    if facts.check_in.sent_late or (check_out is not None and check_out.sent_late):
        reasons.append(Reason.SENT_LATE)
    ordered = tuple(reason for reason in Reason if reason in reasons)
    return Attendance(Outcome.PARTIAL if ordered else Outcome.ATTENDED, ordered, attended, scheduled)


REASON_LABELS = dict(Reason.choices)

# The values of attendance.models' choices this module reads (it is imported by the models, and
# by migrations with historical models, so it names them rather than importing them).
OPEN_STATUS_VALUES = ("active", "checked_in")
GRANTED = "granted"


def mark_of(event: object) -> Mark:
    """A stored check-in or check-out event (a SessionEvent, or a migration's historical one)
    as judged: placed at the phone's time when it was sent late."""
    at = event.ts_client if event.sent_late else event.ts_server
    return Mark(at=at, verified=event.location_flag == GRANTED, sent_late=event.sent_late)


def deciding_events(events: list) -> tuple[object | None, object | None]:
    """The check-in and check-out a session rests on, from its events oldest first (by server
    time, then creation, then id: SessionEvent's order): the first verified check-in, else the
    latest attempt (whose flag says why it failed); the first check-out, which closed the
    session. attendance.queries.with_attendance is the same choice in SQL, for lists."""
    check_ins = [e for e in events if e.type == "check_in"]
    check_in = next((e for e in check_ins if e.location_flag == GRANTED), check_ins[-1] if check_ins else None)
    check_out = next((e for e in events if e.type == "check_out"), None)
    return check_in, check_out


def facts_of(session: object, events: list) -> Facts:
    """The facts of `session` from its events, oldest first (deciding_events): a check-in counts
    only when verified."""
    check_in, check_out = deciding_events(events)
    if check_in is not None and check_in.location_flag != GRANTED:
        check_in = None
    return Facts(
        is_open=session.status in OPEN_STATUS_VALUES,
        occurrence_start=session.occurrence_start,
        occurrence_end=session.occurrence_end,
        check_in=mark_of(check_in) if check_in is not None else None,
        check_out=mark_of(check_out) if check_out is not None else None,
        self_declared_destination=session.meeting_id is None and session.destination_approved_by_id is None,
    )
