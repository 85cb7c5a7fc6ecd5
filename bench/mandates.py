"""Mandates at scale (issue 18): a mandate per contact over a year, their periods and the
sessions they count, then the queries the staff pages ask, timed against the issue's targets.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/compliance_bench python -m bench.mandates [--small] [--reuse]

Alone, it rebuilds the database (its name must contain "bench"), writes bench/data.py's data set
and the mandates, and prints the figures; `--reuse` measures the database as it is (after a
first run: to try an index by hand). bench/run.py calls `generate` and `measure` after its other
benchmarks, so `make bench` and `make bench-small` (CI) run this code too.

The periods are written in bulk but computed by production's functions: mandates.periods.spans
(the periods of each mandate), mandates.counting's local midnight (their UTC bounds),
mandates.status.behind_from, and the counting rule of mandates.counting._count (each period a
bisect over the contact's qualifying attended sessions in order of moment).
mandates.counting.regenerate, one mandate at a time, would take hours for 100,000; a sample is
regenerated with it afterwards and must give the same rows (`consistency`).
"""

import argparse
import bisect
import datetime as dt
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO
from zoneinfo import ZoneInfo

# Targets from issue 18 ("Computed in the database at scale").
BEHIND_PANEL_MS = 100
COMPLIANCE_MS = 30
LIST_MS = 100
MAX_QUERIES = 15
PAGE_SIZE = 50
PANEL_ROWS = 10

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
# The meetings a mandate's sessions are at: the first of the active meetings (by qr_code, a
# random order), of which the first AA_MEETINGS are given the kind "aa".
HOME_MEETINGS = 20_000
AA_MEETINGS = 2_000


@dataclass(frozen=True)
class MandateScale:
    name: str
    mandates: int
    runs: int  # timed runs of each list query
    samples: int  # mandates per kind of period whose compliance is timed (each `runs` times)


FULL = MandateScale("full", 100_000, 25, 8)
SMALL = MandateScale("small", 2_000, 3, 2)


def scale_for(name: str) -> MandateScale:
    return FULL if name == "full" else SMALL


# --- The mix -------------------------------------------------------------------------------------
#
# Kinds of order (share, period, required, rolling days, durations in days), starts spread over
# the past year (3% start within the next month), so that most run today; one in ten accepts only
# AA meetings. How each attendee attends (share, profile): on a regular rhythm that meets the
# order; the same with a gap of two to four weeks somewhere in the past (a missed period); the same
# but stopped one to ten days ago (behind now, or missed); at half the rhythm; never.
KINDS = (
    (0.70, "week", 3, None, (180, 270, 365, 365, 540)),
    (0.12, "month", 4, None, (180, 365)),
    (0.08, "whole", 0, None, (90, 180, 365)),  # required: one a week over the whole, set below
    (0.10, "rolling", 12, 30, (90, 180, 365)),
)
PROFILES = ((0.62, "regular"), (0.12, "gap"), (0.14, "stopped"), (0.08, "half"), (0.04, "never"))
PERIOD_DAYS = {"week": 7, "month": 30, "rolling": 30}


def _pick(rng: random.Random, table: tuple) -> tuple:
    draw = rng.random()
    for row in table:
        draw -= row[0]
        if draw < 0:
            return row
    return table[-1]


@dataclass
class Plan:
    """One generated mandate."""

    id: str
    contact_id: str
    case_number: str
    jurisdiction_id: str
    zone: ZoneInfo
    period: str
    required: int
    rolling_days: int | None
    starts_on: dt.date
    ends_on: dt.date
    aa_only: bool
    profile: str


