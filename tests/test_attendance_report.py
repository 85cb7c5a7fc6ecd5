"""The attendance report per contact and date range: page, totals, print heading and CSV."""

import csv
import datetime as dt
import html
import io
import zoneinfo

import pytest
from django.urls import reverse

from attendance.models import EventType, LocationFlag, SessionStatus
from attendance.reports import Period, iter_report_rows
from core.csv_files import neutralise_formula
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

REPORT = reverse("attendance:report")
REPORT_CSV = reverse("attendance:report_csv")
PERMISSIONS = ("attendance.view_session", "contacts.view_contact")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
REPORT_QUERY_BOUND = 10


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in March 2026, Los Angeles time (PST; DST starts on the 8th at 02:00)."""
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=LA)


def event(session, event_type: EventType, at: dt.datetime, flag: LocationFlag = LocationFlag.GRANTED):
    position = {"timed_out": True} if flag == LocationFlag.TIMEOUT else {"location_flag": flag}
    return SessionEventFactory(session=session, type=event_type, ts_client=at, ts_server=at, **position)


@pytest.fixture
def la_time(settings):
    settings.TIME_ZONE = "America/Los_Angeles"


@pytest.fixture
def ann(la_time):
    """Ann's March 2026: every kind of session, one of them late at night."""
    ann = ContactFactory(first_name="Ann", last_name="Zeta", email="ann@example.org", consenting=True)
    meeting = MeetingFactory(name="Tuesday group")

    def session(name: str, created: dt.datetime, status: SessionStatus):
        return SessionFactory(contact=ann, meeting=meeting, dest_name=name, created_at=created, status=status)

    verified = session("Verified", local(2, 18), SessionStatus.COMPLETED)
    event(verified, EventType.CHECK_IN, local(2, 18, 5))
    event(verified, EventType.CHECK_OUT, local(2, 19, 5))

    # Denied from across the street, then verified from the door: the verified one counts.
    retried = session("Retried", local(3, 18), SessionStatus.COMPLETED)
    event(retried, EventType.CHECK_IN, local(3, 18, 1), LocationFlag.DENIED)
    event(retried, EventType.CHECK_IN, local(3, 18, 4))
    event(retried, EventType.CHECK_OUT, local(3, 19, 34))

    # Never verified: the last attempt counts.
    timed_out = session("Timed out", local(4, 18), SessionStatus.ENDED)
    event(timed_out, EventType.CHECK_IN, local(4, 18, 0), LocationFlag.DENIED)
    event(timed_out, EventType.CHECK_IN, local(4, 18, 2), LocationFlag.TIMEOUT)
    event(timed_out, EventType.STATUS_CHANGE, local(4, 18, 30), LocationFlag.TIMEOUT)

    denied = session("Denied", local(5, 18), SessionStatus.ENDED)
    event(denied, EventType.CHECK_IN, local(5, 18, 10), LocationFlag.DENIED)

    # 07:30 UTC on the 8th, but the 7th where the meeting is.
    late = session("Late", local(7, 23, 30), SessionStatus.COMPLETED)
    event(late, EventType.CHECK_IN, local(7, 23, 31))
    event(late, EventType.CHECK_OUT, local(8, 0, 16))

    session("Open", local(6, 18), SessionStatus.ACTIVE)

    SessionFactory(dest_name="Someone else's", created_at=local(3, 18), status=SessionStatus.ENDED)
    session("Next month", dt.datetime(2026, 4, 1, 0, 0, tzinfo=LA), SessionStatus.ENDED)
    return ann


def march(contact, start: str = "2026-03-01", end: str = "2026-03-07") -> dict:
    return {"contact": contact.id, "start": start, "end": end}


def rows_of(response) -> list[tuple]:
    return [
        (row.place, row.check_in_at, row.check_out_at, row.duration, row.verification, row.status)
        for row in response.context["report"].rows
    ]


# --- The page --------------------------------------------------------------------------------------


def test_without_a_choice_the_page_says_what_to_do(staff_client):
    response = staff_client.get(REPORT)
    page = response.content.decode()
    assert "Choose a contact and the days to report on" in page
    assert '<label for="id_contact">' in page
    assert '<label for="id_start">' in page
    assert '<label for="id_end">' in page
    assert response.context["report"] is None


def test_each_session_with_its_times_duration_and_verification(staff_client, ann):
    response = staff_client.get(REPORT, march(ann))
    assert rows_of(response) == [
        ("Verified", local(2, 18, 5), local(2, 19, 5), dt.timedelta(hours=1), "Verified", "completed"),
        ("Retried", local(3, 18, 4), local(3, 19, 34), dt.timedelta(hours=1, minutes=30), "Verified", "completed"),
        ("Timed out", local(4, 18, 2), None, None, "No position", "ended"),
        ("Denied", local(5, 18, 10), None, None, "Not verified", "ended"),
        ("Open", None, None, None, "No check-in", "active"),
        ("Late", local(7, 23, 31), local(8, 0, 16), dt.timedelta(minutes=45), "Verified", "completed"),
    ]


