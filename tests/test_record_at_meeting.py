"""One service entry for the phone page (attendance.services.record_at_meeting): the page only
parses and renders, so the page and the API give the same answer to the same request."""

import datetime as dt
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import ApiToken
from attendance import services
from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from attendance.services import AttendanceError, EventReport, Fix
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

FAR_AWAY = (PORTLAND[0] + 0.01, PORTLAND[1])


def report(at=PORTLAND, event_id=None, accuracy=8.0) -> EventReport:
    return EventReport(
        ts_client=timezone.now(), fix=Fix(at[0], at[1], accuracy), event_id=event_id or str(uuid.uuid4())
    )


@pytest.fixture
def contact():
    return ContactFactory(consenting=True)


@pytest.fixture
def meeting():
    return MeetingFactory()


def test_a_first_check_in_opens_the_session_and_is_verified(contact, meeting):
    recorded = services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report())
    assert recorded.created
    assert recorded.verdict.flag == LocationFlag.GRANTED
    assert recorded.session.meeting == meeting
    assert recorded.session.status == SessionStatus.CHECKED_IN


def test_a_check_out_ends_the_session_opened_here(contact, meeting):
    services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report())
    recorded = services.record_at_meeting(contact, meeting, EventType.CHECK_OUT, report())
    assert recorded.session.status == SessionStatus.COMPLETED
    assert Session.objects.count() == 1


def test_a_check_out_without_a_session_here_is_refused_and_opens_none(contact, meeting):
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_OUT, report())
    assert refused.value.code == AttendanceError.NOT_CHECKED_IN
    assert refused.value.http_status == 409
    assert not Session.objects.exists()


def test_a_refused_first_check_in_leaves_no_session(meeting):
    contact = ContactFactory(consenting=False)
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report())
    assert refused.value.code == AttendanceError.CONSENT_REQUIRED
    assert not Session.objects.exists()
    assert not SessionEvent.objects.exists()


def test_a_session_open_elsewhere_is_named(contact, meeting):
    other = SessionFactory(contact=contact, meeting=MeetingFactory())
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report())
    assert refused.value.code == AttendanceError.OPEN_SESSION_EXISTS
    assert refused.value.context == {"session_id": other.pk}


def test_a_denied_check_in_then_a_second_try_use_one_session(contact, meeting):
    first = services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report(at=FAR_AWAY))
    assert first.verdict.flag == LocationFlag.DENIED
    assert first.session.status == SessionStatus.ACTIVE
    second = services.record_at_meeting(contact, meeting, EventType.CHECK_IN, report())
    assert second.session.pk == first.session.pk
    assert second.session.status == SessionStatus.CHECKED_IN


def test_a_retry_returns_the_stored_event_even_after_the_session_closed(contact, meeting):
    check_in = report()
    services.record_at_meeting(contact, meeting, EventType.CHECK_IN, check_in)
    services.record_at_meeting(contact, meeting, EventType.CHECK_OUT, report())
    again = services.record_at_meeting(contact, meeting, EventType.CHECK_IN, check_in)
    assert not again.created
    assert str(again.event.pk) == check_in.event_id
    assert SessionEvent.objects.count() == 2


def test_a_retry_after_consent_is_withdrawn_gets_the_stored_event_as_from_the_api(contact, meeting):
    """The service's order (a retry first, consent after) now holds on the page too."""
    check_in = report()
    services.record_at_meeting(contact, meeting, EventType.CHECK_IN, check_in)
    contact.record_consent(False, source="attendee")
    again = services.record_at_meeting(contact, meeting, EventType.CHECK_IN, check_in)
    assert not again.created
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_OUT, report())
    assert refused.value.code == AttendanceError.CONSENT_REQUIRED


