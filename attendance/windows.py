"""When a check-in is possible: the occurrence a session is for and its check-in window, under
the session's policy version (README: "What counts as attended").

The window of an occurrence opens `check_in_opens_before` its start and closes at its end; a
meeting without an end time closes `min_stay_without_times` after the start. A meeting without
any times (a drop-in place) and a destination have no window.
"""

import datetime as dt

from django.utils import timezone

from attendance.errors import AttendanceError
from meetings.models import Meeting
from meetings.occurrences import Occurrence, occurrences
from meetings.wording import clock
from policies.models import PolicyVersion

# Wider than any occurrence plus its window, either side of the moment looked at.
SEARCH = dt.timedelta(days=2)


def window(start: dt.datetime, end: dt.datetime | None, policy: PolicyVersion) -> tuple[dt.datetime, dt.datetime]:
    """(opens, closes) of the occurrence from `start` to `end` (UTC)."""
    return start - policy.check_in_opens_before, end or start + policy.min_stay_without_times


def occurrence_for(meeting: Meeting, at: dt.datetime, policy: PolicyVersion) -> Occurrence | None:
    """The occurrence a session opened at `at` is for: the one whose check-in window holds
    `at`, else the next one on the same local date or whose check-in opens on it (its check-in
    will open later). None for a meeting without times.

    Raises AttendanceError `no_occurrence` when the meeting does not meet that day (or that
    day's meeting is cancelled), `check_in_closed` (with `ended_at`) when it has ended."""
    if meeting.start_time is None:
        return None
    found = [o for o in occurrences(meeting, at - SEARCH, at + SEARCH)]
    held = [o for o in found if not o.cancelled]
    for occurrence in held:
        opens, closes = window(occurrence.start, occurrence.end, policy)
        if opens <= at <= closes:
            return occurrence
    day = at.astimezone(meeting.zone).date()
    today = [o for o in found if o.local_date == day]
    # Later today, or one whose check-in opens today (a meeting at midnight opens the evening
    # before): its check-in will say when it opens.
    later = [
        o
        for o in held
        if o.start > at
        and (o.local_date == day or window(o.start, o.end, policy)[0].astimezone(meeting.zone).date() == day)
    ]
    if later:
        return later[0]
    if any(o.cancelled for o in today) and not any(not o.cancelled for o in today):
        raise AttendanceError(AttendanceError.NO_OCCURRENCE, "Today's meeting is cancelled; nothing was recorded.")
    ended = [o for o in today if not o.cancelled]
    if ended:
        _, closes = window(ended[-1].start, ended[-1].end, policy)
        raise AttendanceError(
            AttendanceError.CHECK_IN_CLOSED,
            f"Today's meeting ended at {at_place(closes, meeting.zone)}; check-in is closed.",
            ended_at=closes,
        )
    raise AttendanceError(AttendanceError.NO_OCCURRENCE, "This meeting does not meet today; nothing was recorded.")


def check_in_allowed(
    start: dt.datetime | None, end: dt.datetime | None, zone: object, at: dt.datetime, policy: PolicyVersion
) -> None:
    """Refuse a check-in at `at` outside the window of the occurrence `start`..`end` (None: no
    times, any time goes). Raises AttendanceError `check_in_not_open` (with `opens_at`) or
    `check_in_closed` (with `ended_at`)."""
    if start is None:
        return
    opens, closes = window(start, end, policy)
    if at < opens:
        raise AttendanceError(
            AttendanceError.CHECK_IN_NOT_OPEN,
            f"Check-in opens at {at_place(opens, zone, at)}.",
            opens_at=opens,
        )
    if at > closes:
        raise AttendanceError(
            AttendanceError.CHECK_IN_CLOSED,
            f"This meeting ended at {at_place(closes, zone, at)}; check-in is closed.",
            ended_at=closes,
        )


def at_place(moment: dt.datetime, zone: object, today: dt.datetime | None = None) -> str:
    """'6:30 pm PST', with the date when it is not the day of `today` (default: now) there:
    '6:30 pm PST on Tue 8 Dec'."""
    local = moment.astimezone(zone)
    words = f"{clock(local)} {local.tzname()}"
    if local.date() != (today or timezone.now()).astimezone(zone).date():
        words += f" on {local:%a} {local.day} {local:%b}"
    return words
