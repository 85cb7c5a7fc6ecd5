"""What the attendance pages and the attendance report show, computed once for both.

Times in lists and reports are when each event happened as judged: the server's receipt time,
or, for an event the phone sent late, the phone's time, with the server's beside it. The session
page shows both for every event, with the difference.

Which check-in, check-out and end count for a session are attendance.queries' one definition;
whether it counts as attended, why not, and the minutes attended of scheduled are its stored
outcome (attendance.outcomes).
"""

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus, session_zone
from attendance.outcomes import REASON_LABELS, Outcome
from attendance.queries import with_attendance
from attendance.services import Verdict, VerdictReason, verdict_of
from contacts.models import Contact
from core.csv_files import Cell, csv_file
from core.geo import haversine_m

# How many rows (sessions or events) a CSV export reads per database round trip: memory stays
# bounded by this, whatever the number of rows.
CSV_CHUNK_SIZE = 2000


# Status badges in tables, where the model's longer labels would crowd out the times.
SHORT_STATUS_LABELS = {
    SessionStatus.ACTIVE.value: "Not checked in yet",
    SessionStatus.CHECKED_IN.value: "Checked in",
    SessionStatus.COMPLETED.value: "Checked out",
    SessionStatus.ENDED.value: "Ended",
}

# What a report says of a session's check-in position, by its deciding check-in's flag (None:
# it has none). Whether the session counts is its outcome, never this.
VERIFICATION_LABELS = {
    LocationFlag.GRANTED.value: "At the place",
    LocationFlag.DENIED.value: "Not at the place",
    LocationFlag.TIMEOUT.value: "No position",
    None: "No check-in",
}
OUTCOME_LABELS = dict(Outcome.choices)


# --- Dates at each place --------------------------------------------------------------------


# Local days begin between UTC-12:00 and UTC+14:00 (Etc/GMT+12 to Pacific/Kiritimati).
EARLIEST_OFFSET, LATEST_OFFSET = dt.timedelta(hours=14), dt.timedelta(hours=12)


@dataclass(frozen=True)
class Period:
    """Whole local days, `start` to `end` inclusive, at each session's place: a session started
    at 23:30 on 31 March in Honolulu is in March, whatever the date in the site's zone."""

    start: dt.date
    end: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """The aware instants [first moment of `start`, first moment after `end`) in the site's
        time zone (the report's heading)."""
        return local_midnight(self.start), local_midnight(self.end + dt.timedelta(days=1))

    def search_bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """UTC instants within which every moment of the period lies, wherever on Earth."""
        start = dt.datetime.combine(self.start, dt.time.min, tzinfo=dt.UTC) - EARLIEST_OFFSET
        end = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC) + LATEST_OFFSET
        return start, end

    def contains(self, moment: dt.datetime, zone: str) -> bool:
        """Whether `moment` falls on one of the period's days in `zone` (an IANA name)."""
        return self.start <= moment.astimezone(zoneinfo.ZoneInfo(zone)).date() <= self.end


def local_midnight(day: dt.date) -> dt.datetime:
    """The first moment of `day` in the site's time zone (DST-safe: zoneinfo picks the offset)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def sessions_for_page(ids: list[str]) -> list[Session]:
    """The sessions with these ids, in this order, with their contact and `with_attendance()`'s
    times, in one query. A list pages ids first and loads the page's rows afterwards: annotating
    the paginated queryset would make the database compute the times, and join the contact, for
    every row an OFFSET skips, which takes seconds on a deep page."""
    found = with_attendance(Session.objects.select_related("contact", "meeting")).in_bulk(ids)
    sessions = [found[pk] for pk in ids if pk in found]
    for session in sessions:
        session.status_label = SHORT_STATUS_LABELS.get(session.status, session.status)
    return sessions


# --- The report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One session in an attendance report."""

    session_id: str
    started_at: dt.datetime
    place: str
    address: str
    status: str
    check_in_at: dt.datetime | None
    check_in_flag: str | None
    check_out_at: dt.datetime | None
    ended_at: dt.datetime | None
    time_zone: str  # the zone of the place (the meeting's, or at the destination), to show its times in
    occurrence_start: dt.datetime | None = None
    occurrence_end: dt.datetime | None = None
    outcome: str = Outcome.OPEN
    reasons: tuple[str, ...] = ()
    seconds_attended: int | None = None
    seconds_scheduled: int | None = None
    check_in_received_at: dt.datetime | None = None
    check_out_received_at: dt.datetime | None = None
    check_in_sent_late: bool = False
    check_out_sent_late: bool = False
    check_out_flag: str | None = None

    @property
    def status_label(self) -> str:
        return SHORT_STATUS_LABELS.get(self.status, self.status)

    @property
    def verification(self) -> str:
        return VERIFICATION_LABELS.get(self.check_in_flag, self.check_in_flag or "")

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS.get(self.outcome, self.outcome)

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS.get(code, code) for code in self.reasons]

    @property
    def duration(self) -> dt.timedelta | None:
        """The time attended, as judged (attendance.outcomes.attended_seconds)."""
        return None if self.seconds_attended is None else dt.timedelta(seconds=self.seconds_attended)

    @property
    def scheduled(self) -> dt.timedelta | None:
        return None if self.seconds_scheduled is None else dt.timedelta(seconds=self.seconds_scheduled)


