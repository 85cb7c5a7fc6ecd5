"""Attendance operations. Every rule about sessions and their events lives here, once.

The API and the attendee pages parse their input, call one of these functions and translate an
AttendanceError into their own answer: the error's `code` is what API clients see, its
`detail` what a person reads. A refused operation stores no event; a refused well-formed event
from an attendee is kept as a RefusedAttempt (AttendanceError.KEPT), which changes no session.

Each operation runs in one transaction and locks the session row it changes, so two requests
for the same session (a double tap, a retry racing the original) are applied one after the
other, never interleaved. Every event is judged under the policy version its session opened
under, and the judgement is stored with it; a session's outcome (attendance.outcomes) is
stored when it closes.
"""

import dataclasses
import datetime as dt
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from attendance import windows
from attendance.errors import AttendanceError, SessionNotFound
from attendance.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    EventType,
    LocationFlag,
    RefusedAttempt,
    Session,
    SessionEvent,
    SessionStatus,
)
from attendance.outcomes import Attendance, Outcome, Reason, Rules, facts_of, judge
from attendance.signals import session_judged
from contacts.models import Contact
from core.geo import PositionError, haversine_m, validate_point
from core.validators import validate_accuracy
from meetings.models import Meeting
from policies.models import PolicyVersion
from policies.services import PolicyError, in_force

__all__ = ["AttendanceError", "SessionNotFound"]


@dataclass(frozen=True)
class Fix:
    """What the phone reported about its position. `timed_out`: it could not get one."""

    lat: float | None = None
    lng: float | None = None
    accuracy: float | None = None
    timed_out: bool = False

    @property
    def has_position(self) -> bool:
        return self.lat is not None and self.lng is not None


@dataclass(frozen=True)
class EventReport:
    """A client's account of one event. `event_id` (a UUID4) makes retries safe."""

    ts_client: dt.datetime
    fix: Fix
    notes: str | None = None
    event_id: str | None = None


@dataclass(frozen=True)
class Destination:
    """Where a session without a meeting must take place."""

    name: str
    address: str
    lat: float
    lng: float


class VerdictReason:
    WITHIN_RADIUS = "within_radius"
    OUTSIDE_RADIUS = "outside_radius"
    ACCURACY_TOO_LOW = "accuracy_too_low"
    ACCURACY_UNKNOWN = "accuracy_unknown"
    GPS_TIMEOUT = "gps_timeout"
    # An event recorded before judgements were stored with events (by the legacy system, or by
    # this one before policies): its flag is what was decided, the rule it applied is unknown.
    JUDGED_BY_LEGACY_SYSTEM = "judged_by_legacy_system"

    LABELS = {
        WITHIN_RADIUS: "Verified: within the meeting's check-in radius.",
        OUTSIDE_RADIUS: "Not verified: too far from the meeting. Move closer and try again.",
        ACCURACY_UNKNOWN: "Not verified: the phone did not say how precise its position was.",
        ACCURACY_TOO_LOW: "Not verified: the position was not precise enough. Try again outdoors or near a window.",
        GPS_TIMEOUT: "Not verified: the phone could not find its position. Enable location and try again.",
        JUDGED_BY_LEGACY_SYSTEM: "Judged by the legacy system: the rule it applied was not recorded.",
    }


@dataclass(frozen=True)
class Verdict:
    """Whether a position verified presence, and why: `distance_m` from the place and the
    `radius_m` applied, in metres (None when not known: no position, or not recorded)."""

    flag: LocationFlag
    reason: str
    distance_m: float | None
    radius_m: float | None

    @property
    def explanation(self) -> str:
        return VerdictReason.LABELS[self.reason]


@dataclass(frozen=True)
class RecordedEvent:
    """The outcome of an event operation. `created` is False for a repeated, identical request."""

    event: SessionEvent
    session: Session
    verdict: Verdict
    created: bool


def radius_for(session: Session) -> float:
    """The radius in metres a session's positions are judged against: the one fixed when it
    opened; for sessions from before that was recorded, the meeting's, or the policy's
    radius for a place without a meeting."""
    if session.radius_m is not None:
        return session.radius_m
    if session.meeting_id is not None:
        return session.meeting.radius_meters
    return session.policy_version.default_radius_m


