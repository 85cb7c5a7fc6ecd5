"""The reference's session queries, as queryset methods."""

import pytest

from attendance.models import EventType, Session, SessionStatus
from tests.factories import ContactFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
def test_open_for_finds_the_contacts_open_session(status):
    contact = ContactFactory()
    SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
    open_session = SessionFactory(contact=contact, status=status)
    SessionFactory(status=SessionStatus.ACTIVE)  # someone else's
    assert Session.objects.open_for(contact.id) == open_session


def test_open_for_is_none_when_every_session_is_closed():
    contact = ContactFactory()
    SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
    SessionFactory(contact=contact, status=SessionStatus.ENDED)
    assert Session.objects.open_for(contact.id) is None


@pytest.mark.parametrize("event_count", [0, 1, 12])
def test_with_events_loads_a_session_its_people_and_its_events_in_two_queries(event_count, django_assert_num_queries):
    session = SessionFactory(status=SessionStatus.CHECKED_IN)
    for _ in range(event_count):
        SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE)
    with django_assert_num_queries(2):
        loaded = Session.objects.with_events().get(pk=session.pk)
        events = list(loaded.events.all())
        assert (loaded.contact.email, loaded.meeting.name) == (session.contact.email, session.meeting.name)
    assert len(events) == event_count
    assert [e.ts_server for e in events] == sorted(e.ts_server for e in events)
