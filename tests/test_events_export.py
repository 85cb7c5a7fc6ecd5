"""The staff CSV export of events, for the sessions list's filters."""

import csv
import datetime as dt
import html
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, Session, SessionStatus
from attendance.reports import EVENTS_CSV_HEADER, iter_event_rows
from attendance.services import Destination, EventReport, Fix, VerdictReason, check_in, start_session
from core.geo import offset_point
from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID, Jurisdiction
from policies.services import publish
from tests.factories import (
    PORTLAND,
    ContactFactory,
    MeetingFactory,
    SessionEventFactory,
    SessionFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

SESSIONS = reverse("attendance:sessions")
EVENTS_CSV = reverse("attendance:events_csv")
NOON = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def at(minutes: float) -> dt.datetime:
    return NOON + dt.timedelta(minutes=minutes)


def event(session, minutes: float, **fields):
    """An event received `minutes` after noon UTC, sent by the phone two seconds earlier."""
    return SessionEventFactory(
        session=session, ts_client=at(minutes) - dt.timedelta(seconds=2), ts_server=at(minutes), **fields
    )


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # so that spreadsheets read names as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def exported(client, params: dict | None = None) -> list[dict[str, str]]:
    """The export's rows, each by column name."""
    header, *rows = read_csv(client.get(EVENTS_CSV, params or {}))
    return [dict(zip(header, row, strict=True)) for row in rows]


# --- Methods (who may export: tests/test_page_permissions.py) ------------------------------------


def test_only_get_is_allowed(staff_client):
    assert staff_client.post(EVENTS_CSV).status_code == 405


# --- The file --------------------------------------------------------------------------------------


def test_a_streamed_csv_named_after_today(staff_client):
    response = staff_client.get(EVENTS_CSV)
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="events-{timezone.localdate()}.csv"'


def test_the_header_row_comes_first(staff_client):
    event(SessionFactory(), 0)
    header, *rows = read_csv(staff_client.get(EVENTS_CSV))
    assert header == [
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
    assert header == EVENTS_CSV_HEADER
    assert len(rows) == 1


def test_each_event_with_its_contact_place_times_position_distance_and_radius(staff_client):
    contact = ContactFactory(first_name="Ann", last_name="Zeta", email="ann@example.org", consenting=True)
    meeting = MeetingFactory(name="Tuesday group", radius_meters=75.0)
    session = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.CHECKED_IN)
    lat, lng = offset_point(meeting.lat, meeting.lng, north_m=30.0, east_m=40.0)
    # Judged as attendance.services stores it: under the session's version, with this radius.
    check_in = event(
        session,
        5,
        lat=lat,
        lng=lng,
        accuracy=8.5,
        policy_version_id=DEFAULT_VERSION_ID,
        verdict_reason=VerdictReason.WITHIN_RADIUS,
        distance_m=50.0,
        radius_m=75.0,
    )
    (row,) = exported(staff_client)
    assert row == {
        "Event id": check_in.id,
        "Session id": session.id,
        "Contact id": contact.id,
        "Contact name": "Ann Zeta",
        "Contact email": "ann@example.org",
        "Place": "Tuesday group",
        "Event type": "check_in",
        "Result": "granted",
        "Phone time (UTC)": "2026-03-02T12:04:58+00:00",
        "Server time (UTC)": "2026-03-02T12:05:00+00:00",
        "Latitude": str(lat),
        # A negative number stays a number: only text cells are neutralised.
        "Longitude": str(lng),
        "Accuracy (m)": "8.5",
        "Distance (m)": "50.0",
        "Radius (m)": "75.0",
        "Time zone": "America/Los_Angeles",
        "Reason": "within_radius",
        "Policy version": "Default policy v1",
        "Delay (s)": "2",
        "Sent late": "no",
    }


def test_times_are_utc_whatever_the_sites_time_zone(staff_client, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    event(SessionFactory(), 0)
    (row,) = exported(staff_client)
    assert row["Server time (UTC)"] == "2026-03-02T12:00:00+00:00"


def test_sessions_without_a_meeting_have_the_radius_of_the_policy_in_force_when_they_opened(staff_client):
    # The settings' DEFAULT_RADIUS_METERS is gone: the radius is a rule of the policy version.
    publish(Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID), {"default_radius_m": 250.0})
    contact = ContactFactory(consenting=True)
    place = Destination("Probation office", "1401 NE 68th Ave, Portland, OR 97213", *PORTLAND)
    session = start_session(contact, destination=place, approved_by=StaffUserFactory())
    check_in(session.id, EventReport(timezone.now(), Fix(PORTLAND[0], PORTLAND[1], 10.0)))
    publish(Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID), {"default_radius_m": 50.0})  # changes nothing
    (row,) = exported(staff_client)
    assert (row["Place"], row["Radius (m)"], row["Policy version"]) == (
        "Probation office",
        "250.0",
        "Default policy v2",
    )