def verify_position(session: Session, fix: Fix, policy: PolicyVersion | None = None) -> Verdict:
    """Decide whether a fix verifies presence at the session's place, under `policy` (default:
    the session's version).

    `granted` needs a position within the radius (great-circle distance) whose reported
    accuracy is known and no worse than the policy's worst accepted accuracy: a fix that might
    be a kilometre off proves nothing. A client never decides the flag.
    """
    policy = policy or session.policy_version
    radius = radius_for(session)
    if fix.timed_out or not fix.has_position:
        return Verdict(LocationFlag.TIMEOUT, VerdictReason.GPS_TIMEOUT, _distance(session, fix), radius)
    distance = _distance(session, fix)
    # Written so that a NaN anywhere (which every comparison answers False) denies.
    if not distance <= radius:
        return Verdict(LocationFlag.DENIED, VerdictReason.OUTSIDE_RADIUS, distance, radius)
    if fix.accuracy is None:
        return Verdict(LocationFlag.DENIED, VerdictReason.ACCURACY_UNKNOWN, distance, radius)
    if not fix.accuracy <= policy.max_accuracy_m:
        return Verdict(LocationFlag.DENIED, VerdictReason.ACCURACY_TOO_LOW, distance, radius)
    return Verdict(LocationFlag.GRANTED, VerdictReason.WITHIN_RADIUS, distance, radius)


def verdict_of(session: Session, event: SessionEvent) -> Verdict:
    """The verdict stored with `event` when it was recorded: its flag, reason, distance and
    radius, never recomputed. An event from before judgements were stored says it was judged by
    the legacy system, with its distance from the place (a fact) and no radius."""
    flag = LocationFlag(event.location_flag)
    if event.verdict_reason:
        return Verdict(flag, event.verdict_reason, event.distance_m, event.radius_m)
    if flag == LocationFlag.TIMEOUT:
        # No fix, so no distance: coordinates on a legacy timeout were a placeholder (0, 0).
        return Verdict(flag, VerdictReason.GPS_TIMEOUT, None, None)
    distance = _distance(session, Fix(event.lat, event.lng, event.accuracy))
    return Verdict(flag, VerdictReason.JUDGED_BY_LEGACY_SYSTEM, distance, None)


def _distance(session: Session, fix: Fix) -> float | None:
    if not fix.has_position:
        return None
    return haversine_m(session.dest_lat, session.dest_lng, fix.lat, fix.lng)


def sent_late(ts_client: dt.datetime, received: dt.datetime, policy: PolicyVersion) -> bool:
    """Whether an event reached the server later after the phone's time than `policy` allows."""
    return received - ts_client > policy.max_send_delay


def judge_session(session: Session) -> Attendance:
    """attendance.outcomes.judge for `session`, from its stored events, under its version."""
    events = list(session.events.filter(type__in=[EventType.CHECK_IN, EventType.CHECK_OUT]))
    return judge(facts_of(session, events), Rules.of(session.policy_version))


# The reasons a check-in alone decides, known while the session is still open.
CHECK_IN_REASONS = (Reason.ARRIVED_LATE, Reason.SENT_LATE)


def reasons_so_far(session: Session) -> list[Reason]:
    """For an open session, the reasons its check-in has already decided (arrived late, sent
    late): the one judgement of the session as if it closed now, keeping only those."""
    events = list(session.events.filter(type__in=[EventType.CHECK_IN, EventType.CHECK_OUT]))
    facts = dataclasses.replace(facts_of(session, events), is_open=False)
    found = judge(facts, Rules.of(session.policy_version))
    return [reason for reason in found.reasons if reason in CHECK_IN_REASONS]


def _store_outcome(session: Session) -> None:
    """Judge `session` (locked, just closed) and store the outcome with it."""
    found = judge_session(session)
    session.outcome = found.outcome
    session.outcome_reasons = " ".join(found.reasons)
    session.seconds_attended = found.seconds_attended
    session.seconds_scheduled = found.seconds_scheduled


OUTCOME_FIELDS = ["outcome", "outcome_reasons", "seconds_attended", "seconds_scheduled"]


