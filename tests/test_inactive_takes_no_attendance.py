"""A deactivated meeting or contact takes no more attendance, by any path: the API with an
attendee's or a staff token, and the phone page. An open session can still be ended."""

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import SessionEvent
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db


def report(meeting) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "ts_client": timezone.now().isoformat(),
        "lat": meeting.lat,
        "lng": meeting.lng,
        "accuracy": 10,
    }


@pytest.fixture
def open_session(attendee):
    return SessionFactory(contact=attendee, status="active")


def event_url(session, action: str) -> str:
    return f"/api/v1/sessions/{session.pk}/{action}/"


@pytest.mark.parametrize("caller", ["attendee_api", "staff_api"])
@pytest.mark.parametrize(
    ("status", "action"), [("active", "check-in"), ("checked_in", "check-out"), ("active", "location")]
)
def test_a_meeting_deactivated_during_a_session_takes_no_more_events(
    request, open_session, staff_api, caller, status, action
):
    open_session.status = status
    open_session.save()
    meeting = open_session.meeting
    assert staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"is_active": False}, format="json").status_code == 200

    response = request.getfixturevalue(caller).post(event_url(open_session, action), report(meeting), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "meeting_inactive"
    assert not SessionEvent.objects.exists()


def test_the_phone_page_refuses_the_same_check_in(client, open_session, staff_api):
    meeting = open_session.meeting
    staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"is_active": False}, format="json")
    session = client.session
    session["attendee_contact_id"] = open_session.contact_id
    session.save()

    response = client.post(
        reverse("attendee:check_in", args=[meeting.qr_code]), report(meeting) | {"event_id": str(uuid.uuid4())}
    )

    assert response.status_code == 410
    assert not SessionEvent.objects.exists()


def test_a_deactivated_contacts_open_session_takes_no_check_in_even_from_staff(open_session, staff_api):
    contact = open_session.contact
    assert staff_api.delete(f"/api/v1/contacts/{contact.pk}/").status_code == 204

    response = staff_api.post(event_url(open_session, "check-in"), report(open_session.meeting), format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "contact_inactive"
    assert not SessionEvent.objects.exists()


@pytest.mark.parametrize("deactivate", ["meeting", "contact"])
def test_the_session_left_open_can_still_be_ended(open_session, staff_api, deactivate):
    target = open_session.meeting if deactivate == "meeting" else open_session.contact
    staff_api.delete(f"/api/v1/{deactivate}s/{target.pk}/")
    body = {"ts_client": timezone.now().isoformat(), "gps_timeout": True}

    response = staff_api.post(event_url(open_session, "end"), body, format="json")

    assert response.status_code == 201
    assert response.json()["session_status"] == "ended"


def test_a_retry_of_an_event_stored_before_the_deactivation_still_gets_it(open_session, attendee_api, staff_api):
    meeting = open_session.meeting
    body = report(meeting)
    assert attendee_api.post(event_url(open_session, "check-in"), body, format="json").status_code == 201
    staff_api.delete(f"/api/v1/meetings/{meeting.pk}/")

    retry = attendee_api.post(event_url(open_session, "check-in"), body, format="json")

    assert retry.status_code == 200
    assert SessionEvent.objects.count() == 1
