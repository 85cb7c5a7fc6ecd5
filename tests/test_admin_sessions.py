"""The session admin: evidence to read, with staff notes the only thing that can change."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from tests.factories import SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db


def change_url(session: Session) -> str:
    return reverse("admin:attendance_session_change", args=[session.pk])


def submitted_form(response) -> dict[str, object]:
    """What a browser sends back when the change form, with its inline events, is saved untouched."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return {bound.html_name: bound.value() for form in forms for bound in form if bound.value() is not None}


@pytest.fixture
def session_with_events() -> Session:
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    now = timezone.now()
    # Written out of order: the page must still list them by server time.
    SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE, ts_server=now, notes="second event")
    SessionEventFactory(
        session=session, type=EventType.CHECK_IN, ts_server=now - dt.timedelta(minutes=5), notes="first event"
    )
    return session


def test_change_page_lists_events_in_server_time_order_with_links(client, superuser, session_with_events):
    client.force_login(superuser)

    response = client.get(change_url(session_with_events))

    html = response.text
    assert html.index("first event") < html.index("second event")
    assert "Location update" in html
    assert reverse("admin:contacts_contact_change", args=[session_with_events.contact_id]) in html
    assert reverse("admin:meetings_meeting_change", args=[session_with_events.meeting_id]) in html
    assert str(session_with_events.contact) in html


def test_change_form_edits_notes_and_nothing_else(client, superuser, session_with_events):
    before = Session.objects.get(pk=session_with_events.pk)
    client.force_login(superuser)
    page = client.get(change_url(session_with_events))

    response = client.post(
        change_url(session_with_events),
        {
            **submitted_form(page),
            "session_notes": "Arrived ten minutes late; officer informed.",
            "status": SessionStatus.COMPLETED,
            "is_complete": "on",
            "dest_name": "Somewhere else",
            "dest_lat": "0",
            "contact": "",
        },
    )

    assert response.status_code == 302
    after = Session.objects.get(pk=session_with_events.pk)
    assert after.session_notes == "Arrived ten minutes late; officer informed."
    assert (after.status, after.is_complete, after.dest_name, after.dest_lat, after.contact_id) == (
        before.status,
        before.is_complete,
        before.dest_name,
        before.dest_lat,
        before.contact_id,
    )
    assert list(page.context["adminform"].form.fields) == ["session_notes"]


def test_saving_an_untouched_form_changes_nothing(client, superuser, session_with_events):
    before = Session.objects.get(pk=session_with_events.pk)
    client.force_login(superuser)
    page = client.get(change_url(session_with_events))

    response = client.post(change_url(session_with_events), submitted_form(page))

    assert response.status_code == 302
    assert Session.objects.get(pk=session_with_events.pk).updated_at == before.updated_at


def test_events_cannot_be_added_changed_or_removed_through_the_session_form(client, superuser, session_with_events):
    events_before = list(SessionEvent.objects.filter(session=session_with_events).values())
    client.force_login(superuser)
    page = client.get(change_url(session_with_events))
    data = submitted_form(page)
    # A forged extra row, and edits and a deletion of the existing ones.
    data.update(
        {
            "events-TOTAL_FORMS": "3",
            "events-2-type": EventType.CHECK_OUT,
            "events-2-location_flag": LocationFlag.GRANTED,
            "events-2-ts_client": "2025-03-04 19:30:00",
            "events-2-lat": "45.5",
            "events-2-lng": "-122.6",
            "events-0-notes": "edited",
            "events-0-lat": "0",
            "events-1-DELETE": "on",
        }
    )

    response = client.post(change_url(session_with_events), data)

    assert response.status_code == 302
    assert list(SessionEvent.objects.filter(session=session_with_events).values()) == events_before


def test_changelist_has_no_add_button_and_no_actions(client, superuser):
    SessionFactory()
    client.force_login(superuser)

    response = client.get(reverse("admin:attendance_session_changelist"))

    assert response.context["action_form"] is None
    assert reverse("admin:attendance_session_add") not in response.text
    assert "delete_selected" not in response.text


def test_session_cannot_be_deleted(client, superuser):
    session = SessionFactory()
    client.force_login(superuser)

    response = client.post(reverse("admin:attendance_session_delete", args=[session.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert Session.objects.filter(pk=session.pk).exists()
