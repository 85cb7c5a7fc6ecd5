import pytest
from django.contrib.auth.models import Permission

from attendance.models import LocationFlag
from tests.factories import (
    ContactFactory,
    MeetingFactory,
    SessionEventFactory,
    SessionFactory,
    StaffUserFactory,
    SuperUserFactory,
)

pytestmark = pytest.mark.django_db


def test_every_factory_builds_a_valid_saved_row():
    for factory in (ContactFactory, MeetingFactory, SessionFactory, SessionEventFactory, SuperUserFactory):
        obj = factory()
        obj.full_clean()
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_timed_out_event_has_no_coordinates():
    event = SessionEventFactory(timed_out=True)
    assert (event.lat, event.lng, event.location_flag) == (None, None, LocationFlag.TIMEOUT)


def test_a_user_gets_exactly_the_permissions_named():
    user = StaffUserFactory(permissions=("meetings.view_meeting", "contacts.change_contact"))
    assert user.get_all_permissions() == {"meetings.view_meeting", "contacts.change_contact"}


def test_a_misspelt_permission_is_an_error_not_a_user_without_it():
    with pytest.raises(Permission.DoesNotExist):
        StaffUserFactory(permissions=("meetings.view_meetings",))
