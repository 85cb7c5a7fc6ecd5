"""Staff attendance pages: the sessions list, a session's evidence, ending a session."""

import datetime as dt
import html
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, SessionEvent, SessionStatus
from attendance.services import VerdictReason
from core.geo import offset_point
from core.history import changes_for
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = reverse("attendance:sessions")
# Enough for the page, the filters' contact and meeting, the count and the rows, whatever their number.
LIST_QUERY_BOUND = 10
DETAIL_QUERY_BOUND = 10


def session_url(session) -> str:
    return reverse("attendance:session", args=[session.id])


def end_url(session) -> str:
    return reverse("attendance:end", args=[session.id])


def rows_of(response) -> list:
    page = response.context["page_obj"]
    return [] if page is None else list(page)


def completed_session(**fields):
    """A session that checked in (verified) and out, an hour apart."""
    session = SessionFactory(status=SessionStatus.COMPLETED, **fields)
    check_in = session.created_at + dt.timedelta(minutes=5)
    SessionEventFactory(session=session, ts_client=check_in, ts_server=check_in)
    check_out = check_in + dt.timedelta(hours=1)
    SessionEventFactory(session=session, type=EventType.CHECK_OUT, ts_client=check_out, ts_server=check_out)
    return session


# --- Sessions list ---------------------------------------------------------------------------------


def test_the_list_shows_each_session_newest_first(staff_client):
    older = completed_session(
        contact=ContactFactory(first_name="Ann", last_name="Older", consenting=True),
        created_at=timezone.now() - dt.timedelta(days=2),
    )
    newer = SessionFactory(contact=ContactFactory(first_name="Bob", last_name="Newer"), dest_name="Evening group")
    response = staff_client.get(SESSIONS)
    assert rows_of(response) == [newer, older]
    page = response.content.decode()
    assert "Bob Newer" in page
    assert "Evening group" in page
    assert session_url(older) in page
    assert "Checked out" in page
    assert "Not checked in yet" in page
    checked_in = rows_of(response)[1].check_in_at
    assert checked_in == older.created_at + dt.timedelta(minutes=5)
    assert "Verified" in page


def test_an_empty_list_says_where_sessions_come_from(staff_client):
    page = staff_client.get(SESSIONS).content.decode()
    assert "No sessions yet" in page
    assert "QR code" in page


def test_no_match_says_how_to_widen_the_search(staff_client):
    SessionFactory()
    page = staff_client.get(SESSIONS, {"q": "nobody-by-this-name"}).content.decode()
    assert "No sessions match these filters" in page


def test_the_list_is_paginated_by_fifty(staff_client):
    meeting = MeetingFactory()
    for _ in range(51):
        SessionFactory(meeting=meeting, status=SessionStatus.ENDED)
    first = staff_client.get(SESSIONS)
    assert len(rows_of(first)) == 50
    second = staff_client.get(SESSIONS, {"page": 2})
    assert len(rows_of(second)) == 1
    assert "Page 2 of 2" in second.content.decode()


@pytest.mark.parametrize("term", ["ann", "ANN ZETA", "zeta@example", "Zeta"])
def test_search_by_contact_name_or_email(staff_client, term):
    ann = SessionFactory(contact=ContactFactory(first_name="Ann", last_name="Zeta", email="zeta@example.org"))
    SessionFactory(contact=ContactFactory(first_name="Bob", last_name="Other", email="bob@example.org"))
    assert rows_of(staff_client.get(SESSIONS, {"q": term})) == [ann]


def test_filter_by_contact_id_names_the_contact(staff_client):
    ann = ContactFactory(first_name="Ann", last_name="Zeta", consenting=True)
    mine = SessionFactory(contact=ann)
    SessionFactory()
    response = staff_client.get(SESSIONS, {"contact": ann.id})
    assert rows_of(response) == [mine]
    assert "Sessions of <strong>Ann Zeta</strong>" in response.content.decode()


def test_filter_by_meeting_id_names_the_meeting(staff_client):
    meeting = MeetingFactory(name="Tuesday group")
    here = SessionFactory(meeting=meeting)
    SessionFactory()
    response = staff_client.get(SESSIONS, {"meeting": meeting.id})
    assert rows_of(response) == [here]
    assert "Sessions at <strong>Tuesday group</strong>" in response.content.decode()


