"""Demo data: meetings at real public places, attendees, and sessions with their evidence.

`seed_demo()` writes it through the same code as real use (see "Writing" below), so that every
page tells one story: a contact's consent badge and their consent history, a meeting's "Created"
date and its audit trail, a session's status and its events. Running it again adds nothing:
meetings' and contacts' ids, and events' client ids, are derived from a fixed namespace and a
stable key (`meeting:portland-new-beginnings`), so a second run finds the rows the first one
wrote, whenever it runs; a session is found by its first event. Rows that already exist are left
as they are: events are append-only, and staff may have edited a demo meeting since.

Every meeting repeats, in its own time zone (built with zoneinfo: never a naive time), its first
occurrence some weeks before the first run. The weekdays and times are relative to that run, so
that the story holds whenever it runs: three meetings meet on that day at their place, so the
staff pages have "today's meetings" to show (one of them under way, with attendees checked in
now), one met yesterday evening, one meets in a few days, and a discontinued one (Saturday
mornings) last met the week before last; a monthly programme meets on first Mondays. One
occurrence is cancelled ("Venue closed for the holiday"). Sessions are opened through
attendance.services.start_session at the occurrence they are for, which records it
(`occurrence_start`). The window of scheduled occurrences is `manage.py refresh_schedule`'s to
build, run after this by `make run`.

The sessions show every outcome the services judge (README: "What counts as attended"): open,
attended, not verified, and partly attended for each reason (arrived late; left early and too
short a stay; a check-out away from the place; no check-out, closed by the stale-session rule;
events the phone sent over an hour late), each stated with its definition and checked against
the service's judgement. One check-in before the window opens is refused and kept as a refused
attempt, sent through the phone page's service (record_at_meeting) once the rest is committed.

A case manager (a staff user without a password: an administrator sets one) has every contact
with consent on her caseload, and entered their court orders (MANDATES) through
mandates.services.create, with the clock at the morning before each starts: one mandate in each
status (compliant, at risk, non-compliant, completed) and, between them, periods in each status,
from the sessions above; their dates are days from the first run where the court keeps time.
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from attendance import services
from attendance.errors import AttendanceError
from attendance.models import EventType, LocationFlag, RefusedAttempt, Session, SessionEvent, SessionStatus
from attendance.outcomes import Outcome, Reason
from attendance.services import EventReport, Fix, stale_after, verify_position
from contacts.models import ConsentChange, Contact
from core.geo import offset_point
from mandates import services as mandate_services
from mandates.models import Mandate, Period
from mandates.status import MandateStatus, PeriodStatus
from meetings.models import Meeting, MeetingKind
from meetings.services import cancel_occurrence
from policies.models import Jurisdiction, JurisdictionKind, PolicyVersion
from policies.services import in_force

# Never change it: every demo row's id is derived from it, and a new namespace would make the
# next run write a second copy of the demo beside the first.
DEMO_NAMESPACE = uuid.UUID("6f1d3c2a-8b4e-5a7c-9d10-2e3f4a5b6c7d")


def demo_id(kind: str, key: str) -> str:
    """The primary key of a demo row: stable across runs and databases, 36-character hyphenated.

    Derived from a name (as uuid5 is) but stamped version 4, the shape every id in these tables has.
    """
    return str(uuid.UUID(bytes=uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}").bytes, version=4))


# --- Definitions -------------------------------------------------------------------------------

# The occurrence the story is about, relative to the first run, at the meeting: "today-*" slots
# stay on that local day; "saturday-before-last" is the last Saturday at least a week before it,
# "first-monday" the latest first Monday of a month on or before it.
Slot = Literal[
    "today-earlier", "today-now", "today-later", "yesterday", "upcoming", "saturday-before-last", "first-monday"
]


@dataclass(frozen=True)
class DemoMeeting:
    """`repeats` is the rule without its weekday (BYDAY is the story occurrence's, so that the
    first occurrence is one of the rule's days); the first occurrence is `weeks_before` weeks
    (months for a monthly rule) before the story's."""

    key: str
    name: str
    description: str
    address: str
    lat: float
    lng: float
    radius_meters: float
    time_zone: str
    slot: Slot
    repeats: str = "FREQ=WEEKLY"
    weeks_before: int = 3
    is_active: bool = True
    # Slugs of its kinds (meetings.MeetingKind; the standard ones exist from the migrations).
    kinds: tuple[str, ...] = ("other",)


@dataclass(frozen=True)
class DemoContact:
    key: str
    first_name: str
    last_name: str
    email: str
    phone: str | None
    consent: bool
    is_active: bool = True
    notes: str | None = None
    # On the demo case manager's caseload (CASE_MANAGER).
    on_caseload: bool = True


@dataclass(frozen=True)
class DemoEvent:
    """One piece of evidence. `at` is relative to the session's anchor (see DemoSession).

    `fix` is where the phone was, in metres (north, east) of the destination; None when GPS
    timed out. `flag` is stated, not computed, so the definitions read like the evidence they
    stand for; `check_geofence` makes sure each one agrees with the distance.
    """

    type: EventType
    flag: LocationFlag
    at: dt.timedelta
    fix: tuple[float, float] | None
    accuracy: float | None
    notes: str | None = None
    # When the server received it, from the anchor, for an event the phone queued (no signal
    # indoors) and sent later: it is then judged at its phone time and flagged `sent_late`.
    received: dt.timedelta | None = None


@dataclass(frozen=True)
class DemoSession:
    """A session and its events. Events are timed from the meeting's start (of the story's
    occurrence, or of the one `weeks_earlier`), or, for sessions still open, from the moment of
    the run, so that no evidence lies in the future.

    `outcome` and `reasons` are what attendance.services must judge from the events (stated,
    like the events' flags, so that the definitions read as the story they tell; the seed
    refuses a definition the service judges otherwise). `closed_automatically`: left open, and
    closed by attendance.services.close_if_stale a few minutes after it went stale, as the
    close_stale_sessions job does."""

    key: str
    contact: str
    meeting: str
    status: SessionStatus
    outcome: Outcome
    events: tuple[DemoEvent, ...]
    reasons: tuple[Reason, ...] = ()
    anchor: Literal["meeting-start", "now"] = "meeting-start"
    weeks_earlier: int = 0
    closed_automatically: bool = False
    notes: str | None = None


@dataclass(frozen=True)
class DemoAttempt:
    """A check-in the phone page sends and a rule refuses (`code`), which the service keeps as
    a refused attempt. Timed like a DemoSession's events, from the story's occurrence."""

    key: str
    contact: str
    meeting: str
    at: dt.timedelta
    fix: tuple[float, float]
    accuracy: float
    code: str


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


# Real central libraries, which host recovery meetings and court-ordered classes in their
# meeting rooms; coordinates are the buildings' published ones, to 4 decimals (~10 m).
MEETINGS: tuple[DemoMeeting, ...] = (
    DemoMeeting(
        key="portland-new-beginnings",
        name="New Beginnings Recovery Group",
        kinds=("aa",),
        description="Peer-led 12-step recovery meeting. Open to court-referred attendees; check in at the door.",
        address="Multnomah County Central Library, 801 SW 10th Ave, Portland, OR 97205",
        lat=45.5193,
        lng=-122.6831,
        radius_meters=100,
        time_zone="America/Los_Angeles",
        slot="today-now",
    ),
    DemoMeeting(
        key="seattle-dui-education",
        name="DUI Education Class",
        kinds=("dui-class",),
        description="Two-hour alcohol and drug information class required after a DUI conviction, every other week.",
        address="Seattle Central Library, 1000 4th Ave, Seattle, WA 98104",
        lat=47.6067,
        lng=-122.3325,
        radius_meters=120,
        time_zone="America/Los_Angeles",
        slot="today-earlier",
        repeats="FREQ=WEEKLY;INTERVAL=2",
        weeks_before=4,
    ),
    DemoMeeting(
        key="denver-anger-management",
        name="Anger Management Group",
        kinds=("anger-management",),
        description="Weekly 90-minute group session for probation-referred participants.",
        address="Denver Central Library, 10 W 14th Ave Pkwy, Denver, CO 80204",
        lat=39.7373,
        lng=-104.9882,
        radius_meters=150,
        time_zone="America/Denver",
        slot="today-later",
    ),
    DemoMeeting(
        key="san-francisco-smart-recovery",
        name="SMART Recovery Meeting",
        kinds=("smart",),
        description="Self-management and recovery training; facilitator-led discussion.",
        address="San Francisco Main Library, 100 Larkin St, San Francisco, CA 94102",
        lat=37.7790,
        lng=-122.4163,
        radius_meters=75,
        time_zone="America/Los_Angeles",
        slot="yesterday",
    ),
    DemoMeeting(
        key="chicago-relapse-prevention",
        name="Relapse Prevention Workshop",
        description="Skills workshop on triggers and coping plans. Bring your workbook.",
        address="Harold Washington Library Center, 400 S State St, Chicago, IL 60605",
        lat=41.8764,
        lng=-87.6281,
        radius_meters=100,
        time_zone="America/Chicago",
        slot="upcoming",
    ),
    DemoMeeting(
        key="boston-serenity",
        name="Serenity Group",
        kinds=("na",),
        description="Discontinued: the group has moved to another venue. Kept for its attendance records.",
        address="Boston Public Library, Central Library, 700 Boylston St, Boston, MA 02116",
        lat=42.3493,
        lng=-71.0781,
        radius_meters=90,
        time_zone="America/New_York",
        slot="saturday-before-last",
        weeks_before=2,
        is_active=False,
    ),
    DemoMeeting(
        key="los-angeles-victim-impact-panel",
        name="Victim Impact Panel",
        description="Monthly panel on the first Monday, required after a DUI conviction. Doors close at 18:00.",
        address="Los Angeles Central Library, 630 W 5th St, Los Angeles, CA 90071",
        lat=34.0504,
        lng=-118.2551,
        radius_meters=100,
        time_zone="America/Los_Angeles",
        slot="first-monday",
        repeats="FREQ=MONTHLY;BYDAY=1MO",
        weeks_before=0,
    ),
)
# The occurrence cancelled, with the reason staff gave: the Portland group's next week.
CANCELLED = ("portland-new-beginnings", dt.timedelta(days=7), "Venue closed for the holiday")

# Fictional people; emails on reserved domains, phones in the fictional 555-01XX range.
CONTACTS: tuple[DemoContact, ...] = (
    DemoContact("maria-gonzalez", "Maria", "Gonzalez", "maria.gonzalez@example.org", "+15035550101", consent=True),
    DemoContact("james-carter", "James", "Carter", "james.carter@example.com", "+12065550102", consent=True),
    DemoContact("aisha-johnson", "Aisha", "Johnson", "aisha.johnson@example.org", "+14155550103", consent=True),
    DemoContact("daniel-nguyen", "Daniel", "Nguyen", "daniel.nguyen@example.com", "+14155550104", consent=True),
    DemoContact(
        "rebecca-thompson", "Rebecca", "Thompson", "rebecca.thompson@example.org", "+13035550105", consent=True
    ),
    DemoContact("michael-obrien", "Michael", "O'Brien", "michael.obrien@example.com", "+16175550106", consent=True),
    DemoContact("sofia-ramirez", "Sofia", "Ramirez", "sofia.ramirez@example.org", "+14155550107", consent=True),
    DemoContact(
        "kevin-patel",
        "Kevin",
        "Patel",
        "kevin.patel@example.com",
        "+13125550108",
        consent=False,
        notes="Enrolled; has not granted GPS consent yet.",
        on_caseload=False,
    ),
    DemoContact("linda-chen", "Linda", "Chen", "linda.chen@example.org", None, consent=False, on_caseload=False),
    DemoContact(
        "robert-williams",
        "Robert",
        "Williams",
        "robert.williams@example.com",
        "+12065550110",
        consent=True,
        is_active=False,
        notes="Supervision ended; account deactivated.",
    ),
)

CHECK_IN, CHECK_OUT = EventType.CHECK_IN, EventType.CHECK_OUT
UPDATE, STATUS_CHANGE = EventType.LOCATION_UPDATE, EventType.STATUS_CHANGE
GRANTED, DENIED, TIMEOUT = LocationFlag.GRANTED, LocationFlag.DENIED, LocationFlag.TIMEOUT

ATTENDED, PARTIAL = Outcome.ATTENDED, Outcome.PARTIAL
NOT_VERIFIED, OPEN = Outcome.NOT_VERIFIED, Outcome.OPEN

# One session of each outcome (and of each way to fall short), as the services judged them.
SESSIONS: tuple[DemoSession, ...] = (
    # Open now: checked in at the meeting under way, position confirmed since.
    DemoSession(
        key="maria-portland-today",
        contact="maria-gonzalez",
        meeting="portland-new-beginnings",
        status=SessionStatus.CHECKED_IN,
        outcome=OPEN,
        anchor="now",
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-22), fix=(6, -4), accuracy=11),
            DemoEvent(UPDATE, GRANTED, minutes(-6), fix=(-12, 9), accuracy=8),
        ),
    ),
    # Open now: tried to check in from across downtown, then lost GPS; not checked in.
    DemoSession(
        key="james-portland-today",
        contact="james-carter",
        meeting="portland-new-beginnings",
        status=SessionStatus.ACTIVE,
        outcome=OPEN,
        anchor="now",
        events=(
            DemoEvent(CHECK_IN, DENIED, minutes(-9), fix=(430, 520), accuracy=24),
            DemoEvent(UPDATE, TIMEOUT, minutes(-3), fix=None, accuracy=None),
        ),
    ),
    # Last week at the Portland group, five ways a session falls short of "attended".
    # Twenty minutes late; stayed to the end, which is still more than the minimum stay.
    DemoSession(
        key="daniel-portland-last-week",
        contact="daniel-nguyen",
        meeting="portland-new-beginnings",
        status=SessionStatus.COMPLETED,
        outcome=PARTIAL,
        reasons=(Reason.ARRIVED_LATE,),
        weeks_earlier=1,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(20), fix=(5, -8), accuracy=12),
            DemoEvent(CHECK_OUT, GRANTED, minutes(91), fix=(-10, 6), accuracy=9),
        ),
    ),
    # Stayed the whole meeting, but pressed "Check out" on the bus, two kilometres away.
    DemoSession(
        key="aisha-portland-last-week",
        contact="aisha-johnson",
        meeting="portland-new-beginnings",
        status=SessionStatus.COMPLETED,
        outcome=PARTIAL,
        reasons=(Reason.CHECK_OUT_NOT_VERIFIED,),
        weeks_earlier=1,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-6), fix=(8, 4), accuracy=10),
            DemoEvent(CHECK_OUT, DENIED, minutes(104), fix=(1800, -900), accuracy=15),
        ),
    ),
    # Never checked out: the close_stale_sessions job closed the session two hours after the end.
    DemoSession(
        key="sofia-portland-last-week",
        contact="sofia-ramirez",
        meeting="portland-new-beginnings",
        status=SessionStatus.ENDED,
        outcome=PARTIAL,
        reasons=(Reason.NO_CHECK_OUT,),
        weeks_earlier=1,
        closed_automatically=True,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-3), fix=(-7, 5), accuracy=14),
            DemoEvent(UPDATE, GRANTED, minutes(40), fix=(9, 11), accuracy=12),
        ),
    ),
    # No signal in the basement room: the phone queued the check-in and the check-out and sent
    # them an hour after the end, on Wi-Fi at home. Both are placed at the phone's times, and
    # the session counts only once staff have reviewed them.
    DemoSession(
        key="rebecca-portland-last-week",
        contact="rebecca-thompson",
        meeting="portland-new-beginnings",
        status=SessionStatus.COMPLETED,
        outcome=PARTIAL,
        reasons=(Reason.SENT_LATE,),
        weeks_earlier=1,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-4), fix=(4, 6), accuracy=9, received=minutes(155)),
            DemoEvent(CHECK_OUT, GRANTED, minutes(91), fix=(-6, -3), accuracy=11, received=minutes(156)),
        ),
    ),
    DemoSession(
        key="aisha-san-francisco-yesterday",
        contact="aisha-johnson",
        meeting="san-francisco-smart-recovery",
        status=SessionStatus.COMPLETED,
        outcome=ATTENDED,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-7), fix=(10, 5), accuracy=9),
            DemoEvent(UPDATE, GRANTED, minutes(45), fix=(-8, 14), accuracy=14),
            DemoEvent(CHECK_OUT, GRANTED, minutes(93), fix=(18, -6), accuracy=10),
        ),
    ),
    # Came 40 minutes early: check-in was not open yet (ATTEMPTS). GPS timed out indoors on the
    # first try; the retry a minute later got a fix.
    DemoSession(
        key="daniel-san-francisco-yesterday",
        contact="daniel-nguyen",
        meeting="san-francisco-smart-recovery",
        status=SessionStatus.COMPLETED,
        outcome=ATTENDED,
        events=(
            DemoEvent(CHECK_IN, TIMEOUT, minutes(-2), fix=None, accuracy=None),
            DemoEvent(CHECK_IN, GRANTED, minutes(-1), fix=(-15, -20), accuracy=18),
            DemoEvent(CHECK_OUT, GRANTED, minutes(91), fix=(4, 22), accuracy=12),
        ),
    ),
    # Left half-way through and ended the session from a few blocks away.
    DemoSession(
        key="rebecca-san-francisco-yesterday",
        contact="rebecca-thompson",
        meeting="san-francisco-smart-recovery",
        status=SessionStatus.ENDED,
        outcome=PARTIAL,
        reasons=(Reason.NO_CHECK_OUT,),
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-4), fix=(-9, 3), accuracy=13),
            DemoEvent(UPDATE, DENIED, minutes(35), fix=(-380, 610), accuracy=30),
            DemoEvent(
                STATUS_CHANGE,
                DENIED,
                minutes(38),
                fix=(-420, 650),
                accuracy=27,
                notes="Ended by the attendee before the meeting finished.",
            ),
        ),
    ),
    # No GPS at all: two timed-out check-ins, then the attendee gave up.
    DemoSession(
        key="sofia-san-francisco-yesterday",
        contact="sofia-ramirez",
        meeting="san-francisco-smart-recovery",
        status=SessionStatus.ENDED,
        outcome=NOT_VERIFIED,
        reasons=(Reason.NO_VERIFIED_CHECK_IN,),
        events=(
            DemoEvent(CHECK_IN, TIMEOUT, minutes(-3), fix=None, accuracy=None),
            DemoEvent(CHECK_IN, TIMEOUT, minutes(-1), fix=None, accuracy=None),
            DemoEvent(
                STATUS_CHANGE,
                TIMEOUT,
                minutes(5),
                fix=None,
                accuracy=None,
                notes="Ended by the attendee: the phone could not get a GPS fix.",
            ),
        ),
    ),
    DemoSession(
        key="maria-boston-last-week",
        contact="maria-gonzalez",
        meeting="boston-serenity",
        status=SessionStatus.COMPLETED,
        outcome=ATTENDED,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-5), fix=(12, -7), accuracy=10),
            DemoEvent(UPDATE, GRANTED, minutes(30), fix=(-5, 16), accuracy=12),
            DemoEvent(CHECK_OUT, GRANTED, minutes(92), fix=(20, 3), accuracy=9),
        ),
    ),
    # Left after an hour of the 90 minutes: early, and short of the minimum stay.
    DemoSession(
        key="michael-boston-last-week",
        contact="michael-obrien",
        meeting="boston-serenity",
        status=SessionStatus.COMPLETED,
        outcome=PARTIAL,
        reasons=(Reason.LEFT_EARLY, Reason.SHORT_STAY),
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-8), fix=(-14, -11), accuracy=15),
            DemoEvent(CHECK_OUT, GRANTED, minutes(61), fix=(7, 25), accuracy=11),
        ),
    ),
    # History of an attendee whose account has since been deactivated. The phone lost its fix
    # indoors half-way through; the check-out had one again.
    DemoSession(
        key="robert-boston-last-week",
        contact="robert-williams",
        meeting="boston-serenity",
        status=SessionStatus.COMPLETED,
        outcome=ATTENDED,
        events=(
            DemoEvent(CHECK_IN, GRANTED, minutes(-3), fix=(3, 9), accuracy=7),
            DemoEvent(UPDATE, TIMEOUT, minutes(31), fix=None, accuracy=None),
            DemoEvent(CHECK_OUT, GRANTED, minutes(91), fix=(-6, 13), accuracy=16),
        ),
    ),
)

