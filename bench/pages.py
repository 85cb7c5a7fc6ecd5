"""How fast the staff pages are at scale: 100,000 contacts and 1,000,000 events on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/compliance_bench .venv/bin/python -m bench.pages

The named database is dropped and rebuilt (it must be a throwaway one: the script refuses a name
that does not contain "bench"). Data is written with INSERT ... SELECT over generate_series, in
about a minute; then each page is requested through Django's test client (no network, so this
measures the application and the database) and the median and 95th percentile of the
wall-clock time, and the number of queries, are printed as a Markdown table.
"""

import os
import statistics
import sys
import time
from urllib.parse import urlparse

CONTACTS = 100_000
MEETINGS = 2_000
SESSIONS = 250_000
EVENTS_PER_SESSION = 4  # check-in, two location updates, check-out: 1,000,000 events
RUNS = 25

# Real city centres the synthetic meetings are scattered around (within ~5 km).
CITIES = [
    (45.5152, -122.6784),  # Portland
    (47.6062, -122.3321),  # Seattle
    (39.7392, -104.9903),  # Denver
    (37.7749, -122.4194),  # San Francisco
    (41.8781, -87.6298),  # Chicago
    (42.3601, -71.0589),  # Boston
    (29.7604, -95.3698),  # Houston
    (33.4484, -112.0740),  # Phoenix
]

GENERATE = [
    f"""
    INSERT INTO contacts (id, email, phone, first_name, last_name, consent_granted, consent_timestamp,
                          is_active, created_at, updated_at)
    SELECT gen_random_uuid()::text, 'attendee' || i || '@example.org', NULL, 'First' || i, 'Last' || (i % 5000),
           i % 10 <> 0, CASE WHEN i % 10 <> 0 THEN now() - interval '300 days' END, i % 50 <> 0,
           now() - interval '400 days', now() - interval '400 days'
    FROM generate_series(1, {CONTACTS}) AS i
    """,
    f"""
    INSERT INTO meetings (id, name, address, lat, lng, radius_meters, start_time, end_time, is_active, qr_code,
                          created_at, updated_at)
    SELECT gen_random_uuid()::text, 'Meeting ' || i, i || ' Main St',
           c.lat + (random() - 0.5) * 0.09, c.lng + (random() - 0.5) * 0.12, 100,
           date_trunc('hour', now()) + (i % 48 - 24) * interval '1 hour',
           date_trunc('hour', now()) + (i % 48 - 23) * interval '1 hour', true,
           md5(random()::text), now(), now()
    FROM generate_series(1, {MEETINGS}) AS i
    JOIN (VALUES {", ".join(f"({n}, {lat}, {lng})" for n, (lat, lng) in enumerate(CITIES))}) AS c(n, lat, lng)
      ON c.n = i % {len(CITIES)}
    """,
    # Sessions over the last year, closed; contacts and meetings picked by row number.
    f"""
    WITH c AS (SELECT id, row_number() OVER () AS n FROM contacts),
         m AS (SELECT id, name, address, lat, lng, row_number() OVER () AS n FROM meetings)
    INSERT INTO sessions (id, contact_id, meeting_id, status, dest_name, dest_address, dest_lat, dest_lng,
                          is_complete, created_at, updated_at)
    SELECT gen_random_uuid()::text, c.id, m.id, CASE WHEN i % 7 = 0 THEN 'ended' ELSE 'completed' END,
           m.name, m.address, m.lat, m.lng, true,
           now() - (i % 365) * interval '1 day' - (i % 1440) * interval '1 minute',
           now() - (i % 365) * interval '1 day'
    FROM generate_series(1, {SESSIONS}) AS i
    -- Every 685th session belongs to contact 1: a year of near-daily attendance for the report.
    JOIN c ON c.n = CASE WHEN i % 685 = 0 THEN 1 ELSE 1 + (i * 7919) % {CONTACTS} END
    JOIN m ON m.n = 1 + i % {MEETINGS}
    """,
    """
    INSERT INTO session_events (id, session_id, type, ts_client, ts_server, lat, lng, accuracy, location_flag,
                                created_at)
    SELECT gen_random_uuid()::text, s.id, t.type,
           s.created_at + t.minutes * interval '1 minute' - interval '2 seconds',
           s.created_at + t.minutes * interval '1 minute',
           CASE WHEN h % 20 = 0 THEN NULL ELSE s.dest_lat + (h % 9 - 4) * 0.0002 END,
           CASE WHEN h % 20 = 0 THEN NULL ELSE s.dest_lng END,
           CASE WHEN h % 20 = 0 THEN NULL ELSE 5 + h % 40 END,
           CASE WHEN h % 20 = 0 THEN 'timeout' WHEN h % 11 = 0 THEN 'denied' ELSE 'granted' END,
           s.created_at + t.minutes * interval '1 minute'
    FROM sessions s
    CROSS JOIN (VALUES ('check_in', 1), ('location_update', 20), ('location_update', 40), ('check_out', 60))
         AS t(type, minutes)
    CROSS JOIN LATERAL (SELECT abs(hashtext(s.id || t.minutes)) AS h) AS r
    """,
    # The steady state autovacuum keeps a live database in: statistics, and a visibility map
    # that lets index-only scans skip the table.
    "VACUUM ANALYZE",
]


def rebuild_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def generate() -> None:
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        for statement in GENERATE:
            started = time.perf_counter()
            cursor.execute(statement)
            table = statement.split("INSERT INTO ")[1].split()[0] if "INSERT INTO" in statement else "VACUUM ANALYZE"
            print(f"  {table} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


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
        ("Session detail", "attendance:session", [session.pk], ""),
        ("Report, one year", "attendance:report", [], f"?contact={contact.pk}&start=2025-11-25&end=2026-11-25"),
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

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def measure() -> str:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    user = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-password-not-used")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    rows = ["| Page | Median (ms) | p95 (ms) | Queries | Status |", "| --- | ---: | ---: | ---: | ---: |"]
    for label, url in pages():
        client.get(url)  # warm caches (templates, connection)
        timings = []
        # Counted with an execute wrapper: Django empties connection.queries when a request starts.
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            response = client.get(url)
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(timings, n=20)[-1]
        rows.append(
            f"| {label} | {statistics.median(timings):.1f} | {p95:.1f} | {counter.count} | {response.status_code} |"
        )
    return "\n".join(rows)


def main() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database whose name contains 'bench'.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "compliance.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ["DEBUG"] = "false"
    rebuild_database(url)
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.WHITENOISE_AUTOREFRESH = True  # no collectstatic for a benchmark
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    print(
        f"Generating {CONTACTS:,} contacts, {MEETINGS:,} meetings, {SESSIONS:,} sessions and "
        f"{SESSIONS * EVENTS_PER_SESSION:,} events...",
        file=sys.stderr,
    )
    generate()
    print(measure())


if __name__ == "__main__":
    main()
