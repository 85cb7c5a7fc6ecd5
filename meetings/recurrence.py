"""Recurrence rules (RFC 5545 section 3.3.10, RRULE), read with python-dateutil's `rrule`.

A meeting's rule repeats its first occurrence (its start and end) on the wall clock of the
meeting's zone: "FREQ=WEEKLY;BYDAY=TU" from a Tuesday 19:00 in New York gives 19:00 New York
time every Tuesday, whatever the UTC offset that week. The rule is stored as typed by staff or
an API client, normalised (upper case, no "RRULE:" prefix, UNTIL in UTC); this module is the
only reader of it.

What is refused, with a message for the field (RecurrenceError):
- anything but one RRULE (DTSTART, RDATE or EXDATE lines: the start is the meeting's own, and
  exceptions are cancelled occurrences, each with a reason);
- frequencies below a day (HOURLY, MINUTELY, SECONDLY) and BYHOUR/BYMINUTE/BYSECOND: a meeting
  happens at its start's time of day, at most once a day;
- a rule that yields no occurrence at all (BYMONTH=2;BYMONTHDAY=30, or a COUNT or UNTIL that
  ends before the start).
"""

import datetime as dt
import zoneinfo

from dateutil import rrule as du

SUPPORTED_FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
TIME_OF_DAY_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND")
# What RFC 5545 (3.3.10) defines; dateutil also reads BYEASTER, which is not in it.
RFC_5545_PARTS = (
    "FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR", "BYDAY",
    "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST",
)  # fmt: skip
# dateutil raises these, as well as ValueError, on values out of range (BYDAY=99MO).
UNREADABLE = (ValueError, TypeError, KeyError, IndexError, OverflowError)
# A repeating meeting's rule is expanded from its first occurrence: one from centuries ago
# would take seconds to expand to today.
EARLIEST_YEAR = 1970
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# The Gregorian calendar repeats every 400 years, weekdays and leap years included.
CALENDAR_CYCLE_YEARS = 400


class RecurrenceError(ValueError):
    """A rule we cannot or will not use; the message is for the person who typed it."""


def _parts(text: str) -> dict[str, str]:
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise RecurrenceError(f"'{item}' is not NAME=VALUE: write the rule as FREQ=WEEKLY;BYDAY=TU.")
        if name in parts:
            raise RecurrenceError(f"{name} is given twice.")
        parts[name] = value
    return parts


def normalise(text: str | None) -> str | None:
    """The rule `text` as stored ("FREQ=WEEKLY;BYDAY=TU"), or None for none (blank).

    Accepts an optional "RRULE:" prefix and any letter case. Raises RecurrenceError for a rule
    that does not parse or that this product does not support (see the module docstring); a
    rule yielding no occurrence is refused by `rule_for` once the start is known.
    """
    if text is None or not text.strip():
        return None
    text = text.strip().upper()
    if "\n" in text or "\r" in text:
        raise RecurrenceError("Give one rule only (no DTSTART, RDATE or EXDATE lines).")
    text = text.removeprefix("RRULE:")
    parts = _parts(text)
    unknown = sorted(set(parts) - set(RFC_5545_PARTS))
    if unknown:
        raise RecurrenceError(f"{', '.join(unknown)} is not part of an RFC 5545 rule.")
    frequency = parts.get("FREQ")
    if frequency is None:
        raise RecurrenceError("A rule needs FREQ, for example FREQ=WEEKLY;BYDAY=TU.")
    if frequency not in SUPPORTED_FREQUENCIES:
        raise RecurrenceError(f"FREQ={frequency} is not supported: a meeting repeats DAILY, WEEKLY, MONTHLY or YEARLY.")
    for name in TIME_OF_DAY_PARTS:
        if name in parts:
            raise RecurrenceError(f"{name} is not supported: the meeting's start gives its time of day.")
    _check_ends(parts)
    normalised = ";".join(f"{name}={value}" for name, value in parts.items())
    try:
        # Parsed once against a fixed start, to refuse what dateutil cannot read.
        _expand(normalised, dt.datetime(2000, 1, 3, 12), zoneinfo.ZoneInfo("UTC"))
    except UNREADABLE as error:
        raise _unreadable(error) from None
    return normalised


def _unreadable(error: Exception) -> RecurrenceError:
    # dateutil's IndexError and OverflowError say nothing a person can act on.
    why = str(error) if isinstance(error, ValueError) else "a number in it is out of range"
    return RecurrenceError(f"This rule cannot be read: {why}.")


