"""/api/v1/sessions/: attendees start a session, check in and out; the server decides the verdict."""

import datetime as dt
import json
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.models import EventType, Session, SessionEvent, SessionStatus
from core.geo import offset_point
from meetings.models import Meeting
from policies.models import DEFAULT_VERSION_ID, Jurisdiction
from policies.services import publish
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
ACTIVE = f"{SESSIONS}active/"
EVENT_ACTIONS = ("check-in", "check-out", "location", "end")
EVENT_FIELDS = {
    "id",
    "session_id",
    "type",
    "ts_client",
    "ts_server",
    "lat",
    "lng",
    "accuracy",
    "location_flag",
    "distance_m",
    "notes",
    "created_at",
    "session_status",
    "policy_version_id",
    "verification",
    "delay_s",
    "sent_late",
}
SESSION_FIELDS = {
    "id",
    "contact_id",
    "meeting_id",
    "status",
    "is_complete",
    "dest_name",
    "dest_address",
    "dest_lat",
    "dest_lng",
    "occurrence_start",
    "occurrence_end",
    "policy_version_id",
    "radius_m",
    "attendance",
    "session_notes",
    "created_at",
    "updated_at",
}


def session_url(session: Session | str, action: str | None = None) -> str:
    pk = session.pk if isinstance(session, Session) else session
    return f"{SESSIONS}{pk}/{action}/" if action else f"{SESSIONS}{pk}/"


def report(north_m: float = 0, east_m: float = 0, accuracy: float | None = 10, **fields: object) -> dict:
    """An event body from a phone `north_m`/`east_m` metres from the Portland meeting."""
    lat, lng = offset_point(*PORTLAND, north_m=north_m, east_m=east_m)
    body = {"ts_client": (timezone.now() - dt.timedelta(seconds=3)).isoformat(), "lat": lat, "lng": lng}
    if accuracy is not None:
        body["accuracy"] = accuracy
    return {**body, **fields}


def timed_out(**fields: object) -> dict:
    return {"ts_client": (timezone.now() - dt.timedelta(seconds=3)).isoformat(), "gps_timeout": True, **fields}


def post_raw(client, url: str, raw: str):
    return client.post(url, data=raw, content_type="application/json")


def assert_refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], radius_meters=100)


@pytest.fixture
def session(attendee, meeting) -> Session:
    """The `attendee` persona's open session at the Portland meeting."""
    return SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.ACTIVE)


# --- Another attendee's session (who may call what: tests/test_api_permissions.py) -------------


@pytest.mark.parametrize("action", EVENT_ACTIONS)
def test_another_contacts_session_is_not_found_exactly_like_a_missing_one(other_attendee_api, session, action):
    SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE)
    stranger = other_attendee_api.post(session_url(session, action), report(), format="json")
    missing = other_attendee_api.post(session_url(str(uuid.uuid4()), action), report(), format="json")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json() == missing.json() == {"detail": "No such session.", "code": "not_found"}
    assert other_attendee_api.get(session_url(session)).json() == missing.json()
    assert SessionEvent.objects.count() == 1
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE


# --- Starting a session -----------------------------------------------------------------------