def test_the_place_is_the_destination_the_session_recorded(staff_client):
    meeting = MeetingFactory(name="Old name")
    event(SessionFactory(meeting=meeting), 0)
    meeting.name = "New name"
    meeting.save()
    (row,) = exported(staff_client)
    assert row["Place"] == "Old name"


def test_a_timeout_has_no_position_and_no_distance(staff_client):
    session = SessionFactory(status=SessionStatus.ENDED)
    event(session, 0, timed_out=True)
    # Staff ending a session: a status change without a position.
    event(session, 1, type=EventType.STATUS_CHANGE, timed_out=True)
    rows = exported(staff_client)
    assert [(row["Event type"], row["Result"]) for row in rows] == [
        ("check_in", "timeout"),
        ("status_change", "timeout"),
    ]
    for row in rows:
        assert (row["Latitude"], row["Longitude"], row["Accuracy (m)"], row["Distance (m)"]) == ("", "", "", "")
        # Recorded before judgements were stored with events: the radius then is not known.
        assert (row["Radius (m)"], row["Reason"]) == ("", "gps_timeout")


def test_a_denied_event_has_its_distance(staff_client):
    session = SessionFactory()
    lat, lng = offset_point(session.dest_lat, session.dest_lng, north_m=0.0, east_m=1234.56)
    event(session, 0, lat=lat, lng=lng, location_flag=LocationFlag.DENIED)
    (row,) = exported(staff_client)
    assert (row["Result"], row["Distance (m)"]) == ("denied", "1234.6")


def test_rows_are_ordered_by_server_time_then_id(staff_client):
    first, second = SessionFactory(status=SessionStatus.ENDED), SessionFactory(status=SessionStatus.ENDED)
    # Written out of order, across sessions, two of them received at the same instant.
    late = event(first, 30, type=EventType.CHECK_OUT)
    tied = [event(second, 10), event(first, 10)]
    early = event(second, -5)
    expected = [early.id, *sorted(each.id for each in tied), late.id]
    assert [row["Event id"] for row in exported(staff_client)] == expected


def test_cells_that_a_spreadsheet_would_run_are_neutralised(staff_client):
    contact = ContactFactory(first_name='=HYPERLINK("http://evil")', last_name="x", email="x@example.org")
    event(SessionFactory(contact=contact, dest_name="@SUM(A1)"), 0)
    (row,) = exported(staff_client)
    assert row["Contact name"] == '\'=HYPERLINK("http://evil") x'
    assert row["Place"] == "'@SUM(A1)"


# --- Filters ---------------------------------------------------------------------------------------


def places(rows: list[dict[str, str]]) -> list[str]:
    return [row["Place"] for row in rows]


def test_without_filters_every_event(staff_client):
    event(SessionFactory(dest_name="A"), 0)
    event(SessionFactory(dest_name="B"), 1)
    assert places(exported(staff_client)) == ["A", "B"]


def test_filter_by_status(staff_client):
    event(SessionFactory(dest_name="Open", status=SessionStatus.CHECKED_IN), 0)
    ended = SessionFactory(dest_name="Ended", status=SessionStatus.ENDED)
    event(ended, 1)
    event(ended, 2, type=EventType.STATUS_CHANGE, timed_out=True)
    assert places(exported(staff_client, {"status": "ended"})) == ["Ended", "Ended"]


def test_filter_by_a_check_in_result_exports_every_event_of_those_sessions(staff_client):
    denied = SessionFactory(dest_name="Denied", status=SessionStatus.ENDED)
    event(denied, 0, location_flag=LocationFlag.DENIED)
    event(denied, 1, type=EventType.STATUS_CHANGE, timed_out=True)
    event(SessionFactory(dest_name="Verified", status=SessionStatus.COMPLETED), 2)
    rows = exported(staff_client, {"flag": "denied"})
    assert [(row["Place"], row["Event type"]) for row in rows] == [
        ("Denied", "check_in"),
        ("Denied", "status_change"),
    ]


