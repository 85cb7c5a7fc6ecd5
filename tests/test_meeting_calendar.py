"""A meeting's calendar file (meetings.calendar): the staff download and the attendee's link.

Each file is read back with icalendar, as a phone would read it."""

import datetime as dt
import zoneinfo

import pytest
from dateutil import rrule
from django.urls import reverse
from icalendar import Calendar, vRecur

from meetings.calendar import event_uid, meeting_calendar
from meetings.occurrences import occurrences
from meetings.services import cancel_occurrence
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# New York Public Library, Stephen A. Schwarzman Building.
NYPL = (40.75318, -73.98225)
# A Tuesday in January (EST); daylight saving time starts on Sunday 8 March 2026.
FIRST_TUESDAY = dt.datetime(2026, 1, 6, 19, 0, tzinfo=NEW_YORK)


def weekly_meeting(**fields):
    """A meeting every Tuesday at 19:00 to 20:30 in New York."""
    values = {
        "name": "Tuesday evening group",
        "description": "Room 2, second floor.",
        "address": "476 5th Ave, New York, NY 10018",
        "lat": NYPL[0],
        "lng": NYPL[1],
        "time_zone": "America/New_York",
        "start_time": FIRST_TUESDAY,
        "end_time": FIRST_TUESDAY + dt.timedelta(hours=1, minutes=30),
        "recurrence": "FREQ=WEEKLY;BYDAY=TU",
    }
    return MeetingFactory(**(values | fields))