class TestStart:
    def test_at_a_meeting_the_destination_is_copied(self, attendee_api, attendee, meeting):
        response = attendee_api.post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == SESSION_FIELDS
        assert body["status"] == "active"
        assert body["is_complete"] is False
        assert (body["contact_id"], body["meeting_id"]) == (attendee.pk, meeting.pk)
        assert (body["dest_name"], body["dest_address"], body["dest_lat"], body["dest_lng"]) == (
            meeting.name,
            meeting.address,
            meeting.lat,
            meeting.lng,
        )
        assert body["radius_m"] == 100
        assert Session.objects.get(pk=body["id"]).contact == attendee

    def test_at_a_staff_approved_destination_the_policys_radius_applies(self, staff_api, api_staff_user):
        # The radius for a place without a meeting is the default jurisdiction's policy's.
        version = publish(Jurisdiction.objects.get(), {"default_radius_m": 75})
        contact = ContactFactory()
        destination = {"dest_name": "Clinic", "dest_address": "1 Main St", "dest_lat": 45.5, "dest_lng": -122.6}
        response = staff_api.post(SESSIONS, {"contact_id": contact.pk, **destination}, format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["meeting_id"], body["dest_name"], body["dest_lat"], body["radius_m"]) == (None, "Clinic", 45.5, 75)
        assert body["policy_version_id"] == version.pk
        assert Session.objects.get().destination_approved_by == api_staff_user

    def test_both_forms_at_once_are_refused_naming_the_fields(self, staff_api, meeting):
        body = {"contact_id": ContactFactory().pk, "meeting_id": meeting.pk, "dest_name": "Clinic", "dest_lat": 45.5}
        errors = assert_refused(staff_api.post(SESSIONS, body, format="json"), 400, "invalid")["errors"]
        assert set(errors) == {"meeting_id", "dest_name", "dest_lat"}
        assert not Session.objects.exists()

    def test_neither_form_is_refused_naming_the_fields(self, staff_api):
        body = {"contact_id": ContactFactory().pk}
        errors = assert_refused(staff_api.post(SESSIONS, body, format="json"), 400, "invalid")["errors"]
        assert set(errors) == {"meeting_id", "dest_name", "dest_address", "dest_lat", "dest_lng"}

    def test_an_attendee_without_a_meeting_is_told_to_name_it(self, attendee_api):
        errors = assert_refused(attendee_api.post(SESSIONS, {}, format="json"), 400, "invalid")["errors"]
        assert set(errors) == {"meeting_id"}

    def test_a_partial_destination_names_what_is_missing(self, staff_api):
        body = {"contact_id": ContactFactory().pk, "dest_name": "Clinic", "dest_lat": 45.5}
        errors = assert_refused(staff_api.post(SESSIONS, body, format="json"), 400, "invalid")["errors"]
        assert set(errors) == {"dest_address", "dest_lng"}

    def test_staff_start_a_session_for_a_contact(self, staff_api, meeting):
        contact = ContactFactory()
        response = staff_api.post(SESSIONS, {"meeting_id": meeting.pk, "contact_id": contact.pk}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["contact_id"] == contact.pk

    def test_staff_must_say_whose_session_it_is(self, staff_api, meeting):
        errors = assert_refused(staff_api.post(SESSIONS, {"meeting_id": meeting.pk}, format="json"), 400, "invalid")
        assert set(errors["errors"]) == {"contact_id"}

    @pytest.mark.parametrize("whose", ["own", "another", "unknown", "malformed"])
    def test_attendees_may_not_pass_a_contact_id_and_learn_nothing_from_it(
        self, attendee_api, attendee, meeting, whose
    ):
        contact_id = {
            "own": lambda: attendee.pk,
            "another": lambda: ContactFactory().pk,
            "unknown": lambda: str(uuid.uuid4()),
            "malformed": lambda: "nope",
        }[whose]()
        response = attendee_api.post(SESSIONS, {"meeting_id": meeting.pk, "contact_id": contact_id}, format="json")
        errors = assert_refused(response, 400, "invalid")["errors"]
        assert errors == {"contact_id": ["Attendees start sessions for themselves; leave contact_id out."]}
        assert not Session.objects.exists()

    def test_an_open_session_is_named_in_the_conflict(self, attendee_api, session, meeting):
        response = attendee_api.post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
        body = assert_refused(response, 409, "open_session_exists")
        assert body["session_id"] == session.pk
        assert Session.objects.count() == 1

    def test_after_a_completed_session_a_new_one_may_start(self, attendee_api, attendee, meeting):
        SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.COMPLETED)
        assert attendee_api.post(SESSIONS, {"meeting_id": meeting.pk}, format="json").status_code == 201

    def test_an_unknown_meeting_is_a_field_error(self, attendee_api):
        response = attendee_api.post(SESSIONS, {"meeting_id": str(uuid.uuid4())}, format="json")
        assert set(assert_refused(response, 400, "invalid")["errors"]) == {"meeting_id"}

    def test_an_inactive_meeting_is_a_conflict(self, attendee_api):
        meeting = MeetingFactory(is_active=False)
        assert_refused(attendee_api.post(SESSIONS, {"meeting_id": meeting.pk}, format="json"), 409, "meeting_inactive")

    def test_an_inactive_contact_is_a_conflict(self, staff_api, meeting):
        contact = ContactFactory(is_active=False)
        response = staff_api.post(SESSIONS, {"meeting_id": meeting.pk, "contact_id": contact.pk}, format="json")
        assert_refused(response, 409, "contact_inactive")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"meeting_id": "not-a-uuid"}, "meeting_id"),
            ({"meeting_id": 12}, "meeting_id"),
            ({"meeting_id": None}, "meeting_id"),
            ({"meeting_id": ["a"]}, "meeting_id"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": 91, "dest_lng": 0}, "dest_lat"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": 0, "dest_lng": -180.5}, "dest_lng"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": "north", "dest_lng": 0}, "dest_lat"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": True, "dest_lng": 0}, "dest_lat"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": "NaN", "dest_lng": 0}, "dest_lat"),
            ({"dest_name": "C", "dest_address": "A", "dest_lat": 0, "dest_lng": "-Infinity"}, "dest_lng"),
            ({"dest_name": "C" * 1_000_000, "dest_address": "A", "dest_lat": 0, "dest_lng": 0}, "dest_name"),
            ({"dest_name": "", "dest_address": "A", "dest_lat": 0, "dest_lng": 0}, "dest_name"),
            ({"dest_name": {"a": 1}, "dest_address": "A", "dest_lat": 0, "dest_lng": 0}, "dest_name"),
        ],
    )
    def test_bad_input_names_its_field(self, staff_api, body, field):
        # As staff: only they may give a destination (an attendee's dest_* is a 403, whatever its value).
        body = {"contact_id": ContactFactory().pk, **body}
        errors = assert_refused(staff_api.post(SESSIONS, body, format="json"), 400, "invalid")["errors"]
        assert field in errors
        assert not Session.objects.exists()

    @pytest.mark.parametrize(
        "raw",
        ["[]", '["meeting_id"]', '"meeting"', "12", "null", "{", '{"dest_lat": NaN}', '{"dest_lat": 1e400}', ""],
    )
    def test_a_body_that_is_not_an_object_is_a_400(self, staff_api, raw):
        # As staff: an attendee's body naming a dest_* field is a 403 (TestDestinations).
        response = post_raw(staff_api, SESSIONS, raw)
        assert response.status_code == 400, response.content
        assert response.json()["code"]


