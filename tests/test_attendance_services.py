"""The attendance rules, exercised through the services the API and the pages call."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from attendance import services
from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from attendance.services import AttendanceError, Destination, EventReport, Fix, SessionNotFound
from core.geo import offset_point
from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID, Jurisdiction
from policies.services import publish
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

PORTLAND = (45.5152, -122.6784)
CLINIC = Destination("Clinic", "1 Main St", PORTLAND[0], PORTLAND[1])


@pytest.fixture
def approver():
    return UserFactory()


def report(north_m: float = 0, east_m: float = 0, accuracy: float | None = 10, **kwargs) -> EventReport:
    """A report from a phone `north_m`/`east_m` metres from the Portland meeting."""
    lat, lng = offset_point(*PORTLAND, north_m=north_m, east_m=east_m)
    fix = kwargs.pop("fix", Fix(lat, lng, accuracy))
    return EventReport(ts_client=kwargs.pop("ts_client", timezone.now() - dt.timedelta(seconds=3)), fix=fix, **kwargs)


def timed_out(**kwargs) -> EventReport:
    return report(fix=Fix(timed_out=True), **kwargs)


@pytest.fixture
def meeting():
    return MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], radius_meters=100)


@pytest.fixture
def session(meeting):
    return SessionFactory(meeting=meeting, status=SessionStatus.ACTIVE)


def status_of(session: Session) -> str:
    session.refresh_from_db()
    return session.status


class TestVerdict:
    @pytest.mark.parametrize(
        ("north_m", "accuracy", "flag", "reason"),
        [
            (0, 10, LocationFlag.GRANTED, "within_radius"),
            (99, 10, LocationFlag.GRANTED, "within_radius"),
            (101, 10, LocationFlag.DENIED, "outside_radius"),
            (5_000, 10, LocationFlag.DENIED, "outside_radius"),
            (0, 150, LocationFlag.GRANTED, "within_radius"),
            (0, 151, LocationFlag.DENIED, "accuracy_too_low"),
            (0, None, LocationFlag.DENIED, "accuracy_unknown"),
        ],
    )
    def test_the_server_decides_from_distance_and_accuracy(self, session, north_m, accuracy, flag, reason):
        verdict = services.verify_position(session, report(north_m=north_m, accuracy=accuracy).fix)
        assert (verdict.flag, verdict.reason) == (flag, reason)
        assert verdict.distance_m == pytest.approx(north_m, abs=0.5)
        assert verdict.radius_m == 100

    def test_a_timeout_has_no_distance(self, session):
        verdict = services.verify_position(session, Fix(timed_out=True))
        assert (verdict.flag, verdict.distance_m) == (LocationFlag.TIMEOUT, None)

    def test_the_meetings_own_radius_counts(self, meeting, session):
        meeting.radius_meters = 300
        meeting.save()
        session.refresh_from_db()
        assert services.verify_position(session, report(north_m=250).fix).flag == LocationFlag.GRANTED

    def test_a_session_without_a_meeting_uses_its_policys_radius(self, approver):
        publish(Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID), {"default_radius_m": 50})
        session = services.start_session(ContactFactory(), destination=CLINIC, approved_by=approver)
        assert session.radius_m == 50
        assert services.verify_position(session, report(north_m=40).fix).flag == LocationFlag.GRANTED
        assert services.verify_position(session, report(north_m=60).fix).flag == LocationFlag.DENIED

    def test_the_worst_accepted_accuracy_is_the_policys(self, session):
        version = publish(Jurisdiction.objects.get(pk=DEFAULT_JURISDICTION_ID), {"max_accuracy_m": 20})
        assert services.verify_position(session, report(accuracy=20).fix, version).reason == "within_radius"
        assert services.verify_position(session, report(accuracy=25).fix, version).reason == "accuracy_too_low"
        # The session's own version (the first) still accepts 150 m.
        assert services.verify_position(session, report(accuracy=25).fix).reason == "within_radius"


class TestStoredVerdict:
    """verdict_of reads the judgement stored with the event; it never recomputes it."""

    def test_the_stored_reason_distance_and_radius_are_read_back(self, meeting, session):
        recorded = services.check_in(session.id, report(north_m=150))
        meeting.radius_meters = 300  # widened after the check-in: the verdict stays as judged
        meeting.save()
        event = SessionEvent.objects.get(pk=recorded.event.pk)
        verdict = services.verdict_of(Session.objects.get(pk=session.pk), event)
        assert (verdict.flag, verdict.reason, verdict.radius_m) == (LocationFlag.DENIED, "outside_radius", 100)
        assert verdict.distance_m == pytest.approx(150, abs=0.5)
        assert event.policy_version_id == DEFAULT_VERSION_ID

    def test_an_event_from_before_judgements_were_stored_says_the_legacy_system_judged_it(self, session):
        lat, lng = offset_point(*PORTLAND, north_m=250, east_m=0)
        event = SessionEventFactory(session=session, lat=lat, lng=lng, accuracy=10, location_flag=LocationFlag.GRANTED)
        verdict = services.verdict_of(session, event)
        assert (verdict.flag, verdict.reason, verdict.radius_m) == (
            LocationFlag.GRANTED,
            "judged_by_legacy_system",
            None,
        )
        assert verdict.explanation == "Judged by the legacy system: the rule it applied was not recorded."
        assert verdict.distance_m == pytest.approx(250, abs=0.5)

    def test_a_timeout_has_no_distance_even_with_placeholder_coordinates(self, session):
        # The legacy app stored 0, 0 for a timeout: not a position, so no distance.
        event = SessionEventFactory(session=session, lat=0.0, lng=0.0, accuracy=None, location_flag="timeout")
        verdict = services.verdict_of(session, event)
        assert (verdict.flag, verdict.reason, verdict.distance_m) == (LocationFlag.TIMEOUT, "gps_timeout", None)


class TestStartSession:
    def test_at_a_meeting_the_destination_is_copied(self, meeting):
        contact = ContactFactory()
        session = services.start_session(contact, meeting=meeting)
        assert session.status == SessionStatus.ACTIVE
        assert (session.dest_name, session.dest_address, session.dest_lat, session.dest_lng) == (
            meeting.name,
            meeting.address,
            meeting.lat,
            meeting.lng,
        )

    def test_at_a_destination_staff_approved(self, approver):
        session = services.start_session(ContactFactory(), destination=CLINIC, approved_by=approver)
        assert (session.meeting, session.dest_name, session.destination_approved_by) == (None, "Clinic", approver)
        assert not session.self_declared_destination

    def test_only_staff_open_a_session_at_a_destination(self):
        with pytest.raises(AttendanceError) as error:
            services.start_session(ContactFactory(), destination=CLINIC)
        assert (error.value.code, error.value.http_status) == ("destination_requires_staff", 403)
        assert error.value.context == {"field": "dest_name"}
        assert not Session.objects.exists()

    def test_a_second_open_session_is_refused_with_the_open_ones_id(self, meeting, session):
        with pytest.raises(AttendanceError) as error:
            services.start_session(session.contact, meeting=meeting)
        assert error.value.code == "open_session_exists"
        assert error.value.context == {"session_id": session.id}
        assert Session.objects.filter(contact=session.contact).count() == 1

    def test_after_a_closed_session_a_new_one_may_start(self, meeting):
        closed = SessionFactory(meeting=meeting, status=SessionStatus.COMPLETED)
        assert services.start_session(closed.contact, meeting=meeting).status == SessionStatus.ACTIVE

    def test_an_inactive_meeting_is_refused(self):
        with pytest.raises(AttendanceError) as error:
            services.start_session(ContactFactory(), meeting=MeetingFactory(is_active=False))
        assert error.value.code == "meeting_inactive"

    def test_an_inactive_contact_is_refused(self, meeting):
        with pytest.raises(AttendanceError) as error:
            services.start_session(ContactFactory(is_active=False), meeting=meeting)
        assert error.value.code == "contact_inactive"

    def test_an_impossible_destination_is_refused(self):
        with pytest.raises(AttendanceError) as error:
            services.start_session(
                ContactFactory(), destination=Destination("X", "Y", 91, 0), approved_by=UserFactory()
            )
        assert error.value.code == "invalid_position"


class TestStateMachine:
    def test_a_verified_check_in_moves_the_session_to_checked_in(self, session):
        recorded = services.check_in(session.id, report())
        assert recorded.created
        assert (recorded.event.type, recorded.event.location_flag) == (EventType.CHECK_IN, LocationFlag.GRANTED)
        assert status_of(session) == SessionStatus.CHECKED_IN

    @pytest.mark.parametrize("attempt", [lambda: report(north_m=500), timed_out], ids=["denied", "timeout"])
    def test_an_unverified_check_in_is_kept_as_evidence_and_the_session_stays_active(self, session, attempt):
        recorded = services.check_in(session.id, attempt())
        assert recorded.event.location_flag in (LocationFlag.DENIED, LocationFlag.TIMEOUT)
        assert SessionEvent.objects.filter(session=session).count() == 1
        assert status_of(session) == SessionStatus.ACTIVE
        # ...and the attendee may try again.
        services.check_in(session.id, report())
        assert status_of(session) == SessionStatus.CHECKED_IN

    @pytest.mark.parametrize("attempt", [report, lambda: report(north_m=900), timed_out])
    def test_a_check_out_completes_the_session_whatever_its_verdict(self, session, attempt):
        services.check_in(session.id, report())
        recorded = services.check_out(session.id, attempt())
        session.refresh_from_db()
        assert (session.status, session.is_complete) == (SessionStatus.COMPLETED, True)
        assert recorded.event.type == EventType.CHECK_OUT

    @pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    def test_location_updates_on_open_sessions_change_nothing_else(self, meeting, status):
        session = SessionFactory(meeting=meeting, status=status)
        recorded = services.record_location(session.id, report(north_m=300))
        assert recorded.event.type == EventType.LOCATION_UPDATE
        assert status_of(session) == status

    @pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    def test_ending_an_open_session_records_a_status_change(self, meeting, status):
        session = SessionFactory(meeting=meeting, status=status)
        recorded = services.end_session(session.id, report(notes="Left early: family emergency"))
        assert recorded.event.type == EventType.STATUS_CHANGE
        session.refresh_from_db()
        assert (session.status, session.is_complete) == (SessionStatus.ENDED, True)

    @pytest.mark.parametrize(
        ("status", "operation"),
        [
            (SessionStatus.CHECKED_IN, services.check_in),
            (SessionStatus.COMPLETED, services.check_in),
            (SessionStatus.ENDED, services.check_in),
            (SessionStatus.ACTIVE, services.check_out),
            (SessionStatus.COMPLETED, services.check_out),
            (SessionStatus.ENDED, services.check_out),
            (SessionStatus.COMPLETED, services.record_location),
            (SessionStatus.ENDED, services.record_location),
            (SessionStatus.COMPLETED, services.end_session),
            (SessionStatus.ENDED, services.end_session),
        ],
    )
    def test_any_other_transition_is_refused_and_stores_nothing(self, meeting, status, operation):
        session = SessionFactory(meeting=meeting, status=status)
        with pytest.raises(AttendanceError) as error:
            operation(session.id, report())
        assert error.value.code == "invalid_transition"
        assert not SessionEvent.objects.exists()
        assert status_of(session) == status


class TestConsent:
    def test_without_consent_nothing_is_stored(self, meeting):
        session = SessionFactory(meeting=meeting, contact=ContactFactory(consent_granted=False))
        for operation in (services.check_in, services.record_location, services.end_session):
            with pytest.raises(AttendanceError) as error:
                operation(session.id, report())
            assert error.value.code == "consent_required"
        assert not SessionEvent.objects.exists()
        assert status_of(session) == SessionStatus.ACTIVE


class TestClientTime:
    def test_ts_server_is_the_servers_clock(self, session):
        before = timezone.now()
        recorded = services.check_in(session.id, report(ts_client=before - dt.timedelta(minutes=5)))
        assert before <= recorded.event.ts_server <= timezone.now()
        assert recorded.event.ts_client == before - dt.timedelta(minutes=5)

    def test_slightly_ahead_is_accepted_clock_drift(self, session):
        services.check_in(session.id, report(ts_client=timezone.now() + dt.timedelta(minutes=4)))

    def test_more_than_five_minutes_ahead_is_refused(self, session):
        with pytest.raises(AttendanceError) as error:
            services.check_in(session.id, report(ts_client=timezone.now() + dt.timedelta(minutes=6)))
        assert error.value.code == "ts_client_in_future"
        assert not SessionEvent.objects.exists()

    def test_queued_offline_for_days_is_accepted_but_not_beyond_the_limit(self, session, settings):
        services.record_location(session.id, report(ts_client=timezone.now() - dt.timedelta(days=6)))
        with pytest.raises(AttendanceError) as error:
            services.record_location(session.id, report(ts_client=timezone.now() - dt.timedelta(days=8)))
        assert error.value.code == "ts_client_too_old"
        settings.MAX_CLIENT_DELAY = dt.timedelta(days=30)
        services.record_location(session.id, report(ts_client=timezone.now() - dt.timedelta(days=8)))

    def test_a_time_without_an_offset_is_refused(self, session):
        with pytest.raises(AttendanceError) as error:
            services.check_in(session.id, report(ts_client=dt.datetime.now()))
        assert error.value.code == "ts_client_without_offset"


class TestPosition:
    def test_a_position_is_required_unless_gps_timed_out(self, session):
        with pytest.raises(AttendanceError) as error:
            services.check_in(session.id, report(fix=Fix()))
        assert error.value.code == "position_required"

    def test_a_timeout_is_stored_without_coordinates(self, session):
        event = services.check_in(session.id, timed_out()).event
        event.refresh_from_db()
        assert (event.lat, event.lng, event.location_flag) == (None, None, LocationFlag.TIMEOUT)

    @pytest.mark.parametrize(
        "fix", [Fix(45.5, None, 5), Fix(None, -122.6, 5), Fix(91, 0, 5), Fix(0, -181, 5), Fix(45.5, -122.6, -1)]
    )
    def test_impossible_positions_are_refused(self, session, fix):
        with pytest.raises(AttendanceError) as error:
            services.check_in(session.id, report(fix=fix))
        assert error.value.code == "invalid_position"
        assert not SessionEvent.objects.exists()


class TestRetries:
    def test_the_same_event_again_returns_the_stored_one_and_stores_nothing(self, session):
        event_id = str(uuid.uuid4())
        first = report(event_id=event_id)
        original = services.check_in(session.id, first)
        retry = services.check_in(session.id, first)
        assert (original.created, retry.created) == (True, False)
        assert retry.event.pk == original.event.pk == event_id
        assert retry.verdict.flag == LocationFlag.GRANTED
        assert SessionEvent.objects.count() == 1

    def test_a_retried_timeout_is_recognised(self, session):
        first = timed_out(event_id=str(uuid.uuid4()))
        services.check_in(session.id, first)
        assert services.check_in(session.id, first).created is False

    def test_the_same_id_with_different_content_is_a_conflict(self, session):
        event_id = str(uuid.uuid4())
        services.check_in(session.id, report(event_id=event_id))
        with pytest.raises(AttendanceError) as error:
            services.record_location(session.id, report(north_m=10, event_id=event_id))
        assert error.value.code == "event_id_conflict"
        assert SessionEvent.objects.count() == 1

    def test_the_same_id_on_another_session_is_a_conflict(self, meeting, session):
        event_id = str(uuid.uuid4())
        services.check_in(session.id, report(event_id=event_id))
        other = SessionFactory(meeting=meeting)
        with pytest.raises(AttendanceError) as error:
            services.check_in(other.id, report(event_id=event_id))
        assert error.value.code == "event_id_conflict"

    @pytest.mark.parametrize("event_id", ["not-a-uuid", str(uuid.uuid1()), "", "0" * 36])
    def test_an_id_that_is_not_a_uuid4_is_refused(self, session, event_id):
        with pytest.raises(AttendanceError) as error:
            services.check_in(session.id, report(event_id=event_id))
        assert error.value.code == "invalid_event_id"

    def test_the_id_is_stored_in_canonical_form(self, session):
        event_id = uuid.uuid4()
        recorded = services.check_in(session.id, report(event_id=str(event_id).upper()))
        assert recorded.event.pk == str(event_id)


class TestOwnership:
    def test_a_contact_cannot_act_on_another_contacts_session(self, session):
        stranger = ContactFactory(consenting=True)
        with pytest.raises(SessionNotFound):
            services.check_in(session.id, report(), contact=stranger)
        assert not SessionEvent.objects.exists()

    def test_the_owner_can(self, session):
        assert services.check_in(session.id, report(), contact=session.contact).created

    def test_an_unknown_session_is_not_found(self):
        with pytest.raises(SessionNotFound):
            services.check_in(str(uuid.uuid4()), report())


def test_a_check_in_costs_a_bounded_number_of_queries(session, django_assert_max_num_queries):
    SessionEventFactory.create_batch(5, session=session, type=EventType.LOCATION_UPDATE)
    # savepoint, lock, retry lookup, insert, status update, release.
    with django_assert_max_num_queries(6):
        services.check_in(session.id, report(event_id=str(uuid.uuid4())), contact=session.contact)


def test_a_staff_members_change_goes_to_the_audit_trail_an_attendees_to_the_event_only(meeting):
    by_attendee = SessionFactory(meeting=meeting)
    services.check_in(by_attendee.id, report(), contact=by_attendee.contact)
    assert by_attendee.history.count() == 1  # its creation only

    by_staff = SessionFactory(meeting=meeting)
    services.end_session(by_staff.id, report(notes="Left before the meeting began"))
    assert by_staff.history.count() == 2
    assert by_staff.history.first().status == SessionStatus.ENDED


@pytest.mark.parametrize("accuracy", [float("nan"), float("inf")])
def test_a_nan_or_infinite_accuracy_never_verifies(session, accuracy):
    verdict = services.verify_position(session, report(accuracy=accuracy).fix)
    assert verdict.flag == LocationFlag.DENIED


@pytest.mark.parametrize(
    ("bad_report", "field"),
    [
        (lambda: report(ts_client=timezone.now() + dt.timedelta(hours=1)), "ts_client"),
        (lambda: report(fix=Fix()), "lat"),
        (lambda: report(fix=Fix(45.5, None, 5)), "lng"),
        (lambda: report(fix=Fix(45.5, 200, 5)), "lng"),
        (lambda: report(accuracy=float("inf")), "accuracy"),
        (lambda: report(accuracy=3e7), "accuracy"),
        (lambda: report(event_id="nope"), "id"),
    ],
)
def test_input_errors_name_the_field(session, bad_report, field):
    with pytest.raises(AttendanceError) as error:
        services.check_in(session.id, bad_report())
    assert error.value.context["field"] == field
    assert not SessionEvent.objects.exists()


class TestStaffEndsASession:
    @pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    def test_with_a_reason_and_without_the_attendees_consent(self, meeting, status, staff_user):
        session = SessionFactory(meeting=meeting, status=status, contact=ContactFactory(consent_granted=False))
        recorded = services.end_session_by_staff(
            session.id, reason="Attendee left the program", staff_member=staff_user
        )
        event = recorded.event
        assert (event.type, event.location_flag, event.lat, event.lng) == (
            EventType.STATUS_CHANGE,
            LocationFlag.TIMEOUT,
            None,
            None,
        )
        assert event.notes == "Ended by staff (staff): Attendee left the program"
        assert status_of(session) == SessionStatus.ENDED
        assert session.history.first().history_user == staff_user

    def test_a_reason_is_required(self, session, staff_user):
        with pytest.raises(AttendanceError) as error:
            services.end_session_by_staff(session.id, reason="  ", staff_member=staff_user)
        assert error.value.code == "reason_required"
        assert not SessionEvent.objects.exists()

    @pytest.mark.parametrize("status", [SessionStatus.COMPLETED, SessionStatus.ENDED])
    def test_a_closed_session_cannot_be_ended(self, meeting, status, staff_user):
        session = SessionFactory(meeting=meeting, status=status)
        with pytest.raises(AttendanceError) as error:
            services.end_session_by_staff(session.id, reason="x", staff_member=staff_user)
        assert error.value.code == "invalid_transition"
