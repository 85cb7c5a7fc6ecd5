"""Recurring meetings over the API: `recurrence`, `cancelled_dates`, GET .../occurrences/,
cancelling and restoring one occurrence, and the occurrence a session is for.

Who may call these routes is in tests/test_api_permissions.py."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import CancelledOccurrence, Meeting
from meetings.services import cancel_occurrence
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

MEETINGS = "/api/v1/meetings/"
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# New York Public Library, Stephen A. Schwarzman Building.
NYPL = (40.75318, -73.98225)
# Tuesday 24 February 2026, 19:00 to 20:30 in New York (EST, -05:00).
FIRST_TUESDAY = dt.datetime(2026, 2, 24, 19, 0, tzinfo=NEW_YORK)


def new_york_meeting(**fields: object) -> Meeting:
    """A meeting at the library in New York, first on Tuesday 24 February 2026 at 19:00."""
    values = {
        "lat": NYPL[0],
        "lng": NYPL[1],
        "address": "476 5th Ave, New York, NY 10018",
        "time_zone": "America/New_York",
        "start_time": FIRST_TUESDAY,
        "end_time": FIRST_TUESDAY + dt.timedelta(minutes=90),
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        **fields,
    }
    return MeetingFactory(**values)


def body(**overrides: object) -> dict:
    """A valid creation body for the New York meeting, weekly on Tuesdays."""
    return {
        "name": "Tuesday night group",
        "address": "476 5th Ave, New York, NY 10018",
        "lat": NYPL[0],
        "lng": NYPL[1],
        "time_zone": "America/New_York",
        "start_time": "2026-02-24T19:00:00",
        "end_time": "2026-02-24T20:30:00",
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
        **overrides,
    }


def occurrences_url(meeting: Meeting) -> str:
    return f"{MEETINGS}{meeting.pk}/occurrences/"


def cancellations_url(meeting: Meeting, day: dt.date | str | None = None) -> str:
    url = f"{MEETINGS}{meeting.pk}/cancellations/"
    return f"{url}{day}/" if day is not None else url


def error_fields(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    return response.json()["errors"]


# --- recurrence on the meeting ------------------------------------------------------------------


def test_a_rule_is_stored_normalised_and_read_back(staff_api):
    created = staff_api.post(MEETINGS, body(recurrence="rrule:freq=weekly;byday=tu"), format="json")

    assert created.status_code == 201, created.content
    assert created.json()["recurrence"] == "FREQ=WEEKLY;BYDAY=TU"
    assert Meeting.objects.get(pk=created.json()["id"]).recurrence == "FREQ=WEEKLY;BYDAY=TU"


def test_a_meeting_without_a_rule_reads_null(staff_api, attendee_api):
    meeting = MeetingFactory()
    assert staff_api.get(f"{MEETINGS}{meeting.pk}/").json()["recurrence"] is None
    assert attendee_api.get(f"{MEETINGS}{meeting.pk}/").json()["recurrence"] is None


@pytest.mark.parametrize("cleared", [None, ""])
def test_null_or_blank_clears_the_rule(staff_api, cleared):
    meeting = new_york_meeting()

    response = staff_api.patch(f"{MEETINGS}{meeting.pk}/", {"recurrence": cleared}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["recurrence"] is None
    meeting.refresh_from_db()
    assert meeting.recurrence == ""


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY;BYDAY",  # not NAME=VALUE
        "BYDAY=TU",  # no FREQ
        "FREQ=FORTNIGHTLY",
        "FREQ=WEEKLY;BYDAY=XX",  # dateutil cannot read it
        "FREQ=HOURLY",
        "FREQ=WEEKLY;BYHOUR=19",
        "FREQ=WEEKLY;COUNT=0",
        "FREQ=WEEKLY;COUNT=1;UNTIL=20270101",
        "FREQ=WEEKLY;UNTIL=2027-01-01",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",  # no occurrence at all
        "FREQ=WEEKLY;UNTIL=20250101",  # ends before it starts
        "FREQ=WEEKLY;BYDAY=WE",  # the start (a Tuesday) is not one of its days
        "DTSTART:20260224T190000\nRRULE:FREQ=WEEKLY",
        "F" * 501,
        # dateutil raises IndexError on these (meetings.recurrence lets it through): still a 400.
        "FREQ=MONTHLY;BYDAY=99MO",
        "FREQ=DAILY;BYEASTER=400;BYYEARDAY=366;INTERVAL=2",
    ],
)
def test_an_unusable_rule_is_refused_naming_recurrence(staff_api, rule):
    response = staff_api.post(MEETINGS, body(recurrence=rule), format="json")
    errors = error_fields(response)
    assert set(errors) == {"recurrence"}, errors
    assert not Meeting.objects.exists()


def test_a_rule_without_a_start_time_is_refused_naming_recurrence(staff_api):
    response = staff_api.post(MEETINGS, body(start_time=None, end_time=None), format="json")
    assert set(error_fields(response)) == {"recurrence"}


def test_moving_the_start_off_the_rules_days_is_refused_naming_recurrence(staff_api):
    meeting = new_york_meeting()
    wednesday = {"start_time": "2026-02-25T19:00:00", "end_time": "2026-02-25T20:30:00"}

    response = staff_api.patch(f"{MEETINGS}{meeting.pk}/", wednesday, format="json")

    assert set(error_fields(response)) == {"recurrence"}
    meeting.refresh_from_db()
    assert meeting.start_time == FIRST_TUESDAY


def test_attendees_cannot_set_a_rule(attendee_api):
    meeting = MeetingFactory()
    response = attendee_api.patch(f"{MEETINGS}{meeting.pk}/", {"recurrence": "FREQ=DAILY"}, format="json")
    assert response.status_code == 403


# --- occurrences ------------------------------------------------------------------------------------


def test_a_weekly_meeting_keeps_its_local_time_across_both_clock_changes(attendee_api):
    meeting = new_york_meeting()

    response = attendee_api.get(occurrences_url(meeting), {"from": "2026-03-01", "to": "2026-11-11"})

    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["time_zone"] == "America/New_York"
    starts = [occurrence["start"] for occurrence in answer["results"]]
    assert len(starts) == 37  # every Tuesday from 3 March to 10 November
    # Clocks go forward on Sunday 8 March and back on Sunday 1 November 2026.
    assert starts[:2] == ["2026-03-03T19:00:00-05:00", "2026-03-10T19:00:00-04:00"]
    assert starts[-3:] == ["2026-10-27T19:00:00-04:00", "2026-11-03T19:00:00-05:00", "2026-11-10T19:00:00-05:00"]
    assert {dt.datetime.fromisoformat(start).strftime("%H:%M %a") for start in starts} == {"19:00 Tue"}
    first = answer["results"][0]
    assert first == {"start": "2026-03-03T19:00:00-05:00", "end": "2026-03-03T20:30:00-05:00", "cancelled": False}


def test_a_monthly_meeting_on_the_first_monday(attendee_api):
    first_monday = dt.datetime(2026, 1, 5, 18, 30, tzinfo=NEW_YORK)
    meeting = new_york_meeting(
        start_time=first_monday, end_time=first_monday + dt.timedelta(hours=1), recurrence="FREQ=MONTHLY;BYDAY=1MO"
    )

    answer = attendee_api.get(occurrences_url(meeting), {"from": "2026-01-01", "to": "2026-06-01"}).json()

    assert [occurrence["start"] for occurrence in answer["results"]] == [
        "2026-01-05T18:30:00-05:00",
        "2026-02-02T18:30:00-05:00",
        "2026-03-02T18:30:00-05:00",
        "2026-04-06T18:30:00-04:00",
        "2026-05-04T18:30:00-04:00",
    ]


def test_a_meeting_that_happens_once_has_one_occurrence(attendee_api):
    meeting = new_york_meeting(recurrence="")
    answer = attendee_api.get(occurrences_url(meeting), {"from": "2026-02-01", "to": "2026-03-01"}).json()
    assert [occurrence["start"] for occurrence in answer["results"]] == ["2026-02-24T19:00:00-05:00"]


def test_a_meeting_without_times_has_none(attendee_api):
    meeting = MeetingFactory(start_time=None, end_time=None)
    assert attendee_api.get(occurrences_url(meeting)).json()["results"] == []


def test_the_window_is_start_inclusive_end_exclusive_with_offsets_or_local_times(attendee_api):
    meeting = new_york_meeting()
    # 19:00 New York on 3 March is 00:00 UTC on 4 March.
    window = {"from": "2026-03-04T00:00:00Z", "to": "2026-03-10T19:00:00"}

    answer = attendee_api.get(occurrences_url(meeting), window).json()

    assert [occurrence["start"] for occurrence in answer["results"]] == ["2026-03-03T19:00:00-05:00"]


def test_by_default_the_next_thirty_days(attendee_api):
    meeting = new_york_meeting()
    with time_machine.travel(dt.datetime(2026, 3, 3, 19, 0, tzinfo=NEW_YORK), tick=False):
        answer = attendee_api.get(occurrences_url(meeting)).json()
    starts = [occurrence["start"][:10] for occurrence in answer["results"]]
    assert starts == ["2026-03-03", "2026-03-10", "2026-03-17", "2026-03-24", "2026-03-31"]


def test_a_cancelled_occurrence_is_marked_and_listed(staff_api, attendee_api):
    meeting = new_york_meeting()

    cancelled = staff_api.post(cancellations_url(meeting), {"date": "2026-03-10", "reason": "Venue closed"})

    assert cancelled.status_code == 201, cancelled.content
    assert cancelled.json()["date"] == "2026-03-10"
    assert cancelled.json()["reason"] == "Venue closed"
    window = {"from": "2026-03-01", "to": "2026-03-15"}
    seen_by_attendee = attendee_api.get(occurrences_url(meeting), window).json()["results"]
    assert [(o["start"][:10], o["cancelled"]) for o in seen_by_attendee] == [
        ("2026-03-03", False),
        ("2026-03-10", True),
    ]
    assert all("reason" not in occurrence for occurrence in seen_by_attendee)
    seen_by_staff = staff_api.get(occurrences_url(meeting), window).json()["results"]
    assert [occurrence["reason"] for occurrence in seen_by_staff] == [None, "Venue closed"]
    assert attendee_api.get(f"{MEETINGS}{meeting.pk}/").json()["cancelled_dates"] == ["2026-03-10"]
    assert staff_api.get(f"{MEETINGS}{meeting.pk}/").json()["cancelled_dates"] == ["2026-03-10"]


def test_a_cancellation_is_taken_back(staff_api):
    meeting = new_york_meeting()
    staff_api.post(cancellations_url(meeting), {"date": "2026-03-10", "reason": "Venue closed"})

    response = staff_api.delete(cancellations_url(meeting, "2026-03-10"))

    assert response.status_code == 204, response.content
    assert not CancelledOccurrence.objects.exists()
    assert staff_api.get(f"{MEETINGS}{meeting.pk}/").json()["cancelled_dates"] == []


@pytest.mark.parametrize(
    ("cancellation", "status", "code", "field"),
    [
        ({"date": "2026-03-11", "reason": "Venue closed"}, 400, "no_occurrence", "date"),  # a Wednesday
        ({"date": "2026-03-10", "reason": "   "}, 400, "reason_required", "reason"),
        ({"date": "2026-03-10", "reason": "x" * 501}, 400, "reason_required", "reason"),
        ({"date": "2026-03-03", "reason": "Again"}, 409, "already_cancelled", "date"),
    ],
)
def test_a_refused_cancellation_names_its_field(staff_api, cancellation, status, code, field):
    meeting = new_york_meeting()
    staff_api.post(cancellations_url(meeting), {"date": "2026-03-03", "reason": "Venue closed"})

    response = staff_api.post(cancellations_url(meeting), cancellation, format="json")

    assert response.status_code == status, response.content
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert CancelledOccurrence.objects.count() == 1


@pytest.mark.parametrize(
    ("cancellation", "field"),
    [
        ({"reason": "Venue closed"}, "date"),
        ({"date": "10/03/2026", "reason": "x"}, "date"),
        ({"date": "2026-03-10"}, "reason"),
    ],
)
def test_a_malformed_cancellation_names_its_field(staff_api, cancellation, field):
    response = staff_api.post(cancellations_url(new_york_meeting()), cancellation, format="json")
    assert set(error_fields(response)) == {field}


@pytest.mark.parametrize("day", ["2026-03-17", "2026-02-30", "tuesday"])
def test_restoring_what_is_not_cancelled_is_404(staff_api, day):
    response = staff_api.delete(cancellations_url(new_york_meeting(), day))
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_cancelled"


def test_an_attendee_cannot_cancel_or_restore(attendee_api, staff_api):
    meeting = new_york_meeting()
    refused = attendee_api.post(cancellations_url(meeting), {"date": "2026-03-10", "reason": "No"}, format="json")
    assert refused.status_code == 403
    staff_api.post(cancellations_url(meeting), {"date": "2026-03-10", "reason": "Venue closed"})
    assert attendee_api.delete(cancellations_url(meeting, "2026-03-10")).status_code == 403
    assert CancelledOccurrence.objects.count() == 1


def test_an_inactive_meetings_occurrences_are_hidden_from_attendees(attendee_api, staff_api):
    meeting = new_york_meeting(is_active=False)
    assert attendee_api.get(occurrences_url(meeting)).status_code == 404
    assert staff_api.get(occurrences_url(meeting), {"from": "2026-03-01"}).status_code == 200


# --- the window's errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("window", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-02-30"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-03-10", "to": "2026-03-10"}, "to"),  # not after `from`
        ({"from": "2026-03-10", "to": "2026-03-01"}, "to"),
        ({"from": "2026-03-01", "to": "2027-03-03"}, "to"),  # 367 days
        ({"from": "2026-03-08T02:30:00"}, "from"),  # skipped by the clocks in New York
        ({"from": "2026-11-01T01:30:00"}, "from"),  # happens twice there
        ({"from": "9999-12-31"}, "from"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from to"),
    ],
)
def test_a_bad_window_is_refused_naming_its_field(attendee_api, window, field):
    with time_machine.travel(dt.datetime(2026, 3, 1, 12, 0, tzinfo=NEW_YORK), tick=False):
        response = attendee_api.get(occurrences_url(new_york_meeting()), window)
    assert set(error_fields(response)) == set(field.split())


def test_a_year_is_the_longest_window(attendee_api):
    window = {"from": "2026-03-03", "to": "2027-03-04"}  # 366 days: 53 Tuesdays
    starts = [o["start"] for o in attendee_api.get(occurrences_url(new_york_meeting()), window).json()["results"]]
    assert (len(starts), starts[0][:10], starts[-1][:10]) == (53, "2026-03-03", "2027-03-02")


def test_a_time_given_with_its_offset_is_taken_as_it_is_even_in_the_repeated_hour(attendee_api):
    window = {"from": "2026-11-01T01:30:00-04:00", "to": "2026-11-04"}
    answer = attendee_api.get(occurrences_url(new_york_meeting()), window).json()
    assert [occurrence["start"] for occurrence in answer["results"]] == ["2026-11-03T19:00:00-05:00"]


ANY_OFFSET = st.timedeltas(min_value=-dt.timedelta(hours=23), max_value=dt.timedelta(hours=23)).map(dt.timezone)
ANY_MOMENT = st.one_of(
    st.text(max_size=40),
    st.dates().map(dt.date.isoformat),
    st.datetimes().map(dt.datetime.isoformat),
    st.datetimes(timezones=ANY_OFFSET).map(dt.datetime.isoformat),
    st.sampled_from(["", " ", "2026-03-08T02:30", "2026-11-01T01:30", "9999-12-31T23:59:59-23:59", "0001-01-01"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(window=st.dictionaries(st.sampled_from(["from", "to"]), ANY_MOMENT))
def test_no_window_makes_a_server_error(attendee_api, window):
    # The examples share the test's transaction: one meeting serves them all.
    meeting = Meeting.objects.first() or new_york_meeting()
    response = attendee_api.get(occurrences_url(meeting), window)
    assert response.status_code in {200, 400}, (window, response.content)
    if response.status_code == 400:
        assert set(response.json()["errors"]) <= {"from", "to"}


# --- lists ------------------------------------------------------------------------------------------


def test_the_list_shows_each_meetings_cancelled_dates(attendee_api, staff_api):
    meeting = new_york_meeting()
    for day in ("2026-03-17", "2026-03-10"):
        staff_api.post(cancellations_url(meeting), {"date": day, "reason": "Venue closed"})
    MeetingFactory()

    with time_machine.travel(dt.datetime(2026, 2, 1, tzinfo=NEW_YORK)):
        listed = {m["id"]: m for m in attendee_api.get(MEETINGS).json()["results"]}

    assert listed[str(meeting.pk)]["cancelled_dates"] == ["2026-03-10", "2026-03-17"]
    assert listed[str(meeting.pk)]["recurrence"] == "FREQ=WEEKLY;BYDAY=TU"


def test_the_lists_queries_do_not_grow_with_cancellations(attendee_api, django_assert_max_num_queries):
    def meeting_with_cancellations(count: int) -> None:
        meeting = new_york_meeting()
        for week in range(1, count + 1):
            cancel_occurrence(meeting, FIRST_TUESDAY.date() + dt.timedelta(weeks=week), "Venue closed")

    meeting_with_cancellations(1)
    with django_assert_max_num_queries(6) as first:  # with the meetings' kinds, prefetched
        attendee_api.get(MEETINGS)
    for count in (2, 3, 4):
        meeting_with_cancellations(count)
    with django_assert_max_num_queries(len(first)):
        listed = attendee_api.get(MEETINGS).json()["results"]
    assert sorted(len(meeting["cancelled_dates"]) for meeting in listed) == [1, 2, 3, 4]


# --- sessions ---------------------------------------------------------------------------------------


def test_a_session_shows_the_occurrence_it_is_for(attendee_api):
    meeting = new_york_meeting()
    # Tuesday 10 March, 19:05 in New York: five minutes into the second occurrence.
    arrived = dt.datetime(2026, 3, 10, 19, 5, tzinfo=NEW_YORK)
    with time_machine.travel(arrived, tick=False):
        started = attendee_api.post("/api/v1/sessions/", {"meeting_id": str(meeting.pk)}, format="json")
        assert started.status_code == 201, started.content
        fix = {"ts_client": timezone.now().isoformat(), "lat": NYPL[0], "lng": NYPL[1], "accuracy": 5}
        checked_in = attendee_api.post(f"/api/v1/sessions/{started.json()['id']}/check-in/", fix, format="json")
        assert checked_in.status_code == 201, checked_in.content
        session = attendee_api.get(f"/api/v1/sessions/{started.json()['id']}/").json()

    # Times in the session are given as its other times are (UTC, the site's zone in tests).
    assert dt.datetime.fromisoformat(session["occurrence_start"]) == arrived - dt.timedelta(minutes=5)
    assert dt.datetime.fromisoformat(session["occurrence_end"]) == arrived + dt.timedelta(minutes=85)
    assert started.json()["occurrence_start"] == session["occurrence_start"]