# --- Reading sessions -------------------------------------------------------------------------


class TestList:
    def test_an_attendee_sees_only_their_own_sessions_newest_first(self, attendee_api, attendee):
        older = SessionFactory(contact=attendee, status=SessionStatus.COMPLETED)
        newer = SessionFactory(contact=attendee, status=SessionStatus.ACTIVE)
        SessionFactory()  # someone else's
        body = attendee_api.get(SESSIONS).json()
        assert body["count"] == 2
        assert [s["id"] for s in body["results"]] == [newer.pk, older.pk]
        assert set(body["results"][0]) == SESSION_FIELDS

    def test_staff_see_everyones(self, staff_api):
        SessionFactory.create_batch(3)
        assert staff_api.get(SESSIONS).json()["count"] == 3

    @pytest.fixture
    def sessions(self):
        """Three contacts' sessions, at two meetings, over three days."""
        now = timezone.now()
        library, park = MeetingFactory(), MeetingFactory()
        ann, bob = ContactFactory(), ContactFactory()
        return {
            "ann-library-2-days-ago": SessionFactory(
                contact=ann, meeting=library, status=SessionStatus.COMPLETED, created_at=now - dt.timedelta(days=2)
            ),
            "ann-park-yesterday": SessionFactory(
                contact=ann, meeting=park, status=SessionStatus.ENDED, created_at=now - dt.timedelta(days=1)
            ),
            "ann-library-now": SessionFactory(contact=ann, meeting=library, status=SessionStatus.CHECKED_IN),
            "bob-park-now": SessionFactory(contact=bob, meeting=park, status=SessionStatus.ACTIVE),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (
                lambda s: {"contact_id": s["ann-library-now"].contact_id},
                ["ann-library-now", "ann-park-yesterday", "ann-library-2-days-ago"],
            ),
            (lambda s: {"meeting_id": s["bob-park-now"].meeting_id}, ["bob-park-now", "ann-park-yesterday"]),
            (lambda s: {"status": "checked_in"}, ["ann-library-now"]),
            (
                lambda s: {"created_after": (timezone.now() - dt.timedelta(hours=36)).isoformat()},
                ["bob-park-now", "ann-library-now", "ann-park-yesterday"],
            ),
            (
                lambda s: {"created_before": (timezone.now() - dt.timedelta(hours=12)).isoformat()},
                ["ann-park-yesterday", "ann-library-2-days-ago"],
            ),
            (
                lambda s: {
                    "contact_id": s["ann-library-now"].contact_id.upper(),
                    "created_after": (timezone.now() - dt.timedelta(hours=36)).isoformat(),
                    "created_before": (timezone.now() - dt.timedelta(hours=12)).isoformat(),
                },
                ["ann-park-yesterday"],
            ),
        ],
        ids=["contact", "meeting", "status", "created-after", "created-before", "combined"],
    )
    def test_staff_filter(self, staff_api, sessions, query, expected):
        response = staff_api.get(SESSIONS, query(sessions))
        assert response.status_code == 200, response.content
        names = {s.pk: name for name, s in sessions.items()}
        assert [names[s["id"]] for s in response.json()["results"]] == expected

    def test_an_attendees_filters_narrow_their_own_sessions_only(self, attendee_api, attendee):
        SessionFactory(contact=attendee, status=SessionStatus.COMPLETED)
        stranger = SessionFactory(status=SessionStatus.COMPLETED)
        assert attendee_api.get(SESSIONS, {"contact_id": stranger.contact_id}).json()["count"] == 0
        assert attendee_api.get(SESSIONS, {"status": "completed"}).json()["count"] == 1

    @pytest.mark.parametrize(
        "query",
        [
            {"contact_id": "nope"},
            {"meeting_id": "12"},
            {"status": "open"},
            {"created_after": "yesterday"},
            {"created_before": "2026-13-45T00:00:00Z"},
            {"created_after": "9999-12-31T23:59:59-14:00"},
            {"contact_id": "x" * 100_000},
        ],
    )
    def test_bad_filter_values_are_a_400_naming_the_parameter(self, staff_api, query):
        response = staff_api.get(SESSIONS, query)
        assert set(assert_refused(response, 400, "invalid")["errors"]) == set(query)

    @pytest.mark.parametrize(("persona", "max_queries"), [("attendee", 4), ("staff", 6)])
    @pytest.mark.parametrize("rows", [3, 15])
    def test_a_constant_number_of_queries(
        self, persona_client, attendee, django_assert_max_num_queries, persona, max_queries, rows
    ):
        for _ in range(rows):
            session = SessionFactory(contact=attendee, status=SessionStatus.COMPLETED)
            SessionEventFactory(session=session)
        client = persona_client(persona)
        # token look-up and last-use stamp, (staff: permissions, 2), count, page.
        with django_assert_max_num_queries(max_queries):
            response = client.get(SESSIONS)
        assert len(response.json()["results"]) == rows