def test_filter_by_contact_id_and_by_name(staff_client):
    ann = ContactFactory(first_name="Ann", last_name="Zeta", consenting=True)
    event(SessionFactory(contact=ann, dest_name="Ann's"), 0)
    event(SessionFactory(contact=ContactFactory(first_name="Bob", last_name="Other"), dest_name="Bob's"), 1)
    assert places(exported(staff_client, {"contact": ann.id})) == ["Ann's"]
    assert places(exported(staff_client, {"q": "ann zeta"})) == ["Ann's"]


def test_filter_by_meeting_and_place(staff_client):
    meeting = MeetingFactory(name="Tuesday group")
    event(SessionFactory(meeting=meeting), 0)
    event(SessionFactory(meeting=None, dest_name="Probation office"), 1)
    assert places(exported(staff_client, {"meeting": meeting.id})) == ["Tuesday group"]
    assert places(exported(staff_client, {"place": "probation"})) == ["Probation office"]


def test_filter_by_the_day_the_session_started(staff_client):
    event(SessionFactory(dest_name="March", created_at=NOON), 0)
    event(SessionFactory(dest_name="April", created_at=NOON + dt.timedelta(days=31)), 1)
    assert places(exported(staff_client, {"start": "2026-03-01", "end": "2026-03-31"})) == ["March"]


def test_an_invalid_filter_goes_back_to_the_list_with_an_error(staff_client):
    response = staff_client.get(EVENTS_CSV, {"q": "ann", "status": "sleeping"})
    assert response.status_code == 302
    assert response["Location"] == f"{SESSIONS}?q=ann&status=sleeping"
    page = html.unescape(staff_client.get(response["Location"]).content.decode())
    assert "The events could not be exported: correct the filters below." in page
    assert "Select a valid choice." in page


# --- Memory and queries ----------------------------------------------------------------------------


def test_rows_are_read_in_chunks(db):
    session = SessionFactory()
    events = [event(session, minutes) for minutes in range(5)]
    rows = list(iter_event_rows(Session.objects.all(), chunk_size=2))
    assert [row[0] for row in rows] == [each.id for each in events]


def export_queries(client, count: int) -> int:
    meeting = MeetingFactory()
    contact = ContactFactory(consenting=True)
    for n in range(count):
        session = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
        event(session, n, location_flag=LocationFlag.DENIED)
    with CaptureQueriesContext(connection) as queries:
        # The rows are read while the response streams, so the body is read inside.
        rows = read_csv(client.get(EVENTS_CSV, {"contact": contact.id, "meeting": meeting.id, "flag": "denied"}))
    assert len(rows) == count + 1
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_events(staff_client):
    few = export_queries(staff_client, 5)
    assert export_queries(staff_client, 50) == few


# --- The sessions list's link ----------------------------------------------------------------------


def test_the_list_links_to_the_export_with_its_filters(staff_client):
    page = staff_client.get(SESSIONS, {"status": "ended", "q": "ann", "page": "2"}).content.decode()
    assert f'href="{EVENTS_CSV}?status=ended&amp;q=ann"' in page
    assert "Export events (CSV)" in page


def test_the_link_is_only_offered_to_those_who_may_view_events(client, staff_user_with):
    client.force_login(staff_user_with("attendance.view_session"))
    assert "Export events (CSV)" not in client.get(SESSIONS).content.decode()


def test_no_link_while_the_filters_are_invalid(staff_client):
    assert "Export events (CSV)" not in staff_client.get(SESSIONS, {"status": "sleeping"}).content.decode()


def test_the_planner_setting_an_export_needs_does_not_outlive_it(staff_client):
    # The export plans its cursor for every row (cursor_tuple_fraction = 1) on PostgreSQL; the
    # connection is kept between requests, so the setting must be back to normal afterwards.
    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL planner setting")
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    event(session, 1)
    rows = exported(staff_client)

    assert len(rows) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW cursor_tuple_fraction")
        assert cursor.fetchone()[0] == "0.1"