def test_filter_by_meeting_or_destination_name(staff_client):
    here = SessionFactory(meeting=MeetingFactory(name="Tuesday group"))
    elsewhere = SessionFactory(meeting=None, dest_name="Probation office, Tuesday intake")
    SessionFactory(meeting=MeetingFactory(name="Friday group"))
    assert rows_of(staff_client.get(SESSIONS, {"place": "tuesday"})) == [elsewhere, here]


def test_filter_by_status(staff_client):
    SessionFactory(status=SessionStatus.ACTIVE)
    ended = SessionFactory(status=SessionStatus.ENDED)
    assert rows_of(staff_client.get(SESSIONS, {"status": "ended"})) == [ended]


@pytest.mark.parametrize("flag", [LocationFlag.GRANTED, LocationFlag.DENIED, LocationFlag.TIMEOUT])
def test_filter_by_a_check_in_result(staff_client, flag):
    sessions = {}
    for each in LocationFlag:
        session = SessionFactory(status=SessionStatus.ENDED)
        SessionEventFactory(session=session, location_flag=each, **({"timed_out": True} if each == "timeout" else {}))
        sessions[each] = session
    # A location update with the flag does not count: only check-ins do.
    other = SessionFactory(status=SessionStatus.ENDED)
    SessionEventFactory(
        session=other,
        type=EventType.LOCATION_UPDATE,
        location_flag=flag,
        **({"timed_out": True} if flag == "timeout" else {}),
    )
    assert rows_of(staff_client.get(SESSIONS, {"flag": flag})) == [sessions[flag]]


def test_filter_by_dates_in_the_sites_time_zone_inclusive(staff_client, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    la = zoneinfo.ZoneInfo("America/Los_Angeles")
    meeting = MeetingFactory()
    before = SessionFactory(meeting=meeting, status="ended", created_at=dt.datetime(2026, 3, 1, 23, 59, tzinfo=la))
    first = SessionFactory(meeting=meeting, status="ended", created_at=dt.datetime(2026, 3, 2, 0, 0, tzinfo=la))
    # 07:30 UTC on the 4th: still the 3rd in Los Angeles.
    last = SessionFactory(meeting=meeting, status="ended", created_at=dt.datetime(2026, 3, 3, 23, 30, tzinfo=la))
    after = SessionFactory(meeting=meeting, status="ended", created_at=dt.datetime(2026, 3, 4, 0, 0, tzinfo=la))
    assert rows_of(staff_client.get(SESSIONS, {"start": "2026-03-02", "end": "2026-03-03"})) == [last, first]
    assert rows_of(staff_client.get(SESSIONS, {"start": "2026-03-04"})) == [after]
    assert rows_of(staff_client.get(SESSIONS, {"end": "2026-03-01"})) == [before]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"contact": "not-an-id"}, "contact", "Enter a valid UUID."),
        ({"contact": "0b7e2f43-34b5-4b1e-9d8f-3f1d8f0c2a11"}, "contact", "No contact has this id."),
        ({"meeting": "nope"}, "meeting", "Enter a valid UUID."),
        ({"meeting": "0b7e2f43-34b5-4b1e-9d8f-3f1d8f0c2a11"}, "meeting", "No meeting has this id."),
        ({"status": "sleeping"}, "status", "Select a valid choice."),
        ({"flag": "maybe"}, "flag", "Select a valid choice."),
        ({"start": "2026-13-45"}, "start", "Enter a valid date."),
        ({"start": "0001-01-01"}, "start", "Enter a date between 1900 and 2999."),
        ({"end": "9999-12-31"}, "end", "Enter a date between 1900 and 2999."),
        ({"start": "2026-03-05", "end": "2026-03-04"}, "end", "The end date is before the start date."),
    ],
)
def test_a_bad_filter_is_an_error_on_the_page_not_a_500(staff_client, params, field, message):
    SessionFactory()
    response = staff_client.get(SESSIONS, params)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    page = html.unescape(response.content.decode())
    assert message in page
    # An unfiltered list would look like the answer: show none until the filter is fixed.
    assert rows_of(response) == []
    assert "Correct the filters above" in page


def test_filters_keep_their_input(staff_client):
    page = staff_client.get(SESSIONS, {"q": "Ann", "start": "2026-13-45"}).content.decode()
    assert 'value="Ann"' in page
    assert 'value="2026-13-45"' in page