class TestDetail:
    def test_a_session_with_its_events_oldest_first(self, attendee_api, session):
        now = timezone.now()
        latest = SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE, ts_server=now)
        first = SessionEventFactory(session=session, ts_server=now - dt.timedelta(minutes=30))
        middle = SessionEventFactory(
            session=session, type=EventType.LOCATION_UPDATE, ts_server=now - dt.timedelta(minutes=5)
        )
        body = attendee_api.get(session_url(session)).json()
        assert set(body) == SESSION_FIELDS | {"events", "refused_attempts"}
        assert [e["id"] for e in body["events"]] == [first.pk, middle.pk, latest.pk]
        assert set(body["events"][0]) == EVENT_FIELDS
        # Rows written without a stored judgement (as the factory writes them) read as the
        # legacy system's: the flag as decided, the distance as a fact, the radius unknown.
        assert body["events"][0]["verification"]["reason"] == "judged_by_legacy_system"
        assert body["events"][0]["verification"]["radius_m"] is None
        assert body["events"][0]["distance_m"] == pytest.approx(0, abs=0.5)
        assert body["events"][0]["policy_version_id"] is None
        assert body["refused_attempts"] == []

    @pytest.mark.parametrize("pk", [str(uuid.uuid4()), "nope", "x" * 5000])
    def test_unknown_or_malformed_ids_are_404(self, staff_api, pk):
        assert_refused(staff_api.get(session_url(pk)), 404, "not_found")

    @pytest.mark.parametrize("events", [3, 15])
    def test_a_constant_number_of_queries(self, attendee_api, session, django_assert_max_num_queries, events):
        SessionEventFactory.create_batch(events, session=session, type=EventType.LOCATION_UPDATE)
        # token look-up and last-use stamp, the session with its meeting and policy version, its
        # events, its refused attempts.
        with django_assert_max_num_queries(5):
            assert len(attendee_api.get(session_url(session)).json()["events"]) == events