def test_totals(staff_client, ann):
    totals = staff_client.get(REPORT, march(ann)).context["report"].totals
    assert (totals.sessions, totals.verified, totals.denied, totals.timeout, totals.no_check_in) == (6, 3, 1, 1, 1)
    assert totals.attended == dt.timedelta(hours=3, minutes=15)


def test_days_are_the_sites_local_days(staff_client, ann):
    places = [row[0] for row in rows_of(staff_client.get(REPORT, march(ann, "2026-03-07", "2026-03-07")))]
    assert places == ["Late"]
    assert rows_of(staff_client.get(REPORT, march(ann, "2026-03-08", "2026-03-31"))) == []


def test_the_page_shows_times_in_the_sites_time_zone(staff_client, ann):
    page = staff_client.get(REPORT, march(ann)).content.decode()
    assert "7 Mar 2026 23:31 PST" in page
    assert "8 Mar 2026 00:16 PST" in page
    assert "1 h 30 min" in page
    assert "45 min" in page
    assert "3 h 15 min" in page


def test_the_heading_names_the_contact_the_period_and_who_generated_it(client, staff_user_with, ann):
    client.force_login(staff_user_with(*PERMISSIONS, username="officer", first_name="Olga", last_name="Ortiz"))
    page = client.get(REPORT, march(ann)).content.decode()
    assert "Ann Zeta" in page
    assert "ann@example.org" in page
    assert ann.id in page
    assert "1 Mar 2026 to 7 Mar 2026" in page
    assert "Generated" in page
    assert "by Olga Ortiz (officer)" in page
    assert f"{REPORT_CSV}?contact={ann.id}&amp;start=2026-03-01&amp;end=2026-03-07" in page


def test_a_period_without_sessions_says_so(staff_client):
    contact = ContactFactory()
    page = staff_client.get(REPORT, march(contact)).content.decode()
    assert "No sessions started between 1 Mar 2026 and 7 Mar 2026" in page


@pytest.mark.parametrize("count", [10, 200])
def test_the_report_takes_a_constant_number_of_queries(staff_client, django_assert_max_num_queries, count):
    contact = ContactFactory(consenting=True)
    meeting = MeetingFactory()
    for _ in range(count):
        session = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
        SessionEventFactory(session=session, location_flag=LocationFlag.DENIED)
        SessionEventFactory(session=session)
        SessionEventFactory(session=session, type=EventType.CHECK_OUT)
    today = dt.date.today()
    params = march(contact, str(today - dt.timedelta(days=1)), str(today + dt.timedelta(days=1)))
    with django_assert_max_num_queries(REPORT_QUERY_BOUND):
        response = staff_client.get(REPORT, params)
    assert response.context["report"].totals.verified == count


# --- Choosing the contact and the dates ------------------------------------------------------------


@pytest.mark.parametrize("typed", ["ANN@example.org", "ann zeta", "Zeta"])
def test_the_contact_by_email_or_name(staff_client, ann, typed):
    ContactFactory(first_name="Bob", last_name="Other")
    response = staff_client.get(REPORT, {**march(ann), "contact": typed})
    assert response.context["report"].contact == ann


def test_an_ambiguous_name_offers_the_matching_contacts(staff_client):
    first = ContactFactory(first_name="Ann", last_name="Alpha")
    second = ContactFactory(first_name="Ann", last_name="Beta")
    response = staff_client.get(REPORT, {"contact": "ann", "start": "2026-03-01", "end": "2026-03-07"})
    assert response.context["report"] is None
    assert set(response.context["form"].candidates) == {first, second}
    page = html.unescape(response.content.decode())
    assert "2 contacts match “ann”" in page
    assert f"?contact={first.id}&start=2026-03-01&end=2026-03-07" in page


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"contact": ""}, "contact", "This field is required."),
        ({"contact": "nobody@example.org"}, "contact", "No contact has the email address nobody@example.org."),
        ({"contact": "0b7e2f43-34b5-4b1e-9d8f-3f1d8f0c2a11"}, "contact", "No contact has this id."),
        ({"contact": "Nobody"}, "contact", "No contact matches “Nobody”."),
        ({"start": ""}, "start", "This field is required."),
        ({"start": "2026-02-30"}, "start", "Enter a valid date."),
        ({"end": "9999-12-31"}, "end", "Enter a date between 1900 and 2999."),
        ({"start": "2026-03-08", "end": "2026-03-07"}, "end", "The end date is before the start date."),
        ({"start": "2025-03-06", "end": "2026-03-07"}, "end", "A report covers at most 366 days"),
    ],
)
def test_form_errors_are_shown_and_the_input_kept(staff_client, params, field, message):
    contact = ContactFactory(email="kept@example.org")
    data = {"contact": contact.email, "start": "2026-03-01", "end": "2026-03-07", **params}
    response = staff_client.get(REPORT, data)
    assert response.status_code == 200
    assert response.context["report"] is None
    assert any(message in error for error in response.context["form"].errors[field])
    page = html.unescape(response.content.decode())
    assert message in page
    for value in data.values():
        if value:
            assert f'value="{value}"' in page


def test_a_full_year_is_allowed(staff_client):
    contact = ContactFactory()
    response = staff_client.get(REPORT, march(contact, "2024-01-01", "2024-12-31"))  # 366 days
    assert response.context["report"] is not None