@pytest.mark.parametrize("count", [10, 200])
def test_the_list_takes_a_constant_number_of_queries(staff_client, django_assert_max_num_queries, count):
    meeting = MeetingFactory()
    contacts = ContactFactory.create_batch(5, consenting=True)
    for n in range(count):
        session = SessionFactory(contact=contacts[n % 5], meeting=meeting, status=SessionStatus.COMPLETED)
        SessionEventFactory(session=session)
        SessionEventFactory(session=session, type=EventType.CHECK_OUT)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = staff_client.get(
            SESSIONS, {"flag": "granted", "q": contacts[0].email, "contact": contacts[0].id, "meeting": meeting.id}
        )
    assert response.status_code == 200
    assert len(rows_of(response)) == min(count // 5, 50)


# --- Session detail --------------------------------------------------------------------------------


def test_an_unknown_session_is_a_404(staff_client):
    assert staff_client.get(reverse("attendance:session", args=["no-such-session"])).status_code == 404


def test_the_session_page_shows_its_facts(staff_client):
    contact = ContactFactory(first_name="Ann", last_name="Zeta", email="ann@example.org")
    session = SessionFactory(contact=contact, meeting=MeetingFactory(name="Tuesday group"), status="active")
    page = staff_client.get(session_url(session)).content.decode()
    for text in ("Ann Zeta", "ann@example.org", "Tuesday group", session.dest_address, "Active (not checked in yet)"):
        assert text in page
    assert "No events yet" in page
    assert "History" in page
    assert "Created" in page


def test_each_event_shows_times_and_their_difference_position_distance_and_verdict(staff_client):
    session = SessionFactory(status=SessionStatus.ACTIVE)
    server = timezone.now() - dt.timedelta(minutes=30)
    lat, lng = offset_point(session.dest_lat, session.dest_lng, north_m=300, east_m=0)
    SessionEventFactory(
        session=session,
        ts_client=server - dt.timedelta(minutes=3),
        ts_server=server,
        lat=lat,
        lng=lng,
        accuracy=9,
        location_flag=LocationFlag.DENIED,
        # The judgement as attendance.services stores it with the event.
        verdict_reason=VerdictReason.OUTSIDE_RADIUS,
        distance_m=300.0,
        radius_m=100.0,
    )
    SessionEventFactory(
        session=session,
        ts_server=server + dt.timedelta(minutes=1),
        timed_out=True,
        verdict_reason=VerdictReason.GPS_TIMEOUT,
        radius_m=100.0,
    )
    response = staff_client.get(session_url(session))
    page = html.unescape(response.content.decode())
    assert "3 min" in page  # received three minutes after the phone's time
    assert f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map=18/{lat}/{lng}" in page
    assert f"{lat:.6f}, {lng:.6f}" in page
    assert "300 m" in page
    assert "radius 100 m" in page
    assert VerdictReason.LABELS[VerdictReason.OUTSIDE_RADIUS] in page
    assert VerdictReason.LABELS[VerdictReason.GPS_TIMEOUT] in page
    assert "Not verified" in page
    assert "No position" in page
    events = response.context["events"]
    assert [item.event.location_flag for item in events] == ["denied", "timeout"]
    assert events[1].map_url is None


def test_a_verdict_from_before_judgements_were_stored_says_so(staff_client):
    # A check-in granted 250 m out when the radius was larger (or by the legacy system), and a
    # legacy timeout with the 0, 0 the legacy app stored for want of a NULL: neither stored the
    # rule it applied, so neither is re-judged with today's radius.
    meeting = MeetingFactory(radius_meters=100)
    session = SessionFactory(meeting=meeting, dest_lat=meeting.lat, dest_lng=meeting.lng, status="checked_in")
    lat, lng = offset_point(meeting.lat, meeting.lng, north_m=250, east_m=0)
    SessionEventFactory(session=session, lat=lat, lng=lng, accuracy=10, location_flag=LocationFlag.GRANTED)
    SessionEventFactory(session=session, lat=0.0, lng=0.0, accuracy=None, location_flag=LocationFlag.TIMEOUT)

    page = html.unescape(staff_client.get(session_url(session)).content.decode())

    assert VerdictReason.LABELS[VerdictReason.JUDGED_BY_LEGACY_SYSTEM] in page
    assert VerdictReason.LABELS[VerdictReason.WITHIN_RADIUS] not in page
    assert "not recorded" in page  # the radius applied
    assert "0.000000, 0.000000 stored, not a fix" in page
    assert "mlat=0.0" not in page


def test_a_verified_event_has_no_explanation(staff_client):
    event = SessionEventFactory(verdict_reason=VerdictReason.WITHIN_RADIUS, distance_m=0.0, radius_m=100.0)
    (item,) = staff_client.get(session_url(event.session)).context["events"]
    assert item.explanation is None
    assert round(item.verdict.distance_m) == 0


def test_the_end_link_is_offered_on_open_sessions_to_those_who_may_change_them(client, staff_user_with):
    open_session, closed = SessionFactory(status="active"), SessionFactory(status="completed")
    client.force_login(staff_user_with("attendance.view_session", "attendance.change_session"))
    assert end_url(open_session) in client.get(session_url(open_session)).content.decode()
    assert end_url(closed) not in client.get(session_url(closed)).content.decode()
    client.force_login(staff_user_with("attendance.view_session"))
    assert end_url(open_session) not in client.get(session_url(open_session)).content.decode()


@pytest.mark.parametrize("count", [10, 200])
def test_the_session_page_takes_a_constant_number_of_queries(staff_client, django_assert_max_num_queries, count):
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    for _ in range(count):
        SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE)
    with django_assert_max_num_queries(DETAIL_QUERY_BOUND):
        response = staff_client.get(session_url(session))
    assert len(response.context["events"]) == count


