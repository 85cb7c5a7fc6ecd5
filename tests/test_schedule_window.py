"""The window of scheduled occurrences (meetings.schedule): `manage.py refresh_schedule` builds it,
each meeting's save keeps it in step, and "today" is today in each meeting's own zone."""

import datetime as dt
import re
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from meetings.models import ScheduledOccurrence, ScheduleWindow
from meetings.schedule import DAYS_AFTER, DAYS_BEFORE, refresh, todays_occurrences, window_is_current
from meetings.services import cancel_occurrence, restore_occurrence
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db

LOS_ANGELES = ZoneInfo("America/Los_Angeles")
NEW_YORK = ZoneInfo("America/New_York")
HONOLULU = ZoneInfo("Pacific/Honolulu")
PORTLAND = (45.5193, -122.6831)
BOSTON = (42.3493, -71.0781)
HONOLULU_LIBRARY = (21.3069, -157.8583)
# Wednesday 11 March 2026, noon UTC (the tests' site zone): 05:00 in Portland.
NOW = dt.datetime(2026, 3, 11, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def weekly(day: str, first: dt.datetime, place: tuple[float, float] = PORTLAND, **fields: object) -> object:
    """A meeting every `day` (MO..SU) from `first` (aware, in its own zone), 90 minutes long."""
    return MeetingFactory(
        lat=place[0],
        lng=place[1],
        time_zone=first.tzinfo.key,
        start_time=first,
        end_time=first + dt.timedelta(minutes=90),
        recurrence=f"FREQ=WEEKLY;BYDAY={day}",
        **fields,
    )


def local_dates(meeting: object) -> list[dt.date]:
    return sorted(
        ScheduledOccurrence.objects.filter(meeting=meeting).values_list("local_date", flat=True).order_by("start")
    )


def refresh_command() -> str:
    output = StringIO()
    call_command("refresh_schedule", stdout=output)
    return output.getvalue()


@pytest.mark.usefixtures("clock")
def test_the_command_keeps_a_weekly_meeting_within_the_window_only_and_says_what_it_holds():
    # Tuesdays at 19:00 in Portland since 6 January 2026.
    meeting = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=LOS_ANGELES))
    ScheduledOccurrence.objects.all().delete()  # as after a bulk load, which bypasses save()

    output = refresh_command()

    first, last = TODAY - dt.timedelta(days=DAYS_BEFORE), TODAY + dt.timedelta(days=DAYS_AFTER)
    tuesdays = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    tuesdays = [day for day in tuesdays if day.weekday() == 1]
    assert local_dates(meeting) == tuesdays == [dt.date(2026, 3, 10), dt.date(2026, 3, 17), dt.date(2026, 3, 24)]
    for row in ScheduledOccurrence.objects.filter(meeting=meeting):
        local = row.start.astimezone(LOS_ANGELES)
        # 19:00 on Portland's wall clock, before and after the change to daylight time on 8 March.
        assert (local.time(), local.date(), row.time_zone) == (dt.time(19, 0), row.local_date, "America/Los_Angeles")
        assert row.end - row.start == dt.timedelta(minutes=90)
    window = ScheduleWindow.objects.get()
    assert (window.first_date, window.last_date) == (first, last)
    assert re.search(r"\b3 occurrences from 2026-03-09 to 2026-03-25\b", output), output
    assert refresh() == 3  # again: the same rows, not a second copy
    assert ScheduledOccurrence.objects.count() == 3


def test_the_window_is_current_until_the_clock_passes_it():
    with time_machine.travel(NOW, tick=False) as traveller:
        assert not window_is_current()  # never refreshed
        refresh_command()
        assert window_is_current()
        traveller.move_to(NOW + dt.timedelta(days=DAYS_AFTER - 2))
        assert window_is_current()  # today and tomorrow still covered
        traveller.move_to(NOW + dt.timedelta(days=DAYS_AFTER - 1))
        assert not window_is_current()
        refresh_command()
        assert window_is_current()


@pytest.mark.usefixtures("clock")
def test_a_deactivated_meeting_has_no_rows_and_regains_them_when_reactivated():
    meeting = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=LOS_ANGELES))
    refresh()
    assert len(local_dates(meeting)) == 3

    meeting.set_active(False)
    assert local_dates(meeting) == []
    refresh()
    assert local_dates(meeting) == []

    meeting.set_active(True)
    assert len(local_dates(meeting)) == 3


@pytest.mark.usefixtures("clock")
def test_a_one_off_meeting_has_one_row_in_the_window_and_none_outside_it():
    inside = MeetingFactory(time_zone="America/Los_Angeles", start_time=NOW + dt.timedelta(days=3), end_time=None)
    outside = MeetingFactory(time_zone="America/Los_Angeles", start_time=NOW + dt.timedelta(days=30))
    past = MeetingFactory(time_zone="America/Los_Angeles", start_time=NOW - dt.timedelta(days=10))
    without_times = MeetingFactory(start_time=None, end_time=None)

    refresh()

    (row,) = ScheduledOccurrence.objects.filter(meeting=inside)
    assert (row.start, row.end, row.cancelled) == (inside.start_time, None, False)
    for meeting in (outside, past, without_times):
        assert local_dates(meeting) == []


