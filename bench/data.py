"""Benchmark data at scale, written by PostgreSQL itself (INSERT ... SELECT over generate_series).

The full scale is issue 7's: 100,000 contacts, 200,000 meetings over the United States (of
which 50,000 repeat weekly, in the zones of their places), 1,000,000 sessions over the past
year and 3,000,000 events. SMALL is the same shape in
seconds, for CI.
"""

import secrets
import sys
import time
from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Scale:
    name: str
    contacts: int
    meetings: int
    sessions: int  # three events each
    open_sessions: int  # checked in today, each of a different contact
    load_requests: int  # per concurrency level and server
    nearby_points: int
    page_runs: int
    export_events: int  # about how many events the export benchmark selects
    recurring_every: int = 4  # one meeting in this many repeats weekly (a quarter: 50,000 of 200,000)

    @property
    def recurring_meetings(self) -> int:
        return self.meetings // self.recurring_every


FULL = Scale("full", 100_000, 200_000, 1_000_000, 2_000, 3_000, 1_000, 25, 1_000_000)
SMALL = Scale("small", 2_000, 4_000, 20_000, 100, 150, 100, 3, 20_000)

# Metropolitan areas the meetings cluster around: (latitude, longitude, weight). A share of the
# meetings is spread over the whole country instead, as rural ones are.
METROS = [
    (40.7128, -74.0060, 12),  # New York
    (34.0522, -118.2437, 8),  # Los Angeles
    (41.8781, -87.6298, 6),  # Chicago
    (29.7604, -95.3698, 5),  # Houston
    (33.4484, -112.0740, 4),  # Phoenix
    (39.9526, -75.1652, 4),  # Philadelphia
    (29.4241, -98.4936, 3),  # San Antonio
    (32.7157, -117.1611, 3),  # San Diego
    (32.7767, -96.7970, 5),  # Dallas
    (37.3382, -121.8863, 3),  # San Jose
    (30.2672, -97.7431, 3),  # Austin
    (39.7392, -104.9903, 3),  # Denver
    (47.6062, -122.3321, 3),  # Seattle
    (45.5152, -122.6784, 2),  # Portland
    (42.3601, -71.0589, 4),  # Boston
    (33.7490, -84.3880, 5),  # Atlanta
    (25.7617, -80.1918, 5),  # Miami
    (44.9778, -93.2650, 3),  # Minneapolis
    (38.9072, -77.0369, 5),  # Washington
    (36.1627, -86.7816, 2),  # Nashville
]
COUNTRY = {"lat": (25.0, 49.0), "lng": (-124.5, -67.0)}  # the contiguous United States
RURAL_SHARE = 0.15
# A meeting's zone from its place, by longitude band (Arizona's box apart, without daylight
# time): an approximation of core.zones' boundaries, good enough to spread the meetings over the
# country's five zones as real ones are.
ZONE_BY_PLACE = """CASE WHEN lat BETWEEN 31.3 AND 37.0 AND lng BETWEEN -114.8 AND -109.05 THEN 'America/Phoenix'
     WHEN lng >= -85.0 THEN 'America/New_York' WHEN lng >= -101.0 THEN 'America/Chicago'
     WHEN lng >= -114.0 THEN 'America/Denver' ELSE 'America/Los_Angeles' END"""
# One contact with near-daily attendance over the year, for the one-year report.
REPORT_CONTACT_EVERY = 2_740


def _metro_rows() -> str:
    expanded = [(lat, lng) for lat, lng, weight in METROS for _ in range(weight)]
    return ", ".join(f"({n}, {lat}, {lng})" for n, (lat, lng) in enumerate(expanded)), len(expanded)