class TestActive:
    def test_the_attendees_open_session_with_its_events(self, attendee_api, attendee, session):
        SessionFactory(contact=attendee, status=SessionStatus.COMPLETED)
        SessionEventFactory(session=session, type=EventType.LOCATION_UPDATE)
        body = attendee_api.get(ACTIVE).json()
        assert body["id"] == session.pk
        assert len(body["events"]) == 1

    @pytest.mark.parametrize("status", [SessionStatus.COMPLETED, SessionStatus.ENDED, None])
    def test_404_when_there_is_none(self, attendee_api, attendee, status):
        if status:
            SessionFactory(contact=attendee, status=status)
        SessionFactory(status=SessionStatus.ACTIVE)  # someone else's
        assert_refused(attendee_api.get(ACTIVE), 404, "not_found")

    def test_staff_name_the_contact(self, staff_api, session):
        assert staff_api.get(ACTIVE, {"contact_id": session.contact_id}).json()["id"] == session.pk

    @pytest.mark.parametrize("query", [{}, {"contact_id": "nope"}, {"contact_id": ""}])
    def test_staff_without_a_valid_contact_id_get_a_400(self, staff_api, session, query):
        assert set(assert_refused(staff_api.get(ACTIVE, query), 400, "invalid")["errors"]) == {"contact_id"}


# --- Recording events -------------------------------------------------------------------------


def status_of(session: Session) -> str:
    session.refresh_from_db()
    return session.status


class TestCheckIn:
    def test_inside_the_radius_is_granted_and_checks_in(self, attendee_api, session):
        response = attendee_api.post(session_url(session, "check-in"), report(north_m=60), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert set(body) == EVENT_FIELDS
        event = SessionEvent.objects.get()
        assert (body["id"], body["session_id"], body["type"]) == (event.pk, session.pk, "check_in")
        assert (body["location_flag"], body["session_status"]) == ("granted", "checked_in")
        assert body["distance_m"] == pytest.approx(60, abs=0.5)
        assert body["verification"] == {
            "reason": "within_radius",
            "explanation": "Verified: within the meeting's check-in radius.",
            "distance_m": pytest.approx(60, abs=0.5),
            "radius_m": 100.0,
        }
        assert (body["policy_version_id"], body["sent_late"]) == (DEFAULT_VERSION_ID, False)
        assert 0 < body["delay_s"] < 60
        assert (body["lat"], body["lng"], body["accuracy"]) == (event.lat, event.lng, 10.0)
        assert status_of(session) == SessionStatus.CHECKED_IN

    def test_outside_the_radius_is_denied_kept_as_evidence_and_may_be_retried(self, attendee_api, session):
        response = attendee_api.post(session_url(session, "check-in"), report(north_m=500), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["location_flag"], body["verification"]["reason"]) == ("denied", "outside_radius")
        assert body["distance_m"] == pytest.approx(500, abs=1)
        assert body["session_status"] == "active"
        assert status_of(session) == SessionStatus.ACTIVE
        again = attendee_api.post(session_url(session, "check-in"), report(), format="json")
        assert again.json()["location_flag"] == "granted"
        assert SessionEvent.objects.count() == 2

    def test_a_gps_timeout_needs_no_coordinates(self, attendee_api, session):
        response = attendee_api.post(session_url(session, "check-in"), timed_out(), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["location_flag"], body["lat"], body["lng"], body["distance_m"]) == ("timeout", None, None, None)
        assert body["verification"]["reason"] == "gps_timeout"
        assert status_of(session) == SessionStatus.ACTIVE

    @pytest.mark.parametrize(("accuracy", "reason"), [(151, "accuracy_too_low"), (None, "accuracy_unknown")])
    def test_an_imprecise_fix_inside_the_radius_is_denied(self, attendee_api, session, accuracy, reason):
        body = attendee_api.post(session_url(session, "check-in"), report(accuracy=accuracy), format="json").json()
        assert (body["location_flag"], body["verification"]["reason"]) == ("denied", reason)
        assert status_of(session) == SessionStatus.ACTIVE

    def test_a_client_cannot_grant_itself(self, attendee_api, session):
        body = report(
            north_m=5000, location_flag="granted", distance_m=0, type="check_out", session_status="checked_in"
        )
        response = attendee_api.post(session_url(session, "check-in"), body, format="json")
        assert (response.json()["location_flag"], response.json()["type"]) == ("denied", "check_in")
        assert status_of(session) == SessionStatus.ACTIVE

    def test_notes_and_client_time_are_kept(self, attendee_api, attendee):
        # A check-in queued for 3 hours: the meeting started before then, so the phone's time
        # (where an event sent late is placed) falls in its check-in window.
        now = timezone.now()
        meeting = MeetingFactory(
            start_time=now - dt.timedelta(hours=3, minutes=10), end_time=now + dt.timedelta(hours=1)
        )
        session = SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.ACTIVE)
        ts_client = (now - dt.timedelta(hours=3)).replace(microsecond=123456)
        local = ts_client.astimezone(dt.timezone(dt.timedelta(hours=-8))).isoformat()
        body = report(ts_client=local, notes="Front door")
        response = attendee_api.post(session_url(session, "check-in"), body, format="json")
        assert response.status_code == 201, response.content
        response = response.json()
        assert dt.datetime.fromisoformat(response["ts_client"]) == ts_client
        assert response["notes"] == "Front door"
        assert dt.datetime.fromisoformat(response["ts_server"]) > ts_client + dt.timedelta(hours=2)
        assert response["sent_late"] is True
        assert response["delay_s"] == pytest.approx(3 * 3600, abs=60)

    def test_staff_record_on_anyones_session(self, staff_api, session):
        response = staff_api.post(session_url(session, "check-in"), report(), format="json")
        assert response.status_code == 201, response.content
        assert status_of(session) == SessionStatus.CHECKED_IN

    def test_a_check_in_takes_at_most_8_queries_all_told(self, attendee_api, session, django_assert_max_num_queries):
        SessionEventFactory.create_batch(5, session=session, type=EventType.LOCATION_UPDATE)
        # token look-up and last-use stamp; savepoint, lock, retry look-up, insert, status, release.
        with django_assert_max_num_queries(8):
            response = attendee_api.post(session_url(session, "check-in"), report(id=str(uuid.uuid4())), format="json")
        assert response.status_code == 201

    def test_a_staff_check_in_adds_only_the_permission_check_and_the_audit_trail(
        self, staff_api, session, django_assert_max_num_queries
    ):
        # The 8 above, plus the staff user's permissions (their own, their groups') and the
        # audit trail's record of a staff member changing the session.
        with django_assert_max_num_queries(11):
            response = staff_api.post(session_url(session, "check-in"), report(id=str(uuid.uuid4())), format="json")
        assert response.status_code == 201