@pytest.mark.usefixtures("clock")
def test_saving_a_meeting_re_derives_its_rows():
    meeting = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=LOS_ANGELES))
    refresh()
    other = weekly("TU", dt.datetime(2026, 1, 6, 18, 0, tzinfo=LOS_ANGELES))
    others_rows = set(ScheduledOccurrence.objects.filter(meeting=other).values_list("pk", flat=True))
    assert len(others_rows) == 3  # a new meeting's rows are written when it is created

    meeting.recurrence = "FREQ=WEEKLY;BYDAY=TU,TH"
    meeting.save()
    assert local_dates(meeting) == [
        dt.date(2026, 3, 10),
        dt.date(2026, 3, 12),
        dt.date(2026, 3, 17),
        dt.date(2026, 3, 19),
        dt.date(2026, 3, 24),
    ]

    meeting.recurrence = ""  # happens once: its first occurrence, long before the window
    meeting.save(update_fields=["recurrence"])
    assert local_dates(meeting) == []
    # Another meeting's rows are left alone.
    assert set(ScheduledOccurrence.objects.filter(meeting=other).values_list("pk", flat=True)) == others_rows


@pytest.mark.usefixtures("clock")
def test_a_save_that_changes_no_schedule_field_leaves_the_rows_alone():
    meeting = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=LOS_ANGELES))
    rows = set(ScheduledOccurrence.objects.filter(meeting=meeting).values_list("pk", flat=True))

    meeting.rotate_qr_code()

    assert set(ScheduledOccurrence.objects.filter(meeting=meeting).values_list("pk", flat=True)) == rows


@pytest.mark.usefixtures("clock")
def test_a_cancelled_occurrence_is_marked_and_restoring_it_unmarks_it():
    meeting = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=LOS_ANGELES))
    refresh()

    cancel_occurrence(meeting, dt.date(2026, 3, 17), "Venue closed for the holiday")

    rows = dict(ScheduledOccurrence.objects.filter(meeting=meeting).values_list("local_date", "cancelled"))
    assert rows == {dt.date(2026, 3, 10): False, dt.date(2026, 3, 17): True, dt.date(2026, 3, 24): False}
    refresh()  # the daily rebuild reads cancellations too
    assert ScheduledOccurrence.objects.get(meeting=meeting, local_date=dt.date(2026, 3, 17)).cancelled

    restore_occurrence(meeting, dt.date(2026, 3, 17))
    assert not ScheduledOccurrence.objects.filter(meeting=meeting, cancelled=True).exists()


# --- Today, in each meeting's zone -----------------------------------------------------------------

# Wednesday 11 March 2026 at 08:00 UTC: 04:00 Wednesday in New York, but still 22:00 Tuesday in
# Honolulu (UTC-10) and 01:00 Wednesday in Portland.
DAWN_IN_NEW_YORK = dt.datetime(2026, 3, 11, 8, 0, tzinfo=dt.UTC)


def test_today_is_today_in_each_meetings_own_zone():
    with time_machine.travel(DAWN_IN_NEW_YORK, tick=False):
        honolulu_tuesday = weekly("TU", dt.datetime(2026, 1, 6, 18, 0, tzinfo=HONOLULU), HONOLULU_LIBRARY)
        honolulu_wednesday = weekly("WE", dt.datetime(2026, 1, 7, 18, 0, tzinfo=HONOLULU), HONOLULU_LIBRARY)
        boston_tuesday = weekly("TU", dt.datetime(2026, 1, 6, 19, 0, tzinfo=NEW_YORK), BOSTON)
        boston_wednesday = weekly("WE", dt.datetime(2026, 1, 7, 10, 0, tzinfo=NEW_YORK), BOSTON)
        portland_wednesday = weekly("WE", dt.datetime(2026, 1, 7, 19, 0, tzinfo=LOS_ANGELES))
        refresh()

        today = list(todays_occurrences())

    # By start: Honolulu's Tuesday evening (04:00 UTC on Wednesday), then Wednesday in Boston and Portland.
    assert [row.meeting for row in today] == [honolulu_tuesday, boston_wednesday, portland_wednesday]
    assert [row.local_date for row in today] == [dt.date(2026, 3, 10), dt.date(2026, 3, 11), dt.date(2026, 3, 11)]
    assert honolulu_wednesday not in {row.meeting for row in today}  # tomorrow in Honolulu
    assert boston_tuesday not in {row.meeting for row in today}  # yesterday in Boston


def test_later_the_same_utc_day_honolulu_has_moved_on_to_wednesday():
    with time_machine.travel(DAWN_IN_NEW_YORK, tick=False):
        honolulu_tuesday = weekly("TU", dt.datetime(2026, 1, 6, 18, 0, tzinfo=HONOLULU), HONOLULU_LIBRARY)
        honolulu_wednesday = weekly("WE", dt.datetime(2026, 1, 7, 18, 0, tzinfo=HONOLULU), HONOLULU_LIBRARY)
        refresh()

    # 10:00 UTC: midnight in Honolulu.
    today = list(todays_occurrences(dt.datetime(2026, 3, 11, 10, 0, tzinfo=dt.UTC)))

    assert [row.meeting for row in today] == [honolulu_wednesday]
    assert honolulu_tuesday not in {row.meeting for row in today}


def test_today_leaves_out_deactivated_meetings_and_marks_cancelled_occurrences():
    with time_machine.travel(DAWN_IN_NEW_YORK, tick=False):
        kept = weekly("WE", dt.datetime(2026, 1, 7, 10, 0, tzinfo=NEW_YORK), BOSTON)
        cancelled = weekly("WE", dt.datetime(2026, 1, 7, 12, 0, tzinfo=NEW_YORK), BOSTON)
        gone = weekly("WE", dt.datetime(2026, 1, 7, 14, 0, tzinfo=NEW_YORK), BOSTON)
        refresh()
        cancel_occurrence(cancelled, dt.date(2026, 3, 11), "Venue closed for the holiday")
        gone.set_active(False)

        today = [(row.meeting, row.cancelled) for row in todays_occurrences()]

    assert today == [(kept, False), (cancelled, True)]