def test_an_event_id_of_another_contacts_event_is_a_conflict(contact, meeting):
    taken = report()
    services.record_at_meeting(ContactFactory(consenting=True), meeting, EventType.CHECK_IN, taken)
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_IN, taken)
    assert refused.value.code == AttendanceError.EVENT_ID_CONFLICT
    assert not Session.objects.filter(contact=contact).exists()


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        (EventReport(ts_client=dt.datetime(2026, 11, 30, 18), fix=Fix(*PORTLAND, 8)), "ts_client_without_offset"),
        (EventReport(ts_client=timezone.now(), fix=Fix(*PORTLAND, 8), event_id=str(uuid.uuid1())), "invalid_event_id"),
        (EventReport(ts_client=timezone.now(), fix=Fix()), "position_required"),
        (EventReport(ts_client=timezone.now(), fix=Fix(91.0, 0.0, 8)), "invalid_position"),
    ],
)
def test_a_report_no_phone_could_send_is_refused_before_anything_opens(contact, meeting, bad, code):
    with pytest.raises(AttendanceError) as refused:
        services.record_at_meeting(contact, meeting, EventType.CHECK_IN, bad)
    assert refused.value.code == code
    assert not Session.objects.exists()


# The page and the API agree.


def sign_in(client, contact) -> None:
    session = client.session
    session["attendee_contact_id"] = str(contact.pk)
    session["attendee_signed_in_at"] = timezone.now().timestamp()
    session.save()


def page_post(client, meeting, action: str, **fields) -> object:
    data = {"lat": PORTLAND[0], "lng": PORTLAND[1], "accuracy": 8, "ts_client": timezone.now().isoformat()}
    data["event_id"] = str(uuid.uuid4())
    data.update(fields)
    return client.post(reverse(f"attendee:{action}", args=[meeting.qr_code]), data)


def test_on_the_page_a_retry_after_consent_is_withdrawn_is_answered_not_sent_to_consent(client, contact, meeting):
    sign_in(client, contact)
    event_id = str(uuid.uuid4())
    ts_client = timezone.now().isoformat()
    page_post(client, meeting, "check_in", event_id=event_id, ts_client=ts_client)
    contact.record_consent(False, source="attendee")
    response = page_post(client, meeting, "check_in", event_id=event_id, ts_client=ts_client)
    assert response.status_code == 302
    assert response["Location"] == reverse("attendee:meeting", args=[meeting.qr_code])
    assert SessionEvent.objects.count() == 1
    # A new event still needs consent.
    response = page_post(client, meeting, "check_out")
    assert response["Location"].startswith(reverse("attendee:consent"))
    assert SessionEvent.objects.count() == 1


def test_on_the_page_a_check_out_with_nothing_open_says_so_and_opens_nothing(client, contact, meeting):
    sign_in(client, contact)
    response = page_post(client, meeting, "check_out")
    page = client.get(response["Location"])
    assert "You are not checked in at this meeting." in page.content.decode()
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("fields", "shown"),
    [
        ({"ts_client": "2026-11-30T18:00:00"}, "UTC offset"),
        ({"event_id": str(uuid.uuid1())}, "UUID4"),
        ({"lat": "", "lng": ""}, "lat and lng are required"),
        ({"lat": "91"}, "latitude"),
    ],
)
def test_the_page_and_the_api_refuse_the_same_report_with_the_same_words(client, contact, meeting, fields, shown):
    sign_in(client, contact)
    page = page_post(client, meeting, "check_in", **fields)
    assert page.status_code == 400
    assert shown.lower() in page.content.decode().lower()
    _, raw = ApiToken.issue(contact=contact)
    session = SessionFactory(contact=contact, meeting=meeting)
    body = {"lat": PORTLAND[0], "lng": PORTLAND[1], "accuracy": 8, "ts_client": timezone.now().isoformat()}
    body.update({"id" if key == "event_id" else key: value for key, value in fields.items()})
    for key in ("lat", "lng"):
        if body[key] == "":
            body[key] = None
        elif isinstance(body[key], str):
            body[key] = float(body[key])
    api = client.post(
        reverse("api:session-check-in", args=[session.pk]),
        body,
        content_type="application/json",
        headers={"authorization": f"Bearer {raw}"},
    )
    assert api.status_code == 400
    assert shown.lower() in api.content.decode().lower()
    assert not SessionEvent.objects.exists()
