"""The audit trail as staff pages show it."""

import pytest

from core.db import history_user
from core.history import changes_for
from tests.factories import MeetingFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_changes_name_who_and_what_newest_first(rf):
    staff = StaffUserFactory(username="officer")
    meeting = MeetingFactory(name="Old name", radius_meters=100)
    request = rf.get("/")
    request.user = staff
    from simple_history.models import HistoricalRecords

    HistoricalRecords.context.request = request
    try:
        meeting.name = "New name"
        meeting.radius_meters = 150
        meeting.save()
    finally:
        del HistoricalRecords.context.request

    changed, created = changes_for(meeting)
    assert (changed.action, changed.who) == ("Changed", "officer")
    assert {(f.field, f.old, f.new) for f in changed.fields} == {
        ("name", "Old name", "New name"),
        ("check-in radius (m)", 100.0, 150.0),
    }
    assert created.action == "Created"
    assert created.who == "Attendee or system"


def test_a_save_that_changes_nothing_visible_is_not_listed():
    meeting = MeetingFactory()
    meeting.save()  # only updated_at moves
    assert [change.action for change in changes_for(meeting)] == ["Created"]


def test_only_real_users_are_named(rf):
    from access.authentication import Attendee
    from tests.factories import ContactFactory

    request = rf.get("/")
    request.user = Attendee(ContactFactory())
    assert history_user(request=request) is None


def test_one_query_whatever_the_length(django_assert_num_queries):
    meeting = MeetingFactory()
    for n in range(10):
        meeting.name = f"Name {n}"
        meeting.save()
    with django_assert_num_queries(1):
        assert len(changes_for(meeting)) == 11


def test_values_read_as_people_read_them():
    import datetime as dt

    from core.templatetags.staff import shown

    assert shown(None) == "—"
    assert shown(True) == "yes"
    assert shown(dt.datetime(2026, 11, 25, 14, 5, tzinfo=dt.UTC)) == "25 Nov 2026 14:05 UTC"
    assert shown(150.0) == "150.0"


def test_a_row_that_predates_its_audit_trail_says_its_earlier_values_are_unknown():
    meeting = MeetingFactory(name="Old name")
    meeting.history.all().delete()  # as a row written outside Django has no first record
    meeting.name = "New name"
    meeting.save()

    assert [change.action for change in changes_for(meeting)] == ["Changed (earlier values were not recorded)"]
