"""/health/: whether this worker can serve, for the proxy, the load balancer and monitoring.

Public and cheap: one `SELECT 1` and one cache round trip, no sign-in, nothing about the data.
200 when both answer, 503 (with which one failed) when either does not, so that a load balancer
takes the machine out of rotation while PostgreSQL or Redis is away.
"""

from collections.abc import Callable

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.error_pages import RETRY_AFTER_SECONDS
from core.outages import is_outage


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


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _answers(_database), "cache": _answers(_cache)}
    healthy = all(checks.values())
    response = JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            **{name: "ok" if ok else "unreachable" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
    if not healthy:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
