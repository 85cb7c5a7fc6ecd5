"""docs/benchmarks.md from the measurements: the machine, each figure, and the targets."""

import os
import platform
from pathlib import Path

import django
from django.db import connection

from bench import mandates
from bench.servers import GUNICORN_CONFIG

FINDINGS = Path(__file__).with_name("findings.md")


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory_kb = int(
        next(line for line in Path("/proc/meminfo").read_text().splitlines() if "MemTotal" in line).split()[1]
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        shared_buffers = cursor.fetchone()[0]
    return [
        f"- CPU: {os.cpu_count()} cores ({cpu}), {memory_kb / 1024 / 1024:.0f} GB memory, {platform.system()} "
        f"{platform.release()}",
        f"- PostgreSQL {pg_version} on the same machine (127.0.0.1:5432, shared_buffers {shared_buffers}, "
        "otherwise Debian's defaults)",
        f"- Python {platform.python_version()}, Django {django.get_version()}; gunicorn with "
        f"`{GUNICORN_CONFIG.relative_to(GUNICORN_CONFIG.parent.parent)}` (sync workers, 2 x cores + 1 = "
        f"{2 * (os.cpu_count() or 1) + 1})",
        "- Load generator: `bench/load.py`, a separate process on the same machine (it shares the two cores)",
    ]


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def render(results: dict) -> str:
    scale = results["scale"]
    lines = [
        "# Benchmarks",
        "",
        f"Measured {results['date']:%Y-%m-%d %H:%M} UTC by `make bench` (`python -m bench.run`"
        f"{' --small' if scale.name == 'small' else ''}), in {results['total_s'] / 60:.1f} minutes.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        *_targets(results),
        *_data(results),
        *_checkin(results),
        *_nearby(results),
        *_pages(results),
        *_export(results),
        *_schedule(results),
        *(mandates.render(results["mandates"]) if "mandates" in results else []),
        *_court_report(results),
    ]
    if FINDINGS.exists():
        lines += ["", FINDINGS.read_text().strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def _court_report(results: dict) -> list[str]:
    if "court_report" not in results:
        return []
    from bench import court_report

    return ["", "## A year's court report as PDF", "", *court_report.describe(results["court_report"])]


def _targets(results: dict) -> list[str]:
    app = {row["concurrency"]: row for row in results["checkin"]["application"]}
    floor = {row["concurrency"]: row for row in results["checkin"]["floor"]}
    ratio = app[16]["rps"] / floor[16]["rps"]
    errors = sum(row["errors"] for rows in results["checkin"].values() for row in rows)
    nearby = results["nearby"]
    speedup = nearby["reference"]["p50_ms"] / nearby["api"]["p50_ms"]
    pages = results["pages"]
    report_page = next(row for row in pages if row["page"].startswith("Report"))
    other_pages = [row for row in pages if row is not report_page]
    slowest = max(other_pages, key=lambda row: row["median_ms"])
    most_queries = max(pages, key=lambda row: row["queries"])
    peak_mb = results["export"]["peak_kb"] / 1024
    return [
        "## Targets",
        "",
        "| Target | Measured | |",
        "| --- | --- | --- |",
        f"| Check-in at concurrency 16: at least half the floor's throughput | {ratio:.0%} of the floor "
        f"({app[16]['rps']:.0f} vs {floor[16]['rps']:.0f} req/s) | {verdict(ratio >= 0.5)} |",
        f"| Check-in at concurrency 16: p95 under 50 ms | {app[16]['p95_ms']:.1f} ms | "
        f"{verdict(app[16]['p95_ms'] < 50)} |",
        f"| Check-in: no errors | {errors} errors | {verdict(errors == 0)} |",
        f"| Nearby: at least 20 times faster than the reference's query | {speedup:.0f} times (medians of the SQL) | "
        f"{verdict(speedup >= 20)} |",
        f"| Nearby: p95 under 10 ms | {nearby['api']['p95_ms']:.2f} ms | {verdict(nearby['api']['p95_ms'] < 10)} |",
        f"| Every staff page under 100 ms | slowest median: {slowest['page']}, {slowest['median_ms']:.1f} ms | "
        f"{verdict(slowest['median_ms'] < 100)} |",
        f"| At most 15 queries per page | most: {most_queries['page']}, {most_queries['queries']} | "
        f"{verdict(most_queries['queries'] <= 15)} |",
        *_dashboard_targets(results),
        f"| A year's report under 200 ms | {report_page['median_ms']:.1f} ms (median) | "
        f"{verdict(report_page['median_ms'] < 200)} |",
        f"| Export: the server process's peak memory under 150 MB | {peak_mb:.0f} MB for "
        f"{results['export']['rows']:,} events | {verdict(peak_mb < 150)} |",
        *(_mandate_targets(results["mandates"]) if "mandates" in results else []),
        "",
    ]


def _mandate_targets(results: dict) -> list[str]:
    """Issue 18's targets: each measured query of bench/mandates.py (section "Mandates at scale")."""
    return [
        f"| {row['label']}: under {row['target_ms']} ms, at most {mandates.MAX_QUERIES} queries | "
        + (
            f"stopped at {mandates.STATEMENT_TIMEOUT_MS / 1000:.0f} s"
            if row["timed_out"]
            else f"{row['p50_ms']:.1f} ms (median), p95 {row['p95_ms']:.1f} ms"
        )
        + f", {row['queries']} queries | {verdict(row['ok'])} |"
        for row in results["rows"]
    ]


def _data(results: dict) -> list[str]:
    scale, timings = results["scale"], results["generation"]
    return [
        "## 1. Data",
        "",
        f"{scale.contacts:,} contacts, {scale.meetings:,} meetings (clustered around 20 US metropolitan areas, 15% "
        f"anywhere in the contiguous United States), {scale.sessions:,} sessions over the past year (starting just "
        f"before the hour, skewed towards some contacts, {scale.open_sessions:,} checked in now) and "
        f"{scale.sessions * 3:,} events (check-in 85% granted / 10% denied / 5% timeout, a location update, "
        "check-out or staff's end), written by PostgreSQL with INSERT ... SELECT over generate_series "
        "(`bench/data.py`):",
        "",
        "| Step | Seconds |",
        "| --- | ---: |",
        *(f"| {step} | {seconds:.1f} |" for step, seconds in timings.items()),
        f"| **total** | {sum(timings.values()):.1f} |",
        "",
    ]


def _checkin(results: dict) -> list[str]:
    rows = []
    for name, runs in results["checkin"].items():
        for run in runs:
            rows.append(
                f"| {name} | {run['concurrency']} | {run['requests']:,} | {run['rps']:.0f} | {run['p50_ms']:.1f} | "
                f"{run['p95_ms']:.1f} | {run['p99_ms']:.1f} | {run['ok_2xx']:,} | {run['errors']} | "
                f"{run['events_stored']:,} | {run['client_cpu_s']:.1f} |"
            )
    app = {row["concurrency"]: row["rps"] for row in results["checkin"]["application"]}
    floor = {row["concurrency"]: row["rps"] for row in results["checkin"]["floor"]}
    return [
        "## 2. Check-in throughput and latency",
        "",
        "Each attendee (a token and an open session) sends a check-in, then four location updates, over the API "
        "(`POST /api/v1/sessions/<id>/check-in/`, `.../location/`); every request is a new connection. "
        "*application* is `compliance.wsgi`; *floor* is `bench/floor.py`, the same SQL with psycopg alone "
        "(token lookup, session row lock, insert, status update, commit). Same gunicorn settings, same load.",
        "",
        "| Server | Concurrency | Requests | Req/s | p50 ms | p95 ms | p99 ms | 2xx | Errors | Events stored "
        "| Client CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        *rows,
        "",
        "Application / floor throughput: "
        + ", ".join(f"concurrency {level}: {app[level] / floor[level]:.0%}" for level in app)
        + ".",
        "",
    ]


def _nearby(results: dict) -> list[str]:
    nearby = results["nearby"]
    return [
        "## 3. Nearby meetings",
        "",
        f"{nearby['points']:,} points drawn like the meetings; the SQL of the API's query "
        "(`Meeting.objects.active().near(lat, lng, 5 km)`: its page of 50 and the page's count) beside the schema "
        "reference's (`ORDER BY abs(lat - ?) + abs(lng - ?) LIMIT 25` over every active meeting, timed on "
        f"{nearby['reference_points']} of the points), both sent through a plain cursor. "
        f"A median of {nearby['found_median']:.0f} meetings were within 5 km of a point (at most "
        f"{nearby['found_max']:,}, where the `EXPLAIN` below was taken).",
        "",
        "| Query | p50 ms | p95 ms | mean ms |",
        "| --- | ---: | ---: | ---: |",
        f"| API's SQL: bounding box + great-circle distance, page and count | {nearby['api']['p50_ms']:.2f} | "
        f"{nearby['api']['p95_ms']:.2f} | {nearby['api']['mean_ms']:.2f} |",
        f"| Reference's SQL: full scan and sort | {nearby['reference']['p50_ms']:.2f} | "
        f"{nearby['reference']['p95_ms']:.2f} | {nearby['reference']['mean_ms']:.2f} |",
        f"| API's query through the ORM (50 `Meeting` instances and the count) | {nearby['orm']['p50_ms']:.2f} | "
        f"{nearby['orm']['p95_ms']:.2f} | {nearby['orm']['mean_ms']:.2f} |",
        f"| Whole API request, `GET /api/v1/meetings/?lat=&lng=` as an attendee | {nearby['request']['p50_ms']:.2f} | "
        f"{nearby['request']['p95_ms']:.2f} | {nearby['request']['mean_ms']:.2f} |",
        "",
        f"`EXPLAIN ANALYZE` of the API's page query at the densest point ({nearby['busiest_point'][0]:.4f}, "
        f"{nearby['busiest_point'][1]:.4f}):",
        "",
        "```",
        nearby["explain_api"],
        "```",
        "",
        "The reference's query at the same point:",
        "",
        "```",
        nearby["explain_reference"],
        "```",
        "",
    ]


def _pages(results: dict) -> list[str]:
    return [
        "## 4. Staff pages and reports",
        "",
        f"Each page requested through Django's test client as a superuser ({results['scale'].page_runs} runs after "
        "a warm-up; no network, so this is the application and the database); queries counted with an execute "
        "wrapper.",
        "",
        "| Page | Median ms | p95 ms | Queries | Status |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {row['page']} | {row['median_ms']:.1f} | {row['p95_ms']:.1f} | {row['queries']} | {row['status']} |"
            for row in results["pages"]
        ),
        "",
    ]


def _export(results: dict) -> list[str]:
    export = results["export"]
    return [
        "## 5. Events export (CSV)",
        "",
        f"`GET /attendance/events.csv?start=...&end=...` ({export['period']}) from gunicorn with one worker, read "
        "to the end over loopback; memory is the worker's, from `/proc/<pid>/status`.",
        "",
        "| Events | Bytes | Seconds | First byte s | Worker RSS before | Worker peak RSS |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {export['rows']:,} | {export['bytes']:,} | {export['seconds']:.1f} | {export['first_byte_s']:.2f} | "
        f"{export['rss_before_kb'] / 1024:.0f} MB | {export['peak_kb'] / 1024:.0f} MB |",
        "",
    ]


def _dashboard_targets(results: dict) -> list[str]:
    """The issue's: meetings today among 200,000 meetings (50,000 weekly) under 100 ms, 15 queries."""
    dashboard = next((row for row in results["pages"] if row["page"] == "Dashboard"), None)
    schedule = results.get("schedule")
    rows = []
    if dashboard is not None:
        rows.append(
            f"| Dashboard with {results['scale'].meetings:,} meetings ({results['scale'].recurring_meetings:,} "
            f"weekly): under 100 ms, at most 15 queries | {dashboard['median_ms']:.1f} ms (median), "
            f"{dashboard['queries']} queries | {verdict(dashboard['median_ms'] < 100 and dashboard['queries'] <= 15)} |"
        )
    if schedule is not None:
        timing = schedule["timing"]
        rows.append(
            f"| Meetings today from the schedule window (count and first 25): under 100 ms | "
            f"{timing['p50_ms']:.1f} ms (median), p95 {timing['p95_ms']:.1f} ms, {schedule['queries']} queries | "
            f"{verdict(timing['p50_ms'] < 100 and schedule['queries'] <= 15)} |"
        )
    return rows


def _schedule(results: dict) -> list[str]:
    schedule = results.get("schedule")
    if schedule is None:
        return []
    first, last = schedule["window"]
    timing = schedule["timing"]
    shown = [
        f"| {start:%Y-%m-%d %H:%M} UTC | {zone} | {name} | {'weekly' if weekly else 'once'} |"
        for start, zone, name, weekly in schedule["first_shown"]
    ]
    return [
        "## 6. Meetings today and the schedule window",
        "",
        f"{schedule['meetings']:,} meetings, {schedule['recurring']:,} of them weekly (`FREQ=WEEKLY` on their first "
        "occurrence's weekday, 08:00 to 20:00 in the zone of their longitude band). The meetings are bulk-loaded, "
        "which bypasses `Meeting.save()`, so `meetings.schedule.refresh()` (what `manage.py refresh_schedule` runs "
        "daily) builds the window:",
        "",
        "| Step | Seconds |",
        "| --- | ---: |",
        f"| `refresh()` into an empty table | {schedule['refresh_first_s']:.1f} |",
        f"| `refresh()` again, replacing the window (the daily job) | {schedule['refresh_again_s']:.1f} |",
        "",
        f"The window holds {schedule['rows']:,} occurrences, local dates {first} to {last} (17 days: today's meetings "
        "are never the whole future).",
        "",
        f"`meetings.schedule.todays_occurrences()` (the zones near today, then the first 25 by start and the count, "
        f"as the dashboard reads them): {schedule['today_count']:,} occurrences today at their meetings, "
        f"{schedule['queries']} queries, median {timing['p50_ms']:.1f} ms, p95 {timing['p95_ms']:.1f} ms, "
        f"max {timing['max_ms']:.1f} ms. The first shown:",
        "",
        "| Start | Zone | Meeting | Repeats |",
        "| --- | --- | --- | --- |",
        *shown,
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of the first 25:",
        "",
        "```",
        schedule["explain"][0] if schedule["explain"] else "",
        "```",
        "",
        "and of the count:",
        "",
        "```",
        schedule["explain"][1] if len(schedule["explain"]) > 1 else "",
        "```",
        "",
    ]
