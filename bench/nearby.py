"""The API's nearby-meetings query beside the schema reference's, at the generated scale.

The reference orders every active meeting by |Δlat| + |Δlng| (a full scan and sort); the API
narrows to a bounding box that `ix_meetings_lat_lng` serves, then computes great-circle
distances for those candidates only. Points are drawn like the meetings (mostly around the
metropolitan areas, some anywhere), since attendees search where meetings are.
"""

import random
import statistics
import time
from collections.abc import Callable

from django.db import connection
from django.test import Client

from api.meetings import DEFAULT_RADIUS_KM
from bench.data import COUNTRY, METROS, RURAL_SHARE
from meetings.models import Meeting

PAGE = 50  # the API's page size
REFERENCE_SQL = "SELECT * FROM meetings WHERE is_active = true ORDER BY abs(lat - %s) + abs(lng - %s) LIMIT 25"


def random_points(count: int, seed: int = 7) -> list[tuple[float, float]]:
    rng = random.Random(seed)
    weighted = [(lat, lng) for lat, lng, weight in METROS for _ in range(weight)]
    points = []
    for _ in range(count):
        if rng.random() < RURAL_SHARE:
            points.append((rng.uniform(*COUNTRY["lat"]), rng.uniform(*COUNTRY["lng"])))
        else:
            lat, lng = rng.choice(weighted)
            points.append((lat + rng.uniform(-0.2, 0.2), lng + rng.uniform(-0.25, 0.25)))
    return points


def api_query(lat: float, lng: float) -> int:
    """How many meetings are within reach, by the SQL the API sends for GET
    /api/v1/meetings/?lat=&lng= (the page, and its count), sent raw like the reference's so
    that the two queries are compared, not the ORM."""
    meetings = Meeting.objects.active().near(lat, lng, DEFAULT_RADIUS_KM)
    page_sql, page_params = meetings[:PAGE].query.sql_with_params()
    # As QuerySet.count() does: without the ordering.
    count_sql, count_params = meetings.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(page_sql, page_params)
        cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM ({count_sql}) AS matching", count_params)
        return cursor.fetchone()[0]


def api_orm(lat: float, lng: float) -> int:
    """The same through the ORM, as the view runs it: 50 Meeting instances and a count."""
    meetings = Meeting.objects.active().near(lat, lng, DEFAULT_RADIUS_KM)
    found = len(list(meetings[:PAGE]))
    meetings.count()
    return found


def reference_query(lat: float, lng: float) -> int:
    with connection.cursor() as cursor:
        cursor.execute(REFERENCE_SQL, [lat, lng])
        return len(cursor.fetchall())


def timed(function: Callable, points: list[tuple[float, float]]) -> tuple[list[float], list[int]]:
    timings, found = [], []
    for lat, lng in points:
        started = time.perf_counter()
        found.append(function(lat, lng))
        timings.append((time.perf_counter() - started) * 1000)
    return timings, found


def summary(timings: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return {"p50_ms": cuts[49], "p95_ms": cuts[94], "mean_ms": statistics.fmean(timings)}


def measure(point_count: int) -> dict:
    points = random_points(point_count)
    api_query(*points[0]), reference_query(*points[0])  # warm up
    api_timings, api_found = timed(api_query, points)
    orm_timings, _ = timed(api_orm, points)
    # The reference query scans every meeting: a tenth of the points give its distribution.
    reference_timings, _ = timed(reference_query, points[: max(20, point_count // 10)])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {attendee_token()}")
    request_timings = []
    for lat, lng in points[:200]:
        started = time.perf_counter()
        response = client.get("/api/v1/meetings/", {"lat": lat, "lng": lng})
        request_timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"nearby request answered {response.status_code}: {response.content[:200]!r}")
    busiest = max(range(len(points)), key=lambda index: api_found[index])
    lat, lng = points[busiest]
    return {
        "points": point_count,
        "api": summary(api_timings),
        "orm": summary(orm_timings),
        "reference": summary(reference_timings),
        "reference_points": len(reference_timings),
        "found_median": statistics.median(api_found),
        "found_max": api_found[busiest],
        "explain_api": Meeting.objects.active().near(lat, lng, DEFAULT_RADIUS_KM)[:PAGE].explain(analyze=True),
        "explain_reference": _explain(REFERENCE_SQL, [lat, lng]),
        "busiest_point": (lat, lng),
        "request": summary(request_timings),
    }


def attendee_token() -> str:
    from access.models import ApiToken
    from contacts.models import Contact

    _, raw = ApiToken.issue(contact=Contact.objects.filter(is_active=True).order_by("email").first(), name="bench")
    return raw


def _explain(sql: str, params: list) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())
