"""The window of occurrences kept in ScheduledOccurrence, and "meetings today" read from it.

Expanding 50,000 weekly rules takes seconds, too slow for a page; the occurrences whose local
date is within a few days of today are therefore kept as rows (a bounded window, never the
whole future), and re-derived from meetings.occurrences:
- for one meeting, whenever it or one of its cancellations is saved (`sync_meeting`), in the
  same transaction;
- for every meeting, by `manage.py refresh_schedule` (daily, from cron or the scheduler: see
  the README), which moves the window on to the new today (`refresh`).
The dashboard says so when the window no longer covers today (`window_is_current`).
"""

import datetime as dt
import functools
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from meetings.models import CancelledOccurrence, Meeting, ScheduledOccurrence, ScheduleWindow
from meetings.occurrences import Occurrence, occurrences

DAYS_BEFORE = 2
DAYS_AFTER = 14
BATCH = 1000


def window_for(today: dt.date) -> tuple[dt.date, dt.date]:
    """The local dates kept, first and last included, around the site's `today`; a day wider
    than asked either side, since today at a meeting can be the site's yesterday or tomorrow."""
    return today - dt.timedelta(days=DAYS_BEFORE), today + dt.timedelta(days=DAYS_AFTER)


def _site_today(now: dt.datetime | None = None) -> dt.date:
    return timezone.localtime(now or timezone.now(), timezone.get_default_timezone()).date()


def _rows(meeting: Meeting, first: dt.date, last: dt.date, cancellations: dict) -> list[ScheduledOccurrence]:
    if not meeting.is_active or meeting.start_time is None:
        return []
    # Every instant whose local date anywhere on Earth can fall in [first, last].
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    found: Iterable[Occurrence] = occurrences(meeting, start, end, cancellations=cancellations)
    return [
        ScheduledOccurrence(
            meeting=meeting,
            start=occurrence.start,
            end=occurrence.end,
            local_date=occurrence.local_date,
            time_zone=meeting.zone.key,
            cancelled=occurrence.cancelled,
        )
        for occurrence in found
        if first <= occurrence.local_date <= last
    ]


def _current_window(today: dt.date) -> tuple[dt.date, dt.date]:
    # Locked, so that a meeting saved while refresh() runs waits for it and then replaces the
    # rows refresh() wrote, rather than inserting next to them.
    window = ScheduleWindow.objects.select_for_update().first()
    wanted = window_for(today)
    if window is None:
        return wanted
    return min(window.first_date, wanted[0]), max(window.last_date, wanted[1])


def sync_meeting(meeting: Meeting, now: dt.datetime | None = None) -> None:
    """Re-derive `meeting`'s rows in the window (none if it is deactivated or has no times)."""
    cancellations = dict(meeting.cancellations.values_list("date", "reason"))
    with transaction.atomic():
        first, last = _current_window(_site_today(now))
        ScheduledOccurrence.objects.filter(meeting=meeting).delete()
        ScheduledOccurrence.objects.bulk_create(_rows(meeting, first, last, cancellations))


def refresh(now: dt.datetime | None = None) -> int:
    """Rebuild the whole window for the site's today: every active meeting with times that can
    have an occurrence in it. Returns the number of occurrences kept. One transaction, so the
    dashboard never sees half a window."""
    first, last = window_for(_site_today(now))
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(), tzinfo=dt.UTC)
    # One-off meetings matter only if they start in the window; repeating ones if they started before its end.
    meetings = (
        Meeting.objects.active()
        .filter(start_time__lt=end)
        .filter(Q(start_time__gte=start) | ~Q(recurrence=""))
        .order_by("pk")
    )
    kept = 0
    with transaction.atomic():
        window = ScheduleWindow.objects.select_for_update().first()  # saves of meetings wait (sync_meeting)
        # Read under the lock, so that a cancellation saved meanwhile is in the rows.
        cancelled: dict[str, dict[dt.date, str]] = {}
        for meeting_id, day, reason in CancelledOccurrence.objects.filter(date__gte=first, date__lte=last).values_list(
            "meeting_id", "date", "reason"
        ):
            cancelled.setdefault(meeting_id, {})[day] = reason
        ScheduledOccurrence.objects.all().delete()
        batch: list[ScheduledOccurrence] = []
        for meeting in meetings.iterator(chunk_size=BATCH):
            batch += _rows(meeting, first, last, cancelled.get(meeting.pk, {}))
            if len(batch) >= BATCH:
                ScheduledOccurrence.objects.bulk_create(batch)
                kept += len(batch)
                batch = []
        ScheduledOccurrence.objects.bulk_create(batch)
        kept += len(batch)
        if window is None:
            window = ScheduleWindow()
        window.first_date, window.last_date, window.refreshed_at = first, last, timezone.now()
        window.save()
    return kept


def window_is_current(now: dt.datetime | None = None) -> bool:
    """Whether the rows cover today (and tomorrow) everywhere: False once refresh_schedule has
    not run for DAYS_AFTER - 1 days."""
    window = ScheduleWindow.objects.first()
    today = _site_today(now)
    return window is not None and window.first_date < today and window.last_date > today + dt.timedelta(days=1)


def todays_occurrences(now: dt.datetime | None = None) -> QuerySet[ScheduledOccurrence]:
    """Occurrences of active meetings on today's date at each meeting (its zone's today), by
    start, each with its meeting: one query for the zones in use near today (an index-only
    scan), then the returned queryset (whose count() needs no join). Asking for every IANA zone
    instead costs more: the planner and the filter then carry 600 names."""
    now = now or timezone.now()
    today = _site_today(now)
    near = [today + dt.timedelta(days=offset) for offset in (-1, 0, 1)]
    zones = ScheduledOccurrence.objects.filter(local_date__in=near).values_list("time_zone", flat=True).distinct()
    today_there = Q(pk__in=[])
    for zone in sorted(zones):
        today_there |= Q(time_zone=zone, local_date=timezone.localtime(now, _zone(zone)).date())
    return (
        # No join to filter on is_active: a deactivated meeting's rows are removed when it is saved.
        ScheduledOccurrence.objects.filter(today_there)
        .select_related("meeting")
        .order_by("start", "meeting_id")  # by name would join every one of today's meetings before the first 25
    )


@functools.cache  # zoneinfo keeps only a few zones alive; today's list asks for all of them
def _zone(name: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)
