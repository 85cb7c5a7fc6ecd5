"""A meeting's schedule in plain words, as the meetings list, the form and the poster print it:
"Tuesdays 7:00-8:30 pm PDT", "Every 2 weeks on Saturday 9:00-11:00 am PST, until 27 Feb 2027",
"First Monday of the month 6:00-7:00 pm EST".

The times are those of the next occurrence (or the first, for a schedule that has ended), with
that day's zone abbreviation: "PDT" in summer, "PST" in winter. A rule these words do not cover
is shown as written, so nothing is ever described wrongly.
"""

import datetime as dt

from django.utils import timezone

from meetings.models import Meeting
from meetings.occurrences import Occurrence, next_occurrences, occurrences
from meetings.recurrence import WEEKDAYS, RecurrenceError

DAY_NAMES = dict(
    zip(WEEKDAYS, ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"), strict=True)
)
ORDINALS = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", -1: "Last", -2: "Second to last"}
NO_TIMES = "No set times (drop in)"
DASH = "\N{EN DASH}"  # between two times: 7:00-8:30 pm


def clock(moment: dt.datetime) -> str:
    """7:00 pm, 12:30 pm: the hour without a leading zero, as people write it."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def time_span(occurrence: Occurrence) -> str:
    """'7:00-8:30 pm PDT' (one abbreviation, that of the start), or '7:00 pm PDT' with no end."""
    start = occurrence.local_start
    if occurrence.local_end is None:
        return f"{clock(start)} {start.tzname()}"
    end = occurrence.local_end
    first = clock(start)
    if (start.hour < 12) == (end.hour < 12) and start.date() == end.date():
        first = first.rsplit(" ", 1)[0]  # 7:00-8:30 pm, not 7:00 pm-8:30 pm
    return f"{first}{DASH}{clock(end)} {end.tzname()}"


def _parts(rule: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in rule.split(";"))


def _day_list(codes: list[str], plural: bool) -> str:
    names = [DAY_NAMES[code] + ("s" if plural else "") for code in codes]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _weekly(parts: dict[str, str], first: dt.datetime) -> str | None:
    codes = parts.get("BYDAY", WEEKDAYS[first.weekday()]).split(",")
    if any(code not in DAY_NAMES for code in codes):
        return None
    interval = int(parts.get("INTERVAL", "1"))
    if interval == 1:
        return "Every day" if len(codes) == 7 else _day_list(codes, plural=True)
    return f"Every {interval} weeks on {_day_list(codes, plural=False)}"


def _monthly(parts: dict[str, str], first: dt.datetime) -> str | None:
    interval = int(parts.get("INTERVAL", "1"))
    every = "of the month" if interval == 1 else f"of every {interval} months"
    if "BYDAY" in parts and "," not in parts["BYDAY"] and "BYMONTHDAY" not in parts:
        code = parts["BYDAY"]
        number, day = code[:-2], code[-2:]
        if number and int(number) in ORDINALS and day in DAY_NAMES:
            return f"{ORDINALS[int(number)]} {DAY_NAMES[day]} {every}"
        return None
    if "BYDAY" not in parts:
        days = parts.get("BYMONTHDAY", str(first.day))
        if days.isdigit():
            return f"Day {days} {every}"
    return None


def _repeat_words(rule: str, first: dt.datetime) -> str | None:
    parts = _parts(rule)
    if set(parts) - {"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT", "WKST"}:
        return None
    frequency = parts["FREQ"]
    interval = int(parts.get("INTERVAL", "1"))
    if frequency == "DAILY" and set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "COUNT"}:
        return "Every day" if interval == 1 else f"Every {interval} days"
    if frequency == "WEEKLY" and "BYMONTHDAY" not in parts:
        return _weekly(parts, first)
    if frequency == "MONTHLY":
        return _monthly(parts, first)
    if frequency == "YEARLY" and set(parts) <= {"FREQ", "INTERVAL", "UNTIL", "COUNT"}:
        return f"Every year on {first.day} {first:%B}" if interval == 1 else None
    return None


def _ending(meeting: Meeting, rule: str) -> str:
    parts = _parts(rule)
    if "COUNT" in parts:
        return f", {parts['COUNT']} times"
    if "UNTIL" in parts:
        # The last local day it may meet: UNTIL's date, or its UTC time read at the meeting.
        until = parts["UNTIL"]
        if until.endswith("Z"):
            last = dt.datetime.strptime(until, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC).astimezone(meeting.zone)
        else:
            last = dt.datetime.strptime(until, "%Y%m%d")
        return f", until {last.day} {last:%b %Y}"
    return ""


def describe(meeting: Meeting, now: dt.datetime | None = None) -> str:
    """The meeting's schedule in words (see the module docstring); NO_TIMES for a drop-in place.

    One-off: 'Tue 1 Dec 2026, 7:00-8:30 pm PST'. The times are the next occurrence's from
    `now` (default: now), or the first one's once the schedule has ended."""
    if meeting.start_time is None:
        return NO_TIMES
    now = now or timezone.now()
    if not meeting.recurrence:
        (only,) = occurrences(
            meeting, meeting.start_time, meeting.start_time + dt.timedelta(microseconds=1), cancellations={}
        )
        start = only.local_start
        return f"{start:%a} {start.day} {start:%b %Y}, {time_span(only)}"
    try:
        upcoming = next_occurrences(meeting, now, count=1) or next_occurrences(meeting, meeting.start_time, count=1)
    except RecurrenceError:  # a rule stored before it was checked as it is now: shown as written
        return f"Repeats ({meeting.recurrence})"
    first = meeting.start_time.astimezone(meeting.zone)
    words = _repeat_words(meeting.recurrence, first)
    if words is None:
        return f"Repeats ({meeting.recurrence}), {time_span(upcoming[0])}"
    return f"{words} {time_span(upcoming[0])}{_ending(meeting, meeting.recurrence)}"