def parsed(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def the_event(body: bytes):
    events = parsed(body).events
    assert len(events) == 1
    return events[0]


# --- The file -----------------------------------------------------------------------------------


def test_times_are_the_meetings_wall_clock_with_its_zone():
    body = meeting_calendar(weekly_meeting(), url=None)
    event = the_event(body)

    assert b"DTSTART;TZID=America/New_York:20260106T190000" in body
    assert event.start == FIRST_TUESDAY
    assert event.start.tzinfo.key == "America/New_York"
    assert (event.start.hour, event.start.minute) == (19, 0)
    assert event.end == dt.datetime(2026, 1, 6, 20, 30, tzinfo=NEW_YORK)
    assert [zone.tz_name for zone in parsed(body).timezones] == ["America/New_York"]
    assert parsed(body).get_missing_tzids() == set()


def test_the_rule_round_trips():
    event = the_event(meeting_calendar(weekly_meeting(recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU"), url=None))

    assert event.rrules == [vRecur.from_ical("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU")]


def test_an_until_date_becomes_the_last_second_of_that_local_day_in_utc():
    """RFC 5545 wants UNTIL in UTC when DTSTART has a TZID; meetings.recurrence reads a date as
    the whole local day (31 March 2026 ends at 03:59:59 UTC on 1 April, in daylight time)."""
    event = the_event(meeting_calendar(weekly_meeting(recurrence="FREQ=WEEKLY;BYDAY=TU;UNTIL=20260331"), url=None))

    assert event.rrules[0]["UNTIL"] == [dt.datetime(2026, 4, 1, 3, 59, 59, tzinfo=dt.UTC)]


def test_a_cancelled_occurrence_is_an_exdate_at_its_local_start():
    meeting = weekly_meeting()
    cancel_occurrence(meeting, dt.date(2026, 3, 10), "The library is closed.")
    cancel_occurrence(meeting, dt.date(2026, 1, 13), "Snow.")

    body = meeting_calendar(meeting, url=None)

    # 19:00 in New York on both sides of the change to daylight time.
    assert sorted(the_event(body).exdates) == [
        dt.datetime(2026, 1, 13, 19, 0, tzinfo=NEW_YORK),
        dt.datetime(2026, 3, 10, 19, 0, tzinfo=NEW_YORK),
    ]
    assert b"EXDATE;TZID=America/New_York:" in body
    assert b"closed" not in body, "a cancellation's reason stays on the staff site"


def test_a_phone_expanding_the_file_finds_the_meetings_own_occurrences():
    """What a calendar app computes from DTSTART, RRULE and EXDATE (here dateutil, on the file's
    zoned times) is meetings.occurrences' list without the cancelled ones: 19:00 in New York
    before and after daylight time starts, on the instants the product itself uses."""
    meeting = weekly_meeting(recurrence="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;UNTIL=20260505")
    cancel_occurrence(meeting, dt.date(2026, 3, 17), "The library is closed.")
    event = the_event(meeting_calendar(meeting, url=None))

    rule = rrule.rrulestr(event.rrules[0].to_ical().decode(), dtstart=event.start)
    expanded = [start for start in rule if start not in event.exdates]

    expected = [
        occurrence.start
        for occurrence in occurrences(meeting, FIRST_TUESDAY, FIRST_TUESDAY + dt.timedelta(days=365))
        if not occurrence.cancelled
    ]
    assert expanded == expected
    assert {(start.astimezone(NEW_YORK).hour, start.astimezone(NEW_YORK).minute) for start in expanded} == {(19, 0)}
    assert len(expanded) == 8  # 6 Jan to 5 May every other Tuesday is 9, one cancelled


def test_the_public_facts_are_there_and_the_uid_is_stable():
    meeting = weekly_meeting()
    first = the_event(meeting_calendar(meeting, url="https://staff.example.org/meetings/x/"))
    again = the_event(meeting_calendar(meeting, url=None))

    assert str(first["SUMMARY"]) == "Tuesday evening group"
    assert str(first["LOCATION"]) == "476 5th Ave, New York, NY 10018"
    assert (first["GEO"].latitude, first["GEO"].longitude) == NYPL
    assert str(first["DESCRIPTION"]) == "Room 2, second floor.\n\nhttps://staff.example.org/meetings/x/"
    assert str(again["DESCRIPTION"]) == "Room 2, second floor."
    assert first.uid == again.uid == f"{meeting.pk}@verified-compliance" == event_uid(meeting)
    assert first.stamp is not None


def test_a_meeting_that_happens_once_has_no_rule():
    event = the_event(meeting_calendar(weekly_meeting(recurrence=""), url=None))

    assert event.rrules == []
    assert event.exdates == []
    assert event.start == FIRST_TUESDAY


def test_a_meeting_without_an_end_has_no_dtend():
    event = the_event(meeting_calendar(weekly_meeting(end_time=None), url=None))

    assert "DTEND" not in event
    assert event.start == FIRST_TUESDAY


def test_a_meeting_without_times_is_a_calendar_without_events():
    body = meeting_calendar(weekly_meeting(start_time=None, end_time=None, recurrence=""), url=None)

    assert parsed(body).events == []
    assert parsed(body).timezones == []
    assert b"BEGIN:VCALENDAR" in body
    assert b"VERSION:2.0" in body


def test_nothing_about_attendees_is_in_the_file(staff_client):
    meeting = weekly_meeting()
    contact = ContactFactory(first_name="Zebulon", last_name="Quixotic", email="zebulon.quixotic@example.org")
    SessionEventFactory(session=SessionFactory(contact=contact, meeting=meeting))

    bodies = [
        meeting_calendar(meeting, url=None),
        staff_client.get(reverse("meetings:calendar", args=[meeting.pk])).content,
    ]
    staff_client.logout()
    bodies.append(staff_client.get(reverse("attendee:meeting_calendar", args=[meeting.pk])).content)

    for body in bodies:
        assert the_event(body).uid == event_uid(meeting), "a calendar, not an error page"
        text = body.decode().lower()
        for private in ("zebulon", "quixotic", contact.email, str(contact.phone), meeting.qr_code):
            assert private.lower() not in text


# --- The staff download ---------------------------------------------------------------------------


def test_staff_download_needs_the_view_permission(client, staff_user_with):
    meeting = weekly_meeting()
    url = reverse("meetings:calendar", args=[meeting.pk])
    assert url == f"/meetings/{meeting.pk}/calendar.ics"

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")

    client.force_login(staff_user_with())
    assert client.get(url).status_code == 403

    client.force_login(staff_user_with("meetings.view_meeting"))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tuesday-evening-group.ics"'
    event = the_event(response.content)
    assert f"http://testserver/meetings/{meeting.pk}/" in str(event["DESCRIPTION"])


def test_staff_download_refuses_a_post_and_an_unknown_meeting(staff_client):
    meeting = weekly_meeting()

    assert staff_client.post(reverse("meetings:calendar", args=[meeting.pk])).status_code == 405
    assert staff_client.get(reverse("meetings:calendar", args=["no-such-meeting"])).status_code == 404


def test_the_staff_meeting_page_links_to_the_file(staff_client):
    meeting = weekly_meeting()

    response = staff_client.get(reverse("meetings:detail", args=[meeting.pk]))

    assert f'href="/meetings/{meeting.pk}/calendar.ics"' in response.content.decode()


# --- The attendee's link ----------------------------------------------------------------------------


def test_anyone_may_add_an_active_meeting(client):
    meeting = weekly_meeting()
    url = reverse("attendee:meeting_calendar", args=[meeting.pk])
    assert url == f"/attendee/meetings/{meeting.pk}/calendar.ics"

    response = client.get(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="tuesday-evening-group.ics"'
    event = the_event(response.content)
    assert event.start == FIRST_TUESDAY
    assert str(event["DESCRIPTION"]) == "Room 2, second floor.", "no staff address in the attendee's file"


def test_a_deactivated_or_unknown_meeting_is_not_found(client):
    inactive = weekly_meeting(is_active=False)

    assert client.get(reverse("attendee:meeting_calendar", args=[inactive.pk])).status_code == 404
    assert client.get(reverse("attendee:meeting_calendar", args=["no-such-meeting"])).status_code == 404


def test_the_attendee_link_refuses_a_post(client):
    meeting = weekly_meeting()

    assert client.post(reverse("attendee:meeting_calendar", args=[meeting.pk])).status_code == 405


def test_the_attendee_meeting_page_links_to_it_by_id_not_by_qr_code(client):
    meeting = weekly_meeting()

    page = client.get(reverse("attendee:meeting", args=[meeting.qr_code])).content.decode()

    link = reverse("attendee:meeting_calendar", args=[meeting.pk])
    assert f'href="{link}"' in page
    assert meeting.qr_code not in link


def test_no_link_for_a_meeting_without_times(client):
    meeting = weekly_meeting(start_time=None, end_time=None, recurrence="")

    page = client.get(reverse("attendee:meeting", args=[meeting.qr_code])).content.decode()

    assert "calendar.ics" not in page
