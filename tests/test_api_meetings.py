"""/api/v1/meetings/: attendees find active meetings (nearby, by QR code); staff manage them."""

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.geo import haversine_m, offset_point
from meetings.models import Meeting
from tests.conftest import staff_api_with
from tests.factories import PORTLAND, MeetingFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/meetings/"
PUBLIC_FIELDS = {
    "id",
    "name",
    "description",
    "address",
    "lat",
    "lng",
    "time_zone",
    "radius_meters",
    "start_time",
    "end_time",
    "recurrence",
    "cancelled_dates",
    "kinds",
    "is_active",
    "created_at",
    "updated_at",
    "distance_m",
}
STAFF_FIELDS = PUBLIC_FIELDS | {"qr_code", "created_by", "jurisdiction_id"}
URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")


def detail_url(meeting: Meeting) -> str:
    return f"{LIST_URL}{meeting.pk}/"


def qr_url(code: str) -> str:
    return f"{LIST_URL}qr/{code}/"


def rotate_url(meeting: Meeting) -> str:
    return f"{LIST_URL}{meeting.pk}/rotate-qr/"


def new_meeting(**overrides) -> dict:
    """A valid creation body: the library in Portland, 7 to 8 pm on 7 May 2030 (Pacific time)."""
    return {
        "name": "Tuesday night group",
        "address": "801 SW 10th Ave, Portland, OR 97205",
        "lat": PORTLAND[0],
        "lng": PORTLAND[1],
        "radius_meters": 150,
        "start_time": "2030-05-07T19:00:00-07:00",
        "end_time": "2030-05-07T20:00:00-07:00",
        **overrides,
    }


def error_fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    return set(response.json()["errors"])


# --- Methods (who may call what: tests/test_api_permissions.py) --------------------------------


def test_put_is_not_offered(staff_api):
    meeting = MeetingFactory()
    assert staff_api.put(detail_url(meeting), new_meeting(), format="json").status_code == 405


# --- list ---------------------------------------------------------------------------------------


