"""A meeting as an iCalendar file (RFC 5545), written with the `icalendar` library: what staff
download and what attendees add to their phone's calendar.

Only the public part of a meeting is in it (name, address, position, description, times);
nothing about who attends, and not the QR code. The times are the meeting's wall clock, with
the meeting's TZID and a VTIMEZONE for it, so that a phone keeps a 19:00 meeting at 19:00 local
time on both sides of a daylight-saving change, as meetings.occurrences does.

A meeting without a start time (a drop-in place) has no occurrences, so its calendar has no
event: a phone that subscribed to it before its times were removed then drops the old ones.
"""

import datetime as dt

from django.utils import timezone
from django.utils.text import slugify
from icalendar import Calendar, Event, vRecur

from meetings.models import Meeting
from meetings.occurrences import occurrence_on
from meetings.recurrence import to_instant

PRODID = "-//Verified Compliance//Meetings//EN"
UID_DOMAIN = "verified-compliance"
# How many years past the later of the first meeting and today the VTIMEZONE describes: rules
# usually have no end, and phones use their own copy of the IANA zone for later years.
ZONE_YEARS_AHEAD = 20


def event_uid(meeting: Meeting) -> str:
    """The VEVENT's UID, the same in every download of this meeting, so that importing or
    refreshing it again updates the event rather than adding a second one."""
    return f"{meeting.pk}@{UID_DOMAIN}"


def calendar_filename(meeting: Meeting) -> str:
    """The file name to offer for the meeting's calendar: its name as a slug, "meeting.ics" for
    a name with no letters or digits to keep."""
    return f"{slugify(meeting.name) or 'meeting'}.ics"


def meeting_calendar(meeting: Meeting, *, url: str | None) -> bytes:
    """The VCALENDAR for `meeting`, as the bytes of an .ics file (UTF-8, CRLF line endings).

    One VEVENT (none for a meeting without a start time): UID `event_uid`, SUMMARY the name,
    LOCATION the address, GEO its latitude;longitude, DESCRIPTION its description followed by
    `url` when given (and URL set to it), DTSTART and DTEND on the meeting's zone (DTEND left
    out for a meeting without an end), RRULE its recurrence, EXDATE the local start of each
    cancelled occurrence, DTSTAMP now. Reads the meeting's cancellations (one query each, through
    meetings.occurrences). Raises RecurrenceError only for a stored rule that has become
    unreadable, which validation prevents.
    """
    calendar = Calendar.new(prodid=PRODID, uid=f"calendar-{event_uid(meeting)}")
    if meeting.start_time is not None:
        calendar.add_component(_event(meeting, url))
        start_year = meeting.start_time.astimezone(meeting.zone).year
        calendar.add_missing_timezones(
            first_date=dt.date(max(start_year - 1, 1), 1, 1),
            last_date=dt.date(max(start_year, timezone.now().year) + ZONE_YEARS_AHEAD, 1, 1),
        )
    return calendar.to_ical()


def _event(meeting: Meeting, url: str | None) -> Event:
    zone = meeting.zone
    event = Event.new(
        uid=event_uid(meeting),
        summary=meeting.name,
        location=meeting.address,
        description="\n\n".join(part for part in (meeting.description or "", url or "") if part) or None,
        url=url,
        start=meeting.start_time.astimezone(zone),
        end=None if meeting.end_time is None else meeting.end_time.astimezone(zone),
    )
    event.add("geo", (meeting.lat, meeting.lng))
    if meeting.recurrence:
        event.add("rrule", _rule(meeting))
        cancelled = _cancelled_starts(meeting)
        if cancelled:
            event.add("exdate", cancelled)
    return event


def _rule(meeting: Meeting) -> vRecur:
    """The stored rule (meetings.recurrence) as a vRecur. A date UNTIL, which meetings.recurrence
    reads as the whole of that local day, is written as that day's last second in UTC: RFC 5545
    (3.3.10) wants a UTC UNTIL when DTSTART has a TZID."""
    rule = vRecur.from_ical(meeting.recurrence)
    until = rule.get("UNTIL")
    if until and not isinstance(until[0], dt.datetime):
        last_second = dt.datetime.combine(until[0], dt.time(23, 59, 59))
        rule["UNTIL"] = [to_instant(last_second, meeting.zone)]
    return rule


def _cancelled_starts(meeting: Meeting) -> list[dt.datetime]:
    """The local start of each cancelled occurrence that the rule still gives (a cancellation
    left behind by a changed rule names a day without a meeting, and is left out)."""
    starts = []
    cancelled = dict(meeting.cancellations.values_list("date", "reason"))
    for day in cancelled:
        occurrence = occurrence_on(meeting, day, cancellations=cancelled)
        if occurrence is not None:
            starts.append(occurrence.local_start)
    return starts