def statements(scale: Scale) -> list[tuple[str, str]]:
    metros, metro_count = _metro_rows()
    s = scale
    return [
        (
            "contacts",
            f"""
            INSERT INTO contacts (id, email, phone, first_name, last_name, consent_granted, consent_timestamp,
                                  is_active, created_at, updated_at)
            SELECT gen_random_uuid()::text, 'attendee' || i || '@example.org',
                   CASE WHEN i % 3 = 0 THEN NULL ELSE '+1503' || lpad((i % 10000000)::text, 7, '0') END,
                   'First' || i, 'Last' || (i % 5000), i % 10 <> 0,
                   CASE WHEN i % 10 <> 0 THEN now() - interval '300 days' END, i % 50 <> 0,
                   now() - interval '400 days' + (i % 300) * interval '1 day', now() - interval '30 days'
            FROM generate_series(1, {s.contacts}) AS i
            """,
        ),
        (
            "meetings",
            # Clustered meetings: a metro's centre plus a sum of three uniform draws (roughly
            # normal, ~25 km across); rural ones anywhere in the country. Each has the zone of
            # its longitude band (`ZONE_BY_PLACE`). One in RECURRING_EVERY repeats weekly
            # (FREQ=WEEKLY on the weekday of its first occurrence, 4 to 5 weeks ago, at a local
            # hour from 08:00 to 20:00, 90 minutes); the others happen once, their start spread
            # over four weeks around now, on the hour.
            f"""
            WITH placed AS (
                SELECT i,
                       CASE WHEN random() < {RURAL_SHARE}
                            THEN {COUNTRY["lat"][0]} + random() * {COUNTRY["lat"][1] - COUNTRY["lat"][0]}
                            ELSE c.lat + (random() + random() + random() - 1.5) * 0.15 END AS lat,
                       CASE WHEN random() < {RURAL_SHARE}
                            THEN {COUNTRY["lng"][0]} + random() * {COUNTRY["lng"][1] - COUNTRY["lng"][0]}
                            ELSE c.lng + (random() + random() + random() - 1.5) * 0.2 END AS lng
                FROM generate_series(1, {s.meetings}) AS i
                JOIN (VALUES {metros}) AS c(n, lat, lng) ON c.n = i % {metro_count}
            ), zoned AS (
                SELECT i, lat, lng, {ZONE_BY_PLACE} AS zone, i % {s.recurring_every} = 0 AS recurring FROM placed
            ), timed AS (
                SELECT *, (now() AT TIME ZONE zone)::date - 28 - i % 7 AS first_day,
                       make_time(8 + (i / {s.recurring_every}) % 13, 0, 0) AS local_time
                FROM zoned
            )
            INSERT INTO meetings (id, name, address, lat, lng, radius_meters, start_time, end_time, time_zone,
                                  recurrence, is_active, qr_code, created_at, updated_at)
            SELECT gen_random_uuid()::text, 'Meeting ' || i, i || ' Main St', lat, lng,
                   (ARRAY[50, 75, 100, 100, 150, 200])[1 + i % 6],
                   CASE WHEN recurring THEN (first_day + local_time) AT TIME ZONE zone
                        ELSE date_trunc('hour', now()) + (i % 672 - 336) * interval '1 hour' END,
                   CASE WHEN recurring THEN (first_day + local_time) AT TIME ZONE zone + interval '90 min'
                        ELSE date_trunc('hour', now()) + (i % 672 - 335) * interval '1 hour' END,
                   zone,
                   CASE WHEN recurring
                        THEN 'FREQ=WEEKLY;BYDAY=' || (ARRAY['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'])[
                                 extract(isodow FROM first_day)::int]
                        ELSE '' END,
                   i % 40 <> 0, md5(i::text || random()::text), now() - interval '400 days',
                   now() - interval '30 days'
            FROM timed
            """,
        ),
        (
            "sessions",
            # Over the past year, starting a few minutes before the hour (meetings start on the
            # hour); attendance skewed towards some contacts. The first `open_sessions` are
            # checked in today, one per contact; the rest are completed, or ended by staff.
            f"""
            WITH c AS (SELECT id, row_number() OVER (ORDER BY email) AS n FROM contacts),
                 m AS (SELECT id, name, address, lat, lng, row_number() OVER (ORDER BY qr_code) AS n FROM meetings)
            INSERT INTO sessions (id, contact_id, meeting_id, status, dest_name, dest_address, dest_lat, dest_lng,
                                  is_complete, created_at, updated_at)
            SELECT gen_random_uuid()::text, c.id, m.id,
                   CASE WHEN i <= {s.open_sessions} THEN 'checked_in' WHEN i % 10 = 0 THEN 'ended'
                        ELSE 'completed' END,
                   m.name, m.address, m.lat, m.lng, i > {s.open_sessions}, t.started, t.started + interval '70 min'
            FROM generate_series(1::bigint, {s.sessions}) AS i
            CROSS JOIN LATERAL (
                SELECT CASE WHEN i <= {s.open_sessions}
                            THEN date_trunc('hour', now()) - interval '5 min'
                            ELSE date_trunc('hour', now() - (i % 365) * interval '1 day') - ((i * 37) % 12) *
                                 interval '1 hour' - ((i * 13) % 10) * interval '1 min' END AS started,
                       CASE WHEN i <= {s.open_sessions} THEN 1 + i
                            WHEN i % {REPORT_CONTACT_EVERY} = 0 THEN 1
                            ELSE 2 + floor(({s.contacts} - 2) * power(((i * 7919) % 100003) / 100003.0, 1.4))::int
                       END AS contact_n
            ) AS t
            JOIN c ON c.n = t.contact_n
            JOIN m ON m.n = 1 + (i * 104729) % {s.meetings}
            """,
        ),
        (
            "session_events",
            # Check-in (85% granted, 10% denied 500 m away, 5% GPS timeout), a location update,
            # then check-out, or staff's status change for an ended session.
            """
            INSERT INTO session_events (id, session_id, type, ts_client, ts_server, lat, lng, accuracy,
                                        location_flag, created_at)
            SELECT gen_random_uuid()::text, s.id,
                   CASE WHEN t.step < 3 THEN t.kind WHEN s.status = 'ended' THEN 'status_change'
                        WHEN s.status = 'checked_in' THEN 'location_update' ELSE 'check_out' END,
                   s.created_at + t.minutes * interval '1 minute' - (r.h % 30) * interval '1 second',
                   s.created_at + t.minutes * interval '1 minute',
                   CASE WHEN r.flag = 'timeout' THEN NULL
                        ELSE s.dest_lat + CASE WHEN r.flag = 'denied' THEN 0.0045 ELSE (r.h % 9 - 4) * 0.00005 END
                   END,
                   CASE WHEN r.flag = 'timeout' THEN NULL ELSE s.dest_lng END,
                   CASE WHEN r.flag = 'timeout' THEN NULL ELSE 4 + r.h % 40 END,
                   r.flag, s.created_at + t.minutes * interval '1 minute'
            FROM sessions s
            CROSS JOIN (VALUES (1, 'check_in', 6), (2, 'location_update', 35), (3, NULL, 65)) AS t(step, kind, minutes)
            CROSS JOIN LATERAL (
                SELECT abs(hashtext(s.id || t.step)) AS h,
                       CASE WHEN t.step = 3 AND s.status = 'ended' THEN 'timeout'
                            WHEN abs(hashtext(s.id || t.step)) % 20 = 0 THEN 'timeout'
                            WHEN abs(hashtext(s.id || t.step)) % 10 = 0 THEN 'denied' ELSE 'granted' END AS flag
            ) AS r
            """,
        ),
        (
            "outcomes",
            # What attendance.outcomes.judge stores when a session closes, from the events above:
            # a check-in at the place (step 1) and a check-out at the place (step 3) 59 minutes
            # apart attend; an unverified check-in is not verified; an ended session has no
            # check-out; a check-out away from the place is not verified.
            """
            UPDATE sessions s
            SET outcome = CASE WHEN s.status = 'checked_in' THEN 'open'
                               WHEN ci.location_flag <> 'granted' THEN 'not_verified'
                               WHEN s.status = 'ended' OR co.location_flag <> 'granted' THEN 'partial'
                               ELSE 'attended' END,
                outcome_reasons = CASE WHEN s.status = 'checked_in' THEN ''
                                       WHEN ci.location_flag <> 'granted' THEN 'no_verified_check_in'
                                       WHEN s.status = 'ended' THEN 'no_check_out'
                                       WHEN co.location_flag <> 'granted' THEN 'check_out_not_verified'
                                       ELSE '' END,
                seconds_attended = CASE WHEN s.status = 'completed' AND ci.location_flag = 'granted'
                                        THEN 59 * 60 END
            FROM session_events ci, session_events co
            WHERE ci.session_id = s.id AND ci.type = 'check_in'
              AND co.session_id = s.id AND co.ts_server = ci.ts_server + interval '59 min'
            """,
        ),
    ]


