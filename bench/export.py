"""The staff events export (CSV) of about a million events, under gunicorn: time, size, and the
serving worker's peak memory."""

import datetime as dt
import math
import time
import urllib.request

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse
from django.utils import timezone

from attendance.models import SessionEvent
from bench.servers import gunicorn, memory_kb, workers_of


def staff_cookie() -> str:
    """A signed-in superuser's session, made directly (the benchmark measures the export, not sign-in)."""
    user, _ = get_user_model().objects.get_or_create(
        username="bench-export", defaults={"is_staff": True, "is_superuser": True}
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def period_for(target_events: int) -> tuple[dt.date, dt.date, int]:
    """Days up to today whose sessions hold about `target_events` events (sessions are spread
    evenly over the year), and the exact count."""
    total = SessionEvent.objects.count()
    days = min(366, max(1, math.ceil(365 * target_events / max(total, 1))))
    end = timezone.localdate()
    start = end - dt.timedelta(days=days - 1)
    start_at = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    count = SessionEvent.objects.filter(session__created_at__gte=start_at).count()
    return start, end, count


def measure(database_url: str, target_events: int) -> dict:
    start, end, events = period_for(target_events)
    url_path = f"{reverse('attendance:events_csv')}?start={start}&end={end}"
    cookie = staff_cookie()
    with gunicorn("compliance.wsgi:application", database_url, "--workers", "1") as (base, master):
        (worker,) = workers_of(master.pid)
        before = memory_kb(worker)
        request = urllib.request.Request(base + url_path, headers={"Cookie": cookie})  # noqa: S310 (loopback)
        started = time.perf_counter()
        size = lines = 0
        first_byte = None
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (loopback URL we built)
            status = response.status
            while chunk := response.read(1 << 16):
                first_byte = first_byte or time.perf_counter() - started
                size += len(chunk)
                lines += chunk.count(b"\n")
        elapsed = time.perf_counter() - started
        after = memory_kb(worker)
    return {
        "status": status,
        "period": f"{start} to {end}",
        "events": events,
        "rows": lines - 1,  # the header
        "bytes": size,
        "seconds": elapsed,
        "first_byte_s": first_byte,
        "rss_before_kb": before["VmRSS"],
        "peak_kb": after["VmHWM"],
    }