@dataclass
class ReportTotals:
    """Sessions by outcome, and the time attended (of sessions judged `attended` or `partial`)."""

    sessions: int = 0
    attended_sessions: int = 0
    partial: int = 0
    not_verified: int = 0
    open: int = 0
    attended: dt.timedelta = field(default_factory=dt.timedelta)

    def add(self, row: ReportRow) -> None:
        self.sessions += 1
        match row.outcome:
            case Outcome.ATTENDED:
                self.attended_sessions += 1
            case Outcome.PARTIAL:
                self.partial += 1
            case Outcome.NOT_VERIFIED:
                self.not_verified += 1
            case _:
                self.open += 1
        if row.duration is not None:
            self.attended += row.duration


@dataclass(frozen=True)
class AttendanceReport:
    contact: Contact
    period: Period
    rows: list[ReportRow]
    totals: ReportTotals
    generated_at: dt.datetime
    generated_by: str


REPORT_FIELDS = (
    "id",
    "created_at",
    "dest_name",
    "dest_address",
    "status",
    "check_in_at",
    "check_in_flag",
    "check_out_at",
    "ended_at",
    "meeting__time_zone",
    "dest_lat",
    "dest_lng",
    "occurrence_start",
    "occurrence_end",
    "outcome",
    "outcome_reasons",
    "seconds_attended",
    "seconds_scheduled",
    "check_in_received_at",
    "check_out_received_at",
    "check_in_sent_late",
    "check_out_sent_late",
    "check_out_flag",
)


def report_sessions(contact: Contact, period: Period) -> QuerySet:
    """The contact's sessions that can have started within the period (a day wider either
    side: `_in_period` keeps those of its days at their place), oldest first, as plain values."""
    start, end = period.search_bounds()
    sessions = Session.objects.filter(contact=contact, created_at__gte=start, created_at__lt=end)
    # The destination as the session recorded it, not the meeting's current name: a renamed
    # meeting must not rewrite past evidence.
    return with_attendance(sessions).order_by("created_at", "id").values(*REPORT_FIELDS)


def _row(values: dict) -> ReportRow:
    return ReportRow(
        session_id=values["id"],
        started_at=values["created_at"],
        place=values["dest_name"],
        address=values["dest_address"],
        status=values["status"],
        check_in_at=values["check_in_at"],
        check_in_flag=values["check_in_flag"],
        check_out_at=values["check_out_at"],
        ended_at=values["ended_at"],
        time_zone=session_zone(values["meeting__time_zone"], values["dest_lat"], values["dest_lng"]),
        occurrence_start=values["occurrence_start"],
        occurrence_end=values["occurrence_end"],
        outcome=values["outcome"],
        reasons=tuple(values["outcome_reasons"].split()),
        seconds_attended=values["seconds_attended"],
        seconds_scheduled=values["seconds_scheduled"],
        check_in_received_at=values["check_in_received_at"],
        check_out_received_at=values["check_out_received_at"],
        check_in_sent_late=bool(values["check_in_sent_late"]),
        check_out_sent_late=bool(values["check_out_sent_late"]),
        check_out_flag=values["check_out_flag"],
    )