def generate(scale: Scale) -> dict[str, float]:
    """Fill the (migrated, empty) database; returns seconds per table."""
    timings = {}
    with connection.cursor() as cursor:
        for table, sql in statements(scale):
            started = time.perf_counter()
            cursor.execute(sql)
            timings[table] = time.perf_counter() - started
            print(f"  {table}: {timings[table]:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        # The steady state autovacuum keeps a live database in: statistics, and a visibility
        # map that lets index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE")
        timings["vacuum analyze"] = time.perf_counter() - started
    return timings


def load_attendees(count: int, base: str) -> dict:
    """A load plan: `count` consenting contacts with a token and an open session at a meeting,
    none of whom has another open session."""
    from access.models import ApiToken, digest
    from attendance.models import Session, SessionStatus
    from contacts.models import Contact
    from meetings.models import Meeting

    # The generated open sessions belong to the first contacts by email order; take others.
    taken = Session.objects.filter(status__in=["active", "checked_in"]).values("contact_id")
    contacts = list(
        Contact.objects.filter(is_active=True)
        .exclude(pk__in=taken)
        .exclude(api_tokens__isnull=False)
        .order_by("-email")[:count]
    )
    Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(consent_granted=True)
    meetings = list(Meeting.objects.filter(is_active=True).order_by("qr_code")[: max(1, count // 10)])
    raw_tokens = [secrets.token_urlsafe(32) for _ in contacts]
    ApiToken.objects.bulk_create(
        ApiToken(digest=digest(raw), prefix=raw[:8], contact=contact, name="benchmark")
        for raw, contact in zip(raw_tokens, contacts, strict=True)
    )
    sessions = Session.objects.bulk_create(
        Session(
            contact=contact,
            meeting=meeting,
            status=SessionStatus.ACTIVE,
            dest_name=meeting.name,
            dest_address=meeting.address,
            dest_lat=meeting.lat,
            dest_lng=meeting.lng,
        )
        for contact, meeting in zip(contacts, (meetings[i % len(meetings)] for i in range(len(contacts))), strict=True)
    )
    return {
        "base": base,
        "updates": 4,
        "attendees": [
            {"token": raw, "session": session.pk, "lat": session.dest_lat, "lng": session.dest_lng}
            for raw, session in zip(raw_tokens, sessions, strict=True)
        ],
    }
