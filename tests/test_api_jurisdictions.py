"""/api/v1/jurisdictions/: staff read who sets the rules of attendance and every version of
them; only superusers create a jurisdiction or publish a version (policies.services.publish),
whose refusals come back as 400s naming the field. Meetings name their jurisdiction."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from access.models import ApiToken
from meetings.models import Meeting
from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID, Jurisdiction, PolicyVersion
from policies.services import publish
from tests.conftest import bearer_client
from tests.factories import MeetingFactory, SuperUserFactory, UserFactory

pytestmark = pytest.mark.django_db

JURISDICTIONS = "/api/v1/jurisdictions/"
DEFAULT = f"{JURISDICTIONS}{DEFAULT_JURISDICTION_ID}/"
PUBLISH = f"{DEFAULT}versions/"
RULES_IN_THE_API = {
    "default_radius_m",
    "max_accuracy_m",
    "check_in_opens_before_s",
    "on_time_after_start_s",
    "check_out_from_before_end_s",
    "min_stay_percent",
    "min_stay_without_times_s",
    "check_out_must_be_verified",
    "max_send_delay_s",
    "close_after_end_s",
}
VERSION_FIELDS = {"id", "number", "effective_from", "notes", "published_by", "created_at"} | RULES_IN_THE_API


@pytest.fixture
def root():
    return SuperUserFactory(username="clerk", first_name="Pat", last_name="Lee")


@pytest.fixture
def root_api(root):
    _, raw = ApiToken.issue(user=root, name="tests")
    return bearer_client(raw)


def refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


# --- Reading ----------------------------------------------------------------------------------


def test_staff_read_the_default_policy_with_durations_in_seconds(staff_api):
    body = staff_api.get(JURISDICTIONS).json()
    assert body["count"] == 1
    default = body["results"][0]
    assert (default["id"], default["is_default"], default["version_in_force_id"]) == (
        DEFAULT_JURISDICTION_ID,
        True,
        DEFAULT_VERSION_ID,
    )
    [version] = default["versions"]
    assert set(version) == VERSION_FIELDS
    assert version == {
        **version,
        "number": 1,
        "published_by": None,
        "default_radius_m": 100.0,
        "max_accuracy_m": 150.0,
        "check_in_opens_before_s": 30 * 60,
        "on_time_after_start_s": 10 * 60,
        "check_out_from_before_end_s": 10 * 60,
        "min_stay_percent": 75,
        "min_stay_without_times_s": 60 * 60,
        "check_out_must_be_verified": True,
        "max_send_delay_s": 10 * 60,
        "close_after_end_s": 2 * 60 * 60,
    }
    assert dt.datetime.fromisoformat(version["effective_from"]) == dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    assert staff_api.get(DEFAULT).json() == default


def test_a_staff_member_without_model_permissions_reads_them_too(persona_client):
    assert persona_client("staff_without_permissions").get(JURISDICTIONS).status_code == 200


@pytest.mark.parametrize("pk", ["00000000-0000-4000-8000-000000000000", "nope"])
def test_an_unknown_jurisdiction_is_404(staff_api, root_api, pk):
    refused(staff_api.get(f"{JURISDICTIONS}{pk}/"), 404, "not_found")
    refused(root_api.post(f"{JURISDICTIONS}{pk}/versions/", {}, format="json"), 404, "not_found")


def test_the_list_runs_the_same_queries_for_2_or_6_jurisdictions(staff_api, root, django_assert_max_num_queries):
    def jurisdictions(count: int) -> None:
        for n in range(count):
            jurisdiction = Jurisdiction.objects.create(name=f"Court {Jurisdiction.objects.count()} {n}")
            publish(jurisdiction, {}, published_by=root)
            publish(jurisdiction, {}, effective_from=timezone.now() + dt.timedelta(days=1), published_by=root)

    jurisdictions(1)
    # token look-up and last-use stamp, count, page, versions with their publishers.
    with django_assert_max_num_queries(5) as few:
        staff_api.get(JURISDICTIONS)
    jurisdictions(5)
    with django_assert_max_num_queries(len(few)):
        body = staff_api.get(JURISDICTIONS).json()
    assert body["count"] == 7
    court = next(j for j in body["results"] if not j["is_default"])
    # Newest first; the one in force is the one already effective.
    assert [v["number"] for v in court["versions"]] == [2, 1]
    assert court["version_in_force_id"] == court["versions"][1]["id"]
    assert court["versions"][0]["published_by"] == "Pat Lee"


# --- Writing: superusers only -----------------------------------------------------------------


def test_a_superuser_creates_a_jurisdiction_without_versions(root_api):
    response = root_api.post(JURISDICTIONS, {"name": "Multnomah County Circuit Court", "kind": "court"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["is_active"], body["is_default"], body["versions"]) == ("court", True, False, [])
    assert body["version_in_force_id"] is None
    assert Jurisdiction.objects.get(pk=body["id"]).name == "Multnomah County Circuit Court"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": "Default policy"}, "name"), ({"name": "X", "kind": "parliament"}, "kind")],
)
def test_a_bad_jurisdiction_names_its_field(root_api, body, field):
    assert set(refused(root_api.post(JURISDICTIONS, body, format="json"), 400, "invalid")["errors"]) == {field}


def test_a_superuser_publishes_a_version_keeping_the_rules_not_given(root_api):
    response = root_api.post(PUBLISH, {"check_in_opens_before_s": 900, "notes": " Court order 12 "}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["notes"], body["published_by"]) == (2, "Court order 12", "Pat Lee")
    assert (body["check_in_opens_before_s"], body["on_time_after_start_s"], body["min_stay_percent"]) == (900, 600, 75)
    version = PolicyVersion.objects.get(pk=body["id"])
    assert version.check_in_opens_before == dt.timedelta(minutes=15)
    listed = root_api.get(DEFAULT).json()
    assert [v["number"] for v in listed["versions"]] == [2, 1]
    assert listed["version_in_force_id"] == body["id"]


def test_a_version_effective_later_is_not_in_force_yet(root_api):
    later = timezone.now() + dt.timedelta(days=3)
    body = root_api.post(PUBLISH, {"effective_from": later.isoformat(), "min_stay_percent": 90}, format="json").json()
    assert dt.datetime.fromisoformat(body["effective_from"]) == later
    assert root_api.get(DEFAULT).json()["version_in_force_id"] == DEFAULT_VERSION_ID
    with time_machine.travel(later + dt.timedelta(seconds=1), tick=False):
        assert root_api.get(DEFAULT).json()["version_in_force_id"] == body["id"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"effective_from": "2020-01-01T00:00:00Z"}, "effective_in_past", "effective_from"),
        ({"min_stay_percent": 0}, "invalid_rule", "min_stay_percent"),
        ({"min_stay_percent": 101}, "invalid_rule", "min_stay_percent"),
        ({"max_send_delay_s": 8 * 24 * 3600}, "invalid_rule", "max_send_delay_s"),
        ({"default_radius_m": 20_000}, "invalid_rule", "default_radius_m"),
        ({"max_accuracy_m": 0}, "invalid_rule", "max_accuracy_m"),
    ],
)
def test_a_refused_version_is_a_400_with_its_code_and_the_apis_field_name(root_api, body, code, field):
    answer = refused(root_api.post(PUBLISH, body, format="json"), 400, code)
    assert answer["field"] == field
    assert PolicyVersion.objects.count() == 1


def test_a_version_must_take_effect_after_the_latest(root_api):
    later = timezone.now() + dt.timedelta(days=3)
    assert root_api.post(PUBLISH, {"effective_from": later.isoformat()}, format="json").status_code == 201
    sooner = (later - dt.timedelta(hours=1)).isoformat()
    answer = refused(root_api.post(PUBLISH, {"effective_from": sooner}, format="json"), 400, "not_after_latest")
    assert answer["field"] == "effective_from"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effective_from": "2030-01-01T00:00:00"}, "effective_from"),  # no UTC offset
        ({"effective_from": "9999-12-31T23:59:59-14:00"}, "effective_from"),  # past year 9999 in UTC
        ({"effective_from": "soon"}, "effective_from"),
        ({"check_in_opens_before_s": -1}, "check_in_opens_before_s"),
        ({"check_in_opens_before_s": 10**30}, "check_in_opens_before_s"),
        ({"check_in_opens_before_s": "PT30M"}, "check_in_opens_before_s"),
        ({"default_radius_m": True}, "default_radius_m"),
        ({"default_radius_m": "NaN"}, "default_radius_m"),
        ({"check_out_must_be_verified": "perhaps"}, "check_out_must_be_verified"),
        ({"notes": "x" * 2001}, "notes"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(root_api, body, field):
    errors = refused(root_api.post(PUBLISH, body, format="json"), 400, "invalid")["errors"]
    assert set(errors) == {field}
    assert PolicyVersion.objects.count() == 1


@pytest.mark.parametrize("persona", ["staff", "viewer", "attendee", "anonymous"])
def test_nobody_else_writes_policies(persona_client, persona):
    client = persona_client(persona)
    expected = 401 if persona == "anonymous" else 403
    assert client.post(JURISDICTIONS, {"name": "Mine"}, format="json").status_code == expected
    assert client.post(PUBLISH, {"min_stay_percent": 10}, format="json").status_code == expected
    assert (Jurisdiction.objects.count(), PolicyVersion.objects.count()) == (1, 1)


def test_a_superuser_signed_in_to_the_site_writes_too(client):
    client.force_login(SuperUserFactory())
    assert client.post(PUBLISH, {"min_stay_percent": 80}, content_type="application/json").status_code == 201


def test_a_user_who_is_not_staff_reads_nothing(client):
    client.force_login(UserFactory(permissions=("policies.view_jurisdiction",)))
    assert client.get(JURISDICTIONS).status_code == 403


def test_nothing_published_is_changed_or_deleted_over_the_api(root_api):
    for method in ("put", "patch", "delete"):
        assert getattr(root_api, method)(DEFAULT, {"name": "x"}, format="json").status_code == 405
        assert getattr(root_api, method)(PUBLISH, {"notes": "x"}, format="json").status_code == 405


# --- Meetings name their jurisdiction ---------------------------------------------------------


MEETING = {"name": "Court-ordered group", "address": "1 Main St", "lat": 45.5, "lng": -122.6}


def test_a_new_meeting_is_in_the_default_jurisdiction(staff_api):
    body = staff_api.post("/api/v1/meetings/", MEETING, format="json").json()
    assert body["jurisdiction_id"] == DEFAULT_JURISDICTION_ID


def test_staff_put_a_meeting_in_a_jurisdiction(staff_api):
    court = Jurisdiction.objects.create(name="Drug court")
    body = staff_api.post("/api/v1/meetings/", {**MEETING, "jurisdiction_id": court.pk}, format="json").json()
    assert body["jurisdiction_id"] == court.pk
    meeting = Meeting.objects.get(pk=body["id"])
    assert meeting.jurisdiction == court
    moved = staff_api.patch(
        f"/api/v1/meetings/{meeting.pk}/", {"jurisdiction_id": DEFAULT_JURISDICTION_ID}, format="json"
    )
    assert moved.json()["jurisdiction_id"] == DEFAULT_JURISDICTION_ID


@pytest.mark.parametrize("value", ["00000000-0000-4000-8000-000000000000", "nope", None, "inactive"])
def test_an_unknown_or_inactive_jurisdiction_is_a_400_naming_the_field(staff_api, value):
    if value == "inactive":
        value = Jurisdiction.objects.create(name="Closed court", is_active=False).pk
    meeting = MeetingFactory()
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"jurisdiction_id": value}, format="json")
    assert set(refused(response, 400, "invalid")["errors"]) == {"jurisdiction_id"}
    meeting.refresh_from_db()
    assert str(meeting.jurisdiction_id) == DEFAULT_JURISDICTION_ID


def test_staff_who_may_only_view_meetings_cannot_move_one(viewer_api):
    meeting = MeetingFactory()
    court = Jurisdiction.objects.create(name="Drug court")
    response = viewer_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"jurisdiction_id": court.pk}, format="json")
    assert response.status_code == 403
    assert viewer_api.get(f"/api/v1/meetings/{meeting.pk}/").json()["jurisdiction_id"] == DEFAULT_JURISDICTION_ID


def test_attendees_do_not_see_the_jurisdiction(attendee_api):
    meeting = MeetingFactory()
    assert "jurisdiction_id" not in attendee_api.get(f"/api/v1/meetings/{meeting.pk}/").json()


def test_a_jurisdiction_counts_its_orders_dates_in_its_time_zone(root_api):
    created = root_api.post(
        JURISDICTIONS, {"name": "Clark County Court", "time_zone": "America/Los_Angeles"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json()["time_zone"] == "America/Los_Angeles"
    assert Jurisdiction.objects.get(name="Clark County Court").time_zone == "America/Los_Angeles"
    body = refused(
        root_api.post(JURISDICTIONS, {"name": "Nowhere", "time_zone": "Mars/Olympus"}, format="json"), 400, "invalid"
    )
    assert "time_zone" in str(body)
