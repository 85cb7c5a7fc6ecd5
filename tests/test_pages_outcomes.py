"""What the staff pages say of a session's attendance (README: "What counts as attended"): the
session page's outcome, reasons, schedule, verdicts, policy version, late-sent events and
refused attempts; the sessions list's outcome filter and column; the dashboard's counts by
outcome; the report's late-sent events. Sessions are recorded through attendance.services on a
moved clock, as a phone would record them."""

import datetime as dt
import html
import re
import zoneinfo
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, RefusedAttempt, Session
from attendance.services import EventReport, Fix, check_in, check_out, start_session
from policies.models import DEFAULT_JURISDICTION_ID
from staff.dashboard import overview
from tests.factories import ContactFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

LA = zoneinfo.ZoneInfo("America/Los_Angeles")
# 18:00 to 19:30 in Portland on 3 December 2026: 02:00 to 03:30 UTC on the 4th.
START = dt.datetime(2026, 12, 3, 18, 0, tzinfo=LA)
SESSIONS = reverse("attendance:sessions")
VIEW = ("attendance.view_session", "attendance.view_sessionevent")
LIST_QUERY_BOUND = 10
DETAIL_QUERY_BOUND = 11


def text_of(response) -> str:
    """The page as a person reads it: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def minutes(n: float) -> dt.datetime:
    return START + dt.timedelta(minutes=n)


def at_the_door(meeting, *, sent: dt.datetime | None = None) -> EventReport:
    """A precise position at the meeting's door, recorded by the phone at `sent` (default: now)."""
    return EventReport(sent or timezone.now() - dt.timedelta(seconds=2), Fix(meeting.lat, meeting.lng, 10.0))


def attend(meeting, check_in_at: float, check_out_at: float, *, check_out_sent: float | None = None) -> Session:
    """A session checked in and out at the door, `check_in_at` and `check_out_at` minutes after
    the start (the check-out recorded by the phone at `check_out_sent`, when given)."""
    contact = ContactFactory(consenting=True)
    with time_machine.travel(minutes(check_in_at), tick=False):
        session = start_session(contact, meeting=meeting)
        check_in(session.id, at_the_door(meeting))
    with time_machine.travel(minutes(check_out_at), tick=False):
        sent = minutes(check_out_sent) if check_out_sent is not None else None
        check_out(session.id, at_the_door(meeting, sent=sent))
    session.refresh_from_db()
    return session


@pytest.fixture
def meeting():
    return MeetingFactory(name="Evening group", start_time=START, end_time=minutes(90))


@pytest.fixture
def viewer(client, staff_user_with):
    user = staff_user_with(*VIEW, "policies.view_jurisdiction")
    client.force_login(user)
    return user


def session_url(session: Session) -> str:
    return reverse("attendance:session", args=[session.id])


# --- The session page ------------------------------------------------------------------------------


def test_a_session_that_left_early_shows_its_outcome_reasons_schedule_and_verdicts(client, viewer, meeting):
    session = attend(meeting, -5, 60)
    assert (session.outcome, session.outcome_reasons) == ("partial", "left_early short_stay")

    response = client.get(session_url(session))
    page = text_of(response)

    assert "Attendance Partly attended Left early Stayed less than the minimum" in page
    assert "Scheduled 3 Dec 2026 18:00 PST to 19:30 PST" in page
    assert "Attended 1 h 00 min of 1 h 30 min" in page  # counted from the start, not the early arrival
    assert "Judged by Default policy, version 1 radius 100 m" in page
    policy_url = reverse("policies:detail", args=[DEFAULT_JURISDICTION_ID]) + "#version-1"
    assert f'href="{policy_url}"' in response.content.decode()
    assert (
        "Check-in Result Verified Verified: within the meeting's check-in radius. "
        "When 3 Dec 2026 17:55 PST Distance 0 m Accuracy 10 m Radius applied 100 m"
    ) in page
    assert "Check-out Result Verified Verified: within the meeting's check-in radius. When 3 Dec 2026 19:00 PST" in page
    assert "No refused attempts." in page


def test_times_are_in_the_places_zone_whatever_the_sites(client, viewer, meeting, settings):
    settings.TIME_ZONE = "America/New_York"
    session = attend(meeting, 0, 88)
    page = text_of(client.get(session_url(session)))
    assert "Attendance Attended" in page
    assert "Scheduled 3 Dec 2026 18:00 PST to 19:30 PST" in page
    assert "EST" not in page.split("History")[0]  # (the audit trail is in the site's zone)
    assert "Attended 1 h 28 min of 1 h 30 min" in page


def test_a_check_out_sent_late_shows_both_times(client, viewer, meeting):
    # Recorded at 19:25 by a phone without signal, received at 20:00.
    session = attend(meeting, 1, 120, check_out_sent=85)
    assert (session.outcome, session.outcome_reasons) == ("partial", "sent_late")
    page = text_of(client.get(session_url(session)))
    assert "Sent late by the phone (needs a staff review)" in page
    assert "When 3 Dec 2026 19:25 PST Sent late received 3 Dec 2026 20:00 PST" in page
    assert "Difference: 35 min Sent late" in page  # in the events table


def test_the_policy_link_is_for_those_who_may_see_policies(client, staff_user_with, meeting):
    session = attend(meeting, 0, 88)
    client.force_login(staff_user_with(*VIEW))
    response = client.get(session_url(session))
    assert "Default policy, version 1" in text_of(response)
    assert reverse("policies:detail", args=[DEFAULT_JURISDICTION_ID]) not in response.content.decode()