def judge_unjudged(sessions: QuerySet[Session] | None = None) -> int:
    """Judge and store the outcome of closed sessions that have none yet (still `open`): rows
    copied from the legacy system, or written outside these services. Each is locked while it
    is judged, on the database `sessions` reads. Returns how many were judged."""
    sessions = Session.objects.all() if sessions is None else sessions
    db = sessions.db
    pending = sessions.filter(status__in=CLOSED_STATUSES, outcome=Outcome.OPEN).values_list("pk", flat=True)
    judged = 0
    for session_id in list(pending.iterator(chunk_size=2000)):
        with transaction.atomic(using=db):
            session = _locked(session_id, db)
            if session.outcome != Outcome.OPEN or session.is_open:
                continue
            _store_outcome(session)
            session.save_without_historical_record(update_fields=OUTCOME_FIELDS)
            session_judged.send(sender=Session, session=session, using=db)
            judged += 1
    return judged


def _locked(session_id: str, db: str = DEFAULT_DB_ALIAS) -> Session:
    """The session with its policy version, locked until the transaction ends."""
    sessions = Session.objects.using(db).select_for_update(of=("self",)).select_related("policy_version")
    return sessions.get(pk=session_id)


# --- Sessions ---------------------------------------------------------------------------------


def start_session(
    contact: Contact,
    *,
    meeting: Meeting | None = None,
    destination: Destination | None = None,
    approved_by: AbstractBaseUser | None = None,
    ts_client: dt.datetime | None = None,
) -> Session:
    """Open a session for `contact` at a meeting (its place is copied) or at a destination that
    a staff member (`approved_by`) sets for the attendee, as of now, or, when the phone gives
    the time of the check-in it opens the session for (`ts_client`, aware) and sent it later
    than the policy allows, as of that time (a check-in queued offline during the meeting).

    The session fixes, from then on: the policy version in force at the meeting's jurisdiction
    (the default jurisdiction's for a destination), the radius (the meeting's, or the policy's),
    and the occurrence it is for (attendance.windows.occurrence_for).

    Raises AttendanceError: `contact_inactive`, `meeting_inactive`, `open_session_exists` (with
    `session_id`), `destination_requires_staff`, `no_occurrence`, `check_in_closed` (with
    `ended_at`), `no_policy`, `invalid_position`, and the `ts_client_*` codes.
    """
    if (meeting is None) == (destination is None):
        raise ValueError("give either a meeting or a destination")
    if destination is not None and approved_by is None:
        raise AttendanceError(
            AttendanceError.DESTINATION_REQUIRES_STAFF,
            "Only staff can open a session at a destination; attendees check in at a meeting.",
            field="dest_name",
        )
    if not contact.is_active:
        raise AttendanceError(AttendanceError.CONTACT_INACTIVE, "This contact is deactivated.")
    if ts_client is not None:
        _check_client_time(ts_client)
    jurisdiction_id = meeting.jurisdiction_id if meeting is not None else None
    at = _placed_at(jurisdiction_id, ts_client) if ts_client is not None else timezone.now()
    if meeting is not None:
        if not meeting.is_active:
            raise AttendanceError(AttendanceError.MEETING_INACTIVE, "This meeting is no longer active.")
        destination = Destination(meeting.name, meeting.address, meeting.lat, meeting.lng)
    _check_position(destination.lat, destination.lng)
    policy = _policy_at(jurisdiction_id, at)
    occurrence = windows.occurrence_for(meeting, at, policy) if meeting is not None else None
    with transaction.atomic():
        _refuse_second_open_session(contact)
        try:
            # A savepoint, so that losing a race to another request leaves a usable transaction.
            with transaction.atomic():
                return Session.objects.create(
                    contact=contact,
                    meeting=meeting,
                    status=SessionStatus.ACTIVE,
                    dest_name=destination.name,
                    dest_address=destination.address,
                    dest_lat=destination.lat,
                    dest_lng=destination.lng,
                    occurrence_start=occurrence.start if occurrence else None,
                    occurrence_end=occurrence.end if occurrence else None,
                    policy_version=policy,
                    radius_m=meeting.radius_meters if meeting is not None else policy.default_radius_m,
                    destination_approved_by=approved_by if meeting is None else None,
                )
        except IntegrityError:
            # uq_sessions_one_open_per_contact: a concurrent request opened one first.
            _refuse_second_open_session(contact)
            raise


