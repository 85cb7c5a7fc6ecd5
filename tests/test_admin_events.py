"""The session event admin: evidence can be read, even a superuser cannot write it."""

import pytest
from django.urls import reverse

from attendance.models import EventType, LocationFlag, SessionEvent
from tests.factories import SessionEventFactory

pytestmark = pytest.mark.django_db

EVENT_FORM = {
    "type": EventType.CHECK_OUT,
    "location_flag": LocationFlag.GRANTED,
    "ts_client_0": "2025-03-04",
    "ts_client_1": "19:30:00",
    "ts_server_0": "2025-03-04",
    "ts_server_1": "19:30:01",
    "lat": "45.5",
    "lng": "-122.6",
    "accuracy": "5",
    "notes": "forged",
}


@pytest.fixture
def event() -> SessionEvent:
    return SessionEventFactory(notes="as recorded")


def test_superuser_cannot_add_an_event(client, superuser, event):
    client.force_login(superuser)

    response = client.post(reverse("admin:attendance_sessionevent_add"), {**EVENT_FORM, "session": event.session_id})

    assert response.status_code == 403
    assert SessionEvent.objects.count() == 1


def test_superuser_cannot_change_an_event(client, superuser, event):
    before = SessionEvent.objects.filter(pk=event.pk).values().get()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:attendance_sessionevent_change", args=[event.pk]), {**EVENT_FORM, "session": event.session_id}
    )

    assert response.status_code == 403
    assert SessionEvent.objects.filter(pk=event.pk).values().get() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_superuser_cannot_delete_an_event(client, superuser, event, method):
    client.force_login(superuser)
    url = reverse("admin:attendance_sessionevent_delete", args=[event.pk])

    response = getattr(client, method)(url, {"post": "yes"})

    assert response.status_code == 403
    assert SessionEvent.objects.filter(pk=event.pk).exists()


def test_changelist_offers_no_actions_and_posting_delete_selected_does_nothing(client, superuser, event):
    client.force_login(superuser)
    url = reverse("admin:attendance_sessionevent_changelist")

    page = client.get(url)
    client.post(url, {"action": "delete_selected", "index": 0, "_selected_action": [event.pk], "post": "yes"})

    assert page.context["action_form"] is None
    assert "delete_selected" not in page.text
    assert reverse("admin:attendance_sessionevent_add") not in page.text
    assert SessionEvent.objects.filter(pk=event.pk).exists()


def test_event_page_is_view_only_with_links_to_session_and_contact(client, superuser, event):
    client.force_login(superuser)

    response = client.get(reverse("admin:attendance_sessionevent_change", args=[event.pk]))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    assert "as recorded" in response.text
    assert reverse("admin:attendance_session_change", args=[event.session_id]) in response.text
    assert reverse("admin:contacts_contact_change", args=[event.session.contact_id]) in response.text
