"""Property-based fuzzing of the API's inputs: whatever a client sends, the answer is never a 5xx.

Hypothesis generates bodies and query strings of every shape (wrong types, missing and extra
fields, NaN and infinity, huge numbers, long strings, non-objects) for the endpoints that take
input. A fixed number of examples per endpoint keeps the run bounded.
"""

import json
import uuid

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attendance.models import SessionStatus
from tests.factories import MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(min_size=5000, max_size=6000),
    st.sampled_from(
        [
            "2026-11-25T10:00:00Z",
            "2026-11-25T10:00:00",
            "2026-13-45T99:00:00+00:00",
            "yesterday",
            str(uuid.uuid4()),
            str(uuid.uuid1()),
            "00000000-0000-0000-0000-000000000000",
            "",
            "45.5",
            "-122.6",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


def bodies(fields: list[str]) -> st.SearchStrategy:
    """Objects with any subset of the real fields (plus strangers), and things that are not objects."""
    known = st.dictionaries(st.sampled_from(fields), values, max_size=len(fields))
    return st.one_of(known, known.map(lambda d: {**d, "unexpected": 1}), values)


def post_json(client, url: str, body: object):
    # json.dumps, not the test client's renderer: it must be able to send NaN and Infinity.
    return client.post(url, data=json.dumps(body), content_type="application/json")


EVENT_FIELDS = ["ts_client", "lat", "lng", "accuracy", "notes", "gps_timeout", "id"]


@pytest.mark.parametrize("action", ["check-in", "check-out", "location", "end"])
def test_event_endpoints_never_answer_5xx(attendee, attendee_api, action):
    meeting = MeetingFactory()

    @FUZZ
    @given(body=bodies(EVENT_FIELDS))
    def run(body):
        session = SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.CHECKED_IN)
        try:
            response = post_json(attendee_api, f"/api/v1/sessions/{session.id}/{action}/", body)
            assert response.status_code < 500, (body, response.content[:300])
        finally:
            # Close the session so the next example can open one.
            type(session).objects.filter(pk=session.pk).update(status=SessionStatus.ENDED, is_complete=True)

    run()


def test_a_well_formed_check_in_from_anywhere_is_never_5xx(attendee, attendee_api):
    meeting = MeetingFactory()
    positions = st.fixed_dictionaries(
        {
            "lat": st.floats(min_value=-90, max_value=90),
            "lng": st.floats(min_value=-180, max_value=180),
            "accuracy": st.floats(min_value=0, max_value=1e6),
        }
    )

    @FUZZ
    @given(position=positions)
    def run(position):
        session = SessionFactory(contact=attendee, meeting=meeting, status=SessionStatus.ACTIVE)
        body = {**position, "ts_client": timezone.now().isoformat(), "id": str(uuid.uuid4())}
        try:
            response = post_json(attendee_api, f"/api/v1/sessions/{session.id}/check-in/", body)
            assert response.status_code == 201, (body, response.content[:300])
            assert response.json()["location_flag"] in ("granted", "denied")
        finally:
            type(session).objects.filter(pk=session.pk).update(status=SessionStatus.ENDED, is_complete=True)

    run()


def test_starting_a_session_never_answers_5xx(attendee_api, staff_api):
    MeetingFactory()

    @FUZZ
    @given(
        body=bodies(["meeting_id", "dest_name", "dest_address", "dest_lat", "dest_lng", "contact_id"]),
        as_staff=st.booleans(),
    )
    def run(body, as_staff):
        response = post_json(staff_api if as_staff else attendee_api, "/api/v1/sessions/", body)
        assert response.status_code < 500, (body, response.content[:300])
        if response.status_code == 201:
            # Close it, so the next example is not refused for an open session.
            from attendance.models import Session

            Session.objects.filter(pk=response.json()["id"]).update(status=SessionStatus.ENDED, is_complete=True)

    run()


def test_sign_in_and_consent_never_answer_5xx(api_client, attendee_api):
    @FUZZ
    @given(credentials=bodies(["email", "password"]), consent=bodies(["granted"]))
    def run(credentials, consent):
        assert post_json(api_client, "/api/v1/auth/token/", credentials).status_code < 500
        assert post_json(attendee_api, "/api/v1/me/consent/", consent).status_code < 500

    run()


def test_staff_writes_never_answer_5xx(staff_api):
    contact_fields = ["email", "phone", "first_name", "last_name", "ghl_contact_id", "notes", "is_active", "password"]
    meeting_fields = [
        "name",
        "description",
        "address",
        "lat",
        "lng",
        "radius_meters",
        "start_time",
        "end_time",
        "qr_code",
    ]

    @FUZZ
    @given(contact=bodies(contact_fields), meeting=bodies(meeting_fields))
    def run(contact, meeting):
        assert post_json(staff_api, "/api/v1/contacts/", contact).status_code < 500
        assert post_json(staff_api, "/api/v1/meetings/", meeting).status_code < 500

    run()


def test_list_filters_never_answer_5xx(attendee_api, staff_api):
    params = st.dictionaries(
        st.sampled_from(
            [
                "lat",
                "lng",
                "radius_km",
                "page",
                "page_size",
                "status",
                "contact_id",
                "meeting_id",
                "session_id",
                "created_after",
                "created_before",
                "type",
                "location_flag",
                "search",
                "is_active",
                "ordering",
            ]
        ),
        st.one_of(st.text(max_size=30), st.floats().map(str), st.integers().map(str)),
        max_size=4,
    )

    @FUZZ
    @given(query=params)
    def run(query):
        for client, url in [
            (attendee_api, "/api/v1/meetings/"),
            (staff_api, "/api/v1/meetings/"),
            (attendee_api, "/api/v1/sessions/"),
            (staff_api, "/api/v1/sessions/"),
            (staff_api, "/api/v1/events/"),
            (staff_api, "/api/v1/contacts/"),
        ]:
            response = client.get(url, query)
            assert response.status_code < 500, (url, query, response.content[:300])

    run()