def _policy_at(jurisdiction_id: str | None, at: dt.datetime) -> PolicyVersion:
    try:
        return in_force(jurisdiction_id, at)
    except PolicyError as error:
        raise AttendanceError(AttendanceError.NO_POLICY, error.detail) from None


def _open_session_of(contact: Contact) -> Session | None:
    """The contact's open session, once one left open past its closing time is closed (as
    close_stale_sessions would have, had it run yet): so that last week's forgotten session never
    stands in the way of this week's check-in."""
    existing = Session.objects.select_related("policy_version").open_for(contact.id)
    if existing is not None and timezone.now() > stale_after(existing):
        close_if_stale(existing.id)
        return Session.objects.open_for(contact.id)
    return existing


def _refuse_second_open_session(contact: Contact) -> None:
    existing = _open_session_of(contact)
    if existing is not None:
        raise AttendanceError(
            AttendanceError.OPEN_SESSION_EXISTS,
            "This contact already has an open session; check out of it or end it first.",
            session_id=existing.id,
        )


# --- Events -----------------------------------------------------------------------------------

# What each operation records, from which statuses, and where it leaves the session.
# `None` as the next status: unchanged. A check-in moves on only when it is verified.
TRANSITIONS: dict[EventType, tuple[tuple[SessionStatus, ...], SessionStatus | None]] = {
    EventType.CHECK_IN: ((SessionStatus.ACTIVE,), SessionStatus.CHECKED_IN),
    EventType.CHECK_OUT: ((SessionStatus.CHECKED_IN,), SessionStatus.COMPLETED),
    EventType.LOCATION_UPDATE: (OPEN_STATUSES, None),
    EventType.STATUS_CHANGE: (OPEN_STATUSES, SessionStatus.ENDED),
}


def check_in(session_id: str, report: EventReport, *, contact: Contact | None = None) -> RecordedEvent:
    """Record a check-in; a verified one moves the session to `checked_in`.

    A denied or timed-out check-in is stored as evidence and leaves the session `active`. One
    outside the occurrence's check-in window is refused (`check_in_not_open` with `opens_at`,
    `check_in_closed` with `ended_at`) and kept as a refused attempt.
    """
    return _record(session_id, EventType.CHECK_IN, report, contact)


def check_out(session_id: str, report: EventReport, *, contact: Contact | None = None) -> RecordedEvent:
    """Record a check-out; the session is `completed` whatever the position's verdict, and its
    outcome is judged and stored (a check-out that is not verified is one of its reasons)."""
    return _record(session_id, EventType.CHECK_OUT, report, contact)


def record_location(session_id: str, report: EventReport, *, contact: Contact | None = None) -> RecordedEvent:
    """Record a position update on an open session."""
    return _record(session_id, EventType.LOCATION_UPDATE, report, contact)


def end_session(session_id: str, report: EventReport, *, contact: Contact | None = None) -> RecordedEvent:
    """End an open session (`ended`), recording a status change event; its outcome is stored."""
    return _record(session_id, EventType.STATUS_CHANGE, report, contact)


def end_session_by_staff(session_id: str, *, reason: str, staff_member: AbstractBaseUser) -> RecordedEvent:
    """A staff member ends an open session from the office, giving a reason.

    No position is collected, so the attendee's GPS consent does not matter; the event has no
    coordinates and is flagged `timeout` ("no position"), the only honest flag for it, and
    its notes say who ended it and why. The audit trail records the staff member as well.
    """
    reason = reason.strip()
    if not reason:
        raise AttendanceError(AttendanceError.REASON_REQUIRED, "Give a reason for ending the session.", field="reason")
    who = staff_member.get_full_name() or staff_member.get_username()
    report = EventReport(ts_client=timezone.now(), fix=Fix(timed_out=True), notes=f"Ended by staff ({who}): {reason}")
    return _record(session_id, EventType.STATUS_CHANGE, report, None, staff=True, actor=staff_member)


CLOSED_AUTOMATICALLY = "Closed automatically: no check-out."