# Refused check-ins, kept by the service as evidence (attendance.models.RefusedAttempt).
ATTEMPTS: tuple[DemoAttempt, ...] = (
    # Daniel scanned the San Francisco code 40 minutes before the start; check-in opens 30 before.
    DemoAttempt(
        key="daniel-san-francisco-yesterday-early",
        contact="daniel-nguyen",
        meeting="san-francisco-smart-recovery",
        at=minutes(-40),
        fix=(12, -6),
        accuracy=15,
        code=AttendanceError.CHECK_IN_NOT_OPEN,
    ),
)


@dataclass(frozen=True)
class DemoStaff:
    """A staff user, without a password: an administrator sets one (README: `changepassword`)."""

    username: str
    first_name: str
    last_name: str
    email: str
    group: str


@dataclass(frozen=True)
class DemoCourt:
    key: str
    name: str
    description: str
    time_zone: str


@dataclass(frozen=True)
class DemoMandate:
    """A court order for a contact, entered by the case manager through mandates.services.create.

    `starts` and `ends` are days from the first run's date where the court keeps time (both
    included); the order is entered the morning before it starts (an hour before the run, for
    one that starts later). `status` and `periods` are what the order's periods must be at the
    run, from the sessions above: its status and the statuses its periods have (stated, like the
    sessions' outcomes, so that the definitions read as the story they tell;
    tests/test_demo_mandates.py checks them)."""

    contact: str
    case_number: str
    required_count: int
    period: Period
    starts: int
    ends: int
    status: MandateStatus
    periods: tuple[PeriodStatus, ...]
    rolling_days: int | None = None
    kinds: tuple[str, ...] = ()
    notes: str = ""