def iter_report_rows(contact: Contact, period: Period, chunk_size: int = CSV_CHUNK_SIZE) -> Iterator[ReportRow]:
    """The report's rows, read from the database `chunk_size` at a time."""
    for values in report_sessions(contact, period).iterator(chunk_size=chunk_size):
        row = _row(values)
        if period.contains(row.started_at, row.time_zone):
            yield row


def build_report(contact: Contact, period: Period, generated_by: str) -> AttendanceReport:
    """Rows and totals for the report page, in one query."""
    rows = [
        row for row in map(_row, report_sessions(contact, period)) if period.contains(row.started_at, row.time_zone)
    ]
    totals = ReportTotals()
    for row in rows:
        totals.add(row)
    return AttendanceReport(contact, period, rows, totals, timezone.now(), generated_by)


# --- CSV -----------------------------------------------------------------------------------------


def at_place(value: dt.datetime | None, zone: str) -> str:
    """ISO 8601 in the place's local time with its UTC offset: 2026-12-03T19:02:00-05:00."""
    return timezone.localtime(value, zoneinfo.ZoneInfo(zone)).isoformat(timespec="seconds") if value else ""


def csv_header() -> list[str]:
    """Times are ISO 8601 with their UTC offset, in the local time of the session's place,
    whose zone has a column of its own."""
    return [
        "Contact",
        "Contact email",
        "Session id",
        "Started",
        "Time zone",
        "Meeting or destination",
        "Address",
        "Scheduled start",
        "Scheduled end",
        "Check-in",
        "Check-in received",
        "Check-out",
        "Check-out received",
        "Minutes attended",
        "Minutes scheduled",
        "Check-in position",
        "Outcome",
        "Reasons",
        "Status",
    ]