def close_if_stale(session_id: str, now: dt.datetime | None = None) -> RecordedEvent | None:
    """Close `session_id` when it is still open past the end of its occurrence plus its
    policy's `close_after_end` (README: "What counts as attended"), with a status change event
    that has no position and says so; its outcome is stored (`no_check_out`, or
    `no_verified_check_in`). A session without an occurrence ends, for this rule, the policy's
    `min_stay_without_times` after it opened.

    Returns None, changing nothing, when the session is closed already or not yet stale (a
    concurrent run, or a check-out that came first): safe to run from several places at once."""
    now = now or timezone.now()
    with transaction.atomic():
        session = _locked(session_id)
        if not session.is_open or now <= stale_after(session):
            return None
        report = EventReport(ts_client=now, fix=Fix(timed_out=True), notes=CLOSED_AUTOMATICALLY)
        return _record_once(session.id, EventType.STATUS_CHANGE, report, None, None, staff=True, actor=None)


# How long a session without scheduled times (at a drop-in place, or at a destination staff
# opened ahead of the appointment) waits for its check-in before it is closed.
WAIT_FOR_CHECK_IN = dt.timedelta(days=1)


def stale_after(session: Session) -> dt.datetime:
    """When an open session is closed automatically (see close_if_stale): the occurrence's end
    plus the policy's `close_after_end`. Without an end: after a verified check-in, the policy's
    minimum stay without times plus that grace; before one, a day after it opened (or that
    minimum plus grace, if longer). Never earlier than `created_at + close_after_end`, which
    close_stale_sessions' query relies on."""
    policy = session.policy_version
    grace = policy.close_after_end
    if session.occurrence_end is not None:
        return session.occurrence_end + grace
    if session.occurrence_start is not None:
        return session.occurrence_start + policy.min_stay_without_times + grace
    checked_in = (
        session.events.filter(type=EventType.CHECK_IN, location_flag=LocationFlag.GRANTED)
        .order_by("ts_server")
        .values_list("ts_server", flat=True)
        .first()
    )
    if checked_in is not None:
        return checked_in + policy.min_stay_without_times + grace
    return session.created_at + max(WAIT_FOR_CHECK_IN, policy.min_stay_without_times + grace)


def record_at_meeting(contact: Contact, meeting: Meeting, event_type: EventType, report: EventReport) -> RecordedEvent:
    """Record a check-in or check-out that `contact` makes at `meeting` from its QR code page.

    Finds the session, in one transaction: a retry (an event id already stored) goes to that
    event's own session, even if it is closed since; otherwise the contact's open session at
    this meeting; otherwise a check-in opens one, as of the event's time (a refused check-in
    leaves no session behind, and is kept as a refused attempt). Then records the event exactly
    as `check_in` and `check_out` do.

    Raises AttendanceError: `open_session_exists` (with `session_id`) when the open session is
    at another place; `not_checked_in` for a check-out with no session here; `event_id_conflict`
    for an id used on another contact's event; the errors of `start_session` for a check-in
    that opens a session; and every error `check_in`/`check_out` raise.
    """
    if event_type not in (EventType.CHECK_IN, EventType.CHECK_OUT):
        raise ValueError("a meeting page records check-ins and check-outs only")
    _check_report(report)
    event_id = _normalise_event_id(report.event_id)
    try:
        with transaction.atomic():
            if event_id is not None:
                previous = SessionEvent.objects.filter(pk=event_id).select_related("session").first()
                if previous is not None:
                    if previous.session.contact_id != contact.id:
                        raise AttendanceError(
                            AttendanceError.EVENT_ID_CONFLICT,
                            "An event with this id already exists; nothing was recorded. "
                            "Reload the page and try again.",
                            event_id=event_id,
                        )
                    return _record_retrying(previous.session_id, event_type, report, event_id, contact)
            session = _session_at(contact, meeting, event_type, report)
            return _record_retrying(session.id, event_type, report, event_id, contact)
    except AttendanceError as error:
        _keep_refused(error, contact, meeting, None, event_type, report)
        raise


