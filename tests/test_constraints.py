"""The database itself guards every invariant, on SQLite and PostgreSQL alike."""

import datetime as dt
import math

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone

from attendance.models import AppendOnlyError, LocationFlag, Session, SessionEvent, SessionStatus
from contacts.models import Contact
from meetings.models import Meeting
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db


def refused(match: str):
    """Expect the database to refuse what happens inside the block, naming the rule it broke
    (SQLite names a unique constraint's columns, PostgreSQL the constraint and its key)."""
    return pytest.raises(IntegrityError, match=match)


class TestContacts:
    def test_email_is_unique(self):
        ContactFactory(email="ann@example.org")
        with refused(match=r"email"), transaction.atomic():
            ContactFactory(email="ann@example.org")

    def test_email_is_unique_whatever_its_case(self):
        ContactFactory(email="ann@example.org")
        with refused(match=r"email"), transaction.atomic():
            ContactFactory(email="Ann@Example.ORG")

    def test_duplicate_email_is_a_clear_validation_error_in_forms(self):
        ContactFactory(email="ann@example.org")
        contact = Contact(email="ANN@example.org")
        with pytest.raises(ValidationError) as error:
            contact.full_clean()
        assert error.value.message_dict == {"email": ["Contact with this Email already exists."]}

    def test_ghl_contact_id_is_unique_but_may_be_missing_on_many(self):
        ContactFactory(ghl_contact_id=None)
        ContactFactory(ghl_contact_id=None)
        ContactFactory(ghl_contact_id="ghl-1")
        with refused(match=r"ghl_contact_id"), transaction.atomic():
            ContactFactory(ghl_contact_id="ghl-1")

    def test_deleting_a_contact_with_sessions_is_refused(self):
        session = SessionFactory()
        with pytest.raises(ProtectedError):
            session.contact.delete()

    def test_deleting_a_contact_with_sessions_is_refused_by_the_database_too(self):
        session = SessionFactory()
        with refused(match=r"(?i)foreign key"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM contacts WHERE id = %s", [session.contact_id])
            connection.check_constraints()


class TestMeetings:
    @pytest.mark.parametrize("lat", [-90, 0, 90])
    @pytest.mark.parametrize("lng", [-180, 0, 180])
    def test_coordinates_on_the_edges_of_the_globe_are_accepted(self, lat, lng):
        MeetingFactory(lat=lat, lng=lng)

    @pytest.mark.parametrize(("lat", "lng"), [(90.0001, 0), (-90.5, 0), (0, 180.01), (0, -181)])
    def test_coordinates_off_the_globe_are_refused(self, lat, lng):
        with refused(match=r"ck_meetings_(lat|lng)_range"), transaction.atomic():
            MeetingFactory(lat=lat, lng=lng)

    @pytest.mark.parametrize("radius", [0, -1, 10_000.1, math.inf, math.nan])
    def test_radius_must_be_positive_finite_and_sane(self, radius):
        # SQLite stores NaN as NULL, which the NOT NULL column refuses.
        with refused(match=r"radius"), transaction.atomic():
            MeetingFactory(radius_meters=radius)

    def test_qr_code_is_unique(self):
        MeetingFactory(qr_code="poster-1")
        with refused(match=r"qr_code"), transaction.atomic():
            MeetingFactory(qr_code="poster-1")

    def test_new_meetings_get_distinct_url_safe_qr_codes(self):
        codes = {MeetingFactory().qr_code for _ in range(20)}
        assert len(codes) == 20
        for code in codes:
            assert len(code) >= 22
            assert code.replace("-", "").replace("_", "").isalnum()

    def test_rotating_the_qr_code_replaces_it(self):
        meeting = MeetingFactory()
        old = meeting.qr_code
        meeting.rotate_qr_code()
        meeting.refresh_from_db()
        assert meeting.qr_code != old
        assert not Meeting.objects.filter(qr_code=old).exists()

    def test_end_before_start_is_a_validation_error(self):
        meeting = MeetingFactory.build()
        meeting.end_time = meeting.start_time - dt.timedelta(minutes=1)
        with pytest.raises(ValidationError, match="end after it starts"):
            meeting.full_clean()

    def test_deleting_a_meeting_with_sessions_is_refused(self):
        session = SessionFactory()
        with pytest.raises(ProtectedError):
            session.meeting.delete()

    def test_deleting_a_meeting_with_sessions_is_refused_by_the_database_too(self):
        session = SessionFactory()
        with refused(match=r"(?i)foreign key"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM meetings WHERE id = %s", [session.meeting_id])
            connection.check_constraints()

    @pytest.mark.parametrize("field", ["lat", "lng", "radius_meters"])
    @pytest.mark.parametrize("value", [math.nan, math.inf])
    def test_nan_and_infinity_are_validation_errors(self, field, value):
        meeting = MeetingFactory.build(**{field: value})
        with pytest.raises(ValidationError) as error:
            meeting.full_clean()
        assert field in error.value.message_dict


class TestSessions:
    def test_status_outside_the_choices_is_refused(self):
        with refused(match=r"ck_sessions_status_valid"), transaction.atomic():
            SessionFactory(status="paused")

    @pytest.mark.parametrize(
        ("field", "value"), [("dest_lat", 91), ("dest_lat", -90.1), ("dest_lng", 180.5), ("dest_lng", -181)]
    )
    def test_destination_off_the_globe_is_refused(self, field, value):
        with refused(match=rf"ck_sessions_{field}_range"), transaction.atomic():
            SessionFactory(**{field: value})

    @pytest.mark.parametrize("first", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    @pytest.mark.parametrize("second", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    def test_a_contact_has_at_most_one_open_session(self, first, second):
        contact = ContactFactory()
        SessionFactory(contact=contact, status=first)
        with refused(match=r"contact_id"), transaction.atomic():
            SessionFactory(contact=contact, status=second)

    def test_reopening_a_closed_session_beside_an_open_one_is_refused(self):
        contact = ContactFactory()
        SessionFactory(contact=contact, status=SessionStatus.ACTIVE)
        closed = SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
        closed.status = SessionStatus.CHECKED_IN
        with refused(match=r"contact_id"), transaction.atomic():
            closed.save()

    def test_closed_sessions_do_not_count_as_open(self):
        contact = ContactFactory()
        SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
        SessionFactory(contact=contact, status=SessionStatus.ENDED)
        SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
        SessionFactory(contact=contact, status=SessionStatus.ACTIVE)
        assert Session.objects.open().filter(contact=contact).count() == 1

    def test_other_contacts_may_each_have_an_open_session(self):
        SessionFactory(status=SessionStatus.ACTIVE)
        SessionFactory(status=SessionStatus.ACTIVE)
        assert Session.objects.open().count() == 2

    def test_is_complete_follows_the_status(self):
        session = SessionFactory(status=SessionStatus.CHECKED_IN)
        assert session.is_complete is False
        session.status = SessionStatus.COMPLETED
        session.save(update_fields=["status", "updated_at"])
        session.refresh_from_db()
        assert session.is_complete is True

    def test_a_session_without_a_meeting_is_allowed(self):
        session = SessionFactory(meeting=None, dest_name="Clinic", dest_address="1 Main St")
        assert session.meeting_id is None

    def test_deleting_a_session_with_events_is_refused(self):
        event = SessionEventFactory()
        with pytest.raises(ProtectedError):
            event.session.delete()

    def test_deleting_a_session_with_events_is_refused_by_the_database_too(self):
        event = SessionEventFactory()
        with refused(match=r"(?i)foreign key"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM sessions WHERE id = %s", [event.session_id])
            connection.check_constraints()


class TestSessionEvents:
    def test_type_outside_the_choices_is_refused(self):
        with refused(match=r"ck_session_events_type_valid"), transaction.atomic():
            SessionEventFactory(type="teleport")

    def test_location_flag_outside_the_choices_is_refused(self):
        with refused(match=r"ck_session_events_location_flag_valid"), transaction.atomic():
            SessionEventFactory(location_flag="maybe")

    @pytest.mark.parametrize("flag", [LocationFlag.GRANTED, LocationFlag.DENIED])
    def test_a_verdict_other_than_timeout_needs_coordinates(self, flag):
        with refused(match=r"ck_session_events_fix_unless_timeout"), transaction.atomic():
            SessionEventFactory(location_flag=flag, lat=None, lng=None)

    def test_a_timeout_may_have_no_coordinates(self):
        event = SessionEventFactory(timed_out=True)
        assert event.lat is None

    def test_half_a_position_is_refused(self):
        with refused(match=r"ck_session_events_position_valid"), transaction.atomic():
            SessionEventFactory(timed_out=True, lat=45.5)

    @pytest.mark.parametrize(("lat", "lng"), [(-91, 0), (0, 200)])
    def test_a_position_off_the_globe_is_refused(self, lat, lng):
        with refused(match=r"ck_session_events_position_valid"), transaction.atomic():
            SessionEventFactory(lat=lat, lng=lng)

    @pytest.mark.parametrize("accuracy", [-1, math.inf, 2e7 + 1])
    def test_impossible_accuracy_is_refused(self, accuracy):
        with refused(match=r"ck_session_events_accuracy_range"), transaction.atomic():
            SessionEventFactory(accuracy=accuracy)

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite stores NaN as NULL")
    @pytest.mark.parametrize("field", ["lat", "lng", "accuracy"])
    def test_nan_is_refused(self, field):
        with refused(match=r"ck_session_events_"), transaction.atomic():
            SessionEventFactory(**{field: math.nan})

    def test_an_event_cannot_be_changed(self):
        event = SessionEventFactory()
        event.location_flag = LocationFlag.DENIED
        with pytest.raises(AppendOnlyError):
            event.save()
        with pytest.raises(AppendOnlyError):
            SessionEvent.objects.filter(pk=event.pk).update(location_flag=LocationFlag.DENIED)
        event.refresh_from_db()
        assert event.location_flag == LocationFlag.GRANTED

    def test_an_event_cannot_be_deleted(self):
        event = SessionEventFactory()
        with pytest.raises(AppendOnlyError):
            event.delete()
        with pytest.raises(AppendOnlyError):
            SessionEvent.objects.all().delete()
        assert SessionEvent.objects.filter(pk=event.pk).exists()

    def test_an_event_saved_with_an_existing_id_is_refused_not_overwritten(self):
        event = SessionEventFactory()
        copy = SessionEvent(
            id=event.id,
            session=event.session,
            type=event.type,
            ts_client=event.ts_client,
            location_flag=LocationFlag.DENIED,
            lat=0,
            lng=0,
        )
        with refused(match=r"session_events\.id|session_events_pkey"), transaction.atomic():
            copy.save()
        event.refresh_from_db()
        assert event.location_flag == LocationFlag.GRANTED


class TestTimestampsAndIds:
    def test_ids_are_hyphenated_uuid4_strings(self):
        contact = ContactFactory()
        assert len(contact.id) == 36
        assert contact.id.count("-") == 4
        assert contact.id[14] == "4"

    def test_created_at_is_set_on_insert_and_updated_at_on_every_save(self):
        contact = ContactFactory()
        created, updated = contact.created_at, contact.updated_at
        assert created is not None
        assert abs(updated - created) < dt.timedelta(seconds=1)
        contact.notes = "Called on Monday"
        contact.save()
        contact.refresh_from_db()
        assert contact.created_at == created
        assert contact.updated_at > updated

    def test_recording_consent_stamps_the_time(self):
        contact = ContactFactory()
        before = timezone.now()
        contact.record_consent(granted=True)
        contact.refresh_from_db()
        assert contact.consent_granted is True
        assert contact.consent_timestamp >= before


class TestEvidenceInTheDatabase:
    """Raw SQL cannot rewrite evidence either (attendance migration 0003's triggers)."""

    def test_an_event_cannot_be_updated_with_raw_sql(self):
        event = SessionEventFactory()
        with refused(match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE session_events SET location_flag = 'denied' WHERE id = %s", [event.id])
        event.refresh_from_db()
        assert event.location_flag == LocationFlag.GRANTED

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's test runner empties tables with DELETE")
    def test_an_event_cannot_be_deleted_with_raw_sql(self):
        event = SessionEventFactory()
        with refused(match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM session_events WHERE id = %s", [event.id])
        assert SessionEvent.objects.filter(pk=event.pk).exists()