def plan_mandates(
    count: int, contacts: list[str], jurisdictions: list[tuple[str, str]], today: dt.date, rng: random.Random
) -> list[Plan]:
    """`count` mandates over `contacts` (one each for the first 95%, a second one for some)."""
    plans = []
    single = min(len(contacts), int(count * 0.95))
    for i in range(count):
        contact = contacts[i] if i < single else contacts[(i * 7919) % len(contacts)]
        _, period, required, rolling_days, durations = _pick(rng, KINDS)
        days = rng.choice(durations)
        if rng.random() < 0.03:
            starts_on = today + dt.timedelta(days=rng.randint(1, 30))
        else:
            starts_on = today - dt.timedelta(days=rng.randint(0, 365))
        if period == "whole":
            required = days // 7
        jurisdiction_id, zone = jurisdictions[i % len(jurisdictions)]
        plans.append(
            Plan(
                id=str(uuid.uuid4()),
                contact_id=contact,
                case_number=f"CR-{starts_on.year}-{i:06d}",
                jurisdiction_id=jurisdiction_id,
                zone=ZoneInfo(zone),
                period=period,
                required=required,
                rolling_days=rolling_days,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=days - 1),
                aa_only=rng.random() < 0.10,
                profile=_pick(rng, PROFILES)[1],
            )
        )
    return plans