# --- Ending a session ------------------------------------------------------------------------------


def test_the_end_page_asks_for_a_reason(staff_client):
    page = staff_client.get(end_url(SessionFactory(status="checked_in"))).content.decode()
    assert '<label for="id_reason">' in page
    assert "End session" in page
    assert "csrfmiddlewaretoken" in page


def test_a_reason_is_required(staff_client):
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    response = staff_client.post(end_url(session), {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"] == ["This field is required."]
    session.refresh_from_db()
    assert session.status == SessionStatus.CHECKED_IN
    assert not session.events.exists()


def test_a_too_long_reason_is_refused_and_kept(staff_client):
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    response = staff_client.post(end_url(session), {"reason": "x" * 501})
    assert "reason" in response.context["form"].errors
    assert "x" * 501 in response.content.decode()


def test_ending_records_the_reason_and_who(client, staff_user_with):
    user = staff_user_with("attendance.view_session", "attendance.change_session", username="officer")
    client.force_login(user)
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    response = client.post(end_url(session), {"reason": "Left early; confirmed by phone."}, follow=True)
    assert response.redirect_chain == [(session_url(session), 302)]
    assert "The session was ended" in response.content.decode()
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
    (event,) = SessionEvent.objects.filter(session=session)
    assert event.type == EventType.STATUS_CHANGE
    assert event.notes == "Ended by staff (officer): Left early; confirmed by phone."
    # Staff have no position to give: recorded without one, never with made-up coordinates.
    assert (event.lat, event.lng, event.location_flag) == (None, None, LocationFlag.TIMEOUT)
    assert changes_for(session)[0].who == "officer"
    page = response.content.decode()
    assert "Ended by staff (officer): Left early; confirmed by phone." in page
    # Not explained as a GPS failure: nobody tried to find a position.
    assert VerdictReason.LABELS[VerdictReason.GPS_TIMEOUT] not in page


def test_a_closed_session_cannot_be_ended(staff_client):
    session = SessionFactory(status=SessionStatus.COMPLETED)
    assert "already closed" in staff_client.get(end_url(session)).content.decode()
    response = staff_client.post(end_url(session), {"reason": "Again"}, follow=True)
    assert "This session is already closed; nothing was changed." in html.unescape(response.content.decode())
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    assert not session.events.exists()


def test_ending_twice_is_refused_the_second_time(staff_client):
    session = SessionFactory(status=SessionStatus.ACTIVE)
    staff_client.post(end_url(session), {"reason": "No show"})
    response = staff_client.post(end_url(session), {"reason": "No show"}, follow=True)
    assert "already closed" in response.content.decode()
    assert session.events.count() == 1


def test_staff_can_end_a_session_whatever_the_attendees_consent(staff_client):
    session = SessionFactory(status=SessionStatus.ACTIVE, contact=ContactFactory(consent_granted=False))
    staff_client.post(end_url(session), {"reason": "Consent withdrawn"})
    session.refresh_from_db()
    assert session.status == SessionStatus.ENDED