def test_list_is_paginated_and_shows_active_meetings_only(attendee_api):
    MeetingFactory(name="B open")
    MeetingFactory(name="A open")
    MeetingFactory(name="closed", is_active=False)

    body = attendee_api.get(LIST_URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert [m["name"] for m in body["results"]] == ["A open", "B open"]


def test_list_orders_by_start_time_with_undated_meetings_last(attendee_api):
    later = MeetingFactory(name="later")
    MeetingFactory(name="undated", start_time=None, end_time=None)
    MeetingFactory(name="earlier", start_time=later.start_time - dt.timedelta(days=1))

    names = [m["name"] for m in attendee_api.get(LIST_URL).json()["results"]]

    assert names == ["earlier", "later", "undated"]


def test_list_pages(attendee_api):
    MeetingFactory.create_batch(3)
    body = attendee_api.get(LIST_URL, {"page_size": 2}).json()
    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"] is not None
    assert attendee_api.get(LIST_URL, {"page": 99}).status_code == 404


def test_without_a_position_distance_is_null(attendee_api):
    MeetingFactory()
    (listed,) = attendee_api.get(LIST_URL).json()["results"]
    assert listed["distance_m"] is None


def test_staff_list_deactivated_meetings_on_request(staff_api):
    MeetingFactory(name="open")
    MeetingFactory(name="closed", is_active=False)

    assert [m["name"] for m in staff_api.get(LIST_URL).json()["results"]] == ["open"]
    assert [m["name"] for m in staff_api.get(LIST_URL, {"is_active": "false"}).json()["results"]] == ["closed"]
    assert [m["name"] for m in staff_api.get(LIST_URL, {"is_active": "true"}).json()["results"]] == ["open"]


def test_attendees_cannot_ask_for_deactivated_meetings(attendee_api):
    MeetingFactory(is_active=False)
    assert error_fields(attendee_api.get(LIST_URL, {"is_active": "false"})) == {"is_active"}
    assert attendee_api.get(LIST_URL, {"is_active": "true"}).json()["count"] == 0


# --- nearby -------------------------------------------------------------------------------------


@pytest.fixture
def around_portland():
    """Meetings due north of the library at known distances, and one that is closed."""
    for name, north_m in [("4.9 km", 4_900), ("100 m", 100), ("20 km", 20_000), ("1 km", 1_000), ("5.1 km", 5_100)]:
        lat, lng = offset_point(*PORTLAND, north_m=north_m, east_m=0)
        MeetingFactory(name=name, lat=lat, lng=lng)
    MeetingFactory(name="closed, 50 m", lat=offset_point(*PORTLAND, 50, 0)[0], lng=PORTLAND[1], is_active=False)


def nearby(client: APIClient, **params) -> list[dict]:
    response = client.get(LIST_URL, {"lat": PORTLAND[0], "lng": PORTLAND[1], **params})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_nearby_within_five_km_by_default_nearest_first(attendee_api, around_portland):
    found = nearby(attendee_api)
    assert [m["name"] for m in found] == ["100 m", "1 km", "4.9 km"]
    for meeting in found:
        assert meeting["distance_m"] == pytest.approx(haversine_m(*PORTLAND, meeting["lat"], meeting["lng"]), abs=0.1)
    assert found[0]["distance_m"] == pytest.approx(100, abs=0.5)


def test_nearby_with_a_radius(attendee_api, around_portland):
    assert [m["name"] for m in nearby(attendee_api, radius_km=1.5)] == ["100 m", "1 km"]
    assert [m["name"] for m in nearby(attendee_api, radius_km="25")] == ["100 m", "1 km", "4.9 km", "5.1 km", "20 km"]


def test_nearby_deactivated_meetings_for_staff_only_on_request(staff_api, around_portland):
    assert "closed, 50 m" not in [m["name"] for m in nearby(staff_api)]
    assert [m["name"] for m in nearby(staff_api, is_active="false")] == ["closed, 50 m"]


def test_nearby_counts_only_meetings_within_reach(attendee_api, around_portland):
    assert attendee_api.get(LIST_URL, {"lat": 0, "lng": 0}).json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"lat": "abc", "lng": "0"}, {"lat"}),
        ({"lat": "nan", "lng": "0"}, {"lat"}),
        ({"lat": "NaN", "lng": "NaN"}, {"lat", "lng"}),
        ({"lat": "inf", "lng": "0"}, {"lat"}),
        ({"lat": "0", "lng": "-Infinity"}, {"lng"}),
        ({"lat": "1e400", "lng": "0"}, {"lat"}),
        ({"lat": "9" * 2000, "lng": "0"}, {"lat"}),
        ({"lat": "", "lng": ""}, {"lat", "lng"}),
        ({"lat": "90.0001", "lng": "0"}, {"lat"}),
        ({"lat": "-91", "lng": "0"}, {"lat"}),
        ({"lat": "0", "lng": "180.5"}, {"lng"}),
        ({"lat": "0", "lng": "-181"}, {"lng"}),
        ({"lat": "45.5"}, {"lng"}),
        ({"lng": "-122.6"}, {"lat"}),
        ({"radius_km": "5"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "0"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "-3"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "500.1"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "1e309"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "nan"}, {"radius_km"}),
        ({"lat": "45.5", "lng": "-122.6", "radius_km": "five"}, {"radius_km"}),
        ({"is_active": "maybe"}, {"is_active"}),
    ],
)
@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_bad_query_parameters_name_their_field(persona_client, persona, params, fields):
    assert error_fields(persona_client(persona).get(LIST_URL, params)) == fields


@pytest.mark.parametrize(("lat", "lng"), [(90, 180), (-90, -180), (0, 0)])
def test_extreme_positions_are_answered(attendee_api, lat, lng):
    response = attendee_api.get(LIST_URL, {"lat": lat, "lng": lng, "radius_km": 500})
    assert response.status_code == 200


def test_the_largest_radius_is_accepted(attendee_api, around_portland):
    assert len(nearby(attendee_api, radius_km=500)) == 5


# --- retrieve and QR look-up --------------------------------------------------------------------


def test_retrieve(attendee_api):
    meeting = MeetingFactory(description="Room 2")
    body = attendee_api.get(detail_url(meeting)).json()
    assert body["id"] == meeting.pk
    assert body["description"] == "Room 2"
    assert body["lat"] == meeting.lat
    assert body["distance_m"] is None