class TestOtherEvents:
    def test_check_out_completes_the_session_whatever_the_verdict(self, attendee_api, attendee, meeting):
        session = SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.CHECKED_IN)
        response = attendee_api.post(session_url(session, "check-out"), report(north_m=900), format="json")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["type"], body["location_flag"], body["session_status"]) == ("check_out", "denied", "completed")
        detail = attendee_api.get(session_url(session)).json()
        assert (detail["status"], detail["is_complete"]) == ("completed", True)

    @pytest.mark.parametrize("status", [SessionStatus.ACTIVE, SessionStatus.CHECKED_IN])
    def test_a_location_update_leaves_the_status_alone(self, attendee_api, attendee, meeting, status):
        session = SessionFactory(contact=attendee, meeting=meeting, status=status)
        body = attendee_api.post(session_url(session, "location"), report(north_m=300), format="json").json()
        assert (body["type"], body["session_status"]) == ("location_update", status)
        assert status_of(session) == status

    def test_end_records_a_status_change(self, attendee_api, session):
        body = attendee_api.post(session_url(session, "end"), timed_out(notes="Family emergency"), format="json").json()
        assert (body["type"], body["session_status"], body["notes"]) == ("status_change", "ended", "Family emergency")
        session.refresh_from_db()
        assert (session.status, session.is_complete) == (SessionStatus.ENDED, True)

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            (SessionStatus.CHECKED_IN, "check-in"),
            (SessionStatus.COMPLETED, "check-in"),
            (SessionStatus.ENDED, "check-in"),
            (SessionStatus.ACTIVE, "check-out"),
            (SessionStatus.COMPLETED, "check-out"),
            (SessionStatus.ENDED, "check-out"),
            (SessionStatus.COMPLETED, "location"),
            (SessionStatus.ENDED, "location"),
            (SessionStatus.COMPLETED, "end"),
            (SessionStatus.ENDED, "end"),
        ],
    )
    def test_any_other_transition_is_a_conflict_and_stores_nothing(
        self, attendee_api, attendee, meeting, status, action
    ):
        session = SessionFactory(contact=attendee, meeting=meeting, status=status)
        body = assert_refused(
            attendee_api.post(session_url(session, action), report(), format="json"), 409, "invalid_transition"
        )
        assert body["status"] == status
        assert not SessionEvent.objects.exists()
        assert status_of(session) == status


class TestConsent:
    @pytest.mark.parametrize("action", EVENT_ACTIONS)
    def test_without_consent_nothing_is_stored(self, attendee_api, attendee, meeting, action):
        status = SessionStatus.CHECKED_IN if action == "check-out" else SessionStatus.ACTIVE
        session = SessionFactory(contact=attendee, meeting=meeting, status=status)
        attendee.record_consent(granted=False)
        assert_refused(
            attendee_api.post(session_url(session, action), report(), format="json"), 403, "consent_required"
        )
        assert not SessionEvent.objects.exists()
        assert status_of(session) == status


