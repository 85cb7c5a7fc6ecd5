"""The meeting admin: impossible places and times are form errors, the QR code is the system's."""

import pytest
from django.conf import settings
from django.urls import reverse

from meetings.models import Meeting
from tests.factories import PORTLAND, MeetingFactory

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:meetings_meeting_add")


def meeting_form(**changes: str) -> dict[str, str]:
    """A valid add form as the admin posts it (date and time are separate inputs)."""
    data = {
        "name": "Tuesday evening group",
        "description": "",
        "address": "801 SW 10th Ave, Portland, OR 97205",
        "is_active": "on",
        "lat": str(PORTLAND[0]),
        "lng": str(PORTLAND[1]),
        "radius_meters": "150",
        "start_time_0": "2025-03-04",
        "start_time_1": "18:00:00",
        "end_time_0": "2025-03-04",
        "end_time_1": "19:30:00",
    }
    return {**data, **changes}


def test_add_form_creates_a_meeting_with_its_creator_and_a_qr_code(client, superuser):
    client.force_login(superuser)

    response = client.post(ADD_URL, meeting_form())

    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.created_by == str(superuser.pk)
    assert meeting.qr_code
    assert len(meeting.qr_code) >= 22
    assert meeting.radius_meters == 150


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lat", "91", "Latitude must be between -90 and 90."),
        ("lat", "-90.5", "Latitude must be between -90 and 90."),
        ("lng", "181", "Longitude must be between -180 and 180."),
        ("lng", "-180.1", "Longitude must be between -180 and 180."),
        ("radius_meters", "0", "The check-in radius must be more than 0 and at most 10,000 metres."),
        ("radius_meters", "-5", "The check-in radius must be more than 0 and at most 10,000 metres."),
        ("end_time_1", "17:00:00", "The meeting must end after it starts."),
        ("end_time_1", "18:00:00", "The meeting must end after it starts."),
    ],
)
def test_add_form_shows_impossible_values_as_field_errors(client, superuser, field, value, message):
    client.force_login(superuser)

    response = client.post(ADD_URL, meeting_form(**{field: value}))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors[field.removesuffix("_1")] == [message]
    assert message in response.text
    assert not Meeting.objects.exists()


def test_change_page_shows_the_checkin_url_and_creator_read_only(client, superuser):
    meeting = MeetingFactory(created_by=str(superuser.pk))
    client.force_login(superuser)

    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))

    assert f"{settings.PUBLIC_BASE_URL}/q/{meeting.qr_code}" in response.text
    form = response.context["adminform"].form
    assert "qr_code" not in form.fields
    assert "created_by" not in form.fields
    assert superuser.get_username() in response.text


def test_editing_keeps_qr_code_and_original_creator(client, superuser):
    # A legacy row: created by an admin of the old system, known only by a UUID.
    meeting = MeetingFactory(created_by="6f1c2a7e-0b9d-4c1e-9a51-3d2f8e7b6a10")
    qr_code = meeting.qr_code
    client.force_login(superuser)

    page = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    response = client.post(
        reverse("admin:meetings_meeting_change", args=[meeting.pk]),
        meeting_form(name="Renamed group", qr_code="forged", created_by="someone"),
    )

    assert meeting.created_by in page.text  # shown as is: there is no such user here
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.name, meeting.qr_code, meeting.created_by) == (
        "Renamed group",
        qr_code,
        "6f1c2a7e-0b9d-4c1e-9a51-3d2f8e7b6a10",
    )
