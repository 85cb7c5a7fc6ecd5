"""Today's overview: what is happening, what is open, what needs a look."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, SessionStatus
from staff.dashboard import overview
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

PERMISSIONS = ("meetings.view_meeting", "contacts.view_contact", "attendance.view_session")
# The factories' meetings are in Portland: "today" there is what the dashboard lists, whatever
# the date in UTC at the hour the tests run.
PORTLAND = zoneinfo.ZoneInfo("America/Los_Angeles")


def today_bounds() -> tuple[dt.datetime, dt.datetime]:
    """Midnight to midnight of today in Portland."""
    start = dt.datetime.combine(timezone.localdate(timezone.now(), PORTLAND), dt.time(), tzinfo=PORTLAND)
    return start, start + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("permission", "shown", "hidden"),
    [
        ("meetings.view_meeting", "Meetings today", "Open right now"),
        ("attendance.view_session", "Check-ins to review", "Without GPS consent"),
        ("contacts.view_contact", "Without GPS consent", "Meetings today"),
    ],
)
def test_each_section_needs_its_permission(client, staff_user_with, permission, shown, hidden):
    client.force_login(staff_user_with(permission))
    page = client.get(reverse("dashboard")).content.decode()
    assert shown in page
    assert hidden not in page


def test_staff_without_any_permission_are_told_whom_to_ask(client, staff_user_with):
    client.force_login(staff_user_with())
    page = client.get(reverse("dashboard")).content.decode()
    assert "Ask an administrator to add you to a staff group." in page


def test_todays_meetings_count_sessions_with_a_verified_check_in():
    start, _ = today_bounds()
    meeting = MeetingFactory(name="Morning group", start_time=start + dt.timedelta(hours=9))
    SessionEventFactory(session__meeting=meeting)  # verified
    retried = SessionEventFactory(session__meeting=meeting, location_flag=LocationFlag.DENIED)
    SessionEventFactory(session=retried.session)  # denied, then verified: one session, counted once
    SessionEventFactory(session__meeting=meeting, location_flag=LocationFlag.DENIED)  # not verified
    SessionFactory(meeting=meeting, status=SessionStatus.ACTIVE)  # not checked in yet
    # A legacy row whose status says checked in, with no verified check-in: the definition wins.
    SessionFactory(meeting=meeting, status=SessionStatus.COMPLETED)
    MeetingFactory(name="Tomorrow", start_time=start + dt.timedelta(days=1, hours=9))
    MeetingFactory(name="Cancelled", start_time=start + dt.timedelta(hours=10), is_active=False)

    meetings = overview().todays_meetings

    assert [(o.meeting.name, o.checked_in_count) for o in meetings] == [("Morning group", 2)]


def test_today_is_the_day_at_the_meeting(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    # 06:30 UTC on the 26th is still the evening of the 25th in Los Angeles.
    with time_machine.travel(dt.datetime(2026, 11, 26, 6, 30, tzinfo=dt.UTC), tick=False):
        late = MeetingFactory(name="Late group", start_time=dt.datetime(2026, 11, 26, 5, 0, tzinfo=dt.UTC))
        assert [o.meeting.name for o in overview().todays_meetings] == [late.name]


def test_open_sessions_and_their_count():
    SessionFactory(status=SessionStatus.ACTIVE)
    SessionFactory(status=SessionStatus.CHECKED_IN)
    SessionFactory(status=SessionStatus.COMPLETED)
    assert overview().open_session_count == 2


def test_sessions_whose_check_in_of_the_last_week_is_not_verified_are_to_review():
    denied = SessionEventFactory(location_flag=LocationFlag.DENIED)
    timed_out = SessionEventFactory(timed_out=True)
    SessionEventFactory()  # verified
    retried = SessionEventFactory(location_flag=LocationFlag.DENIED)
    SessionEventFactory(session=retried.session)  # then verified: nothing to review
    SessionEventFactory(type=EventType.LOCATION_UPDATE, location_flag=LocationFlag.DENIED)  # not a check-in
    SessionEventFactory(location_flag=LocationFlag.DENIED, ts_server=timezone.now() - dt.timedelta(days=8))
    twice = SessionEventFactory(location_flag=LocationFlag.DENIED)
    SessionEventFactory(session=twice.session, timed_out=True)  # two failed attempts: one session

    result = overview()

    assert result.to_review_count == 3
    assert {session.pk for session in result.to_review} == {
        denied.session_id,
        timed_out.session_id,
        twice.session_id,
    }


def test_active_contacts_without_consent():
    ContactFactory(first_name="Nina", consent_granted=False)
    ContactFactory(consenting=True)
    ContactFactory(consent_granted=False, is_active=False)
    result = overview()
    assert result.without_consent_count == 1
    assert [c.first_name for c in result.without_consent] == ["Nina"]


def test_the_page_shows_each_section(client, staff_user_with):
    start, _ = today_bounds()
    MeetingFactory(name="Evening group", start_time=start + dt.timedelta(hours=19))
    SessionEventFactory(location_flag=LocationFlag.DENIED, session__contact__first_name="Dana")
    ContactFactory(first_name="Omar", consent_granted=False)
    client.force_login(staff_user_with(*PERMISSIONS))

    page = client.get(reverse("dashboard")).content.decode()

    assert "Evening group" in page
    assert "Dana" in page
    assert "Not verified" in page
    assert "Omar" in page


def test_empty_states_say_what_to_do(client, staff_user_with):
    client.force_login(staff_user_with(*PERMISSIONS))
    page = client.get(reverse("dashboard")).content.decode()
    assert "No meetings are scheduled for today." in page
    assert "Every check-in of the last 7 days was verified." in page
    assert "Print a meeting's QR poster" in page


@pytest.mark.parametrize("rows", [10, 200])
def test_constant_queries_whatever_the_numbers(rows, client, staff_user_with, django_assert_max_num_queries):
    start, _ = today_bounds()
    meeting = MeetingFactory(start_time=start + dt.timedelta(hours=12))
    for _ in range(rows // 10):
        session = SessionFactory(meeting=meeting, status=SessionStatus.CHECKED_IN, contact__consent_granted=False)
        SessionEventFactory.create_batch(10, session=session, location_flag=LocationFlag.DENIED)
    client.force_login(staff_user_with(*PERMISSIONS))
    # Session and user (2), the overview's eleven (today's zones, occurrences and their sessions,
    # the schedule window's date, the sessions by outcome), and the permission checks of the
    # navigation: issue 16's 15, one for the counts by outcome, and one for whether the user has a
    # caseload (issue 18: the dashboard opens on "my caseload").
    with django_assert_max_num_queries(17):
        assert client.get(reverse("dashboard")).status_code == 200


def test_a_busy_day_shows_the_first_meetings_and_how_many_there_are(client, staff_user_with):
    from staff.dashboard import TODAYS_MEETINGS_SHOWN

    start, _ = today_bounds()
    for n in range(TODAYS_MEETINGS_SHOWN + 5):
        MeetingFactory(start_time=start + dt.timedelta(hours=8, minutes=n))
    client.force_login(staff_user_with(*PERMISSIONS))
    page = client.get(reverse("dashboard")).content.decode()
    assert f"The first {TODAYS_MEETINGS_SHOWN} of {TODAYS_MEETINGS_SHOWN + 5}." in page


def test_a_failed_attempt_followed_by_a_verified_check_in_needs_no_review():
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    SessionEventFactory(session=session, location_flag=LocationFlag.DENIED)
    SessionEventFactory(session=session)  # verified from the door a minute later
    assert overview().to_review_count == 0