class TestClientTime:
    def test_a_few_minutes_ahead_is_clock_drift(self, attendee_api, session):
        ahead = (timezone.now() + dt.timedelta(minutes=4)).isoformat()
        assert (
            attendee_api.post(session_url(session, "check-in"), report(ts_client=ahead), format="json").status_code
            == 201
        )

    @pytest.mark.parametrize(
        ("ts_client", "code"),
        [
            (lambda: timezone.now() + dt.timedelta(minutes=6), "ts_client_in_future"),
            (lambda: timezone.now() - dt.timedelta(days=8), "ts_client_too_old"),
            (lambda: timezone.now().replace(tzinfo=None) - dt.timedelta(minutes=1), "ts_client_without_offset"),
        ],
        ids=["future", "too-old", "naive"],
    )
    def test_refused_times_store_nothing(self, attendee_api, session, ts_client, code):
        body = report(ts_client=ts_client().isoformat())
        assert_refused(attendee_api.post(session_url(session, "check-in"), body, format="json"), 400, code)
        assert not SessionEvent.objects.exists()
        assert status_of(session) == SessionStatus.ACTIVE

    @pytest.mark.parametrize("offset", ["+19:40", "-23:59", "+00:00"])
    def test_any_utc_offset_python_reads_is_stored_as_the_same_instant(self, attendee_api, session, offset):
        """PostgreSQL itself refuses offsets beyond +-15:59; the time reaches it in UTC."""
        hours, minutes = int(offset[1:3]), int(offset[4:])
        sign = 1 if offset[0] == "+" else -1
        zone = dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
        sent = timezone.now().astimezone(zone).replace(microsecond=0) - dt.timedelta(minutes=1)
        response = attendee_api.post(
            session_url(session, "check-in"), report(ts_client=sent.isoformat()), format="json"
        )
        assert response.status_code == 201, response.json()
        assert SessionEvent.objects.get().ts_client == sent

    def test_queued_offline_for_days_is_accepted(self, attendee_api, session):
        queued = (timezone.now() - dt.timedelta(days=6)).isoformat()
        assert (
            attendee_api.post(session_url(session, "location"), report(ts_client=queued), format="json").status_code
            == 201
        )


class TestRetries:
    def test_the_same_request_again_returns_the_stored_event_with_200(self, attendee_api, session):
        body = report(id=str(uuid.uuid4()), notes="Side entrance")
        first = attendee_api.post(session_url(session, "check-in"), body, format="json")
        retry = attendee_api.post(session_url(session, "check-in"), body, format="json")
        assert (first.status_code, retry.status_code) == (201, 200)
        assert retry.json() == first.json()
        assert retry.json()["id"] == body["id"]
        assert SessionEvent.objects.count() == 1

    def test_a_retried_timeout_is_recognised(self, attendee_api, session):
        body = timed_out(id=str(uuid.uuid4()))
        attendee_api.post(session_url(session, "check-in"), body, format="json")
        assert attendee_api.post(session_url(session, "check-in"), body, format="json").status_code == 200

    def test_a_retry_after_the_session_moved_on_still_gets_the_stored_event(self, attendee_api, session):
        check_in = report(id=str(uuid.uuid4()))
        attendee_api.post(session_url(session, "check-in"), check_in, format="json")
        attendee_api.post(session_url(session, "check-out"), report(), format="json")
        retry = attendee_api.post(session_url(session, "check-in"), check_in, format="json")
        assert retry.status_code == 200
        assert (retry.json()["type"], retry.json()["session_status"]) == ("check_in", "completed")

    @pytest.mark.parametrize(
        "change",
        [{"lat": 45.52}, {"notes": "something else"}, {"accuracy": 11}, {"gps_timeout": True}],
    )
    def test_the_same_id_with_different_content_is_a_conflict(self, attendee_api, session, change):
        body = report(id=str(uuid.uuid4()))
        attendee_api.post(session_url(session, "check-in"), body, format="json")
        response = attendee_api.post(session_url(session, "check-in"), {**body, **change}, format="json")
        assert assert_refused(response, 409, "event_id_conflict")["event_id"] == body["id"]
        assert SessionEvent.objects.count() == 1

    @pytest.mark.parametrize("event_id", [str(uuid.uuid1()), "0" * 8 + "-0000-0000-0000-" + "0" * 12])
    def test_an_id_that_is_not_a_uuid4_is_refused(self, attendee_api, session, event_id):
        response = attendee_api.post(session_url(session, "check-in"), report(id=event_id), format="json")
        assert_refused(response, 400, "invalid_event_id")


