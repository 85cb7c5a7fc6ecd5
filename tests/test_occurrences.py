"""When a repeating meeting happens (meetings.recurrence, meetings.occurrences, meetings.wording):
on its own wall clock across daylight-saving changes, cancelled occurrences, monthly rules,
rules refused, the occurrence a session is for, and the schedule in words."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.services import start_session
from meetings.models import Meeting
from meetings.occurrences import next_occurrences, occurrence_at, occurrence_on, occurrences
from meetings.services import ScheduleError, cancel_occurrence, restore_occurrence
from meetings.wording import describe
from tests.factories import ContactFactory, MeetingFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
BOSTON = {"lat": 42.3601, "lng": -71.0589, "time_zone": "America/New_York"}


def weekly(rule: str = "FREQ=WEEKLY;BYDAY=TU", start: dt.datetime | None = None, **fields: object) -> Meeting:
    start = start or dt.datetime(2026, 1, 6, 19, 0, tzinfo=NEW_YORK)  # a Tuesday
    meeting = MeetingFactory.build(
        **{**BOSTON, **fields}, start_time=start, end_time=start + dt.timedelta(minutes=90), recurrence=rule
    )
    meeting.full_clean()
    meeting.save()
    return meeting


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


# --- On the meeting's wall clock -----------------------------------------------------------------


def test_weekly_at_19_00_in_new_york_stays_19_00_across_both_changes_of_2026():
    meeting = weekly()
    found = occurrences(meeting, utc(2026, 3, 1), utc(2026, 3, 18)) + occurrences(
        meeting, utc(2026, 10, 25), utc(2026, 11, 12)
    )
    local = [(o.local_start.date().isoformat(), o.local_start.strftime("%H:%M %Z")) for o in found]
    assert local == [
        ("2026-03-03", "19:00 EST"),
        ("2026-03-10", "19:00 EDT"),  # clocks went forward on Sunday 8 March
        ("2026-03-17", "19:00 EDT"),
        ("2026-10-27", "19:00 EDT"),
        ("2026-11-03", "19:00 EST"),  # and back on Sunday 1 November
        ("2026-11-10", "19:00 EST"),
    ]
    # The UTC instant moves by the hour the clocks moved.
    assert [o.start.hour for o in found] == [0, 23, 23, 23, 0, 0]
    # Each lasts 90 minutes, the first one's length.
    assert {o.end - o.start for o in found} == {dt.timedelta(minutes=90)}


def test_a_range_takes_occurrences_starting_in_it_start_inclusive_end_exclusive():
    meeting = weekly()
    first = occurrences(meeting, utc(2026, 1, 14), utc(2026, 1, 15))[0]  # 13 Jan 19:00 EST = 14 Jan 00:00 UTC
    assert first.start == utc(2026, 1, 14, 0, 0)
    assert occurrences(meeting, first.start, first.start + dt.timedelta(seconds=1)) == [first]
    assert occurrences(meeting, first.start - dt.timedelta(days=7), first.start) == [
        occurrences(meeting, utc(2026, 1, 7), utc(2026, 1, 8))[0]
    ]


def test_nothing_before_the_first_occurrence_and_nothing_after_until():
    meeting = weekly("FREQ=WEEKLY;BYDAY=TU;UNTIL=20260127")
    found = occurrences(meeting, utc(2025, 1, 1), utc(2027, 1, 1))
    assert [o.local_date.isoformat() for o in found] == ["2026-01-06", "2026-01-13", "2026-01-20", "2026-01-27"]


def test_count_ends_the_schedule():
    meeting = weekly("FREQ=WEEKLY;BYDAY=TU;COUNT=3")
    assert len(occurrences(meeting, utc(2026, 1, 1), utc(2027, 1, 1))) == 3


def test_every_other_saturday():
    start = dt.datetime(2026, 1, 10, 9, 0, tzinfo=NEW_YORK)
    meeting = weekly("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", start)
    found = occurrences(meeting, utc(2026, 1, 1), utc(2026, 2, 15))
    assert [o.local_date.isoformat() for o in found] == ["2026-01-10", "2026-01-24", "2026-02-07"]


def test_monthly_on_the_first_monday():
    start = dt.datetime(2026, 1, 5, 18, 0, tzinfo=NEW_YORK)
    meeting = weekly("FREQ=MONTHLY;BYDAY=1MO", start)
    found = occurrences(meeting, utc(2026, 1, 1), utc(2026, 7, 1))
    assert [o.local_date.isoformat() for o in found] == [
        "2026-01-05",
        "2026-02-02",
        "2026-03-02",
        "2026-04-06",
        "2026-05-04",
        "2026-06-01",
    ]
    assert {o.local_start.hour for o in found} == {18}
    assert describe(meeting, utc(2026, 1, 1)) == "First Monday of the month 6:00\N{EN DASH}7:30 pm EST"


def test_a_one_off_meeting_has_one_occurrence_and_a_drop_in_place_none():
    start = dt.datetime(2026, 12, 1, 19, 0, tzinfo=NEW_YORK)
    once = weekly("", start)
    assert [o.start for o in occurrences(once, utc(2026, 1, 1), utc(2027, 1, 1))] == [start]
    drop_in = MeetingFactory(start_time=None, end_time=None)
    assert occurrences(drop_in, utc(2026, 1, 1), utc(2027, 1, 1)) == []
    assert occurrence_at(drop_in, utc(2026, 6, 1)) is None
    assert describe(drop_in) == "No set times (drop in)"


# --- Rules refused, naming the field ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=XX", "cannot be read"),
        ("BYDAY=TU", "needs FREQ"),
        ("FREQ=HOURLY", "not supported"),
        ("FREQ=MINUTELY;INTERVAL=30", "not supported"),
        ("FREQ=WEEKLY;BYHOUR=9,17", "BYHOUR is not supported"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT must be"),
        ("FREQ=WEEKLY;COUNT=3;UNTIL=20270101", "not both"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000", "UNTIL must be"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "no meeting at all"),
        ("FREQ=DAILY;INTERVAL=7;BYDAY=MO", "no meeting at all"),  # every 7 days from a Tuesday
        ("FREQ=WEEKLY;UNTIL=20260101", "no meeting at all"),  # ends before the start
        ("FREQ=WEEKLY;BYDAY=WE", "not a day this rule gives"),  # the start is a Tuesday
        ("FREQ=WEEKLY\nRDATE:20260301", "one rule only"),
        ("FREQ=WEEKLY;;", "NAME=VALUE"),
    ],
)
def test_a_rule_that_cannot_be_used_is_refused_on_recurrence(rule, words):
    with pytest.raises(ValidationError) as refused:
        weekly(rule)
    assert list(refused.value.message_dict) == ["recurrence"]
    assert words in refused.value.message_dict["recurrence"][0]


def test_a_rule_needs_a_start():
    meeting = MeetingFactory.build(**BOSTON, start_time=None, end_time=None, recurrence="FREQ=WEEKLY")
    with pytest.raises(ValidationError) as refused:
        meeting.full_clean()
    assert "needs a start time" in refused.value.message_dict["recurrence"][0]


def test_a_rule_is_stored_normalised():
    assert weekly("rrule:freq=weekly;byday=tu").recurrence == "FREQ=WEEKLY;BYDAY=TU"


# --- Cancelled occurrences ---------------------------------------------------------------------


def test_a_cancelled_occurrence_is_marked_with_its_reason_and_can_be_restored():
    meeting = weekly()
    cancel_occurrence(meeting, dt.date(2026, 1, 13), "Venue closed", by="staff-1")
    found = occurrences(meeting, utc(2026, 1, 6), utc(2026, 1, 22))
    assert [(o.local_date.day, o.cancelled, o.reason) for o in found] == [
        (6, False, ""),
        (13, True, "Venue closed"),
        (20, False, ""),
    ]
    restore_occurrence(meeting, dt.date(2026, 1, 13))
    assert not occurrence_on(meeting, dt.date(2026, 1, 13)).cancelled
    # The cancellation stays in the history.
    assert meeting.cancellations.model.history.filter(date=dt.date(2026, 1, 13)).count() == 2


@pytest.mark.parametrize(
    ("day", "reason", "code"),
    [
        (dt.date(2026, 1, 14), "Closed", ScheduleError.NO_OCCURRENCE),  # a Wednesday
        (dt.date(2026, 1, 13), "  ", ScheduleError.REASON_REQUIRED),
        (dt.date(2026, 1, 13), "x" * 501, ScheduleError.REASON_REQUIRED),
    ],
)
def test_cancelling_is_refused_with_a_code(day, reason, code):
    with pytest.raises(ScheduleError) as refused:
        cancel_occurrence(weekly(), day, reason)
    assert refused.value.code == code


def test_cancelling_twice_or_restoring_what_is_not_cancelled_is_refused():
    meeting = weekly()
    cancel_occurrence(meeting, dt.date(2026, 1, 13), "Closed")
    with pytest.raises(ScheduleError) as twice:
        cancel_occurrence(meeting, dt.date(2026, 1, 13), "Closed again")
    assert (twice.value.code, twice.value.http_status) == (ScheduleError.ALREADY_CANCELLED, 409)
    with pytest.raises(ScheduleError) as restored:
        restore_occurrence(meeting, dt.date(2026, 1, 20))
    assert restored.value.code == ScheduleError.NOT_CANCELLED


def test_staff_cancel_an_occurrence_from_the_meeting_page(client):
    meeting = weekly()
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.change_meeting")))
    with time_machine.travel(utc(2026, 1, 10), tick=False):
        page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
        assert "Tue 13 Jan 2026, 7:00\N{EN DASH}8:30 pm EST" in page
        cancel_url = reverse("meetings:cancel_occurrence", args=[meeting.pk, "2026-01-13"])
        assert cancel_url in page
        refused = client.post(cancel_url, {"reason": ""})
        assert refused.status_code == 200
        assert "This field is required." in refused.content.decode()
        assert client.post(cancel_url, {"reason": "Snow storm"}).status_code == 302
        page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Cancelled" in page
    assert "Snow storm" in page
    assert occurrence_on(meeting, dt.date(2026, 1, 13)).cancelled


def test_a_day_the_meeting_does_not_meet_has_no_cancel_page(client):
    meeting = weekly()
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.change_meeting")))
    for day in ("2026-01-14", "not-a-date"):
        assert client.get(reverse("meetings:cancel_occurrence", args=[meeting.pk, day])).status_code == 404


# --- The occurrence an instant belongs to --------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "expected_local_day"),
    [
        (utc(2026, 1, 14, 0, 0), 13),  # the start itself
        (utc(2026, 1, 14, 1, 29), 13),  # during
        (utc(2026, 1, 14, 1, 30), 13),  # just after the end: still the nearest
        (utc(2026, 1, 17, 0, 0), 13),  # three days later: nearer the last than the next
        (utc(2026, 1, 18, 12, 0), 20),  # nearer the next
        (utc(2025, 12, 1), 6),  # before the first: the first
    ],
)
def test_the_occurrence_an_instant_belongs_to_or_the_nearest(instant, expected_local_day):
    assert occurrence_at(weekly(), instant).local_date.day == expected_local_day


def test_the_nearest_of_a_fortnightly_meeting_is_found_weeks_away():
    start = dt.datetime(2026, 1, 10, 9, 0, tzinfo=NEW_YORK)
    meeting = weekly("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", start)
    assert occurrence_at(meeting, utc(2026, 1, 19)).local_date == dt.date(2026, 1, 24)


def test_a_session_records_the_occurrence_it_opened_in():
    meeting = weekly()
    with time_machine.travel(utc(2026, 3, 11, 0, 5), tick=False):  # 20:05 EDT on Tuesday 10 March
        session = start_session(ContactFactory(consenting=True), meeting=meeting)
    assert session.occurrence_start == utc(2026, 3, 10, 23, 0)
    assert session.occurrence_end == utc(2026, 3, 11, 0, 30)
    # A later change to the schedule does not rewrite it.
    meeting.recurrence = "FREQ=WEEKLY;BYDAY=TU,TH"
    meeting.save()
    session.refresh_from_db()
    assert session.occurrence_start == utc(2026, 3, 10, 23, 0)


def test_next_occurrences_skip_none_and_list_cancelled_ones():
    meeting = weekly()
    cancel_occurrence(meeting, dt.date(2026, 1, 20), "Holiday")
    upcoming = next_occurrences(meeting, utc(2026, 1, 14, 0, 1), 3)
    assert [(o.local_date.day, o.cancelled) for o in upcoming] == [(20, True), (27, False), (3, False)]


# --- In words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "start", "words"),
    [
        ("FREQ=WEEKLY;BYDAY=TU", dt.datetime(2026, 1, 6, 19, 0), "Tuesdays 7:00\N{EN DASH}8:30 pm EDT"),
        (
            "FREQ=WEEKLY;BYDAY=MO,WE,FR",
            dt.datetime(2026, 1, 5, 11, 0),
            "Mondays, Wednesdays and Fridays 11:00 am\N{EN DASH}12:30 pm EDT",
        ),
        (
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA;UNTIL=20261231",
            dt.datetime(2026, 1, 10, 9, 0),
            "Every 2 weeks on Saturday 9:00\N{EN DASH}10:30 am EDT, until 31 Dec 2026",
        ),
        (
            "FREQ=WEEKLY;BYDAY=TU;COUNT=52",
            dt.datetime(2026, 1, 6, 19, 0),
            "Tuesdays 7:00\N{EN DASH}8:30 pm EDT, 52 times",
        ),
        (
            "FREQ=MONTHLY;BYDAY=-1FR",
            dt.datetime(2026, 1, 30, 19, 0),
            "Last Friday of the month 7:00\N{EN DASH}8:30 pm EDT",
        ),
        ("FREQ=DAILY", dt.datetime(2026, 1, 6, 7, 0), "Every day 7:00\N{EN DASH}8:30 am EDT"),
        ("FREQ=YEARLY;BYMONTH=1,7", dt.datetime(2026, 1, 6, 7, 0), "Repeats (FREQ=YEARLY;BYMONTH=1,7), 7:00"),
    ],
)
def test_the_schedule_in_words_with_the_zone_of_the_next_occurrence(rule, start, words):
    meeting = weekly(rule, start.replace(tzinfo=NEW_YORK))
    # On 1 June the next occurrence is in daylight time: EDT, though the first was EST.
    assert describe(meeting, utc(2026, 6, 1)).startswith(words)


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ("FREQ=MONTHLY;BYDAY=99MO", "out of range"),  # dateutil's IndexError, not a 500
        ("FREQ=MONTHLY;BYSETPOS=400;BYDAY=MO", "bysetpos"),
        ("FREQ=YEARLY;BYEASTER=0", "not part of an RFC 5545 rule"),
        ("FREQ=WEEKLY;WKST=XX", "cannot be read"),
    ],
)
def test_values_dateutil_chokes_on_are_refused_on_recurrence(rule, words):
    with pytest.raises(ValidationError) as refused:
        weekly(rule)
    assert words in refused.value.message_dict["recurrence"][0]


def test_a_repeating_meeting_from_centuries_ago_is_refused():
    with pytest.raises(ValidationError) as refused:
        weekly("FREQ=DAILY", dt.datetime(1000, 1, 7, 19, 0, tzinfo=NEW_YORK))
    assert "1970 or later" in refused.value.message_dict["recurrence"][0]


# --- Sessions from before this release -------------------------------------------------------------


def test_old_sessions_get_the_occurrence_their_meeting_had_when_they_opened():
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from attendance.models import Session
    from tests.factories import SessionFactory

    fill = importlib.import_module("attendance.migrations.0011_fill_session_occurrences").fill
    march = dt.datetime(2026, 3, 3, 19, 0, tzinfo=NEW_YORK)
    november = dt.datetime(2026, 11, 3, 19, 0, tzinfo=NEW_YORK)
    with time_machine.travel(utc(2026, 3, 1), tick=False):
        meeting = MeetingFactory(**BOSTON, start_time=march, end_time=march + dt.timedelta(hours=1))
    with time_machine.travel(utc(2026, 3, 4), tick=False):
        in_march = SessionFactory(meeting=meeting)
    before_its_history = SessionFactory(meeting=meeting, created_at=utc(2026, 1, 1))
    with time_machine.travel(utc(2026, 11, 1), tick=False):
        meeting.start_time, meeting.end_time = november, november + dt.timedelta(hours=1)
        meeting.save()  # staff moved the one meeting on to the next date, as before meetings repeated
    with time_machine.travel(utc(2026, 11, 4), tick=False):
        in_november = SessionFactory(meeting=meeting)
    drop_in = SessionFactory(meeting=MeetingFactory(start_time=None, end_time=None))
    Session.objects.update(occurrence_start=None, occurrence_end=None)

    fill(apps, SimpleNamespace(connection=connection))

    starts = dict(Session.objects.values_list("pk", "occurrence_start"))
    assert starts[in_march.pk] == march
    assert starts[before_its_history.pk] == march  # its meeting's first recorded state
    assert starts[in_november.pk] == november
    assert starts[drop_in.pk] is None


# --- Found in review: the zone a rule is checked in, far dates, the admin ---------------------------


def test_a_rule_is_checked_in_the_zone_the_meeting_will_be_saved_with(client, settings):
    settings.TIME_ZONE = "UTC"
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.add_meeting")))
    form = {
        "name": "Tuesday group",
        "address": "801 SW 10th Ave, Portland",
        "lat": "45.51934",
        "lng": "-122.68307",
        "time_zone": "",  # found from the place: America/Los_Angeles
        "radius_meters": "100",
        "start_time": "2026-11-24T18:00",  # a Tuesday in Portland, a Wednesday in UTC
        "end_time": "2026-11-24T19:30",
        "repeat": "weekly",
        "repeat_days": ["TU"],
    }
    response = client.post(reverse("meetings:create"), form)
    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get()
    assert (meeting.time_zone, meeting.recurrence) == ("America/Los_Angeles", "FREQ=WEEKLY;BYDAY=TU")
    # A Wednesday rule for that Tuesday start is refused, not stored to break the pages later.
    with pytest.raises(ValidationError):
        MeetingFactory.build(
            lat=45.51934, lng=-122.68307, time_zone="", start_time=meeting.start_time, recurrence="FREQ=WEEKLY;BYDAY=WE"
        ).full_clean()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1969-12-31", "2100-01-01"])
def test_dates_out_of_reach_are_refused_not_a_server_error(client, day):
    meeting = weekly()
    with pytest.raises(ScheduleError) as refused:
        cancel_occurrence(meeting, dt.date.fromisoformat(day), "Closed")
    assert refused.value.code == ScheduleError.NO_OCCURRENCE
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.change_meeting")))
    assert client.get(reverse("meetings:cancel_occurrence", args=[meeting.pk, day])).status_code == 404
    assert occurrence_on(meeting, dt.date.fromisoformat(day)) is None


def test_the_admin_names_the_rule_when_a_new_start_breaks_it(admin_client):
    meeting = weekly()
    url = reverse("admin:meetings_meeting_change", args=[meeting.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(
        {"start_time_0": "2026-01-07", "start_time_1": "19:00:00", "end_time_0": "2026-01-07", "end_time_1": "20:30:00"}
    )
    data.pop("start_time", None)
    data.pop("end_time", None)
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "recurrence" in response.context["adminform"].form.errors


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"])
def test_the_api_refuses_far_dates_naming_the_field(staff_api, value):
    meeting = weekly(
        start=dt.datetime(2026, 1, 6, 19, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Tokyo")), time_zone="Asia/Tokyo"
    )
    for field in ("from", "to"):
        response = staff_api.get(f"/api/v1/meetings/{meeting.pk}/occurrences/", {field: value})
        assert response.status_code == 400
        assert field in response.json()["errors"]