def refused(session: Session, **fields) -> RefusedAttempt:
    """A refused check-in for `session`, as attendance.services keeps one (outside a test's
    transaction: these tests run inside one, where the service cannot keep it)."""
    return RefusedAttempt.objects.create(
        contact=session.contact,
        meeting=session.meeting,
        session=session,
        type=EventType.CHECK_IN,
        code="invalid_transition",
        detail="You are already checked in.",
        ts_client=minutes(30),
        ts_server=minutes(30) + dt.timedelta(seconds=3),
        lat=45.51934,
        lng=-122.68307,
        accuracy=12.0,
        **fields,
    )


def test_refused_attempts_are_listed_with_code_detail_times_and_position(client, viewer, meeting):
    session = attend(meeting, 0, 88)
    refused(session)
    page = text_of(client.get(session_url(session)))
    assert (
        "Check-in invalid_transition You are already checked in. "
        "Phone 3 Dec 2026 18:30 PST Server 3 Dec 2026 18:30 PST 45.519340, -122.683070 12 m"
    ) in page


@pytest.mark.parametrize("count", [1, 30])
def test_the_session_page_takes_a_constant_number_of_queries(
    client, viewer, meeting, django_assert_max_num_queries, count
):
    session = attend(meeting, 0, 88)
    for _ in range(count):
        refused(session)
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
        response = client.get(session_url(session))
    assert len(response.context["refused_attempts"]) == count


# --- The sessions list -----------------------------------------------------------------------------


def test_the_list_filters_by_outcome_and_shows_it_with_its_reasons(client, viewer):
    attended = SessionFactory(status="completed", outcome="attended", dest_name="Attended one")
    partial = SessionFactory(
        status="completed", outcome="partial", outcome_reasons="arrived_late no_check_out", dest_name="Late one"
    )
    response = client.get(SESSIONS, {"outcome": "partial"})
    assert [session.pk for session in response.context["page_obj"]] == [partial.pk]
    page = text_of(response)
    assert "Late one" in page
    assert "Partly attended Arrived late; No check-out" in page
    assert "Attended one" not in page
    assert [s.pk for s in client.get(SESSIONS, {"outcome": "attended"}).context["page_obj"]] == [attended.pk]


def test_an_unknown_outcome_is_a_form_error_not_an_unfiltered_list(client, viewer):
    SessionFactory()
    response = client.get(SESSIONS, {"outcome": "verified"})
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    assert response.context["page_obj"] is None


@pytest.mark.parametrize("count", [10, 200])
def test_the_filtered_list_takes_a_constant_number_of_queries(client, viewer, django_assert_max_num_queries, count):
    meeting = MeetingFactory()
    for n in range(count):
        SessionFactory(meeting=meeting, status="completed", outcome=("partial", "attended")[n % 2])
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(SESSIONS, {"outcome": "partial", "meeting": meeting.id, "flag": ""})
    assert len(response.context["page_obj"]) == min(count // 2, 50)


# --- The dashboard ---------------------------------------------------------------------------------


def test_the_dashboard_counts_sessions_by_outcome_today_and_this_week(client, viewer, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    now = dt.datetime(2026, 12, 3, 20, 0, tzinfo=LA)
    for created, outcome in [
        (now - dt.timedelta(hours=1), "attended"),
        (now - dt.timedelta(hours=2), "attended"),
        (now - dt.timedelta(days=3), "partial"),
        (now - dt.timedelta(days=6, hours=19), "not_verified"),  # 27 Nov 01:00: this week
        (now - dt.timedelta(days=7), "not_verified"),  # 26 Nov: too old
        (now - dt.timedelta(minutes=5), "open"),
    ]:
        SessionFactory(created_at=created, outcome=outcome)
    with time_machine.travel(now, tick=False):
        rows = {row.outcome: (row.today, row.week) for row in overview(now).outcomes}
        page = client.get(reverse("dashboard")).content.decode()
    assert rows == {"open": (1, 1), "attended": (2, 2), "partial": (0, 1), "not_verified": (0, 1)}
    # The viewer has no caseload: the links ask for everyone's, as the panel counted.
    week = urlencode({"outcome": "partial", "start": "2026-11-27", "end": "2026-12-03", "caseload": "all"})
    assert f'href="{SESSIONS}?{html.escape(week)}"' in page
    listed = client.get(f"{SESSIONS}?{week}").context["page_obj"]
    assert [session.outcome for session in listed] == ["partial"]
    today = urlencode({"outcome": "attended", "start": "2026-12-03", "end": "2026-12-03"})
    assert len(client.get(f"{SESSIONS}?{today}").context["page_obj"]) == 2


def test_the_counts_are_for_those_who_may_see_sessions(client, staff_user_with):
    client.force_login(staff_user_with("meetings.view_meeting"))
    assert "Sessions by outcome" not in client.get(reverse("dashboard")).content.decode()


# --- The report ------------------------------------------------------------------------------------


def test_the_report_places_a_late_sent_check_out_at_the_phones_time_with_the_servers_beside_it(
    client, staff_user_with, meeting, settings
):
    settings.TIME_ZONE = "America/Los_Angeles"
    session = attend(meeting, 1, 120, check_out_sent=85)
    client.force_login(staff_user_with("attendance.view_session", "contacts.view_contact"))
    query = {"contact": session.contact_id, "start": "2026-12-03", "end": "2026-12-03"}
    page = text_of(client.get(reverse("attendance:report"), query))
    # The outcome first (beside the meeting, where a narrow screen still shows it), then the times.
    assert (
        "Partly attended Sent late by the phone (needs a staff review) "
        "18:00 PST to 19:30 PST 3 Dec 2026 18:01 PST At the place "
        "3 Dec 2026 19:25 PST Sent late received 3 Dec 2026 20:00 PST "
        "1 h 24 min of 1 h 30 min"
    ) in page
