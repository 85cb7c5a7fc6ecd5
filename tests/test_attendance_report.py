"""The attendance report per contact and date range: page, totals, print heading and CSV."""

import csv
import datetime as dt
import html
import io
import re
import zoneinfo

import pytest
from django.urls import reverse

from attendance.models import EventType, LocationFlag, Session, SessionStatus
from attendance.reports import Period, iter_report_rows
from attendance.services import judge_session
from core.csv_files import neutralise_formula
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory, UserFactory

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


def judged(session):
    """Store the session's outcome as attendance.services does when it closes one (the one
    definition, attendance.outcomes.judge, under the session's policy version): these sessions
    are built from events with fixed times, not recorded through the services' clock."""
    found = judge_session(session)
    Session.objects.filter(pk=session.pk).update(
        outcome=found.outcome,
        outcome_reasons=" ".join(found.reasons),
        seconds_attended=found.seconds_attended,
        seconds_scheduled=found.seconds_scheduled,
    )
    session.refresh_from_db()
    return session


@pytest.fixture
def ann(la_time):
    """Ann's March 2026: every outcome, one session late at night. The meeting is 18:00 to
    19:30 each day; under the default policy a check-in by 18:10, a check-out from 19:20 and a
    stay of 68 minutes (75%) are needed."""
    ann = ContactFactory(first_name="Ann", last_name="Zeta", email="ann@example.org", consenting=True)
    meeting = MeetingFactory(name="Tuesday group", start_time=local(2, 18), end_time=local(2, 19, 30))

    def session(name: str, created: dt.datetime, status: SessionStatus, **fields):
        day = created.day
        fields.setdefault("meeting", meeting)
        if fields["meeting"] is not None:
            fields.update(occurrence_start=local(day, 18), occurrence_end=local(day, 19, 30))
        return SessionFactory(contact=ann, dest_name=name, created_at=created, status=status, **fields)

    verified = session("Verified", local(2, 18), SessionStatus.COMPLETED)
    event(verified, EventType.CHECK_IN, local(2, 18, 5))
    event(verified, EventType.CHECK_OUT, local(2, 19, 25))

    # Denied from across the street, then verified from the door: the verified one counts;
    # staying on after the end adds nothing.
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

    # At a destination staff approved, without set times: 45 minutes of the policy's 60.
    # 07:30 UTC on the 8th, but the 7th where it is.
    late = session(
        "Late", local(7, 23, 30), SessionStatus.COMPLETED, meeting=None, destination_approved_by=UserFactory()
    )
    event(late, EventType.CHECK_IN, local(7, 23, 31))
    event(late, EventType.CHECK_OUT, local(8, 0, 16))

    opened = session("Open", local(6, 18), SessionStatus.ACTIVE)

    for each in (verified, retried, timed_out, denied, late, opened):
        judged(each)
    SessionFactory(dest_name="Someone else's", created_at=local(3, 18), status=SessionStatus.ENDED)
    session("Next month", dt.datetime(2026, 4, 1, 0, 0, tzinfo=LA), SessionStatus.ENDED)
    return ann


def march(contact, start: str = "2026-03-01", end: str = "2026-03-07") -> dict:
    return {"contact": contact.id, "start": start, "end": end}