# The case manager whose caseload is every demo contact but the two without consent.
CASE_MANAGER = DemoStaff("dana.whitfield", "Dana", "Whitfield", "dana.whitfield@example.org", "Case managers")
# The court that ordered every demo mandate; its dates are counted in Portland's zone.
COURT = DemoCourt(
    key="multnomah-circuit-court",
    name="Multnomah County Circuit Court",
    description="Orders attendance as a condition of probation or of a diversion agreement (Portland, Oregon).",
    time_zone="America/Los_Angeles",
)

UPCOMING, MET, MISSED = PeriodStatus.UPCOMING, PeriodStatus.MET, PeriodStatus.MISSED
ON_TRACK, BEHIND = PeriodStatus.ON_TRACK, PeriodStatus.BEHIND

# One mandate in each status, with periods in each status between them.
MANDATES: tuple[DemoMandate, ...] = (
    # Compliant: two meetings a month from two weeks ago; the Serenity Group meeting she attended
    # the Saturday before last is the line for half a month.
    DemoMandate(
        contact="maria-gonzalez",
        case_number="26CR04417",
        required_count=2,
        period=Period.MONTH,
        starts=-14,
        ends=165,
        status=MandateStatus.COMPLIANT,
        periods=(ON_TRACK, UPCOMING),
        notes="Diversion agreement: two support-group meetings a month for six months.",
    ),
    # Compliant, not started: three meetings a week from Friday's arraignment follow-up.
    DemoMandate(
        contact="james-carter",
        case_number="26CR05102",
        required_count=3,
        period=Period.WEEK,
        starts=3,
        ends=92,
        status=MandateStatus.COMPLIANT,
        periods=(UPCOMING,),
    ),
    # At risk: three a week from five days ago, and none attended (last week's session was sent
    # late, yesterday's never checked out): two should be behind her by now.
    DemoMandate(
        contact="rebecca-thompson",
        case_number="26CR03388",
        required_count=3,
        period=Period.WEEK,
        starts=-5,
        ends=174,
        status=MandateStatus.AT_RISK,
        periods=(BEHIND, UPCOMING),
    ),
    # At risk: 12 meetings in any 30 days, from 20 days ago; yesterday's SMART Recovery meeting
    # is his one attended (last week's was late). The windows that began more than four days ago
    # are behind, the latest on track, the rest to come.
    DemoMandate(
        contact="daniel-nguyen",
        case_number="26CR02950",
        required_count=12,
        period=Period.ROLLING,
        rolling_days=30,
        starts=-20,
        ends=69,
        status=MandateStatus.AT_RISK,
        periods=(BEHIND, ON_TRACK, UPCOMING),
        notes="Probation condition: 12 meetings in any 30 days.",
    ),
    # Non-compliant: one AA meeting a week from ten days ago. Her Portland group last week did
    # not count (the check-out was away from the place) and yesterday's SMART Recovery meeting
    # is not AA: the first week was missed; this week is on track.
    DemoMandate(
        contact="aisha-johnson",
        case_number="26CR01876",
        required_count=1,
        period=Period.WEEK,
        starts=-10,
        ends=79,
        kinds=("aa",),
        status=MandateStatus.NON_COMPLIANT,
        periods=(MISSED, ON_TRACK, UPCOMING),
        notes="Alcoholics Anonymous meetings only.",
    ),
    # Completed: one meeting before yesterday's review hearing, met by the Serenity Group meeting
    # the Saturday before last; his supervision ended with it.
    DemoMandate(
        contact="robert-williams",
        case_number="25CR19034",
        required_count=1,
        period=Period.WHOLE,
        starts=-42,
        ends=-1,
        status=MandateStatus.COMPLETED,
        periods=(MET,),
        notes="One support-group meeting before the review hearing.",
    ),
)


