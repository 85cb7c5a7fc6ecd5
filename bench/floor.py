"""The floor for the check-in benchmark: the same SQL as the application's check-in and
location endpoints, with psycopg and nothing else (no Django, no DRF, no validation beyond what
the SQL needs).

    gunicorn -c deploy/gunicorn.conf.py bench.floor:application   (DATABASE_URL set)

It answers POST /api/v1/sessions/<id>/check-in/ and /location/ with a bearer token, as the
API does: find the token and its contact, lock the session, decide the verdict, insert the
event, move the session to checked_in on a granted check-in, commit. Whatever the real
endpoint costs beyond this is the framework's (and our code's) overhead.
"""

import hashlib
import json
import math
import os
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psycopg

PATH = re.compile(r"^/api/v1/sessions/([0-9a-f-]{36})/(check-in|location)/$")
MAX_ACCURACY_METERS = 150.0
_connection: psycopg.Connection | None = None


def connection() -> psycopg.Connection:
    # One connection per worker process, kept, as the application's CONN_MAX_AGE does.
    global _connection
    if _connection is None or _connection.closed:
        url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
        _connection = psycopg.connect(url)
    return _connection


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def answer(start_response: Callable, status: str, body: dict) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def application(environ: dict, start_response: Callable) -> list[bytes]:
    match = PATH.match(environ.get("PATH_INFO", ""))
    if environ["REQUEST_METHOD"] != "POST" or not match:
        return answer(start_response, "404 Not Found", {"detail": "Not found."})
    session_id, action = match.groups()
    raw_token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    report = json.loads(environ["wsgi.input"].read(length))
    now = datetime.now(UTC)
    db = connection()
    with db.transaction():
        token = db.execute(
            "SELECT t.id, t.contact_id, t.last_used_at FROM api_tokens t JOIN contacts c ON c.id = t.contact_id "
            "WHERE t.digest = %s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > %s) "
            "AND c.is_active",
            [hashlib.sha256(raw_token.encode()).hexdigest(), now],
        ).fetchone()
        if token is None:
            return answer(start_response, "401 Unauthorized", {"detail": "Invalid token."})
        token_id, contact_id, last_used_at = token
        if last_used_at is None or now - last_used_at > timedelta(minutes=1):
            db.execute("UPDATE api_tokens SET last_used_at = %s WHERE id = %s", [now, token_id])
        session = db.execute(
            "SELECT s.status, s.dest_lat, s.dest_lng, COALESCE(m.radius_meters, 100) FROM sessions s "
            "LEFT JOIN meetings m ON m.id = s.meeting_id WHERE s.id = %s AND s.contact_id = %s FOR UPDATE OF s",
            [session_id, contact_id],
        ).fetchone()
        if session is None:
            return answer(start_response, "404 Not Found", {"detail": "Not found."})
        status, dest_lat, dest_lng, radius = session
        if (action == "check-in" and status != "active") or status not in ("active", "checked_in"):
            return answer(start_response, "409 Conflict", {"detail": "Invalid transition."})
        distance = haversine_m(dest_lat, dest_lng, report["lat"], report["lng"])
        granted = distance <= radius and report["accuracy"] <= MAX_ACCURACY_METERS
        event_id, kind = str(uuid.uuid4()), "check_in" if action == "check-in" else "location_update"
        flag = "granted" if granted else "denied"
        position = (report["lat"], report["lng"], report["accuracy"])
        values = (event_id, session_id, kind, report["ts_client"], now, *position, flag, now)
        db.execute(
            "INSERT INTO session_events (id, session_id, type, ts_client, ts_server, lat, lng, accuracy, "
            "location_flag, notes, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, NULL, %s)",
            values,
        )
        if kind == "check_in" and granted:
            db.execute(
                "UPDATE sessions SET status = 'checked_in', is_complete = false, updated_at = %s WHERE id = %s",
                [now, session_id],
            )
            status = "checked_in"
    return answer(
        start_response,
        "201 Created",
        {"id": event_id, "type": kind, "location_flag": flag, "distance_m": distance, "session_status": status},
    )