def attendance_days(plan: Plan, today: dt.date, rng: random.Random) -> list[dt.date]:
    """The local days the attendee of `plan` attends a qualifying meeting, before today."""
    if plan.profile == "never":
        return []
    length = PERIOD_DAYS.get(plan.period) or (plan.ends_on - plan.starts_on).days + 1
    step = max(1, length // plan.required)
    if plan.profile == "half":
        step *= 2
    last = min(plan.ends_on, today)
    skip_from = skip_to = None
    if plan.profile == "gap":
        skip_from = plan.starts_on + dt.timedelta(days=rng.randint(0, 200))
        skip_to = skip_from + dt.timedelta(days=rng.randint(14, 28))
    elif plan.profile == "stopped":
        skip_from, skip_to = today - dt.timedelta(days=rng.randint(1, 10)), today + dt.timedelta(days=1)
    found = []
    day = plan.starts_on + dt.timedelta(days=rng.randrange(step))
    while day <= last:
        if skip_from is None or not skip_from <= day < skip_to:
            found.append(day)
        day += dt.timedelta(days=step)
    return found


# --- Writing ---------------------------------------------------------------------------------------


def _copy(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """COPY `rows` into `table`; returns how many."""
    from django.db import connection

    n = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n


SESSION_COLUMNS = (
    "id",
    "contact_id",
    "meeting_id",
    "status",
    "dest_name",
    "dest_address",
    "dest_lat",
    "dest_lng",
    "is_complete",
    "occurrence_start",
    "occurrence_end",
    "outcome",
    "outcome_reasons",
    "seconds_attended",
    "seconds_scheduled",
    "created_at",
    "updated_at",
)
MANDATE_COLUMNS = (
    "id",
    "contact_id",
    "case_number",
    "jurisdiction_id",
    "required_count",
    "period",
    "rolling_days",
    "starts_on",
    "ends_on",
    "notes",
    "end_reason",
    "time_zone",
    "ends_at",
    "missed_from",
    "created_at",
    "updated_at",
)
PERIOD_COLUMNS = (
    "mandate_id",
    "number",
    "starts_on",
    "ends_on",
    "starts_at",
    "ends_at",
    "required",
    "attended",
    "behind_from",
)


def generate(scale: MandateScale) -> dict:
    """Mandates, their sessions and periods on bench/data.py's data set; returns seconds per step
    and how many rows."""
    from django.db import connection
    from django.utils import timezone

    from mandates.models import MandateKind
    from meetings.models import MeetingKind

    timings: dict[str, float] = {}
    started = time.perf_counter()
    rng = random.Random(18)
    now = timezone.now()
    jurisdictions, contacts, meetings, aa_meetings = _setting()
    aa = MeetingKind.objects.get(slug="aa")
    aa_ids = {row[0] for row in aa_meetings}
    plans = plan_mandates(scale.mandates, contacts, jurisdictions, now.date(), rng)
    timings["plan"] = time.perf_counter() - started

    started = time.perf_counter()
    attended = _attended_already(aa_ids)
    timings["read existing sessions"] = time.perf_counter() - started

    started = time.perf_counter()
    rows = _session_rows(plans, (meetings, aa_meetings, aa_ids), attended, now, rng)
    session_count = _copy("sessions", SESSION_COLUMNS, rows)
    timings["sessions"] = time.perf_counter() - started

    # Computed into lists first: the mandates' rows must be written before their periods'.
    started = time.perf_counter()
    for moments in attended.values():
        moments.sort()
    mandate_rows: list[tuple] = []
    period_rows = list(_period_rows(plans, attended, mandate_rows, now))
    timings["periods computed"] = time.perf_counter() - started
    started = time.perf_counter()
    _copy("mandates", MANDATE_COLUMNS, mandate_rows)
    MandateKind.objects.bulk_create(
        [MandateKind(mandate_id=plan.id, kind=aa) for plan in plans if plan.aa_only], batch_size=5000
    )
    _copy("mandate_periods", PERIOD_COLUMNS, period_rows)
    timings["mandates and periods written"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("sessions", "mandates", "mandate_kinds", "mandate_periods", "meeting_kind_assignments"):
            cursor.execute(f"VACUUM ANALYZE {table}")
    timings["vacuum analyze"] = time.perf_counter() - started
    print(
        f"  {len(plans):,} mandates, {len(period_rows):,} periods, {session_count:,} sessions added",
        file=sys.stderr,
    )
    return {"timings": timings, "mandates": len(plans), "periods": len(period_rows), "sessions": session_count}


Meetings = list[tuple[str, str, str, float, float]]


def _setting() -> tuple[list[tuple[str, str]], list[str], Meetings, Meetings]:
    """The courts (one per zone: (id, zone)), the contacts' ids, the meetings mandates' sessions
    are at, and those of them given the kind "aa"."""
    from contacts.models import Contact
    from meetings.models import Meeting, MeetingKind, MeetingKindAssignment
    from policies.models import Jurisdiction, JurisdictionKind

    jurisdictions = [
        (
            Jurisdiction.objects.create(
                name=f"Bench County Superior Court ({zone.split('/')[1].replace('_', ' ')})",
                kind=JurisdictionKind.COURT,
                time_zone=zone,
            ).pk,
            zone,
        )
        for zone in ZONES
    ]
    contacts = list(Contact.objects.order_by("email").values_list("pk", flat=True))
    meetings = list(
        Meeting.objects.filter(is_active=True)
        .order_by("qr_code")
        .values_list("pk", "name", "address", "lat", "lng")[:HOME_MEETINGS]
    )
    aa = MeetingKind.objects.get(slug="aa")
    aa_meetings = meetings[:AA_MEETINGS]
    MeetingKindAssignment.objects.bulk_create(
        [MeetingKindAssignment(meeting_id=row[0], kind=aa) for row in aa_meetings], ignore_conflicts=True
    )
    return jurisdictions, contacts, meetings, aa_meetings


def _attended_already(aa_ids: set[str]) -> dict[str, list[tuple[dt.datetime, bool]]]:
    """The attended sessions already there (bench/data.py's), by contact: (moment, at an AA meeting)."""
    from django.db import connection

    attended: dict[str, list[tuple[dt.datetime, bool]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT contact_id, COALESCE(occurrence_start, created_at), meeting_id FROM sessions "
            "WHERE outcome = 'attended' AND meeting_id IS NOT NULL"
        )
        for contact_id, moment, meeting_id in cursor.fetchall():
            attended[contact_id].append((moment, meeting_id in aa_ids))
    return attended


def _session_rows(
    plans: list[Plan],
    places: tuple[Meetings, Meetings, set[str]],
    attended: dict[str, list[tuple[dt.datetime, bool]]],
    now: dt.datetime,
    rng: random.Random,
) -> Iterator[tuple]:
    """Each mandate's attendee's sessions (attended, at 6 to 9 pm local time at their meeting),
    as rows of SESSION_COLUMNS; each also added to `attended`."""
    from mandates.counting import _local_midnight

    meetings, aa_meetings, aa_ids = places
    for plan in plans:
        pool = aa_meetings if plan.aa_only else meetings
        meeting_id, name, address, lat, lng = pool[rng.randrange(len(pool))]
        hour = dt.timedelta(hours=18 + rng.randrange(4))
        for day in attendance_days(plan, now.date(), rng):
            moment = _local_midnight(day, plan.zone) + hour
            if moment >= now:
                continue
            attended[plan.contact_id].append((moment, meeting_id in aa_ids))
            end = moment + dt.timedelta(minutes=90)
            yield (
                *(str(uuid.uuid4()), plan.contact_id, meeting_id, "completed", name, address, lat, lng, True),
                *(moment, end, "attended", "", 5400, 5400, moment - dt.timedelta(minutes=5), end),
            )


def _period_rows(
    plans: list[Plan], attended: dict[str, list[tuple[dt.datetime, bool]]], mandate_rows: list, now: dt.datetime
) -> Iterator[tuple]:
    """The periods of each mandate as rows of PERIOD_COLUMNS, by production's functions, counted
    as mandates.counting._count counts; each mandate's row (MANDATE_COLUMNS) added to
    `mandate_rows`. `attended` is sorted by moment."""
    from mandates.counting import _local_midnight
    from mandates.periods import spans
    from mandates.status import behind_from

    midnights: dict[tuple[str, dt.date], dt.datetime] = {}

    def midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
        key = (zone.key, day)
        if key not in midnights:
            midnights[key] = _local_midnight(day, zone)
        return midnights[key]

    for plan in plans:
        found = spans(plan.period, plan.required, plan.starts_on, plan.ends_on, plan.rolling_days)
        first = midnight(plan.starts_on, plan.zone)
        ends_at = midnight(plan.ends_on + dt.timedelta(days=1), plan.zone)
        moments = [moment for moment, is_aa in attended.get(plan.contact_id, ()) if is_aa or not plan.aa_only]
        moments = moments[bisect.bisect_left(moments, first) : bisect.bisect_left(moments, ends_at)]
        unmet = []
        for span in found:
            starts_at = midnight(span.starts_on, plan.zone)
            period_ends = midnight(span.ends_on + dt.timedelta(days=1), plan.zone)
            count = bisect.bisect_left(moments, period_ends) - bisect.bisect_left(moments, starts_at)
            if count < span.required:
                unmet.append(period_ends)
            line_passed = behind_from(starts_at, period_ends, span.required, count)
            yield (
                plan.id,
                span.number,
                span.starts_on,
                span.ends_on,
                starts_at,
                period_ends,
                span.required,
                count,
                line_passed,
            )
        entered = now - dt.timedelta(days=max(0, (now.date() - plan.starts_on).days) + 1)
        mandate_rows.append(
            (
                *(plan.id, plan.contact_id, plan.case_number, plan.jurisdiction_id, plan.required, plan.period),
                *(plan.rolling_days, plan.starts_on, plan.ends_on, "", "", plan.zone.key, ends_at),
                *(min(unmet, default=None), entered, now),
            )
        )


def consistency(sample: int = 40) -> dict:
    """Regenerate `sample` mandates with mandates.counting.regenerate (production's one writer of
    periods) and compare: the bulk rows must be the ones it writes."""
    from django.db import transaction

    from mandates.counting import regenerate
    from mandates.models import Mandate, MandatePeriod

    fields = ("number", "starts_on", "ends_on", "starts_at", "ends_at", "required", "attended", "behind_from")
    mismatches = []
    chosen = list(Mandate.objects.order_by("?").select_related("jurisdiction")[:sample])
    for mandate in chosen:
        before_periods = list(MandatePeriod.objects.filter(mandate=mandate).order_by("number").values_list(*fields))
        before = (mandate.time_zone, mandate.ends_at, mandate.missed_from)
        with transaction.atomic():
            regenerate(mandate)
            after_periods = list(MandatePeriod.objects.filter(mandate=mandate).order_by("number").values_list(*fields))
            after = (mandate.time_zone, mandate.ends_at, mandate.missed_from)
        if (before_periods, before) != (after_periods, after):
            mismatches.append(mandate.case_number)
    return {"sample": len(chosen), "mismatches": mismatches}


# --- Measuring -------------------------------------------------------------------------------------


# A query still running after this long is stopped (statement_timeout) and the measurement
# reports it so: it has missed its target by far, and timing it 25 times would take hours.
STATEMENT_TIMEOUT_MS = 20_000
# An operation slower than this when warming up is timed only this many times.
SLOW_MS, SLOW_RUNS = 1_000, 3
TIMED_OUT = "timed out"


def _time(operation: Callable[[], object], runs: int) -> tuple[list[float], int, list, object]:
    """`runs` timings of `operation` in ms, after one run to warm up whose queries are counted
    (CaptureQueriesContext) and returned as (sql, ms), with its answer (TIMED_OUT when a query
    was stopped at STATEMENT_TIMEOUT_MS: the one timing is then the warm-up's)."""
    from django.db import DatabaseError, connection
    from django.test.utils import CaptureQueriesContext

    started = time.perf_counter()
    try:
        with CaptureQueriesContext(connection) as captured:
            answer = operation()
    except DatabaseError:
        sql = [(query["sql"], float(query["time"]) * 1000) for query in captured.captured_queries]
        return [(time.perf_counter() - started) * 1000], len(sql), sql, TIMED_OUT
    if (time.perf_counter() - started) * 1000 > SLOW_MS:
        runs = min(runs, SLOW_RUNS)
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        operation()
        timings.append((time.perf_counter() - started) * 1000)
    sql = [(query["sql"], float(query["time"]) * 1000) for query in captured.captured_queries]
    return timings, len(sql), sql, answer


def explain(sql: str, analyze: bool = True) -> str:
    """The plan of `sql`, run (EXPLAIN ANALYZE) unless `analyze` is false or it is stopped."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {'(ANALYZE, BUFFERS) ' if analyze else ''}{sql}")
            return "\n".join(row[0] for row in cursor.fetchall())
    except DatabaseError:
        if not analyze:
            raise
        return explain(sql, analyze=False)


def measure(scale: MandateScale, now: dt.datetime | None = None) -> dict:
    """Time the behind panel, the list by each status, and one mandate's compliance, at `now`."""
    from django.db import connection
    from django.utils import timezone

    from mandates import queries
    from mandates.models import Mandate
    from mandates.status import MandateStatus

    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
    rows = [_behind_row(scale, now), *_list_rows(scale, now)]
    rows += [row for period in ("week", "month", "whole", "rolling") if (row := _compliance_row(scale, now, period))]
    for row in rows:
        row["timed_out"] = row["answer"] == TIMED_OUT
        row["ok"] = not row["timed_out"] and row["p50_ms"] < row["target_ms"] and row["queries"] <= MAX_QUERIES
        slowest_sql, slowest_ms = max(row.pop("sql"), key=lambda item: item[1])
        row["slowest_query_ms"] = slowest_ms
        row["explain"] = ""
        if slowest_sql.lstrip().upper().startswith("SELECT"):
            row["explain"] = explain(slowest_sql, analyze=not row["timed_out"])
        row["slowest_sql"] = slowest_sql
    # How many in each status (the compliant ones as the rest: its filter may be what timed out).
    counts = {
        status.value: Mandate.objects.filter(queries.status_filter(status, now)).count()
        for status in MandateStatus
        if status != MandateStatus.COMPLIANT
    }
    counts = {MandateStatus.COMPLIANT.value: Mandate.objects.count() - sum(counts.values()), **counts}
    with connection.cursor() as cursor:
        cursor.execute("RESET statement_timeout")
    return {"now": now, "rows": rows, "status_counts": counts}


def _summary(label: str, target_ms: int, timings: list[float], queries: int, sql: list, answer: object) -> dict:
    return {
        "label": label,
        "target_ms": target_ms,
        "p50_ms": statistics.median(timings),
        "p95_ms": statistics.quantiles(timings, n=20, method="inclusive")[-1] if len(timings) > 1 else timings[0],
        "queries": queries,
        "sql": sql,
        "answer": answer,
    }


def _behind_row(scale: MandateScale, now: dt.datetime) -> dict:
    """The dashboard's "Behind this week": how many, the first 10 with their status, and their
    current periods ("1 of 3, behind")."""
    from mandates import queries

    def behind_panel() -> int:
        behind = queries.behind(now)
        count = behind.count()
        shown = list(queries.with_status(behind, now).select_related("contact")[:PANEL_ROWS])
        queries.current_periods(shown, now)
        return count

    timings, queries_made, sql, answer = _time(behind_panel, scale.runs * 2)
    label = "Behind this week panel (count, first 10, current periods)"
    return _summary(label, BEHIND_PANEL_MS, timings, queries_made, sql, answer)


def _list_rows(scale: MandateScale, now: dt.datetime) -> list[dict]:
    """The mandates list filtered by each status, and unfiltered: its capped count (as every staff
    list counts, core.pagination), its first page of 50 with status, contact and court, and the
    page's current periods."""
    from core.pagination import CappedPaginator
    from mandates import queries
    from mandates.models import Mandate
    from mandates.status import MandateStatus

    rows = []
    for status in [*MandateStatus, None]:

        def listing(status: str | None = status) -> int:
            mandates = Mandate.objects.all()
            if status is not None:
                mandates = mandates.filter(queries.status_filter(status, now))
            mandates = queries.with_status(mandates, now).select_related("contact", "jurisdiction")
            page = CappedPaginator(mandates, PAGE_SIZE).page(1)
            queries.current_periods(list(page.object_list), now)
            return page.paginator.count

        name = MandateStatus(status).label.lower() if status else "all"
        timings, queries_made, sql, answer = _time(listing, scale.runs)
        rows.append(_summary(f"Mandates list, {name} (count, page of 50)", LIST_MS, timings, queries_made, sql, answer))
    return rows


def _compliance_row(scale: MandateScale, now: dt.datetime, period: str) -> dict | None:
    """One mandate's page: the mandate, then compliance_of (status, every period with its
    sessions, the sessions that did not count), for a random draw of running mandates of
    `period`; the timings of all pooled."""
    from mandates import queries
    from mandates.models import Mandate

    ids = list(
        Mandate.objects.filter(period=period, starts_on__lte=now.date(), ends_on__gte=now.date())
        .order_by("?")
        .values_list("pk", flat=True)[: scale.samples]
    )
    if not ids:
        return None
    pooled: list[float] = []
    most_queries, slowest_sql, periods = 0, [], 0
    for pk in ids:

        def compliance(pk: str = pk) -> int:
            mandate = Mandate.objects.select_related("contact", "jurisdiction").get(pk=pk)
            return len(queries.compliance_of(mandate, now).periods)

        timings, queries_made, sql, answer = _time(compliance, scale.runs)
        if not pooled or statistics.median(timings) >= statistics.median(pooled):
            slowest_sql = sql
        pooled += timings
        most_queries, periods = max(most_queries, queries_made), max(periods, answer)
    label = f"One mandate's compliance, {period} ({len(ids)} mandates)"
    return _summary(label, COMPLIANCE_MS, pooled, most_queries, slowest_sql, periods)


def print_results(results: dict, generation: dict | None = None, out: TextIO = sys.stdout) -> None:
    if generation:
        print(
            f"Data: {generation['mandates']:,} mandates, {generation['periods']:,} periods, "
            f"{generation['sessions']:,} sessions added; "
            + ", ".join(f"{step} {seconds:.1f} s" for step, seconds in generation["timings"].items()),
            file=out,
        )
    print("Statuses now: " + ", ".join(f"{k} {v:,}" for k, v in results["status_counts"].items()), file=out)
    print(f"{'Query':<68}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}  target", file=out)
    for row in results["rows"]:
        verdict = (
            "PASS"
            if row["ok"]
            else "FAIL" + (f" (stopped after {STATEMENT_TIMEOUT_MS} ms)" if row["timed_out"] else "")
        )
        print(
            f"{row['label']:<68}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}{row['queries']:>9}  "
            f"< {row['target_ms']} ms, <= {MAX_QUERIES} queries: {verdict}",
            file=out,
        )
    for row in results["rows"]:
        if not row["ok"]:
            print(f"\n{row['label']}: slowest query {row['slowest_query_ms']:.1f} ms\n{row['slowest_sql']}", file=out)
            print(row["explain"], file=out)


def render(results: dict) -> list[str]:
    """The report's section (bench/report.py)."""
    generation = results.get("generation") or {}
    lines = [
        "## Mandates at scale",
        "",
        f"{generation.get('mandates', 0):,} mandates ({generation.get('periods', 0):,} periods) on the contacts above, "
        f"with {generation.get('sessions', 0):,} more attended sessions, written by `bench/mandates.py` with "
        "production's period, counting and `behind_from` functions. Statuses at the time of measuring: "
        + ", ".join(f"{k} {v:,}" for k, v in results["status_counts"].items())
        + ".",
        "",
        "| Query | p50 ms | p95 ms | Queries | Target | |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for row in results["rows"]:
        if row["timed_out"]:
            lines.append(
                f"| {row['label']} | stopped at {STATEMENT_TIMEOUT_MS / 1000:.0f} s | | {row['queries']} | "
                f"< {row['target_ms']} ms, <= {MAX_QUERIES} queries | **missed** |"
            )
            continue
        lines.append(
            f"| {row['label']} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['queries']} | "
            f"< {row['target_ms']} ms, <= {MAX_QUERIES} queries | {'met' if row['ok'] else '**missed**'} |"
        )
    consistency_result = results.get("consistency")
    if consistency_result:
        lines += [
            "",
            f"Regenerated by `mandates.counting.regenerate`: {consistency_result['sample']} mandates, "
            f"{len(consistency_result['mismatches'])} differing from the bulk rows.",
        ]
    for row in results["rows"]:
        if not row["ok"] and row["explain"]:
            lines += [
                "",
                f"`EXPLAIN ANALYZE` of the slowest query of: {row['label']}",
                "",
                "```",
                row["explain"],
                "```",
            ]
    return [*lines, ""]


def main() -> None:
    import os

    from bench.run import rebuild_database, setup_django

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="A small data set (CI's).")
    parser.add_argument("--reuse", action="store_true", help="Measure the database as it is; generate nothing.")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database whose name contains 'bench'.")
    scale = SMALL if args.small else FULL
    generation = None
    if not args.reuse:
        rebuild_database(url)
    setup_django(url)
    from django.core.management import call_command

    from bench import data

    if not args.reuse:
        call_command("migrate", verbosity=0)
        print("Generating the base data set...", file=sys.stderr)
        data.generate(data.SMALL if args.small else data.FULL)
        print("Generating mandates...", file=sys.stderr)
        generation = generate(scale)
    results = measure(scale)
    results["consistency"] = consistency()
    print(f"Consistency: {results['consistency']}", file=sys.stderr)
    print_results(results, generation)
    # Freshly generated rows must be what production computes; reused ones may predate a change
    # of the rules (regenerate them).
    if results["consistency"]["mismatches"] and not args.reuse:
        sys.exit("The bulk-written periods differ from mandates.counting.regenerate's: the bench measures other data.")


if __name__ == "__main__":
    main()