def check_geofence(meeting: DemoMeeting, event: DemoEvent | DemoAttempt, policy: PolicyVersion) -> None:
    """Refuse a definition whose stated flag is not the verdict the server would give under
    `policy` (the one in force for the demo's meetings)."""
    destination = Session(
        dest_lat=meeting.lat, dest_lng=meeting.lng, radius_m=meeting.radius_meters, policy_version=policy
    )
    if event.fix is None:
        fix = Fix(timed_out=True)
    else:
        fix = Fix(*offset_point(meeting.lat, meeting.lng, *event.fix), accuracy=event.accuracy)
    verdict = verify_position(destination, fix, policy)
    if isinstance(event, DemoAttempt):
        # A refused check-in was refused for its time: its position was at the door.
        if verdict.flag != LocationFlag.GRANTED:
            raise ValueError(f"demo attempt {event.key} is not at meeting {meeting.key}: {verdict.flag}")
        return
    if verdict.flag != event.flag or (event.fix is None and event.accuracy is not None):
        raise ValueError(f"demo event {event} does not match meeting {meeting.key}: the server says {verdict.flag}")


# --- Writing -----------------------------------------------------------------------------------
#
# Every row is written as real use writes it, so that the demo's pages tell the story real data
# would: contacts and meetings are validated and saved as the staff forms and the API do (the
# audit trail records their creation), consent goes through Contact.record_consent (its history),
# deactivation through set_active, sessions and their events through attendance.services (the
# verdicts, the state machine). Those stamp the time with timezone.now(), as they must; the demo
# sets the clock instead, with time-machine, to the moment each step happens in the story.