def test_attendees_cannot_retrieve_a_deactivated_meeting_but_staff_can(attendee_api, staff_api):
    meeting = MeetingFactory(is_active=False)
    assert attendee_api.get(detail_url(meeting)).status_code == 404
    response = staff_api.get(detail_url(meeting))
    assert response.status_code == 200
    assert response.json()["is_active"] is False


@pytest.mark.parametrize(
    "pk",
    [
        "5f0c1a2e-8d4b-4c3f-9a7e-1b2c3d4e5f60",  # well-formed, unknown
        "not-a-uuid",
        "1",
        "x" * 5000,
        "%E2%98%83",  # a snowman
        "'; DROP TABLE meetings; --",
    ],
)
@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_unknown_or_malformed_ids_are_404(persona_client, persona, pk):
    MeetingFactory()
    client = persona_client(persona)
    assert client.get(f"{LIST_URL}{pk}/").status_code == 404
    if persona == "staff":
        assert client.patch(f"{LIST_URL}{pk}/", {"name": "x"}, format="json").status_code == 404
        assert client.delete(f"{LIST_URL}{pk}/").status_code == 404
        assert client.post(f"{LIST_URL}{pk}/rotate-qr/").status_code == 404


@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_qr_finds_the_active_meeting(persona_client, persona):
    meeting = MeetingFactory()
    MeetingFactory()
    response = persona_client(persona).get(qr_url(meeting.qr_code))
    assert response.status_code == 200
    assert response.json()["id"] == meeting.pk


@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_qr_of_a_deactivated_meeting_is_404_even_for_staff(persona_client, persona):
    meeting = MeetingFactory(is_active=False)
    assert persona_client(persona).get(qr_url(meeting.qr_code)).status_code == 404


@pytest.mark.parametrize("code", ["unknown-code-123", "a", "x" * 5000, "%E2%98%83", "..", "a.b"])
def test_qr_unknown_code_is_404(attendee_api, code):
    MeetingFactory()
    assert attendee_api.get(qr_url(code)).status_code == 404


def test_qr_after_rotation_old_code_is_404(attendee_api):
    meeting = MeetingFactory()
    old = meeting.qr_code
    meeting.rotate_qr_code()
    assert attendee_api.get(qr_url(old)).status_code == 404
    assert attendee_api.get(qr_url(meeting.qr_code)).status_code == 200


# --- what each persona sees ---------------------------------------------------------------------


def test_attendees_never_see_the_qr_code(attendee_api):
    meeting = MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1])
    seen = [
        *attendee_api.get(LIST_URL).json()["results"],
        attendee_api.get(detail_url(meeting)).json(),
        attendee_api.get(qr_url(meeting.qr_code)).json(),
        *nearby(attendee_api),
    ]
    assert len(seen) == 4
    for shown in seen:
        assert set(shown) == PUBLIC_FIELDS
        assert meeting.qr_code not in str(shown)


def test_staff_see_the_qr_code_and_its_author(staff_api):
    meeting = MeetingFactory(created_by="42")
    seen = [
        *staff_api.get(LIST_URL).json()["results"],
        staff_api.get(detail_url(meeting)).json(),
        staff_api.get(qr_url(meeting.qr_code)).json(),
        *nearby(staff_api),
    ]
    assert len(seen) == 4
    for shown in seen:
        assert set(shown) == STAFF_FIELDS
        assert (shown["qr_code"], shown["created_by"]) == (meeting.qr_code, "42")


# --- create -------------------------------------------------------------------------------------


