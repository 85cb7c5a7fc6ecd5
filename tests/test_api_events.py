"""/api/v1/events/: staff read every attendance event; nobody changes or deletes one."""

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from attendance.models import EventType, LocationFlag, SessionEvent, SessionStatus
from core.geo import offset_point
from policies.models import DEFAULT_VERSION_ID
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/events/"
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


def event_url(event: SessionEvent | str) -> str:
    return f"{EVENTS}{event.pk if isinstance(event, SessionEvent) else event}/"


@pytest.fixture
def event(attendee) -> SessionEvent:
    """A verified check-in by the `attendee` persona."""
    session = SessionFactory(contact=attendee, status=SessionStatus.CHECKED_IN)
    return SessionEventFactory(session=session, notes="At the front desk")


# --- Writing (who may call what: tests/test_api_permissions.py) --------------------------------


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_no_endpoint_changes_or_deletes_an_event(staff_api, event, method):
    before = SessionEvent.objects.values().get(pk=event.pk)
    response = getattr(staff_api, method)(event_url(event), {"location_flag": "denied"}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert SessionEvent.objects.values().get(pk=event.pk) == before


# --- Reading ----------------------------------------------------------------------------------


def test_the_list_is_newest_first_with_the_servers_verdict(staff_api, event):
    session = event.session
    far = offset_point(session.dest_lat, session.dest_lng, north_m=400, east_m=0)
    # Judged as attendance.services stores it: the version, the reason, the distance, the radius.
    later = SessionEventFactory(
        session=session,
        type=EventType.LOCATION_UPDATE,
        location_flag=LocationFlag.DENIED,
        lat=far[0],
        lng=far[1],
        ts_server=timezone.now() + dt.timedelta(minutes=1),
        policy_version_id=DEFAULT_VERSION_ID,
        verdict_reason="outside_radius",
        distance_m=400.0,
        radius_m=session.meeting.radius_meters,
    )
    body = staff_api.get(EVENTS).json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["id"], oldest["id"]) == (later.pk, event.pk)
    assert set(newest) == EVENT_FIELDS
    assert (newest["location_flag"], newest["verification"]["reason"]) == ("denied", "outside_radius")
    assert newest["distance_m"] == newest["verification"]["distance_m"] == 400.0
    assert newest["verification"]["radius_m"] == session.meeting.radius_meters
    assert newest["policy_version_id"] == DEFAULT_VERSION_ID
    # The factory's check-in was stored without a judgement: the legacy system's.
    assert (oldest["verification"]["reason"], oldest["verification"]["radius_m"]) == ("judged_by_legacy_system", None)
    assert oldest["policy_version_id"] is None
    assert (oldest["session_id"], oldest["session_status"], oldest["notes"]) == (
        session.pk,
        "checked_in",
        "At the front desk",
    )


def test_a_timed_out_event_has_no_distance(staff_api):
    event = SessionEventFactory(timed_out=True)
    body = staff_api.get(event_url(event)).json()
    assert (body["lat"], body["distance_m"], body["verification"]["reason"]) == (None, None, "gps_timeout")


@pytest.mark.parametrize("pk", [str(uuid.uuid4()), "nope"])
def test_an_unknown_event_is_404(staff_api, pk):
    response = staff_api.get(event_url(pk))
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


class TestFilters:
    @pytest.fixture
    def events(self):
        """Two contacts' evidence at two meetings over two hours."""
        now = timezone.now()
        ann, bob = ContactFactory(consenting=True), ContactFactory(consenting=True)
        ann_session = SessionFactory(contact=ann, meeting=MeetingFactory(), status=SessionStatus.COMPLETED)
        bob_session = SessionFactory(contact=bob, meeting=MeetingFactory(lat=PORTLAND[0] + 0.01), status="active")
        return {
            "ann-denied": SessionEventFactory(
                session=ann_session,
                location_flag=LocationFlag.DENIED,
                lat=PORTLAND[0] + 0.01,
                ts_server=now - dt.timedelta(hours=2),
            ),
            "ann-check-in": SessionEventFactory(session=ann_session, ts_server=now - dt.timedelta(minutes=90)),
            "ann-check-out": SessionEventFactory(
                session=ann_session, type=EventType.CHECK_OUT, ts_server=now - dt.timedelta(minutes=30)
            ),
            "bob-timeout": SessionEventFactory(session=bob_session, timed_out=True, ts_server=now),
        }

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (lambda e: {"session_id": e["bob-timeout"].session_id}, ["bob-timeout"]),
            (
                lambda e: {"contact_id": e["ann-denied"].session.contact_id},
                ["ann-check-out", "ann-check-in", "ann-denied"],
            ),
            (lambda e: {"type": "check_out"}, ["ann-check-out"]),
            (lambda e: {"location_flag": "denied"}, ["ann-denied"]),
            (lambda e: {"location_flag": "timeout"}, ["bob-timeout"]),
            (
                lambda e: {"ts_server_after": (timezone.now() - dt.timedelta(minutes=100)).isoformat()},
                ["bob-timeout", "ann-check-out", "ann-check-in"],
            ),
            (
                lambda e: {"ts_server_before": e["ann-check-in"].ts_server.isoformat()},
                ["ann-denied"],
            ),
            (
                lambda e: {
                    "contact_id": e["ann-denied"].session.contact_id.upper(),
                    "type": "check_in",
                    "location_flag": "granted",
                    "ts_server_after": e["ann-check-in"].ts_server.isoformat(),
                },
                ["ann-check-in"],
            ),
        ],
        ids=["session", "contact", "type", "denied", "timeout", "after", "before-is-exclusive", "combined"],
    )
    def test_staff_filter(self, staff_api, events, query, expected):
        response = staff_api.get(EVENTS, query(events))
        assert response.status_code == 200, response.content
        names = {e.pk: name for name, e in events.items()}
        assert [names[e["id"]] for e in response.json()["results"]] == expected

    @pytest.mark.parametrize(
        "query",
        [
            {"session_id": "nope"},
            {"contact_id": "12"},
            {"type": "check-in"},
            {"location_flag": "verified"},
            {"ts_server_after": "last tuesday"},
            {"ts_server_before": "9999-12-31T23:59:59-14:00"},
            {"ts_server_after": "0001-01-01T00:00:00+14:00"},
            {"session_id": "x" * 100_000},
        ],
    )
    def test_bad_filter_values_are_a_400_naming_the_parameter(self, staff_api, query):
        response = staff_api.get(EVENTS, query)
        assert response.status_code == 400, response.content
        body = response.json()
        assert body["code"] == "invalid"
        assert set(body["errors"]) == set(query)


@pytest.mark.parametrize("rows", [3, 15])
def test_the_list_runs_a_constant_number_of_queries(staff_api, django_assert_max_num_queries, rows):
    # Each event in its own session, contact and meeting: nothing is shared that could hide an N+1.
    for _ in range(rows):
        SessionEventFactory(session=SessionFactory(status=SessionStatus.CHECKED_IN))
    # token look-up and last-use stamp, permissions (user's, groups'), count, page.
    with django_assert_max_num_queries(6):
        response = staff_api.get(EVENTS)
    assert len(response.json()["results"]) == rows
