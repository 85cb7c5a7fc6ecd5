"""Every page reads a session's attendance from one definition (attendance.queries), and the
places that used to disagree now give one answer.

The session below is what legacy data can hold: a denied check-in, a verified one, a second
verified one, then two check-outs. By the definition its check-in is the first verified one, its
check-out the first, and the time attended runs between them.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance import queries, reports, services
from attendance.models import EventType, LocationFlag, Session, SessionStatus
from core.templatetags.staff import when
from staff.dashboard import overview
from staff.views.contacts import attendance_totals
from tests.factories import ContactFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

START = timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
DENIED_AT = START + dt.timedelta(minutes=1)
VERIFIED_AT = START + dt.timedelta(minutes=3)
VERIFIED_AGAIN_AT = START + dt.timedelta(minutes=20)
CHECKED_OUT_AT = START + dt.timedelta(minutes=95)
CHECKED_OUT_AGAIN_AT = START + dt.timedelta(minutes=99)


def event(session: Session, event_type: EventType, at: dt.datetime, flag=LocationFlag.GRANTED) -> None:
    SessionEventFactory(session=session, type=event_type, ts_server=at, ts_client=at, location_flag=flag)


@pytest.fixture
def contact():
    return ContactFactory(consenting=True)


@pytest.fixture
def legacy_session(contact) -> Session:
    session = SessionFactory(
        contact=contact,
        status=SessionStatus.COMPLETED,
        occurrence_start=START,
        occurrence_end=START + dt.timedelta(minutes=90),
    )
    Session.objects.filter(pk=session.pk).update(created_at=START)
    event(session, EventType.CHECK_IN, DENIED_AT, LocationFlag.DENIED)
    event(session, EventType.CHECK_IN, VERIFIED_AT)
    event(session, EventType.CHECK_IN, VERIFIED_AGAIN_AT)
    event(session, EventType.CHECK_OUT, CHECKED_OUT_AT)
    event(session, EventType.CHECK_OUT, CHECKED_OUT_AGAIN_AT)
    # Rows written outside the services (as legacy adoption copies them) are judged afterwards.
    assert services.judge_unjudged(Session.objects.filter(pk=session.pk)) == 1
    session.refresh_from_db()
    return session


def test_the_definition(legacy_session):
    found = queries.with_attendance(Session.objects.filter(pk=legacy_session.pk)).get()
    assert (found.check_in_at, found.check_in_flag, found.check_out_at) == (
        VERIFIED_AT,
        LocationFlag.GRANTED,
        CHECKED_OUT_AT,
    )
    # Counted inside the scheduled 90 minutes: from the check-in 3 minutes in to the end.
    assert (legacy_session.outcome, legacy_session.seconds_attended) == ("attended", 87 * 60)


def test_without_a_verified_check_in_the_latest_attempt_decides(contact):
    session = SessionFactory(contact=contact)
    event(session, EventType.CHECK_IN, DENIED_AT, LocationFlag.DENIED)
    event(session, EventType.CHECK_IN, VERIFIED_AT, LocationFlag.TIMEOUT)
    found = queries.with_attendance(Session.objects.filter(pk=session.pk)).get()
    assert (found.check_in_at, found.check_in_flag) == (VERIFIED_AT, LocationFlag.TIMEOUT)


def test_the_report_and_its_csv_agree(legacy_session, contact):
    period = reports.Period(START.date() - dt.timedelta(days=1), START.date() + dt.timedelta(days=1))
    (row,) = reports.build_report(contact, period, "test").rows
    assert (row.check_in_at, row.check_out_at, row.duration) == (VERIFIED_AT, CHECKED_OUT_AT, dt.timedelta(minutes=87))
    assert (row.outcome, row.reasons) == ("attended", ())
    (csv_row,) = list(reports.iter_report_rows(contact, period))
    assert csv_row == row


def test_the_staff_lists_result_filter_matches_the_rows_verdict(client, staff_user_with, legacy_session):
    client.force_login(staff_user_with("attendance.view_session"))
    url = reverse("attendance:sessions")
    verified = client.get(url, {"flag": "granted"}).context["page_obj"]
    denied = client.get(url, {"flag": "denied"}).context["page_obj"]
    assert [s.pk for s in verified] == [legacy_session.pk]
    assert [s.pk for s in denied] == []  # before: matched, while its row said "Verified"


def test_the_contact_page_counts_sessions_not_check_ins(legacy_session, contact):
    totals = attendance_totals(contact)
    assert (totals["sessions"], totals["attended"], totals["partial"], totals["not_verified"]) == (1, 1, 0, 0)


def test_the_dashboard_does_not_ask_to_review_a_verified_session(legacy_session):
    assert overview().to_review_count == 0


def test_the_attendees_home_page_shows_the_same_check_in_and_check_out(client, legacy_session, contact):
    session = client.session
    session["attendee_contact_id"] = str(contact.pk)
    session["attendee_signed_in_at"] = timezone.now().timestamp()
    session.save()
    page = client.get(reverse("attendee:home")).content.decode()
    assert when(VERIFIED_AT, legacy_session.time_zone) in page
    assert when(CHECKED_OUT_AT, legacy_session.time_zone) in page
    assert when(VERIFIED_AGAIN_AT, legacy_session.time_zone) not in page
    assert when(CHECKED_OUT_AGAIN_AT, legacy_session.time_zone) not in page


def test_the_attendees_meeting_page_says_checked_in_since_the_first_verified_check_in(client, contact):
    session = SessionFactory(contact=contact, status=SessionStatus.CHECKED_IN)
    event(session, EventType.CHECK_IN, VERIFIED_AT)
    event(session, EventType.CHECK_IN, VERIFIED_AGAIN_AT)
    browser = client.session
    browser["attendee_contact_id"] = str(contact.pk)
    browser["attendee_signed_in_at"] = timezone.now().timestamp()
    browser.save()
    page = client.get(reverse("attendee:meeting", args=[session.meeting.qr_code])).content.decode()
    assert f"Checked in since {when(VERIFIED_AT, session.meeting.time_zone)}" in page
