"""/api/v1/sessions/ and /api/v1/events/ say what counts as attended (README: "What counts as
attended"): a session's stored outcome with its reasons and minutes, its policy version and
radius, the refused attempts kept as evidence, each event's judgement as stored; the outcome
filter; the time window's refusals with their context; destinations only staff may set.

The clock is moved with time-machine around one meeting in Portland, Tuesday 8 December 2026,
6:00 to 7:30 pm PST. Its sessions are created inside the moved clock (not by tests/factories'
defaults, which put a meeting at the current hour).
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from access.models import ApiToken
from attendance.models import RefusedAttempt, Session, SessionEvent, SessionStatus
from attendance.outcomes import Outcome
from core.geo import offset_point
from meetings.models import Meeting
from policies.models import DEFAULT_VERSION_ID, Jurisdiction
from tests.conftest import bearer_client, staff_api_with
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/api/v1/sessions/"
PST = ZoneInfo("America/Los_Angeles")
START = dt.datetime(2026, 12, 8, 18, 0, tzinfo=PST)
END = START + dt.timedelta(minutes=90)
DESTINATION = {"dest_name": "Clinic", "dest_address": "1 Main St", "dest_lat": 45.5, "dest_lng": -122.6}


def minutes(n: float) -> dt.timedelta:
    return dt.timedelta(minutes=n)


def clock(moment: dt.datetime):
    return time_machine.travel(moment, tick=False)


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC)


def phone_of(contact) -> object:
    _, raw = ApiToken.issue(contact=contact)
    return bearer_client(raw)


def report(moment: dt.datetime, north_m: float = 0) -> dict:
    lat, lng = offset_point(*PORTLAND, north_m=north_m, east_m=0)
    return {"ts_client": moment.isoformat(), "lat": lat, "lng": lng, "accuracy": 10}


def url(session_id: str, action: str | None = None) -> str:
    return f"{SESSIONS}{session_id}/{action}/" if action else f"{SESSIONS}{session_id}/"


@pytest.fixture
def meeting() -> Meeting:
    return MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], radius_meters=100, start_time=START, end_time=END)


def attend(meeting: Meeting, check_in: dt.datetime, check_out: dt.datetime | None) -> tuple[object, str]:
    """An attendee who opens a session at `check_in`, checks in at the door then and checks
    out at `check_out`: (their client, the session id)."""
    with clock(check_in):
        phone = phone_of(ContactFactory(consenting=True))
        started = phone.post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
        assert started.status_code == 201, started.content
        session_id = started.json()["id"]
        checked_in = phone.post(url(session_id, "check-in"), report(check_in), format="json")
        assert checked_in.status_code == 201, checked_in.content
    if check_out is not None:
        with clock(check_out):
            checked_out = phone.post(url(session_id, "check-out"), report(check_out), format="json")
            assert checked_out.status_code == 201, checked_out.content
    return phone, session_id


# --- A session's attendance -------------------------------------------------------------------


def test_a_new_session_is_open_under_the_policy_in_force_for_its_occurrence(meeting):
    with clock(START - minutes(5)):
        body = phone_of(ContactFactory(consenting=True)).post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
    assert body.status_code == 201, body.content
    body = body.json()
    assert body["attendance"] == {"outcome": "open", "reasons": [], "minutes_attended": None, "minutes_scheduled": 90}
    assert (body["policy_version_id"], body["radius_m"]) == (DEFAULT_VERSION_ID, 100.0)
    assert dt.datetime.fromisoformat(body["occurrence_start"]) == START
    assert dt.datetime.fromisoformat(body["occurrence_end"]) == END


def test_on_time_for_the_whole_meeting_is_attended(meeting):
    phone, session_id = attend(meeting, START - minutes(5), END)
    body = phone.get(url(session_id)).json()
    assert body["status"] == "completed"
    assert body["attendance"] == {"outcome": "attended", "reasons": [], "minutes_attended": 90, "minutes_scheduled": 90}
    assert body["refused_attempts"] == []


def test_late_and_leaving_early_is_partial_with_its_reasons(meeting):
    phone, session_id = attend(meeting, START + minutes(20), END - minutes(30))
    attendance = phone.get(url(session_id)).json()["attendance"]
    assert attendance == {
        "outcome": "partial",
        "reasons": ["arrived_late", "left_early", "short_stay"],
        "minutes_attended": 40,
        "minutes_scheduled": 90,
    }
    # The list says the same, from the same stored columns.
    assert phone.get(SESSIONS).json()["results"][0]["attendance"] == attendance


def test_a_check_out_far_away_is_not_verified_and_the_event_says_why(meeting):
    phone, session_id = attend(meeting, START, None)
    with clock(END):
        far = phone.post(url(session_id, "check-out"), report(END, north_m=57_000), format="json").json()
    assert far["location_flag"] == "denied"
    assert far["verification"]["reason"] == "outside_radius"
    assert far["verification"]["distance_m"] == pytest.approx(57_000, rel=0.01)
    assert (far["verification"]["radius_m"], far["policy_version_id"]) == (100.0, DEFAULT_VERSION_ID)
    assert phone.get(url(session_id)).json()["attendance"]["reasons"] == ["check_out_not_verified"]


def test_an_event_keeps_the_radius_it_was_judged_by(meeting, staff_api):
    phone, session_id = attend(meeting, START, None)
    meeting.radius_meters = 20  # after the check-in: a later change judges nothing already stored
    meeting.save(update_fields=["radius_meters"])
    event = SessionEvent.objects.get(session_id=session_id)
    body = staff_api.get(f"/api/v1/events/{event.pk}/").json()
    assert (body["verification"]["reason"], body["verification"]["radius_m"]) == ("within_radius", 100.0)
    assert phone.get(url(session_id)).json()["radius_m"] == 100.0


def test_a_check_in_queued_on_the_phone_is_sent_late(meeting):
    with clock(START - minutes(5)):
        phone = phone_of(ContactFactory(consenting=True))
        session_id = phone.post(SESSIONS, {"meeting_id": meeting.pk}, format="json").json()["id"]
    with clock(START + minutes(55)):
        # Recorded at the door at 6 pm, sent at 6:55 pm: beyond the 10 minutes allowed.
        body = phone.post(url(session_id, "check-in"), report(START), format="json").json()
    assert (body["sent_late"], body["delay_s"]) == (True, 55 * 60)
    assert body["location_flag"] == "granted"


def test_an_old_session_without_a_stored_radius_reads_its_meetings_or_its_policys():
    at_meeting = SessionFactory(meeting=MeetingFactory(radius_meters=80), radius_m=None)
    at_a_place = SessionFactory(meeting=None, radius_m=None, status=SessionStatus.COMPLETED)
    staff = staff_api_with("attendance.view_session")
    assert staff.get(url(at_meeting.pk)).json()["radius_m"] == 80.0
    body = staff.get(url(at_a_place.pk)).json()
    assert body["radius_m"] == 100.0  # the default policy's radius for a place without a meeting
    assert body["attendance"]["outcome"] == "open"  # never judged: what is stored is what is shown


# --- The check-in window and the refused attempts --------------------------------------------


# Outside a test transaction, as requests run: the refused operation is rolled back and the
# attempt committed on its own.
@pytest.fixture
def committed_db(transactional_db):
    pass


@pytest.mark.usefixtures("committed_db")
def test_a_check_in_before_the_window_is_a_409_with_opens_at_and_kept_as_an_attempt():
    meeting = MeetingFactory(lat=PORTLAND[0], lng=PORTLAND[1], radius_meters=100, start_time=START, end_time=END)
    with clock(START - minutes(60)):
        phone = phone_of(ContactFactory(consenting=True))
        session_id = phone.post(SESSIONS, {"meeting_id": meeting.pk}, format="json").json()["id"]
        early = phone.post(url(session_id, "check-in"), report(START - minutes(60)), format="json")
    assert early.status_code == 409, early.content
    body = early.json()
    assert body["code"] == "check_in_not_open"
    assert dt.datetime.fromisoformat(body["opens_at"]) == START - minutes(30)
    assert "Check-in opens at 5:30 pm PST" in body["detail"]

    with clock(END + minutes(5)):
        late = phone.post(url(session_id, "check-in"), report(END + minutes(5), north_m=10), format="json")
    assert late.status_code == 409, late.content
    assert late.json()["code"] == "check_in_closed"
    assert dt.datetime.fromisoformat(late.json()["ended_at"]) == END

    detail = phone.get(url(session_id)).json()
    assert (detail["status"], detail["events"]) == ("active", [])
    attempts = detail["refused_attempts"]
    assert [(a["type"], a["code"]) for a in attempts] == [
        ("check_in", "check_in_not_open"),
        ("check_in", "check_in_closed"),
    ]
    first = attempts[0]
    assert set(first) == {"id", "type", "code", "detail", "ts_client", "ts_server", "lat", "lng", "accuracy"}
    assert first["detail"] == body["detail"]
    assert dt.datetime.fromisoformat(first["ts_client"]) == START - minutes(60)
    assert (first["lat"], first["lng"], first["accuracy"]) == (pytest.approx(PORTLAND[0]), PORTLAND[1], 10.0)
    assert RefusedAttempt.objects.count() == 2


def test_a_session_cannot_start_on_a_day_without_the_meeting(meeting):
    with clock(START + dt.timedelta(days=1)):
        response = phone_of(ContactFactory(consenting=True)).post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "no_occurrence")
    assert not Session.objects.exists()


def test_a_session_cannot_start_after_todays_meeting_ended(meeting):
    with clock(END + minutes(10)):
        response = phone_of(ContactFactory(consenting=True)).post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "check_in_closed")
    assert dt.datetime.fromisoformat(response.json()["ended_at"]) == END


def test_a_meeting_whose_jurisdiction_has_no_policy_in_force_takes_no_session():
    meeting = MeetingFactory(jurisdiction=Jurisdiction.objects.create(name="New court, no version yet"))
    response = phone_of(ContactFactory(consenting=True)).post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "no_policy")


# --- The outcome filter and the lists' queries ----------------------------------------------


@pytest.fixture
def outcomes(attendee) -> dict[str, Session]:
    closed = {"status": SessionStatus.COMPLETED}
    return {
        "attended": SessionFactory(contact=attendee, outcome=Outcome.ATTENDED, **closed),
        "partial": SessionFactory(outcome=Outcome.PARTIAL, outcome_reasons="arrived_late", **closed),
        "not_verified": SessionFactory(outcome=Outcome.NOT_VERIFIED, outcome_reasons="no_verified_check_in", **closed),
        "open": SessionFactory(),
    }


@pytest.mark.parametrize("outcome", ["attended", "partial", "not_verified", "open"])
def test_staff_filter_by_outcome(staff_api, outcomes, outcome):
    results = staff_api.get(SESSIONS, {"outcome": outcome}).json()["results"]
    assert [s["id"] for s in results] == [outcomes[outcome].pk]
    assert results[0]["attendance"]["outcome"] == outcome


def test_the_stored_reasons_are_listed_in_order(staff_api, outcomes):
    results = staff_api.get(SESSIONS, {"outcome": "not_verified"}).json()["results"]
    assert results[0]["attendance"]["reasons"] == ["no_verified_check_in"]


def test_an_attendees_outcome_filter_narrows_their_own_sessions(attendee_api, outcomes):
    assert attendee_api.get(SESSIONS, {"outcome": "attended"}).json()["count"] == 1
    assert attendee_api.get(SESSIONS, {"outcome": "partial"}).json()["count"] == 0


@pytest.mark.parametrize("value", ["verified", "ATTENDED", "", "x" * 10_000])
def test_an_unknown_outcome_is_a_400_naming_the_parameter(staff_api, value):
    response = staff_api.get(SESSIONS, {"outcome": value})
    if value == "":
        # An empty filter is no filter, as for every other parameter.
        assert response.status_code == 200
        return
    assert response.status_code == 400, response.content
    assert (response.json()["code"], set(response.json()["errors"])) == ("invalid", {"outcome"})


@pytest.mark.parametrize(("persona", "max_queries"), [("attendee", 4), ("staff", 6)])
def test_the_list_runs_the_same_queries_for_3_or_15_sessions(
    persona_client, attendee, django_assert_max_num_queries, persona, max_queries
):
    def sessions(count: int) -> None:
        for n in range(count):
            # Old rows without a stored radius, half of them at a place without a meeting: the
            # radius then comes from the session's policy version, loaded with the page.
            meeting = MeetingFactory() if n % 2 else None
            session = SessionFactory(
                contact=attendee,
                meeting=meeting,
                radius_m=None,
                status=SessionStatus.COMPLETED,
                outcome=Outcome.PARTIAL,
            )
            SessionEventFactory(session=session)

    client = persona_client(persona)
    for count in (3, 12):
        sessions(count)
        with django_assert_max_num_queries(max_queries):
            response = client.get(SESSIONS, {"outcome": "partial"})
        assert response.status_code == 200
    assert len(response.json()["results"]) == 15


# --- Destinations: staff only ---------------------------------------------------------------


def test_an_attendee_cannot_choose_a_destination(attendee_api):
    response = attendee_api.post(SESSIONS, DESTINATION, format="json")
    assert response.status_code == 403, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("destination_requires_staff", "dest_name")
    assert "staff" in body["detail"]
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [{"meeting_id": "00000000-0000-4000-8000-000000000000"}, {"contact_id": "nope"}, {"dest_lat": "north"}],
    ids=["unknown-meeting", "malformed-contact", "bad-value"],
)
def test_an_attendees_destination_is_refused_before_anything_is_looked_up(attendee_api, extra):
    # Whatever else the body holds (an unknown meeting would be a 400, a contact_id too), the
    # answer is the same 403: nothing in it was looked up or read.
    response = attendee_api.post(SESSIONS, {**DESTINATION, **extra}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "destination_requires_staff")


def test_a_partial_destination_from_an_attendee_names_the_field_given(attendee_api):
    response = attendee_api.post(SESSIONS, {"dest_lat": 45.5}, format="json")
    assert (response.status_code, response.json()["field"]) == (403, "dest_lat")


def test_staff_open_a_destination_session_they_approve(staff_api, api_staff_user):
    contact = ContactFactory(consenting=True)
    response = staff_api.post(SESSIONS, {"contact_id": contact.pk, **DESTINATION}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["contact_id"], body["meeting_id"], body["dest_name"]) == (contact.pk, None, "Clinic")
    session = Session.objects.get()
    assert session.destination_approved_by == api_staff_user
    assert not session.self_declared_destination


def test_staff_who_may_not_add_sessions_cannot_open_one_anywhere(viewer_api):
    body = {"contact_id": ContactFactory().pk, **DESTINATION}
    response = viewer_api.post(SESSIONS, body, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert not Session.objects.exists()


def test_nobody_signed_out_opens_a_session(api_client):
    assert api_client.post(SESSIONS, DESTINATION, format="json").status_code == 401


def test_a_phone_queued_offline_opens_its_session_with_the_check_ins_time(meeting):
    phone = phone_of(ContactFactory(consenting=True))
    with clock(END + minutes(60)):
        refused = phone.post(SESSIONS, {"meeting_id": meeting.pk}, format="json")
        started = phone.post(SESSIONS, {"meeting_id": meeting.pk, "ts_client": utc(START).isoformat()}, format="json")
        naive = phone.post(SESSIONS, {"meeting_id": meeting.pk, "ts_client": "2026-12-08T18:00:00"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (409, "check_in_closed")
    assert started.status_code == 201
    assert started.json()["occurrence_start"] == utc(START).isoformat().replace("+00:00", "Z")
    assert (naive.status_code, naive.json()["code"], naive.json()["field"]) == (
        400,
        "ts_client_without_offset",
        "ts_client",
    )
