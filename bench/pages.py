"""How fast the staff pages are at scale: time per page and queries, through Django's test client
(no network, so this measures the application and the database)."""

import datetime as dt
import statistics
import sys
import time
from collections.abc import Callable

from django.utils import timezone


def pages() -> list[tuple[str, str]]:
    """(label, URL) of every staff page worth measuring, with real ids from the data."""
    from django.db.models import Count
    from django.urls import NoReverseMatch, reverse

    from attendance.models import Session
    from contacts.models import Contact
    from meetings.models import Meeting

    # The contact with the most sessions: a year of attendance, for the report.
    busiest = Session.objects.values("contact_id").annotate(n=Count("id")).order_by("-n").first()
    contact = Contact.objects.get(pk=busiest["contact_id"])
    meeting = Meeting.objects.order_by("id").first()
    session = Session.objects.filter(contact=contact).order_by("-created_at").first()
    today = timezone.localdate()
    year_ago = today - dt.timedelta(days=365)
    candidates = [
        ("Dashboard", "dashboard", [], ""),
        ("Meetings list", "meetings:list", [], ""),
        ("Meetings search", "meetings:list", [], "?q=Meeting+12"),
        ("Meeting detail", "meetings:detail", [meeting.pk], ""),
        ("Contacts list", "contacts:list", [], ""),
        ("Contacts search", "contacts:list", [], "?q=attendee4242"),
        ("Contact detail", "contacts:detail", [contact.pk], ""),
        ("Sessions list", "attendance:sessions", [], ""),
        ("Sessions, denied check-ins", "attendance:sessions", [], "?flag=denied"),
        ("Sessions, partly attended", "attendance:sessions", [], "?outcome=partial"),
        ("Session detail", "attendance:session", [session.pk], ""),
        ("Report, one year", "attendance:report", [], f"?contact={contact.pk}&start={year_ago}&end={today}"),
    ]
    found = []
    for label, name, args, query in candidates:
        try:
            found.append((label, reverse(name, args=args) + query))
        except NoReverseMatch:
            print(f"  (no page named {name}; skipped)", file=sys.stderr)
    return found


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable, sql: str, params: object, many: bool, context: dict) -> object:
        self.count += 1
        return execute(sql, params, many, context)


def measure(runs: int) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-pages", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client(raise_request_exception=False)
    client.force_login(user)
    results = []
    for label, url in pages():
        client.get(url)  # warm caches (templates, connection)
        timings = []
        # Counted with an execute wrapper: Django empties connection.queries when a request starts.
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url)
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        results.append(
            {
                "page": label,
                "url": url,
                "median_ms": statistics.median(timings),
                "p95_ms": statistics.quantiles(timings, n=20, method="inclusive")[-1],
                "queries": counter.count,
                "status": response.status_code,
            }
        )
        print(f"  {label}: {results[-1]['median_ms']:.1f} ms, {counter.count} queries", file=sys.stderr)
    return results