def test_create_generates_a_qr_code_and_records_the_author(staff_api, api_staff_user):
    response = staff_api.post(LIST_URL, new_meeting(), format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    meeting = Meeting.objects.get(pk=body["id"])
    assert set(body) == STAFF_FIELDS
    assert body["qr_code"] == meeting.qr_code
    assert URL_SAFE.fullmatch(meeting.qr_code)
    assert len(meeting.qr_code) >= 22
    assert meeting.created_by == body["created_by"] == str(api_staff_user.pk)
    assert meeting.is_active
    assert meeting.radius_meters == 150
    assert meeting.start_time == dt.datetime(2030, 5, 8, 2, 0, tzinfo=dt.UTC)


def test_create_takes_defaults(staff_api):
    body = new_meeting()
    for optional in ("radius_meters", "start_time", "end_time"):
        del body[optional]
    response = staff_api.post(LIST_URL, body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["radius_meters"], response.json()["start_time"]) == (100.0, None)


def test_create_ignores_read_only_fields(staff_api, api_staff_user):
    body = new_meeting(id="00000000-0000-4000-8000-000000000000", created_by="someone else", distance_m=1)
    response = staff_api.post(LIST_URL, body, format="json")
    assert response.status_code == 201
    meeting = Meeting.objects.get()
    assert meeting.pk != "00000000-0000-4000-8000-000000000000"
    assert meeting.created_by == str(api_staff_user.pk)


def test_create_with_a_given_qr_code(staff_api, attendee_api):
    response = staff_api.post(LIST_URL, new_meeting(qr_code="Library-Tuesday_7pm"), format="json")
    assert response.status_code == 201, response.content
    assert Meeting.objects.get().qr_code == "Library-Tuesday_7pm"
    assert attendee_api.get(qr_url("Library-Tuesday_7pm")).status_code == 200


def test_create_with_a_taken_qr_code(staff_api):
    MeetingFactory(qr_code="already-printed", is_active=False)
    response = staff_api.post(LIST_URL, new_meeting(qr_code="already-printed"), format="json")
    assert error_fields(response) == {"qr_code"}
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    "code",
    [
        "short",
        "has space in it",
        "slash/in/it",
        "dots.in.it",
        "unicodé-code",
        "x" * 101,
        "",
        None,
        True,
        ["list-of-codes"],
    ],
)
def test_create_with_an_unusable_qr_code(staff_api, code):
    response = staff_api.post(LIST_URL, new_meeting(qr_code=code), format="json")
    assert error_fields(response) == {"qr_code"}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lat": 90.5}, "lat"),
        ({"lat": -91}, "lat"),
        ({"lng": 180.1}, "lng"),
        ({"lng": -200}, "lng"),
        ({"lat": "north"}, "lat"),
        ({"lat": "NaN"}, "lat"),
        ({"lng": "Infinity"}, "lng"),
        ({"lat": "1e400"}, "lat"),
        ({"lat": None}, "lat"),
        ({"lat": [45]}, "lat"),
        ({"radius_meters": 0}, "radius_meters"),
        ({"radius_meters": -5}, "radius_meters"),
        ({"radius_meters": "nan"}, "radius_meters"),
        ({"name": ""}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"address": None}, "address"),
        ({"start_time": "yesterday"}, "start_time"),
        ({"start_time": "9999-12-31T23:59:59-12:00", "end_time": None}, "start_time"),
        ({"is_active": "perhaps"}, "is_active"),
        ({"end_time": "2030-05-07T18:00:00-07:00"}, "end_time"),  # before the start
        ({"end_time": "2030-05-07T19:00:00-07:00"}, "end_time"),  # at the start
    ],
)
def test_create_refuses_bad_input_naming_the_field(staff_api, overrides, field):
    response = staff_api.post(LIST_URL, new_meeting(**overrides), format="json")
    assert error_fields(response) == {field}
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("missing", ["name", "address", "lat", "lng"])
def test_create_requires(staff_api, missing):
    body = new_meeting()
    del body[missing]
    assert error_fields(staff_api.post(LIST_URL, body, format="json")) == {missing}


@pytest.mark.parametrize(
    "raw", ['{"name": "x", "lat": NaN}', "not json", "[]", "null", '{"name": "x"' * 1000, '"a string"']
)
def test_create_with_a_malformed_body_is_400(staff_api, raw):
    response = staff_api.post(LIST_URL, raw, content_type="application/json")
    assert response.status_code == 400
    assert not Meeting.objects.exists()


# --- update -------------------------------------------------------------------------------------


def test_patch_changes_only_what_is_given(staff_api):
    meeting = MeetingFactory(name="Old name", description="Room 2")
    response = staff_api.patch(detail_url(meeting), {"name": "New name", "radius_meters": 250}, format="json")
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert (meeting.name, meeting.radius_meters, meeting.description) == ("New name", 250, "Room 2")
    assert response.json()["name"] == "New name"


