"""Staff open a session for an attendee at a destination they approve (the contact page's
"Open a session at an approved destination"): attendance.services.start_session with
`approved_by`. Who may: tests/test_page_permissions.py."""

import html

import pytest
from django.urls import reverse

from attendance.models import Session
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction
from policies.services import publish
from tests.factories import ContactFactory, SessionFactory

pytestmark = pytest.mark.django_db

PERMISSIONS = ("contacts.view_contact", "attendance.view_session", "attendance.change_session")
DESTINATION = {
    "dest_name": "Cascadia Behavioral Health",
    "dest_address": "847 NE 19th Ave, Portland, OR 97232",
    "lat": "45.52891",
    "lng": "-122.64668",
}


def open_url(contact) -> str:
    return reverse("contacts:open_session", args=[contact.pk])


@pytest.fixture
def case_manager(client, staff_user_with):
    user = staff_user_with(*PERMISSIONS, first_name="Carla", last_name="Case")
    client.force_login(user)
    return user


def test_the_contact_page_offers_it_to_those_who_may(client, staff_user_with):
    contact = ContactFactory(consenting=True)
    client.force_login(staff_user_with(*PERMISSIONS))
    assert open_url(contact) in client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    client.force_login(staff_user_with("contacts.view_contact", "attendance.view_session"))
    assert open_url(contact) not in client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()


def test_opening_a_session_records_who_approved_the_place(client, case_manager):
    publish(Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID), {"default_radius_m": 60.0})
    contact = ContactFactory(consenting=True)
    response = client.post(open_url(contact), DESTINATION)
    session = Session.objects.get(contact=contact)
    assert response.status_code == 302
    assert response["Location"] == reverse("attendance:session", args=[session.id])
    assert (session.meeting, session.dest_name, session.dest_lat, session.dest_lng) == (
        None,
        "Cascadia Behavioral Health",
        45.52891,
        -122.64668,
    )
    assert session.destination_approved_by == case_manager
    assert not session.self_declared_destination
    assert session.radius_m == 60.0  # the policy's, in force when it opened
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert "Session opened for" in page
    assert "Destination approved by</dt><dd>Carla Case" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"lat": "91"}, "lat", ""),
        ({"lat": "north"}, "lat", "Enter a number."),
        ({"lng": "-181"}, "lng", ""),
        ({"lng": "nan"}, "lng", "Enter a number."),
        ({"lng": "inf"}, "lng", "Enter a number."),
        ({"lat": ""}, "lat", "This field is required."),
        ({"dest_name": ""}, "dest_name", "This field is required."),
        ({"dest_name": "x" * 256}, "dest_name", "at most 255 characters"),
        ({"dest_address": ""}, "dest_address", "This field is required."),
    ],
)
def test_bad_input_is_an_error_on_its_field_and_opens_nothing(client, case_manager, changes, field, message):
    contact = ContactFactory(consenting=True)
    response = client.post(open_url(contact), {**DESTINATION, **changes})
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors)
    assert "No session was opened" in html.unescape(response.content.decode())
    assert not Session.objects.filter(contact=contact).exists()


def test_the_services_refusals_are_shown_on_the_form(client, case_manager):
    busy = ContactFactory(consenting=True)
    SessionFactory(contact=busy, status="checked_in")
    response = client.post(open_url(busy), DESTINATION)
    assert response.status_code == 200
    assert "already has an open session" in response.context["form"].non_field_errors()[0]
    assert Session.objects.filter(contact=busy).count() == 1

    gone = ContactFactory(consenting=True, is_active=False)
    response = client.post(open_url(gone), DESTINATION)
    assert "This contact is deactivated." in response.context["form"].non_field_errors()
    assert not Session.objects.filter(contact=gone).exists()


def test_an_unknown_contact_is_a_404(client, case_manager):
    assert client.get(reverse("contacts:open_session", args=["nobody"])).status_code == 404


def test_only_get_and_post(client, case_manager):
    assert client.put(open_url(ContactFactory())).status_code == 405
