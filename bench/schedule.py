"""The window of scheduled occurrences at scale: how long `meetings.schedule.refresh()` takes over
the generated meetings (bulk-loaded, so no Meeting.save() has built any row), and how fast
"meetings today" is read from it (`todays_occurrences`: the count and the first 25, as the
dashboard shows them)."""

import statistics
import sys
import time
from collections.abc import Callable

SHOWN = 25  # staff.dashboard.TODAYS_MEETINGS_SHOWN


class Recorder:
    """An execute wrapper keeping each query's SQL and parameters."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, object]] = []

    def __call__(self, execute: Callable, sql: str, params: object, many: bool, context: dict) -> object:
        self.queries.append((sql, params))
        return execute(sql, params, many, context)


def todays_page() -> tuple[int, list]:
    """What the dashboard reads: how many occurrences today (at each meeting) and the first 25."""
    from meetings.schedule import todays_occurrences

    today = todays_occurrences()
    first = list(today[:SHOWN])
    return today.count(), first


def _explain(sql: str, params: object) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def _refresh() -> tuple[float, int]:
    """The daily job as cron runs it (manage.py refresh_schedule: the rebuild, then on PostgreSQL
    its VACUUM ANALYZE), timed, and how many occurrences the window holds."""
    import io

    from django.core.management import call_command

    from meetings.models import ScheduledOccurrence

    started = time.perf_counter()
    call_command("refresh_schedule", stdout=io.StringIO())
    return time.perf_counter() - started, ScheduledOccurrence.objects.count()


def _timings(runs: int, function: Callable[[], object]) -> dict[str, float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": statistics.median(timings),
        "p95_ms": statistics.quantiles(timings, n=20, method="inclusive")[-1] if len(timings) > 1 else timings[0],
        "max_ms": max(timings),
    }


def measure(runs: int) -> dict:
    """Refresh the window twice (the first fills an empty table, the second replaces it, as the
    daily job does), then time `todays_page` `runs` times. Times in seconds (`refresh_*_s`) and
    milliseconds (`*_ms`); `explain` holds EXPLAIN (ANALYZE, BUFFERS) of each query but the first."""
    from django.db import connection

    from meetings.models import Meeting, ScheduledOccurrence, ScheduleWindow

    first_s, kept = _refresh()
    print(f"  refresh (empty table): {first_s:.1f} s, {kept:,} occurrences", file=sys.stderr)
    again_s, _ = _refresh()
    print(f"  refresh (daily, replacing the window): {again_s:.1f} s", file=sys.stderr)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE meeting_scheduled_occurrences")
    window = ScheduleWindow.objects.get()
    todays_page()  # warm
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        count, first = todays_page()
    timing = _timings(max(runs, 5) * 4, todays_page)
    print(f"  meetings today: {count:,}, {timing['p50_ms']:.1f} ms, {len(recorder.queries)} queries", file=sys.stderr)
    return {
        "meetings": Meeting.objects.count(),
        "recurring": Meeting.objects.exclude(recurrence="").count(),
        "refresh_first_s": first_s,
        "refresh_again_s": again_s,
        "kept": kept,
        "window": (window.first_date, window.last_date),
        "rows": ScheduledOccurrence.objects.count(),
        "today_count": count,
        "today_cancelled": sum(row.cancelled for row in first),
        "first_shown": [
            (row.start, row.time_zone, row.meeting.name, bool(row.meeting.recurrence)) for row in first[:5]
        ],
        "queries": len(recorder.queries),
        "timing": timing,
        "explain": [_explain(sql, params) for sql, params in recorder.queries[1:]],
    }