def test_patch_end_before_the_existing_start(staff_api):
    meeting = MeetingFactory()
    end = (meeting.start_time - dt.timedelta(minutes=1)).isoformat()
    assert error_fields(staff_api.patch(detail_url(meeting), {"end_time": end}, format="json")) == {"end_time"}
    meeting.refresh_from_db()
    assert meeting.end_time > meeting.start_time


def test_patch_bad_coordinates(staff_api):
    meeting = MeetingFactory()
    response = staff_api.patch(detail_url(meeting), {"lat": 100, "lng": "east"}, format="json")
    assert error_fields(response) == {"lat", "lng"}


def test_patch_qr_code(staff_api):
    meeting = MeetingFactory()
    MeetingFactory(qr_code="taken-code")
    assert error_fields(staff_api.patch(detail_url(meeting), {"qr_code": "taken-code"}, format="json")) == {"qr_code"}
    response = staff_api.patch(detail_url(meeting), {"qr_code": "free-code"}, format="json")
    assert response.status_code == 200
    # Giving a meeting its own code again is no conflict.
    assert staff_api.patch(detail_url(meeting), {"qr_code": "free-code"}, format="json").status_code == 200


def test_patch_cannot_change_the_author(staff_api):
    meeting = MeetingFactory(created_by="7")
    assert staff_api.patch(detail_url(meeting), {"created_by": "8"}, format="json").status_code == 200
    meeting.refresh_from_db()
    assert meeting.created_by == "7"


def test_patch_reactivates(staff_api, attendee_api):
    meeting = MeetingFactory(is_active=False)
    response = staff_api.patch(detail_url(meeting), {"is_active": True}, format="json")
    assert response.status_code == 200
    assert response.json()["is_active"] is True
    assert attendee_api.get(detail_url(meeting)).status_code == 200


# --- delete -------------------------------------------------------------------------------------


def test_delete_deactivates_and_keeps_the_row(staff_api, attendee_api):
    meeting = MeetingFactory()

    response = staff_api.delete(detail_url(meeting))

    assert response.status_code == 204
    meeting.refresh_from_db()
    assert meeting.is_active is False
    assert attendee_api.get(detail_url(meeting)).status_code == 404
    assert attendee_api.get(qr_url(meeting.qr_code)).status_code == 404
    assert attendee_api.get(LIST_URL).json()["count"] == 0
    # Again: still there, still inactive.
    assert staff_api.delete(detail_url(meeting)).status_code == 204
    assert Meeting.objects.filter(pk=meeting.pk, is_active=False).exists()


# --- rotate-qr ----------------------------------------------------------------------------------


def test_rotate_qr(staff_api, attendee_api):
    meeting = MeetingFactory()
    old = meeting.qr_code

    response = staff_api.post(rotate_url(meeting))

    assert response.status_code == 200
    meeting.refresh_from_db()
    assert response.json()["qr_code"] == meeting.qr_code != old
    assert URL_SAFE.fullmatch(meeting.qr_code)
    assert attendee_api.get(qr_url(old)).status_code == 404
    assert attendee_api.get(qr_url(meeting.qr_code)).json()["id"] == meeting.pk


def test_rotate_qr_needs_the_change_permission_not_add():
    meeting = MeetingFactory()
    old = meeting.qr_code
    assert staff_api_with("meetings.view_meeting", "meetings.add_meeting").post(rotate_url(meeting)).status_code == 403
    assert (
        staff_api_with("meetings.view_meeting", "meetings.change_meeting").post(rotate_url(meeting)).status_code == 200
    )
    meeting.refresh_from_db()
    assert meeting.qr_code != old


def test_staff_may_rotate_a_deactivated_meetings_code(staff_api):
    meeting = MeetingFactory(is_active=False)
    assert staff_api.post(rotate_url(meeting)).status_code == 200


# --- no input makes a server error ---------------------------------------------------------------