def csv_cells(contact: Contact, row: ReportRow) -> list[str]:
    minutes = "" if row.seconds_attended is None else str(row.seconds_attended // 60)
    scheduled = "" if row.seconds_scheduled is None else str(row.seconds_scheduled // 60)
    return [
        contact.full_name,
        contact.email,
        row.session_id,
        at_place(row.started_at, row.time_zone),
        row.time_zone,
        row.place,
        row.address,
        at_place(row.occurrence_start, row.time_zone),
        at_place(row.occurrence_end, row.time_zone),
        at_place(row.check_in_at, row.time_zone),
        at_place(row.check_in_received_at, row.time_zone),
        at_place(row.check_out_at, row.time_zone),
        at_place(row.check_out_received_at, row.time_zone),
        minutes,
        scheduled,
        row.verification,
        row.outcome_label,
        "; ".join(row.reason_labels),
        row.status_label,
    ]


def csv_lines(contact: Contact, rows: Iterable[ReportRow]) -> Iterator[str]:
    """The report's CSV file: its header, then one line per session."""
    return csv_file(csv_header(), (csv_cells(contact, row) for row in rows))


# --- Events CSV ----------------------------------------------------------------------------------

EVENTS_CSV_HEADER = [
    "Event id",
    "Session id",
    "Contact id",
    "Contact name",
    "Contact email",
    "Place",
    "Event type",
    "Result",
    "Phone time (UTC)",
    "Server time (UTC)",
    "Latitude",
    "Longitude",
    "Accuracy (m)",
    "Distance (m)",
    "Radius (m)",
    "Time zone",
    "Reason",
    "Policy version",
    "Delay (s)",
    "Sent late",
]

_EVENT_FIELDS = (
    "id",
    "session",
    "session__contact",
    "session__contact__first_name",
    "session__contact__last_name",
    "session__contact__email",
    "session__dest_name",
    "type",
    "location_flag",
    "ts_client",
    "ts_server",
    "lat",
    "lng",
    "accuracy",
    "session__dest_lat",
    "session__dest_lng",
    "session__meeting__time_zone",
    "verdict_reason",
    "distance_m",
    "radius_m",
    "policy_version__jurisdiction__name",
    "policy_version__number",
    "sent_late",
)


def _utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def iter_event_rows(sessions: QuerySet, chunk_size: int = CSV_CHUNK_SIZE) -> Iterator[list[Cell]]:
    """The events of `sessions` as EVENTS_CSV_HEADER's cells, by server time then id.

    An export may hold a million events: `values_list()` builds no model instance per row, and
    `iterator()` reads `chunk_size` rows per round trip (a server-side cursor on PostgreSQL), so
    memory stays flat. Contact, destination and meeting come from the same query's joins.
    """
    events = SessionEvent.objects.filter(session__in=sessions).order_by("ts_server", "id").values_list(*_EVENT_FIELDS)
    with _whole_result_plans():
        yield from _event_cells(events, chunk_size)


@contextmanager
def _whole_result_plans() -> Iterator[None]:
    """PostgreSQL plans a server-side cursor for its first 10% of rows (cursor_tuple_fraction):
    for a sorted export of a million events that meant walking the ts_server index and
    probing each event's session, 29 s before the first row, where hash joins and one sort
    take 7 s (bench/findings.md). An export reads every row, so plan for all of them."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET cursor_tuple_fraction = 1.0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET cursor_tuple_fraction")


def _event_cells(events: QuerySet, chunk_size: int) -> Iterator[list[Cell]]:
    for (
        event_id,
        session_id,
        contact_id,
        first_name,
        last_name,
        email,
        place,
        event_type,
        flag,
        ts_client,
        ts_server,
        lat,
        lng,
        accuracy,
        dest_lat,
        dest_lng,
        meeting_zone,
        reason,
        distance,
        radius,
        jurisdiction,
        version_number,
        late,
    ) in events.iterator(chunk_size=chunk_size):
        if not reason:
            # Judged before judgements were stored: the distance is a fact, the radius and the
            # rule are not known. Coordinates on a timeout are not a fix (the legacy app stored
            # 0, 0): no distance.
            has_fix = lat is not None and lng is not None and flag != LocationFlag.TIMEOUT
            distance = haversine_m(dest_lat, dest_lng, lat, lng) if has_fix else None
            reason = (
                VerdictReason.GPS_TIMEOUT if flag == LocationFlag.TIMEOUT else VerdictReason.JUDGED_BY_LEGACY_SYSTEM
            )
        yield [
            event_id,
            session_id,
            contact_id,
            # As Contact.full_name, without loading the contact.
            " ".join(part for part in (first_name, last_name) if part),
            email,
            place,
            event_type,
            flag,
            _utc(ts_client),
            _utc(ts_server),
            lat,
            lng,
            accuracy,
            None if distance is None else round(distance, 1),
            radius,
            # The zone of the place, for reading the UTC times locally (the same per session).
            session_zone(meeting_zone, dest_lat, dest_lng),
            reason,
            f"{jurisdiction} v{version_number}" if version_number else "",
            round((ts_server - ts_client).total_seconds()),
            "yes" if late else "no",
        ]


# --- One session's evidence ----------------------------------------------------------------------


def map_url(lat: float, lng: float) -> str:
    """The position on OpenStreetMap, with a marker, at street level."""
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}"


@dataclass(frozen=True)
class EventEvidence:
    """One event of a session as the session page shows it."""

    event: SessionEvent
    verdict: Verdict

    @property
    def delay(self) -> dt.timedelta:
        """How long after the phone's time the server received it (negative: the phone's clock is ahead)."""
        return self.event.delay

    @property
    def map_url(self) -> str | None:
        if self.event.lat is None or self.event.lng is None or self.is_timeout:
            return None
        return map_url(self.event.lat, self.event.lng)

    @property
    def is_timeout(self) -> bool:
        # Coordinates on a timeout are not a fix: the legacy app stored 0, 0 there.
        return self.event.location_flag == LocationFlag.TIMEOUT

    @property
    def explanation(self) -> str | None:
        """Why a position did not verify. A status change without a position (a session ended
        by staff) carries the timeout flag but no GPS attempt: explaining it as one would mislead."""
        if self.verdict.reason == VerdictReason.WITHIN_RADIUS:
            return None
        if self.event.type == EventType.STATUS_CHANGE and self.event.lat is None:
            return None
        return self.verdict.explanation


def evidence_for(session: Session) -> list[EventEvidence]:
    """The session's events, oldest first, each with its verdict; expects `with_events()`."""
    return [EventEvidence(event, verdict_of(session, event)) for event in session.events.all()]
