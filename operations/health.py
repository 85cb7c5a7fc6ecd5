"""/health/: whether this worker can serve, for the proxy, the load balancer and monitoring.

Public and cheap: one `SELECT 1`, one cache round trip and one read of the one-row schedule
window, no sign-in, nothing about the data. 200 when the database and the cache answer, 503 (with
which one failed) when either does not, so that a load balancer takes the machine out of rotation
while PostgreSQL or Redis is away.

`schedule` is for monitoring, not for the load balancer: "stale" when the window of scheduled
occurrences (meetings.schedule) no longer covers today and tomorrow, because the daily
`manage.py refresh_schedule` has not run; `schedule_detail` then tells the operator what to do.
Every worker would report it alike, so it never turns the answer into a 503 (that would take the
whole site down for a list on the dashboard). "unknown" while the database is unreachable.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.error_pages import RETRY_AFTER_SECONDS
from core.outages import is_outage
from meetings.schedule import window_is_current

STALE_SCHEDULE = (
    "The window of scheduled occurrences does not cover today: 'meetings today' is out of date. "
    "Run `python manage.py refresh_schedule` now, and daily from cron or the scheduler (README)."
)


def _answers(check: Callable[[], object]) -> bool:
    try:
        check()
    except Exception as error:
        if is_outage(error):
            return False
        raise  # a bug, not an outage: a logged 500
    return True


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    cache.get("health-check")


def _schedule() -> str:
    """The schedule's state: "ok", "stale" (refresh_schedule has not run for DAYS_AFTER - 1 days)
    or "unknown" (the database did not answer)."""
    try:
        current = window_is_current()
    except Exception as error:
        if is_outage(error):
            return "unknown"
        raise
    return "ok" if current else "stale"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _answers(_database), "cache": _answers(_cache)}
    healthy = all(checks.values())
    schedule = _schedule() if checks["database"] else "unknown"
    response = JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{name: "ok" if ok else "unreachable" for name, ok in checks.items()},
            "schedule": schedule,
            **({"schedule_detail": STALE_SCHEDULE} if schedule == "stale" else {}),
        },
        status=200 if healthy else 503,
    )
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