# --- CSV -------------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # so that spreadsheets read names as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def test_the_csv_has_a_header_and_the_reports_rows(staff_client, ann):
    response = staff_client.get(REPORT_CSV, march(ann))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="attendance-ann-zeta-2026-03-01-2026-03-07.csv"'
    header, *rows = read_csv(response)
    assert header == [
        "Contact",
        "Contact email",
        "Session id",
        "Started",
        "Time zone",
        "Meeting or destination",
        "Address",
        "Check-in",
        "Check-out",
        "Duration (minutes)",
        "Verification",
        "Status",
    ]
    # ISO 8601 with the UTC offset, in the local time of the place (Portland, PST in early March).
    assert [(row[5], row[7], row[8], row[9], row[10], row[11]) for row in rows] == [
        ("Verified", "2026-03-02T18:05:00-08:00", "2026-03-02T19:05:00-08:00", "60", "Verified", "Checked out"),
        ("Retried", "2026-03-03T18:04:00-08:00", "2026-03-03T19:34:00-08:00", "90", "Verified", "Checked out"),
        ("Timed out", "2026-03-04T18:02:00-08:00", "", "", "No position", "Ended"),
        ("Denied", "2026-03-05T18:10:00-08:00", "", "", "Not verified", "Ended"),
        ("Open", "", "", "", "No check-in", "Not checked in yet"),
        ("Late", "2026-03-07T23:31:00-08:00", "2026-03-08T00:16:00-08:00", "45", "Verified", "Checked out"),
    ]
    assert {(row[0], row[1]) for row in rows} == {("Ann Zeta", "ann@example.org")}
    assert {row[4] for row in rows} == {"America/Los_Angeles"}
    assert rows[-1][3] == "2026-03-07T23:30:00-08:00"


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        (" =1+2", "' =1+2"),
        ("  @x", "'  @x"),
        ("Tuesday group", "Tuesday group"),
        ("a=1", "a=1"),
        ("", ""),
    ],
)
def test_neutralise_formula(value, safe):
    assert neutralise_formula(value) == safe


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(staff_client):
    contact = ContactFactory(first_name="@SUM(A1)", last_name="x", consenting=True)
    for name in ("=1+1", "+1", "-1", "@x", "\tx"):
        SessionFactory(contact=contact, dest_name=name, dest_address='=HYPERLINK("http://evil")', status="ended")
    # Today at the meeting (Portland) is the UTC date or the day before, depending on the hour.
    today = dt.date.today()
    _, *rows = read_csv(staff_client.get(REPORT_CSV, march(contact, str(today - dt.timedelta(days=1)), str(today))))
    assert sorted(row[5] for row in rows) == sorted(["'=1+1", "'+1", "'-1", "'@x", "'\tx"])
    assert {row[0] for row in rows} == {"'@SUM(A1) x"}
    assert {row[6] for row in rows} == {'\'=HYPERLINK("http://evil")'}


def test_csv_rows_are_read_in_chunks(ann):
    # The export reads the database a chunk at a time, whatever the number of rows.
    rows = list(iter_report_rows(ann, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 7)), chunk_size=2))
    assert [row.place for row in rows] == ["Verified", "Retried", "Timed out", "Denied", "Open", "Late"]


def test_an_invalid_csv_request_goes_back_to_the_form(staff_client):
    response = staff_client.get(REPORT_CSV, {"contact": "nobody@example.org", "start": "2026-03-01", "end": ""})
    assert response.status_code == 302
    assert response["Location"].startswith(REPORT + "?contact=nobody%40example.org")
    page = html.unescape(staff_client.get(response["Location"]).content.decode())
    assert "The report could not be exported" in page
    assert "No contact has the email address nobody@example.org." in page


def report_rows(contact, start: dt.date, end: dt.date) -> list:
    return list(iter_report_rows(contact, Period(start, end)))


def test_attendance_counts_from_the_first_verified_check_in(la_time):
    contact = ContactFactory(consenting=True)
    session = SessionFactory(contact=contact, created_at=local(10, 18), status=SessionStatus.COMPLETED)
    event(session, EventType.CHECK_IN, local(10, 18, 0))
    event(session, EventType.CHECK_IN, local(10, 18, 50))  # a second tap, verified too
    event(session, EventType.CHECK_OUT, local(10, 19, 0))
    (row,) = report_rows(contact, dt.date(2026, 3, 10), dt.date(2026, 3, 10))
    assert row.check_in_at == local(10, 18, 0)
    assert row.duration == dt.timedelta(hours=1)


def test_a_check_out_before_the_check_in_never_makes_a_negative_duration(la_time):
    contact = ContactFactory(consenting=True)
    session = SessionFactory(contact=contact, created_at=local(11, 18), status=SessionStatus.COMPLETED)
    event(session, EventType.CHECK_IN, local(11, 18, 30))
    event(session, EventType.CHECK_OUT, local(11, 18, 0))
    (row,) = report_rows(contact, dt.date(2026, 3, 11), dt.date(2026, 3, 11))
    assert row.duration is None