@dataclass
class Tally:
    created: int = 0
    present: int = 0


@dataclass
class SeedReport:
    meetings: Tally = field(default_factory=Tally)
    contacts: Tally = field(default_factory=Tally)
    sessions: Tally = field(default_factory=Tally)
    events: Tally = field(default_factory=Tally)
    cancellations: Tally = field(default_factory=Tally)
    attempts: Tally = field(default_factory=Tally)
    staff: Tally = field(default_factory=Tally)
    courts: Tally = field(default_factory=Tally)
    mandates: Tally = field(default_factory=Tally)


# When contacts were enrolled and meetings scheduled, before the first run.
ENROLLED_BEFORE = dt.timedelta(days=45)
CONSENTED_AFTER = dt.timedelta(hours=1)
# Before the monthly programme's first occurrence too (at most 37 days before the run).
SCHEDULED_BEFORE = dt.timedelta(days=42)
# The case manager joined, and the court was entered, before anyone was enrolled.
STAFF_JOINED_BEFORE = dt.timedelta(days=60)
# An order is entered at this local time the day before it starts.
ORDER_ENTERED_AT = dt.time(10, 0)
# The cancellation was made the day before the run.
CANCELLED_BEFORE = dt.timedelta(days=1)
# A session is opened shortly before its first event; a meeting or contact that is no longer
# active was deactivated a day after its last evidence.
OPENED_BEFORE_FIRST_EVENT = minutes(2)
DEACTIVATED_AFTER_LAST_EVIDENCE = dt.timedelta(days=1)


@contextmanager
def clock_at(moment: dt.datetime) -> Iterator[None]:
    """Run a step of the story at `moment`: everything that reads the time (the services'
    timezone.now(), created_at defaults, the audit trail's dates) reads this one, unmoving."""
    with time_machine.travel(moment, tick=False):
        yield


WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The local time and length of the story's occurrence for the slots not tied to the moment of the run.
SET_TIMES: dict[str, tuple[dt.time, int]] = {
    "yesterday": (dt.time(18, 30), 90),
    "upcoming": (dt.time(19, 30), 120),
    "saturday-before-last": (dt.time(10, 0), 90),
    "first-monday": (dt.time(18, 0), 120),
}


def _story_day(slot: Slot, today: dt.date) -> dt.date:
    """The local date of the story's occurrence, for the slots with set times."""
    if slot == "yesterday":
        return today - dt.timedelta(days=1)
    if slot == "upcoming":
        return today + dt.timedelta(days=4)
    if slot == "saturday-before-last":
        week_ago = today - dt.timedelta(days=7)
        return week_ago - dt.timedelta(days=(week_ago.weekday() - 5) % 7)
    first = today.replace(day=1)
    first_monday = first + dt.timedelta(days=-first.weekday() % 7)
    if first_monday > today:
        first = (first - dt.timedelta(days=1)).replace(day=1)
        first_monday = first + dt.timedelta(days=-first.weekday() % 7)
    return first_monday