def _session_at(contact: Contact, meeting: Meeting, event_type: EventType, report: EventReport) -> Session:
    """The contact's open session at `meeting`, opened by a check-in when there is none."""
    session = _open_session_here(contact, meeting, event_type)
    if session is not None:
        return session
    try:
        return start_session(contact, meeting=meeting, ts_client=report.ts_client)
    except AttendanceError as error:
        if error.code != AttendanceError.OPEN_SESSION_EXISTS:
            raise
    # A concurrent request (a double tap) opened one between the look and the insert, and the
    # unique constraint refused this one: look again, to get what arriving second would get.
    session = _open_session_here(contact, meeting, event_type)
    if session is None:
        raise AttendanceError(AttendanceError.OPEN_SESSION_EXISTS, "Another session was opened at the same moment.")
    return session


def _placed_at(jurisdiction_id: str | None, ts_client: dt.datetime) -> dt.datetime:
    """When an event that opens a session happened, as judged: now, or the phone's time when it
    was sent later than the policy in force now allows."""
    now = timezone.now()
    policy = _policy_at(jurisdiction_id, now)
    return ts_client if sent_late(ts_client, now, policy) else now


def _open_session_here(contact: Contact, meeting: Meeting, event_type: EventType) -> Session | None:
    """The contact's open session when it is at `meeting`; None when a check-in may open one.
    Raises AttendanceError when the open session is elsewhere, or for a check-out with none."""
    open_session = _open_session_of(contact)
    if open_session is not None and open_session.meeting_id == meeting.id:
        return open_session
    if open_session is not None:
        raise AttendanceError(
            AttendanceError.OPEN_SESSION_EXISTS,
            "You have another session open; end it before checking in here.",
            session_id=open_session.id,
        )
    if event_type != EventType.CHECK_IN:
        raise AttendanceError(AttendanceError.NOT_CHECKED_IN, "You are not checked in at this meeting.")
    return None


def _record(
    session_id: str,
    event_type: EventType,
    report: EventReport,
    contact: Contact | None,
    staff: bool = False,
    actor: AbstractBaseUser | None = None,
) -> RecordedEvent:
    """The one way an event is written. `contact`, when given, must own the session. `staff`
    marks a staff action that collects no position (no consent needed, nothing kept when
    refused); `actor` names the staff member in the audit trail when no request does."""
    _check_report(report)
    event_id = _normalise_event_id(report.event_id)
    try:
        return _record_retrying(session_id, event_type, report, event_id, contact, staff, actor)
    except AttendanceError as error:
        # Kept for an attendee's own event only: a staff caller's position is not the attendee's.
        if not staff and contact is not None:
            session = Session.objects.filter(pk=session_id, contact=contact).first()
            if session is not None:
                _keep_refused(error, contact, session.meeting, session, event_type, report)
        raise


def _record_retrying(
    session_id: str,
    event_type: EventType,
    report: EventReport,
    event_id: str | None,
    contact: Contact | None,
    staff: bool = False,
    actor: AbstractBaseUser | None = None,
) -> RecordedEvent:
    try:
        return _record_once(session_id, event_type, report, event_id, contact, staff, actor)
    except IntegrityError:
        if event_id is None:
            raise
        # The same id, sent at the same moment on another session (whose lock does not stop this
        # one), reached the primary key first. Everything above was rolled back; run again, this
        # request now gets what it would have got arriving second: the stored event for a retry,
        # event_id_conflict otherwise (another constraint fails again, and is raised). (No
        # savepoint around the insert: it would cost every check-in two round trips for a race
        # that is rare.)
        return _record_once(session_id, event_type, report, event_id, contact, staff, actor)


def _keep_refused(
    error: AttendanceError,
    contact: Contact,
    meeting: Meeting | None,
    session: Session | None,
    event_type: EventType,
    report: EventReport,
) -> None:
    """Store a refused well-formed event as a RefusedAttempt (AttendanceError.KEPT), after the
    refused operation was rolled back (in the caller's transaction, when there is one: the
    interfaces call the services outside one). A retry of the same refused event is kept once."""
    if error.code not in AttendanceError.KEPT:
        return
    fix = report.fix
    attempt = RefusedAttempt(
        contact=contact,
        meeting=meeting,
        session=session,
        event_id=_normalise_event_id(report.event_id),
        type=event_type,
        code=error.code,
        detail=error.detail,
        ts_client=report.ts_client.astimezone(dt.UTC),
        lat=fix.lat,
        lng=fix.lng,
        accuracy=fix.accuracy,
    )
    try:
        with transaction.atomic():
            attempt.save()
    except IntegrityError:
        pass  # this event id was kept already: the retry of a refused event