# --- Malformed input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ts_client": None}, "ts_client"),
        ({"ts_client": "yesterday"}, "ts_client"),
        ({"ts_client": 1_764_000_000}, "ts_client"),
        ({"ts_client": "9999-12-31T23:59:59-14:00"}, "ts_client"),
        ({"ts_client": "0001-01-01T00:00:00+14:00"}, "ts_client"),
        ({"ts_client": ["2026-01-01T00:00:00Z"]}, "ts_client"),
        ({"lat": 90.0001}, "lat"),
        ({"lat": -91}, "lat"),
        ({"lng": 180.5}, "lng"),
        ({"lat": "north"}, "lat"),
        ({"lat": True}, "lat"),
        ({"lat": "NaN"}, "lat"),
        ({"lng": "Infinity"}, "lng"),
        ({"lat": "1" * 2000}, "lat"),
        ({"lat": {"deg": 45}}, "lat"),
        ({"accuracy": -1}, "accuracy"),
        ({"accuracy": 1e300}, "accuracy"),
        ({"accuracy": "-inf"}, "accuracy"),
        ({"gps_timeout": "maybe"}, "gps_timeout"),
        ({"gps_timeout": None}, "gps_timeout"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": "x" * 1_000_000}, "id"),
        ({"id": {"uuid": 4}}, "id"),
        ({"notes": "\u0000"}, "notes"),
        ({"notes": "\ud800"}, "notes"),
        ({"notes": "n" * 1_000_000}, "notes"),
        ({"notes": ["a"]}, "notes"),
    ],
)
def test_malformed_fields_are_named(attendee_api, session, change, field):
    # Encoded here: the test client's encoder refuses a lone surrogate, a client's need not.
    raw = json.dumps({**report(), **change})
    errors = assert_refused(post_raw(attendee_api, session_url(session, "check-in"), raw), 400, "invalid")
    assert field in errors["errors"]
    assert not SessionEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"lat": 45.5}, "invalid_position"),
        ({"lng": -122.6}, "invalid_position"),
        ({}, "position_required"),
        ({"lat": None, "lng": None}, "position_required"),
    ],
)
def test_a_position_is_both_coordinates_unless_gps_timed_out(attendee_api, session, body, code):
    body = {"ts_client": timezone.now().isoformat(), **body}
    assert_refused(attendee_api.post(session_url(session, "check-in"), body, format="json"), 400, code)


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        "[{}]",
        '"check-in"',
        "42",
        "null",
        "{",
        "",
        '{"lat": NaN, "lng": 0}',
        '{"lat": Infinity, "lng": 0}',
        '{"lat": 1e400, "lng": 0}',
        '{"lat": 1' + "0" * 400 + ', "lng": 0}',
        '{"lat": 1' + "0" * 5000 + ', "lng": 0}',
        '{"ts_client": "\\u0000"}',
    ],
)
def test_a_body_that_is_not_a_valid_object_is_a_400(attendee_api, session, raw):
    response = post_raw(attendee_api, session_url(session, "check-in"), raw)
    assert response.status_code == 400, response.content
    assert response.json()["code"]
    assert not SessionEvent.objects.exists()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=50),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=5,
)
REPORT_VALUES = {
    "ts_client": st.datetimes(timezones=st.timezones()).map(lambda t: t.isoformat()) | JSON_VALUES,
    "lat": st.floats(-95, 95) | JSON_VALUES,
    "lng": st.floats(-185, 185) | JSON_VALUES,
    "accuracy": st.floats(-10, 1e9) | JSON_VALUES,
    "gps_timeout": st.booleans() | JSON_VALUES,
    "notes": st.text() | JSON_VALUES,
    "id": st.uuids().map(str) | JSON_VALUES,
}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    action=st.sampled_from(EVENT_ACTIONS),
    body=st.fixed_dictionaries({}, optional=REPORT_VALUES) | JSON_VALUES,
)
def test_no_report_is_a_server_error(attendee_api, session, action, body):
    response = post_raw(attendee_api, session_url(session, action), json.dumps(body, allow_nan=True))
    assert response.status_code < 500, response.content
    assert response.json()["code"] if response.status_code >= 400 else response.json()["id"]