def rows_of(response) -> list[tuple]:
    return [
        (row.place, row.check_in_at, row.check_out_at, row.duration, row.outcome, row.reasons)
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


def test_each_session_with_its_times_time_attended_and_outcome(staff_client, ann):
    response = staff_client.get(REPORT, march(ann))
    minutes = lambda n: dt.timedelta(minutes=n)  # noqa: E731
    assert rows_of(response) == [
        ("Verified", local(2, 18, 5), local(2, 19, 25), minutes(80), "attended", ()),
        # Counted inside the scheduled time: 18:04 to 19:30.
        ("Retried", local(3, 18, 4), local(3, 19, 34), minutes(86), "attended", ()),
        ("Timed out", local(4, 18, 2), None, None, "not_verified", ("no_verified_check_in",)),
        ("Denied", local(5, 18, 10), None, None, "not_verified", ("no_verified_check_in",)),
        ("Open", None, None, None, "open", ()),
        ("Late", local(7, 23, 31), local(8, 0, 16), minutes(45), "partial", ("short_stay",)),
    ]
    rows = response.context["report"].rows
    assert [row.scheduled for row in rows] == [minutes(90)] * 5 + [None]
    assert [row.verification for row in rows] == [
        "At the place",
        "At the place",
        "No position",
        "Not at the place",
        "No check-in",
        "At the place",
    ]


def test_totals_by_outcome(staff_client, ann):
    totals = staff_client.get(REPORT, march(ann)).context["report"].totals
    assert (totals.sessions, totals.attended_sessions, totals.partial, totals.not_verified, totals.open) == (
        6,
        2,
        1,
        2,
        1,
    )
    assert totals.attended == dt.timedelta(hours=3, minutes=31)


def text_of(response) -> str:
    """The page as a person reads it: tags removed, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def test_the_page_never_says_verified_and_gives_each_outcome_with_its_reasons(staff_client, ann):
    Session.objects.filter(dest_name="Verified").update(dest_name="Evening group")
    response = staff_client.get(REPORT, march(ann))
    page = text_of(response)
    words = page.replace("Verified Compliance", "")  # the product's name
    assert "Verified" not in words.replace("Not verified", "").replace("No verified check-in", "")
    assert response.content.decode().count('<span class="badge badge-ok">Attended</span>') == 2
    assert "Partly attended Stayed less than the minimum" in page
    assert "Not verified No verified check-in" in page
    assert "1 h 20 min of 1 h 30 min" in page
    assert "45 min (no scheduled end)" in page
    assert "18:00 PST to 19:30 PST" in page


def test_days_are_the_sites_local_days(staff_client, ann):
    places = [row[0] for row in rows_of(staff_client.get(REPORT, march(ann, "2026-03-07", "2026-03-07")))]
    assert places == ["Late"]
    assert rows_of(staff_client.get(REPORT, march(ann, "2026-03-08", "2026-03-31"))) == []


def test_the_page_shows_times_in_the_sites_time_zone(staff_client, ann):
    page = staff_client.get(REPORT, march(ann)).content.decode()
    assert "7 Mar 2026 23:31 PST" in page
    assert "8 Mar 2026 00:16 PST" in page
    assert "1 h 26 min of 1 h 30 min" in page
    assert "45 min" in page
    assert "3 h 31 min" in page


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
    assert response.context["report"].totals.sessions == count


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
    # ISO 8601 with the UTC offset, in the local time of the place (Portland, PST in early March).
    assert [(row[5], row[7], row[9], row[11], row[13], row[14], row[15], row[16], row[17]) for row in rows] == [
        (
            "Verified",
            "2026-03-02T18:00:00-08:00",
            "2026-03-02T18:05:00-08:00",
            "2026-03-02T19:25:00-08:00",
            "80",
            "90",
            "At the place",
            "Attended",
            "",
        ),
        (
            "Retried",
            "2026-03-03T18:00:00-08:00",
            "2026-03-03T18:04:00-08:00",
            "2026-03-03T19:34:00-08:00",
            "86",
            "90",
            "At the place",
            "Attended",
            "",
        ),
        (
            "Timed out",
            "2026-03-04T18:00:00-08:00",
            "2026-03-04T18:02:00-08:00",
            "",
            "",
            "90",
            "No position",
            "Not verified",
            "No verified check-in",
        ),
        (
            "Denied",
            "2026-03-05T18:00:00-08:00",
            "2026-03-05T18:10:00-08:00",
            "",
            "",
            "90",
            "Not at the place",
            "Not verified",
            "No verified check-in",
        ),
        ("Open", "2026-03-06T18:00:00-08:00", "", "", "", "90", "No check-in", "Open", ""),
        (
            "Late",
            "",
            "2026-03-07T23:31:00-08:00",
            "2026-03-08T00:16:00-08:00",
            "45",
            "",
            "At the place",
            "Partly attended",
            "Stayed less than the minimum",
        ),
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
    session = SessionFactory(contact=contact, meeting=None, created_at=local(10, 18), status=SessionStatus.COMPLETED)
    event(session, EventType.CHECK_IN, local(10, 18, 0))
    event(session, EventType.CHECK_IN, local(10, 18, 50))  # a second tap, verified too
    event(session, EventType.CHECK_OUT, local(10, 19, 0))
    judged(session)
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