# The examples share one database transaction and the function-scoped clients: list requests
# change nothing, and meetings created by one example do not matter to the next.
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
ANY_TEXT = st.one_of(
    st.text(),
    st.floats().map(str),
    st.integers().map(str),
    st.sampled_from(["", "nan", "-inf", "1e999", "0x10", "true", "45.5", "-122.6", "0", "500", "500.0001"]),
)
ANY_JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    ANY_TEXT,
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)
ANY_OFFSET = st.timedeltas(min_value=-dt.timedelta(hours=23), max_value=dt.timedelta(hours=23)).map(dt.timezone)
ANY_TIME = st.datetimes(timezones=ANY_OFFSET).map(dt.datetime.isoformat)


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["lat", "lng", "radius_km", "is_active", "page", "page_size"]), ANY_TEXT, max_size=6
    )
)
@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_no_list_query_makes_a_server_error(persona_client, persona, params):
    response = persona_client(persona).get(LIST_URL, params)
    assert response.status_code in {200, 400, 404}, (params, response.content)


WRITABLE = [
    "name",
    "description",
    "address",
    "lat",
    "lng",
    "radius_meters",
    "start_time",
    "end_time",
    "recurrence",
    "is_active",
]


@FUZZ
@given(
    overrides=st.dictionaries(st.sampled_from([*WRITABLE, "qr_code", "id", "created_by"]), ANY_JSON | ANY_TIME),
    dropped=st.sets(st.sampled_from(WRITABLE)),
)
def test_no_meeting_body_makes_a_server_error(staff_api, overrides, dropped):
    # A valid body with some fields replaced or left out, so that many examples get past
    # validation and reach the database.
    body = {field: value for field, value in {**new_meeting(), **overrides}.items() if field not in dropped}
    created = staff_api.post(LIST_URL, body, format="json")
    assert created.status_code in {201, 400}, (body, created.content)
    meeting = MeetingFactory()
    changed = staff_api.patch(detail_url(meeting), body, format="json")
    assert changed.status_code in {200, 400}, (body, changed.content)


# --- query counts -------------------------------------------------------------------------------

# Token look-up and its last-used stamp, the staff user's permissions, the count, the page and
# the page's cancelled dates and its kinds (one query each, prefetched).
LIST_QUERY_BOUND = 8


@pytest.mark.parametrize(
    ("persona", "params"),
    [
        ("attendee", {}),
        ("attendee", {"lat": PORTLAND[0], "lng": PORTLAND[1]}),
        ("staff", {}),
        ("staff", {"lat": PORTLAND[0], "lng": PORTLAND[1], "is_active": "false"}),
    ],
)
def test_list_queries_do_not_grow_with_rows(persona_client, django_assert_max_num_queries, persona, params):
    client = persona_client(persona)
    is_active = params.get("is_active") != "false"
    MeetingFactory.create_batch(3, is_active=is_active)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        assert client.get(LIST_URL, params).json()["count"] == 3

    MeetingFactory.create_batch(12, is_active=is_active)
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        assert len(client.get(LIST_URL, params).json()["results"]) == 15


# --- schema -------------------------------------------------------------------------------------


def test_schema_documents_the_list_parameters_and_the_staff_only_fields(api_client):
    schema = api_client.get("/api/v1/schema/", {"format": "json"}).json()

    listing = schema["paths"]["/api/v1/meetings/"]["get"]
    parameters = {p["name"]: p for p in listing["parameters"]}
    assert {"lat", "lng", "radius_km", "is_active", "page", "page_size"} <= set(parameters)
    assert parameters["radius_km"]["schema"]["maximum"] == 500
    assert "500" in parameters["radius_km"]["description"]
    # 404: `page` past the last; 401 and 503 as every operation (api.common.document_shared_answers)
    assert set(listing["responses"]) == {"200", "400", "401", "404", "503"}

    meeting = schema["components"]["schemas"]["Meeting"]
    assert set(meeting["properties"]) == STAFF_FIELDS
    assert {"qr_code", "created_by", "jurisdiction_id"}.isdisjoint(meeting["required"])
    assert meeting["properties"]["distance_m"]["nullable"] is True

    assert "/api/v1/meetings/qr/{qr_code}/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/meetings/{id}/rotate-qr/"]
    assert "put" not in schema["paths"]["/api/v1/meetings/{id}/"]


@pytest.mark.parametrize("slug", ["a\x00", 7, None])
def test_a_kind_that_is_not_a_slug_is_a_400_on_every_database(staff_api, slug):
    # PostgreSQL cannot compare text holding NUL: the field refuses it before any query.
    meeting = MeetingFactory()
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"kinds": [slug]}, format="json")
    assert response.status_code == 400, response.content
    assert "kinds" in response.json()["errors"]
