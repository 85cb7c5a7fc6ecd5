"""A year's court report for one mandate, drawn as a PDF (issue 18: under 2 s and under 200 MB).

One attendee with a year-long order of 3 meetings a week at a meeting held every evening, and a
session attended on each of the year's days, written through the phone page's service with the
clock moved to each check-in and check-out (so each row has its events, times and distances, as
a real report's do). The report is issued through mandates.court_report.issue, then drawn by
mandates.pdf.render_pdf in a separate process, several times: the time of each drawing, and the
process's peak resident memory (Django, WeasyPrint and the drawing together), which is what a
gunicorn worker drawing it would hold.
"""

import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import zoneinfo

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
RENDERS = 5
TARGET_S, TARGET_MB = 2.0, 200


def _year_of_sessions(days: int) -> str:
    """Record the attendee, the meeting, `days` attended sessions and the order; issue the report.
    Returns its number."""
    import time_machine
    from django.contrib.auth.models import User

    from attendance import services
    from attendance.models import EventType
    from attendance.services import EventReport, Fix
    from contacts.models import Contact
    from mandates import court_report
    from mandates import services as mandates
    from meetings.models import Meeting, MeetingKind
    from policies.models import Jurisdiction

    last = dt.date(2026, 11, 29)
    first = last - dt.timedelta(days=days - 1)
    court, _ = Jurisdiction.objects.get_or_create(
        name="Bench County Circuit Court", defaults={"kind": "court", "time_zone": "America/Los_Angeles"}
    )
    contact = Contact.objects.create(
        email=f"year-report-{time.time_ns()}@example.org",
        first_name="Yara",
        last_name="Report",
        consent_granted=True,
        consent_timestamp=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    start = dt.datetime.combine(first, dt.time(19), tzinfo=PACIFIC)
    meeting = Meeting.objects.create(
        name="Bench evening group",
        address="801 SW 10th Ave, Portland, OR 97205",
        lat=45.5152,
        lng=-122.6784,
        radius_meters=100,
        time_zone="America/Los_Angeles",
        start_time=start,
        end_time=start + dt.timedelta(minutes=90),
        recurrence="FREQ=DAILY",
    )
    meeting.kinds.set(MeetingKind.objects.filter(slug="aa"))
    staff, _ = User.objects.get_or_create(username="bench-reporter", defaults={"is_staff": True})
    for offset in range(days):
        day = first + dt.timedelta(days=offset)
        for minute, event_type in ((2, EventType.CHECK_IN), (90, EventType.CHECK_OUT)):
            moment = dt.datetime.combine(day, dt.time(19), tzinfo=PACIFIC) + dt.timedelta(minutes=minute)
            with time_machine.travel(moment, tick=False):
                report = EventReport(ts_client=moment, fix=Fix(45.5152, -122.6784, 8))
                services.record_at_meeting(contact, meeting, event_type, report)
    terms = mandates.Terms(
        case_number="CR-BENCH-0001",
        required_count=3,
        period="week",
        starts_on=first,
        ends_on=last,
        jurisdiction=court,
        kinds=list(MeetingKind.objects.filter(slug="aa")),
    )
    mandate = mandates.create(contact, terms, by=staff)
    return court_report.issue(mandate, first, last, by=staff).number


def _render_in_this_process(number: str) -> None:
    """The child: draw the report RENDERS times; print each time and the peak memory as JSON."""
    from mandates.models import CourtReport
    from mandates.pdf import render_pdf

    report = CourtReport.objects.get(number=number)
    seconds, size, pages = [], 0, 0
    for _ in range(RENDERS):
        started = time.perf_counter()
        pdf = render_pdf(report)
        seconds.append(time.perf_counter() - started)
        size = len(pdf)
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "bytes": size, "pages": pages, "peak_mb": peak_mb}))


def measure(url: str, days: int) -> dict:
    """Write the data, issue the report, draw it in a child process; the figures and verdicts."""
    number = _year_of_sessions(days)
    child = subprocess.run(  # noqa: S603 - this interpreter, this module, a number it issued
        [sys.executable, "-m", "bench.court_report", "--render", number],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(child.stdout.strip().splitlines()[-1])
    # The median of the drawings: the first in a process also loads fonts, and on two shared
    # cores single runs vary by a tenth of a second either way.
    median = statistics.median(found["seconds"])
    return {
        "days": days,
        "number": number,
        **found,
        "median_s": median,
        "ok_time": median < TARGET_S,
        "ok_memory": found["peak_mb"] < TARGET_MB,
    }


def describe(result: dict) -> list[str]:
    seconds = ", ".join(f"{value:.2f}" for value in result["seconds"])
    return [
        f"Court report for {result['days']} days of sessions ({result['pages']} pages, "
        f"{result['bytes'] / 1024:.0f} KB): drawn in {seconds} s, median {result['median_s']:.2f} s "
        f"(target < {TARGET_S:.0f} s: "
        f"{'PASS' if result['ok_time'] else 'FAIL'}); peak memory of the drawing process "
        f"{result['peak_mb']:.0f} MB (target < {TARGET_MB} MB: {'PASS' if result['ok_memory'] else 'FAIL'})"
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:
        from bench.run import setup_django

        setup_django(os.environ["DATABASE_URL"])
        _render_in_this_process(sys.argv[2])