def _check_ends(parts: dict[str, str]) -> None:
    if "UNTIL" in parts and "COUNT" in parts:
        raise RecurrenceError("Give UNTIL or COUNT, not both.")
    if "COUNT" in parts and (not parts["COUNT"].isdigit() or int(parts["COUNT"]) < 1):
        raise RecurrenceError("COUNT must be a whole number of at least 1.")
    if "INTERVAL" in parts and (not parts["INTERVAL"].isdigit() or not 1 <= int(parts["INTERVAL"]) <= 366):
        raise RecurrenceError("INTERVAL must be a whole number from 1 to 366.")
    if "UNTIL" in parts:
        _check_until(parts["UNTIL"])


def _check_until(value: str) -> None:
    """UNTIL as RFC 5545 wants it with a zoned start: a date (the last local day) or a UTC time."""
    for fmt in ("%Y%m%d", "%Y%m%dT%H%M%SZ"):
        try:
            dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return
    raise RecurrenceError(
        "UNTIL must be a date (20270301) or a UTC time (20270301T235959Z); a local time without Z is ambiguous."
    )


def _expand(rule: str, local_start: dt.datetime, zone: zoneinfo.ZoneInfo, *, with_until: bool = True) -> du.rrule:
    """dateutil's rule over naive local wall-clock times, with UNTIL read in `zone`."""
    parts = _parts(rule)
    until_text = parts.pop("UNTIL", None)
    rule_without_until = ";".join(f"{name}={value}" for name, value in parts.items())
    expanded = du.rrulestr(rule_without_until, dtstart=local_start)
    if until_text is not None and with_until:
        if until_text.endswith("Z"):
            until_utc = dt.datetime.strptime(until_text, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.UTC)
            until = until_utc.astimezone(zone).replace(tzinfo=None)
        else:
            # A date: the whole of that local day.
            until = dt.datetime.strptime(until_text, "%Y%m%d").replace(hour=23, minute=59, second=59)
        expanded = expanded.replace(until=until)
    return expanded


def rule_for(rule: str, start: dt.datetime, zone: zoneinfo.ZoneInfo) -> du.rrule:
    """The dateutil rule for a stored `rule` repeating `start` (aware) on `zone`'s wall clock.

    Its values are naive local times; `to_instant` turns them into UTC. Raises RecurrenceError
    if the rule yields no occurrence from `start` (COUNT and UNTIL that end before it, or days
    that never come), so a meeting is never saved with a schedule that has no meeting in it.
    """
    local_start = start.astimezone(zone).replace(tzinfo=None)
    if local_start.year < EARLIEST_YEAR:
        raise RecurrenceError(f"A repeating meeting's first occurrence must be in {EARLIEST_YEAR} or later.")
    try:
        expanded = _expand(rule, local_start, zone)
        first = _first_occurrence(rule, local_start, zone)
    except UNREADABLE as error:
        raise _unreadable(error) from None
    if first is None or (expanded._until is not None and first > expanded._until):
        raise RecurrenceError("This rule gives no meeting at all from the start time: check its days and its end.")
    if first != local_start:
        # RFC 5545 leaves a start that is not one of the rule's days undefined (3.8.5.3).
        raise RecurrenceError(
            f"The first meeting ({local_start:%A %d %B %Y}) is not a day this rule gives: "
            "start the meeting on one of the rule's days."
        )
    return expanded


def _first_occurrence(rule: str, local_start: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """The rule's first local time from `local_start`, UNTIL aside, or None if there is none.

    dateutil only stops searching at year 9999, even past UNTIL, so a rule that matches no day
    (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) takes seconds. The search is run from the same date in
    a year 100 to 500 years before 9999 instead: the calendar repeats every 400 years (weekdays
    and leap years alike) and INTERVAL counts from the start itself, so the shifted rule matches
    the same days, shifted, and a rule with none is known to have none after a few hundred years.
    """
    shift = CALENDAR_CYCLE_YEARS * ((dt.MAXYEAR - 100 - local_start.year) // CALENDAR_CYCLE_YEARS)
    shifted_start = local_start.replace(year=local_start.year + shift)
    first = _expand(rule, shifted_start, zone, with_until=False).after(shifted_start, inc=True)
    return None if first is None else first.replace(year=first.year - shift)


def expand(rule: str, start: dt.datetime, zone: zoneinfo.ZoneInfo) -> du.rrule:
    """The dateutil rule for a stored `rule` already accepted by `rule_for` (as every saved
    meeting's is), without checking it again: what listing occurrences uses, thousands a second."""
    return _expand(rule, start.astimezone(zone).replace(tzinfo=None), zone)


def to_instant(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """A naive wall-clock time in `zone` as a UTC instant, as RFC 5545 (3.3.5) reads a recurring
    time: in the hour that repeats, the first of the two (fold=0); in the hour skipped, the UTC
    offset before the gap (so 02:30 on the spring-forward night is 03:30 daylight time)."""
    return local.replace(tzinfo=zone, fold=0).astimezone(dt.UTC)