def _record_once(
    session_id: str,
    event_type: EventType,
    report: EventReport,
    event_id: str | None,
    contact: Contact | None,
    staff: bool = False,
    actor: AbstractBaseUser | None = None,
) -> RecordedEvent:
    with transaction.atomic():
        session = _lock_session(session_id, contact)
        if event_id is not None:
            retry = _stored_event(event_id, session, event_type, report)
            if retry is not None:
                return retry
        _refuse_inactive(session, event_type)
        if not staff and not session.contact.consent_granted:
            raise AttendanceError(
                AttendanceError.CONSENT_REQUIRED,
                "The attendee has not consented to sharing their location; no event was stored.",
            )
        allowed_from, next_status = TRANSITIONS[event_type]
        if session.status not in allowed_from:
            raise AttendanceError(
                AttendanceError.INVALID_TRANSITION,
                f"A {event_type.label.lower()} is not possible on a session that is "
                f"{session.get_status_display().lower()}.",
                status=session.status,
            )
        policy = session.policy_version
        received = timezone.now()
        # Stored in UTC: the instant is the same, and PostgreSQL refuses offsets beyond
        # +-15:59 that phones' clocks and Python accept (a 500 instead of the check-in).
        ts_client = report.ts_client.astimezone(dt.UTC)
        late = not staff and sent_late(ts_client, received, policy)
        if event_type == EventType.CHECK_IN:
            zone = session.meeting.zone if session.meeting_id is not None else None
            windows.check_in_allowed(
                session.occurrence_start, session.occurrence_end, zone, ts_client if late else received, policy
            )
        verdict = verify_position(session, report.fix, policy)
        event = SessionEvent(
            session=session,
            type=event_type,
            ts_client=ts_client,
            ts_server=received,
            lat=report.fix.lat,
            lng=report.fix.lng,
            accuracy=report.fix.accuracy,
            location_flag=verdict.flag,
            notes=report.notes,
            policy_version=policy,
            verdict_reason=verdict.reason,
            distance_m=verdict.distance_m,
            radius_m=verdict.radius_m,
            sent_late=late,
        )
        if event_id is not None:
            event.id = event_id
        event.save(force_insert=True)
        if event_type == EventType.CHECK_IN and verdict.flag != LocationFlag.GRANTED:
            next_status = None
        if next_status is not None:
            _move_session(session, next_status, contact, actor)
    return RecordedEvent(event, session, verdict, created=True)


def _move_session(
    session: Session, status: SessionStatus, contact: Contact | None, actor: AbstractBaseUser | None
) -> None:
    """Save the session's new status (locked) and, when it closes, its judged outcome."""
    session.status = status
    fields = ["status", "updated_at"]
    if not session.is_open:
        _store_outcome(session)
        fields += OUTCOME_FIELDS
    # The event just written is the record of an attendee's own change; a staff member's change
    # (or the stale-session job's) also goes to the audit trail, which names them.
    if contact is not None:
        session.save_without_historical_record(update_fields=fields)
    else:
        if actor is not None:
            session._history_user = actor
        session.save(update_fields=fields)
    if not session.is_open:
        session_judged.send(sender=Session, session=session, using=session._state.db or DEFAULT_DB_ALIAS)


def _stored_event(event_id: str, session: Session, event_type: EventType, report: EventReport) -> RecordedEvent | None:
    """The answer to an event id already stored: the stored event for a retry of the same
    request; AttendanceError `event_id_conflict` when the id was used for anything else (a
    client bug that must not pass silently). None when no event has the id."""
    previous = SessionEvent.objects.filter(pk=event_id).first()
    if previous is None:
        return None
    if _same_event(previous, session, event_type, report):
        return RecordedEvent(previous, session, verdict_of(session, previous), created=False)
    raise AttendanceError(
        AttendanceError.EVENT_ID_CONFLICT,
        "An event with this id already exists with different content.",
        event_id=event_id,
    )


