import pytest

from attendance.models import LocationFlag
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory, SuperUserFactory

pytestmark = pytest.mark.django_db


def test_every_factory_builds_a_valid_saved_row():
    for factory in (ContactFactory, MeetingFactory, SessionFactory, SessionEventFactory, SuperUserFactory):
        obj = factory()
        obj.full_clean()
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_timed_out_event_has_no_coordinates():
    event = SessionEventFactory(timed_out=True)
    assert (event.lat, event.lng, event.location_flag) == (None, None, LocationFlag.TIMEOUT)