def meeting_times(spec: DemoMeeting, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of the occurrence the story is about (`spec.slot`, for a run at `now`),
    aware in the meeting's own zone, on quarter hours.

    The "today" slots are clamped to the local day at the meeting, so that they still fall on
    it when the seed runs just after midnight there or just before it.
    """
    zone = ZoneInfo(spec.time_zone)
    local = now.astimezone(zone)
    midnight = dt.datetime.combine(local.date(), dt.time(), tzinfo=zone)
    quarter = local.replace(minute=local.minute - local.minute % 15, second=0, microsecond=0)
    if spec.slot == "today-now":
        start = max(quarter - minutes(15), midnight)
        return start, start + minutes(90)
    if spec.slot == "today-earlier":
        start = max(quarter - dt.timedelta(hours=4), midnight)
        return start, start + dt.timedelta(hours=2)
    if spec.slot == "today-later":
        start = min(quarter + dt.timedelta(hours=3), midnight + dt.timedelta(hours=22))
        return start, start + minutes(90)
    at, length = SET_TIMES[spec.slot]
    start = dt.datetime.combine(_story_day(spec.slot, local.date()), at, tzinfo=zone)
    return start, start + minutes(length)


def first_occurrence(spec: DemoMeeting, story: tuple[dt.datetime, dt.datetime]) -> tuple[dt.datetime, dt.datetime]:
    """The meeting's first occurrence (its start_time and end_time): `spec.weeks_before` weeks
    before the story's, at the same time on the wall clock of its zone."""
    back = dt.timedelta(weeks=spec.weeks_before)
    # Aware arithmetic within one zone keeps the wall-clock time across a change of UTC offset.
    return story[0] - back, story[1] - back


def recurrence(spec: DemoMeeting, first: dt.datetime) -> str:
    """`spec.repeats`, on the first occurrence's weekday unless the rule names its own days."""
    if "BYDAY=" in spec.repeats:
        return spec.repeats
    return f"{spec.repeats};BYDAY={WEEKDAYS[first.weekday()]}"


def first_run(meeting: Meeting, created: bool, now: dt.datetime) -> dt.datetime:
    """The moment of the run that wrote `meeting`: the story's times are relative to it."""
    return now if created else meeting.created_at + SCHEDULED_BEFORE


M = TypeVar("M", bound=models.Model)


def create_validated(model: type[M], pk: str, fields: dict[str, Any]) -> M:
    """A new row saved as the staff forms and the API save one: validated, then saved (which
    also records its creation in the audit trail)."""
    obj = model(pk=pk, **fields)
    # Validate first so that a clash with rows someone else wrote (a contact with a demo email)
    # is reported by row and field, not as an IntegrityError.
    try:
        obj.full_clean()
    except ValidationError as error:
        raise ValidationError(f"demo {model._meta.verbose_name} {obj}: {' '.join(error.messages)}") from error
    obj.save(force_insert=True)
    return obj


def seed_demo(now: dt.datetime | None = None) -> SeedReport:
    """Write every demo row that is missing, in one transaction; return what was created.

    Raises django.core.exceptions.ValidationError when a demo row clashes with existing data
    (or a service refuses a demo step); nothing is written then.
    """
    now = now or timezone.now()
    report = SeedReport()
    meeting_specs = {spec.key: spec for spec in MEETINGS}
    policy = in_force(None, now)  # the demo's meetings are the default jurisdiction's
    for session_spec in SESSIONS:
        for event_spec in session_spec.events:
            check_geofence(meeting_specs[session_spec.meeting], event_spec, policy)
    for attempt in ATTEMPTS:
        check_geofence(meeting_specs[attempt.meeting], attempt, policy)

    with transaction.atomic():
        case_manager = _ensure_staff(CASE_MANAGER, now, report.staff)
        meetings = {spec.key: _ensure_meeting(spec, now, report.meetings) for spec in MEETINGS}
        contacts = {spec.key: _ensure_contact(spec, now, case_manager, report.contacts) for spec in CONTACTS}
        story = {spec.key: meeting_times(spec, first_run(*meetings[spec.key], now))[0] for spec in MEETINGS}
        last_evidence: dict[str, dt.datetime] = {}
        # In the order they happened: an attendee's session last week was over before today's opened.
        timeline = sorted(
            ((spec, _anchor(spec, story, now)) for spec in SESSIONS),
            key=lambda item: item[1] + _first_offset(item[0]),
        )
        for spec, anchor in timeline:
            contact, meeting = contacts[spec.contact][0], meetings[spec.meeting][0]
            session = _ensure_session(spec, contact, meeting, anchor, report)
            last = session.events.aggregate(last=models.Max("ts_server"))["last"]
            for pk in (contact.pk, meeting.pk):
                last_evidence[pk] = max(last_evidence.get(pk, last), last)
        # Last, as in the story: a meeting or contact is deactivated a day after its last
        # evidence. Only rows this run created: staff may have reactivated one since.
        for spec, (row, created) in [
            *((m, meetings[m.key]) for m in MEETINGS),
            *((c, contacts[c.key]) for c in CONTACTS),
        ]:
            if created and not spec.is_active:
                moment = last_evidence.get(row.pk, row.created_at) + DEACTIVATED_AFTER_LAST_EVIDENCE
                with clock_at(min(moment, now)):
                    row.set_active(False)
        _cancel(meetings, story, now, report.cancellations)
        # Last: the orders are counted from the sessions above (mandates.services.create builds
        # each one's periods from the sessions stored).
        court = _ensure_court(COURT, now, report.courts)
        for spec in MANDATES:
            _ensure_mandate(spec, contacts[spec.contact], court, case_manager, now, report.mandates)
    # After the rest is committed: the service keeps a refused attempt only outside a
    # transaction (the refused operation's is rolled back). Inside a caller's own transaction
    # (a test's), none is kept, and the report says so.
    for attempt in ATTEMPTS:
        contact, meeting = contacts[attempt.contact][0], meetings[attempt.meeting][0]
        _ensure_attempt(attempt, contact, meeting, story[attempt.meeting], report.attempts)
    return report


def _anchor(spec: DemoSession, story: dict[str, dt.datetime], now: dt.datetime) -> dt.datetime:
    """The moment a session's events are timed from (DemoSession)."""
    if spec.anchor == "now":
        return now
    # Aware arithmetic within the meeting's zone: the same wall-clock time weeks before.
    return story[spec.meeting] - dt.timedelta(weeks=spec.weeks_earlier)


def _ensure_attempt(spec: DemoAttempt, contact: Contact, meeting: Meeting, anchor: dt.datetime, tally: Tally) -> None:
    """The refused check-in, sent from the phone page as the attendee did (record_at_meeting),
    found again by its event id."""
    event_id = demo_id("attempt", spec.key)
    if RefusedAttempt.objects.filter(event_id=event_id).exists():
        tally.present += 1
        return
    at = anchor + spec.at
    fix = Fix(*offset_point(meeting.lat, meeting.lng, *spec.fix), accuracy=spec.accuracy)
    event_report = EventReport(ts_client=at - dt.timedelta(seconds=3), fix=fix, event_id=event_id)
    try:
        with clock_at(at):
            services.record_at_meeting(contact, meeting, EventType.CHECK_IN, event_report)
    except services.AttendanceError as error:
        if error.code != spec.code:
            raise ValidationError(f"demo attempt {spec.key}: {error.detail}") from error
    else:
        raise ValueError(f"demo attempt {spec.key} was recorded, not refused with {spec.code}")
    if RefusedAttempt.objects.filter(event_id=event_id).exists():
        tally.created += 1


def _cancel(
    meetings: dict[str, tuple[Meeting, bool]], story: dict[str, dt.datetime], now: dt.datetime, tally: Tally
) -> None:
    """The cancelled occurrence (CANCELLED), made the day before the run through
    meetings.services as staff make one; only when this run created the meeting, as staff may
    have taken the cancellation back since."""
    key, after, reason = CANCELLED
    meeting, created = meetings[key]
    if not created:
        tally.present += meeting.cancellations.count()
        return
    day = story[key].date() + after
    with clock_at(now - CANCELLED_BEFORE):
        cancel_occurrence(meeting, day, reason)
    tally.created += 1


def _ensure_meeting(spec: DemoMeeting, now: dt.datetime, tally: Tally) -> tuple[Meeting, bool]:
    """The demo meeting and whether this run created it (scheduled six weeks before the run)."""
    pk = demo_id("meeting", spec.key)
    existing = Meeting.objects.filter(pk=pk).first()
    if existing is not None:
        tally.present += 1
        return existing, False
    start, end = first_occurrence(spec, meeting_times(spec, now))
    fields = {
        "name": spec.name,
        "description": spec.description,
        "address": spec.address,
        "lat": spec.lat,
        "lng": spec.lng,
        "radius_meters": spec.radius_meters,
        "start_time": start,
        "end_time": end,
        "time_zone": spec.time_zone,
        "recurrence": recurrence(spec, start),
    }
    with clock_at(now - SCHEDULED_BEFORE):
        meeting = create_validated(Meeting, pk, fields)
        _give_kinds(meeting, spec.kinds)
    tally.created += 1
    return meeting, True


def _give_kinds(meeting: Meeting, slugs: tuple[str, ...]) -> None:
    """The meeting's kinds, as the meeting form sets them: only kinds a meeting may be given."""
    kinds = list(MeetingKind.objects.assignable_to(meeting).filter(slug__in=slugs))
    missing = set(slugs) - {kind.slug for kind in kinds}
    if missing:
        raise ValidationError(f"demo meeting {meeting}: no active meeting kind {', '.join(sorted(missing))}")
    meeting.kinds.set(kinds)


def _ensure_contact(
    spec: DemoContact, now: dt.datetime, case_manager: AbstractBaseUser, tally: Tally
) -> tuple[Contact, bool]:
    """The demo contact and whether this run created it (enrolled six weeks before the run, on
    `case_manager`'s caseload when `spec.on_caseload`)."""
    pk = demo_id("contact", spec.key)
    existing = Contact.objects.filter(pk=pk).first()
    if existing is not None:
        tally.present += 1
        return existing, False
    fields = {
        "first_name": spec.first_name,
        "last_name": spec.last_name,
        "email": spec.email,
        "phone": spec.phone,
        "notes": spec.notes,
        "case_manager": case_manager if spec.on_caseload else None,
        # No password: staff hand each attendee a set-password link (README).
    }
    enrolled = now - ENROLLED_BEFORE
    with clock_at(enrolled):
        contact = create_validated(Contact, pk, fields)
    if spec.consent:
        # Given on the phone at the first sign-in, an hour after enrolment.
        with clock_at(enrolled + CONSENTED_AFTER):
            contact.record_consent(True, source=ConsentChange.Source.ATTENDEE)
    tally.created += 1
    return contact, True


def _ensure_staff(spec: DemoStaff, now: dt.datetime, tally: Tally) -> AbstractBaseUser:
    """The demo staff user (found by username), created without a usable password, in
    `spec.group` when `create_staff_groups` has made it (make run does, before the seed)."""
    User = get_user_model()
    existing = User._default_manager.filter(**{User.USERNAME_FIELD: spec.username}).first()
    if existing is not None:
        tally.present += 1
        return existing
    user = User(
        **{User.USERNAME_FIELD: spec.username},
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=spec.email,
        is_staff=True,
    )
    user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as error:
        raise ValidationError(f"demo staff user {spec.username}: {' '.join(error.messages)}") from error
    with clock_at(now - STAFF_JOINED_BEFORE):
        user.save()
    group = Group.objects.filter(name=spec.group).first()
    if group is not None:
        user.groups.add(group)
    tally.created += 1
    return user


def _ensure_court(spec: DemoCourt, now: dt.datetime, tally: Tally) -> Jurisdiction:
    """The court that ordered the demo's mandates, entered as staff enter a jurisdiction."""
    pk = demo_id("jurisdiction", spec.key)
    existing = Jurisdiction.objects.filter(pk=pk).first()
    if existing is not None:
        tally.present += 1
        return existing
    fields = {
        "name": spec.name,
        "kind": JurisdictionKind.COURT,
        "description": spec.description,
        "time_zone": spec.time_zone,
    }
    with clock_at(now - STAFF_JOINED_BEFORE):
        court = create_validated(Jurisdiction, pk, fields)
    tally.created += 1
    return court


def _ensure_mandate(
    spec: DemoMandate,
    contact_row: tuple[Contact, bool],
    court: Jurisdiction,
    case_manager: AbstractBaseUser,
    now: dt.datetime,
    tally: Tally,
) -> Mandate:
    """The demo mandate (found by contact and case number), entered by the case manager through
    mandates.services.create the morning before it starts, its dates counted from the first run
    (the contact's enrolment tells when that was)."""
    contact, created = contact_row
    existing = Mandate.objects.filter(contact=contact, case_number=spec.case_number).first()
    if existing is not None:
        tally.present += 1
        return existing
    zone = ZoneInfo(court.time_zone)
    run = now if created else contact.created_at + ENROLLED_BEFORE
    day = run.astimezone(zone).date()
    starts_on = day + dt.timedelta(days=spec.starts)
    terms = mandate_services.Terms(
        case_number=spec.case_number,
        required_count=spec.required_count,
        period=spec.period,
        starts_on=starts_on,
        ends_on=day + dt.timedelta(days=spec.ends),
        rolling_days=spec.rolling_days,
        jurisdiction=court,
        kinds=list(MeetingKind.objects.filter(slug__in=spec.kinds)),
        notes=spec.notes,
    )
    entered = dt.datetime.combine(starts_on - dt.timedelta(days=1), ORDER_ENTERED_AT, tzinfo=zone)
    try:
        with clock_at(min(entered, now - dt.timedelta(hours=1))):
            mandate = mandate_services.create(contact, terms, by=case_manager)
    except mandate_services.MandateError as error:
        raise ValidationError(f"demo mandate {spec.case_number}: {error.detail}") from error
    tally.created += 1
    return mandate


RECORD = {
    EventType.CHECK_IN: services.check_in,
    EventType.CHECK_OUT: services.check_out,
    EventType.LOCATION_UPDATE: services.record_location,
    EventType.STATUS_CHANGE: services.end_session,
}


def _first_offset(spec: DemoSession) -> dt.timedelta:
    """When the session opens, from its anchor: shortly before its first event."""
    return min(event.at for event in spec.events) - OPENED_BEFORE_FIRST_EVENT


def _ensure_session(
    spec: DemoSession, contact: Contact, meeting: Meeting, anchor: dt.datetime, report: SeedReport
) -> Session:
    # A demo session is found by its first event, whose id is derived from the definition:
    # the session's own id is the service's to choose.
    event_ids = [demo_id("event", f"{spec.key}/{index}") for index in range(len(spec.events))]
    session = Session.objects.filter(events__pk=event_ids[0]).first()
    if session is not None:
        report.sessions.present += 1
    else:
        with clock_at(anchor + _first_offset(spec)), refusal_as_clash(spec):
            session = services.start_session(contact, meeting=meeting)
        report.sessions.created += 1
    present = set(SessionEvent.objects.filter(pk__in=event_ids).values_list("pk", flat=True))
    if len(present) == len(event_ids):
        report.events.present += len(present) + spec.closed_automatically
        return session  # as it is: staff may have ended an open demo session since
    # Event ids are keyed by position: append new events to a definition, never reorder them.
    for index, (event, event_id) in enumerate(zip(spec.events, event_ids, strict=True)):
        if event_id in present:
            report.events.present += 1
            continue
        at = anchor + event.at
        lat, lng = offset_point(meeting.lat, meeting.lng, *event.fix) if event.fix else (None, None)
        fix = Fix(lat, lng, event.accuracy, timed_out=event.fix is None)
        # Phones' clocks and the upload take a few seconds; the server's time is what counts.
        ts_client = at - dt.timedelta(seconds=2 + index % 4)
        received = at if event.received is None else anchor + event.received
        event_report = EventReport(ts_client=ts_client, fix=fix, notes=event.notes, event_id=event_id)
        with clock_at(received), refusal_as_clash(spec):
            recorded = RECORD[event.type](session.pk, event_report, contact=contact)
        if recorded.verdict.flag != event.flag:
            raise ValueError(f"demo event {spec.key}/{index}: the server says {recorded.verdict.flag}")
        session = recorded.session
        report.events.created += 1
    if spec.closed_automatically:
        session = _close_automatically(spec, session, report)
    if session.status != spec.status:
        raise ValueError(f"demo session {spec.key} ends {session.status}, not {spec.status}")
    if (session.outcome, tuple(session.reasons)) != (spec.outcome, spec.reasons):
        raise ValueError(f"demo session {spec.key} is judged {session.outcome} {session.reasons}")
    return session


# The close_stale_sessions job runs every few minutes: it finds a stale session this long after.
JOB_RUNS_AFTER = minutes(5)


def _close_automatically(spec: DemoSession, session: Session, report: SeedReport) -> Session:
    """Close the session as the close_stale_sessions job does, when it went stale."""
    moment = stale_after(session) + JOB_RUNS_AFTER
    with clock_at(moment):
        if services.close_if_stale(session.pk, now=moment) is None:
            raise ValueError(f"demo session {spec.key} is not stale at {moment}")
    report.events.created += 1
    return Session.objects.get(pk=session.pk)


@contextmanager
def refusal_as_clash(spec: DemoSession) -> Iterator[None]:
    """A service's refusal of a demo step (a demo contact's session opened by someone else, say)
    is reported like any other clash with existing data, and nothing is written."""
    try:
        yield
    except services.AttendanceError as error:
        raise ValidationError(f"demo session {spec.key}: {error.detail}") from error
