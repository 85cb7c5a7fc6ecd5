"""When a meeting happens: the one definition of its occurrences, used by every page, the API,
the calendar and the reports.

A meeting with a start and no rule happens once; with a rule (meetings.recurrence) it repeats
its first occurrence on the wall clock of its zone; with no start it has no set times (a
drop-in place) and no occurrences. An occurrence lasts as long as the first one (its end minus
its start, in exact seconds, as RFC 5545 3.3.6 counts hours and minutes) and is cancelled when
staff cancelled its local date (CancelledOccurrence).
"""

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from meetings.recurrence import expand, to_instant

if TYPE_CHECKING:
    from meetings.models import Meeting

# Outside these, occurrences are not looked for: local times near year 1 or 9999 overflow, and
# repeating meetings start in 1970 or later (meetings.recurrence.EARLIEST_YEAR).
FIRST_INSTANT = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LAST_INSTANT = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)

# How far either side of an instant occurrence_at() looks before asking the rule for the
# previous and next ones: wider than any one day's local times.
NEAR = dt.timedelta(days=1)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: `start` and `end` are UTC instants (`end` None when the meeting has no
    end time); `zone` is the meeting's, for showing them."""

    start: dt.datetime
    end: dt.datetime | None
    zone: zoneinfo.ZoneInfo
    cancelled: bool = False
    reason: str = ""

    @property
    def local_start(self) -> dt.datetime:
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> dt.datetime | None:
        return None if self.end is None else self.end.astimezone(self.zone)

    @property
    def local_date(self) -> dt.date:
        """The date at the meeting: what a cancellation names."""
        return self.local_start.date()

    def contains(self, instant: dt.datetime) -> bool:
        return self.start <= instant < (self.end or self.start)

    def distance_to(self, instant: dt.datetime) -> dt.timedelta:
        """How far `instant` is from this occurrence: zero inside it."""
        if instant < self.start:
            return self.start - instant
        return max(instant - (self.end or self.start), dt.timedelta(0))


def _cancellations(meeting: "Meeting", given: Mapping[dt.date, str] | None) -> Mapping[dt.date, str]:
    if given is not None:
        return given
    if meeting.pk is None:
        return {}
    # .all(), so that a list that prefetched `cancellations` asks nothing more per meeting.
    return {cancelled.date: cancelled.reason for cancelled in meeting.cancellations.all()}


def _make(meeting: "Meeting", local: dt.datetime, cancelled: Mapping[dt.date, str]) -> Occurrence:
    zone = meeting.zone
    start = to_instant(local, zone)
    end = None if meeting.end_time is None else start + (meeting.end_time - meeting.start_time)
    day = local.date()
    return Occurrence(start, end, zone, day in cancelled, cancelled.get(day, ""))


def occurrences(
    meeting: "Meeting",
    start: dt.datetime,
    end: dt.datetime,
    *,
    cancellations: Mapping[dt.date, str] | None = None,
) -> list[Occurrence]:
    """The occurrences of `meeting` starting in [start, end) (aware datetimes), in order,
    cancelled ones included and marked.

    `cancellations` ({local date: reason}) saves the query when the caller has them (lists);
    without it they are read from the meeting. The stored rule is trusted: Meeting.clean
    (meetings.recurrence.rule_for) refused any that cannot be used.
    """
    start, end = max(start, FIRST_INSTANT), min(end, LAST_INSTANT)
    if meeting.start_time is None or end <= start:
        return []
    if not meeting.recurrence:
        local = meeting.start_time.astimezone(meeting.zone).replace(tzinfo=None)
        one = _make(meeting, local, _cancellations(meeting, cancellations))
        return [one] if start <= one.start < end else []
    zone = meeting.zone
    rule = expand(meeting.recurrence, meeting.start_time, zone)
    # Searched in local wall-clock time a day wider either side, then kept by exact instant.
    local_from = start.astimezone(zone).replace(tzinfo=None) - NEAR
    local_to = end.astimezone(zone).replace(tzinfo=None) + NEAR
    cancelled = _cancellations(meeting, cancellations)
    found = (_make(meeting, local, cancelled) for local in rule.between(local_from, local_to, inc=True))
    return [occurrence for occurrence in found if start <= occurrence.start < end]


def occurrence_on(
    meeting: "Meeting", day: dt.date, *, cancellations: Mapping[dt.date, str] | None = None
) -> Occurrence | None:
    """The occurrence on local date `day` at the meeting, or None (a rule gives at most one a day)."""
    if not FIRST_INSTANT.year < day.year < LAST_INSTANT.year:
        return None
    zone = meeting.zone
    midnight = dt.datetime.combine(day, dt.time())
    found = occurrences(
        meeting,
        to_instant(midnight, zone),
        to_instant(midnight + dt.timedelta(days=1), zone),
        cancellations=cancellations,
    )
    return found[0] if found else None


def occurrence_at(
    meeting: "Meeting", instant: dt.datetime, *, cancellations: Mapping[dt.date, str] | None = None
) -> Occurrence | None:
    """The occurrence `instant` falls in (start inclusive, end exclusive), else the nearest one
    (the earlier on a tie), cancelled or not; None for a meeting without times.

    What a session is "for" (attendance records its start as `occurrence_start`)."""
    if meeting.start_time is None:
        return None
    if not meeting.recurrence:
        return occurrences(
            meeting, meeting.start_time, meeting.start_time + dt.timedelta(microseconds=1), cancellations=cancellations
        )[0]
    zone = meeting.zone
    rule = expand(meeting.recurrence, meeting.start_time, zone)
    local = instant.astimezone(zone).replace(tzinfo=None)
    cancelled = _cancellations(meeting, cancellations)
    candidates = list(rule.between(local - NEAR, local + NEAR, inc=True))
    # The nearest may be further off (every other week): the last before and first after the span.
    candidates += [found for found in (rule.before(local - NEAR), rule.after(local + NEAR)) if found is not None]
    if not candidates:
        return None
    made = sorted((_make(meeting, candidate, cancelled) for candidate in candidates), key=lambda o: o.start)
    inside = [occurrence for occurrence in made if occurrence.contains(instant)]
    if inside:
        return inside[-1]
    return min(made, key=lambda occurrence: occurrence.distance_to(instant))


def next_occurrences(meeting: "Meeting", after: dt.datetime, count: int = 5) -> list[Occurrence]:
    """The next `count` occurrences starting at or after `after`, cancelled ones included."""
    if meeting.start_time is None:
        return []
    if not meeting.recurrence:
        return occurrences(meeting, after, dt.datetime.max.replace(tzinfo=dt.UTC))
    zone = meeting.zone
    rule = expand(meeting.recurrence, meeting.start_time, zone)
    cancelled = _cancellations(meeting, None)
    local = after.astimezone(zone).replace(tzinfo=None) - NEAR
    found: list[Occurrence] = []
    for candidate in rule.xafter(local, inc=True):
        occurrence = _make(meeting, candidate, cancelled)
        if occurrence.start >= after:
            found.append(occurrence)
        if len(found) == count:
            break
    return found