def _refuse_inactive(session: Session, event_type: EventType) -> None:
    """A deactivated contact or meeting takes no more attendance: no check-in, check-out or
    position, by any path (the API with any token, the phone page). Ending the session stays
    possible, so that staff or the attendee can close what was left open."""
    if event_type == EventType.STATUS_CHANGE:
        return
    if not session.contact.is_active:
        raise AttendanceError(AttendanceError.CONTACT_INACTIVE, "This contact is deactivated; nothing was recorded.")
    if session.meeting_id is not None and not session.meeting.is_active:
        raise AttendanceError(
            AttendanceError.MEETING_INACTIVE, "This meeting is no longer active; nothing was recorded."
        )


def _lock_session(session_id: str, contact: Contact | None) -> Session:
    """The session, locked until the transaction ends; only the contact's own when one is given.

    An attendee's contact is already loaded: joining it again would only cost time on every
    check-in (bench/findings.md).
    """
    sessions = Session.objects.select_for_update(of=("self",))
    if contact is not None:
        sessions = sessions.select_related("meeting", "policy_version").filter(contact=contact)
    else:
        sessions = sessions.select_related("contact", "meeting", "policy_version")
    try:
        session = sessions.get(pk=session_id)
    except Session.DoesNotExist:
        raise SessionNotFound(session_id) from None
    if contact is not None:
        session.contact = contact
    return session


def _check_report(report: EventReport) -> None:
    """Refuse a report no phone could honestly send. Errors name the `field` at fault."""
    _check_client_time(report.ts_client)
    _check_fix(report.fix)


def _check_client_time(ts_client: dt.datetime) -> None:
    if timezone.is_naive(ts_client):
        raise AttendanceError(
            AttendanceError.CLIENT_TIME_WITHOUT_OFFSET,
            "ts_client must include a UTC offset, e.g. 2026-11-25T18:00:00Z.",
            field="ts_client",
        )
    now = timezone.now()
    if ts_client > now + settings.MAX_CLIENT_CLOCK_AHEAD:
        raise AttendanceError(
            AttendanceError.CLIENT_TIME_IN_FUTURE,
            "ts_client is in the future; check the phone's clock.",
            field="ts_client",
        )
    if ts_client < now - settings.MAX_CLIENT_DELAY:
        raise AttendanceError(
            AttendanceError.CLIENT_TIME_TOO_OLD,
            f"ts_client is older than the {settings.MAX_CLIENT_DELAY.days} days an event may wait to be sent.",
            field="ts_client",
        )


def _check_fix(fix: Fix) -> None:
    if (fix.lat is None) != (fix.lng is None):
        raise AttendanceError(
            AttendanceError.INVALID_POSITION,
            "Give both lat and lng, or neither.",
            field="lng" if fix.lng is None else "lat",
        )
    if not fix.timed_out and not fix.has_position:
        raise AttendanceError(
            AttendanceError.POSITION_REQUIRED, "lat and lng are required unless gps_timeout is true.", field="lat"
        )
    if fix.has_position:
        _check_position(fix.lat, fix.lng)
    if fix.accuracy is not None:
        try:
            validate_accuracy(fix.accuracy)
        except ValidationError as error:
            raise AttendanceError(AttendanceError.INVALID_POSITION, error.messages[0], field="accuracy") from None


def _check_position(lat: float, lng: float) -> None:
    try:
        validate_point(lat, lng)
    except PositionError as error:
        raise AttendanceError(AttendanceError.INVALID_POSITION, error.message, field=error.field) from None


def _normalise_event_id(event_id: str | None) -> str | None:
    if event_id is None:
        return None
    try:
        parsed = uuid.UUID(str(event_id))
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != 4:
        raise AttendanceError(
            AttendanceError.INVALID_EVENT_ID, "id must be a UUID4, e.g. from crypto.randomUUID().", field="id"
        )
    return str(parsed)


def _same_event(event: SessionEvent, session: Session, event_type: EventType, report: EventReport) -> bool:
    fix = report.fix
    return (
        event.session_id == session.id
        and event.type == event_type
        and event.ts_client == report.ts_client
        and event.lat == fix.lat
        and event.lng == fix.lng
        and event.accuracy == fix.accuracy
        and (event.notes or None) == (report.notes or None)
        and (event.location_flag == LocationFlag.TIMEOUT) == (fix.timed_out or not fix.has_position)
    )
