"""Rate limits on recording attendance events, per account and per client address, in the
shared cache (Redis in production): a runaway or hostile client is answered 429 with
Retry-After instead of filling the evidence tables.

One limit for every path that records an event: the API's event endpoints (any token of the
account) and the phone page's check-in and check-out count against the same numbers. Each
request takes a ticket with one atomic increment (Redis INCR; a lock in local memory) in a
fixed window, so concurrent requests can never exceed the limit, as a read-then-write count
(DRF's SimpleRateThrottle) can. A fixed window lets a client spend its limit at the end of one
window and again at the start of the next: at most twice the rate over a short span, which is
acceptable for a limit meant to stop floods.

When the cache cannot be reached the limits let events through (and log it): an attendee's
check-in is evidence with a time on it, worth more than a rate limit for the minutes Redis is
down. Sign-ins do the opposite (access/limits.py): they wait, with a 503, rather than go
unlimited.
"""

import functools
import logging
import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.http import HttpRequest
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from access.limits import client_address
from core.outages import is_cache_outage

logger = logging.getLogger("access.throttles")
# One log line a minute per worker while the cache is down, not one per event.
LOG_EVERY_SECONDS = 60
_last_logged = {"at": float("-inf")}

PERIODS = {
    **dict.fromkeys(("s", "sec", "second"), 1),
    **dict.fromkeys(("m", "min", "minute"), 60),
    **dict.fromkeys(("h", "hour"), 3600),
    **dict.fromkeys(("d", "day"), 86400),
}


@dataclass(frozen=True)
class Rate:
    """`limit` events per `seconds`."""

    limit: int
    seconds: int

    @classmethod
    @functools.cache  # the same few settings, parsed once rather than on every event
    def parse(cls, text: str) -> "Rate":
        """ "60/min", "1200/minute", "5/s", "100/hour"; ValueError otherwise."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*([a-z]+)\s*", text)
        if match is None or match[2] not in PERIODS or int(match[1]) < 1:
            raise ValueError(f"a rate such as 60/min, not {text!r}")
        return cls(int(match[1]), PERIODS[match[2]])


def take(key: str, rate: Rate, now: float | None = None) -> int | None:
    """Count one event against `key`; None when it is within `rate`, else the seconds until
    the window ends (for Retry-After). Raises the cache's error when it is unreachable."""
    now = time.time() if now is None else now
    window_start = math.floor(now / rate.seconds) * rate.seconds
    window_key = f"events:{key}:{window_start}"
    # The counter outlives its window by a little, never for good.
    ttl = rate.seconds + 1
    cache.add(window_key, 0, ttl)
    try:
        count = cache.incr(window_key)
    except ValueError:  # expired between add() and incr(): a window of its own, just begun
        cache.add(window_key, 0, ttl)
        count = cache.incr(window_key)
    if count <= rate.limit:
        return None
    return max(1, math.ceil(window_start + rate.seconds - now))


def event_wait(account: str | None, address: str) -> int | None:
    """Take a ticket for one event by `account` ("contact:<id>" or "user:<id>"; None when
    unknown) from `address`: None when both limits allow it, else the seconds to wait.
    Lets the event through when the cache is unreachable."""
    try:
        waits = [take(f"address:{address}", Rate.parse(settings.EVENT_RATE_PER_ADDRESS))]
        if account is not None:
            waits.append(take(f"account:{account}", Rate.parse(settings.EVENT_RATE_PER_ACCOUNT)))
    except RedisError as error:
        if not is_cache_outage(error):
            raise  # a wrong password or a bad command is a fault to see, not to wait out
        now = time.monotonic()
        if now - _last_logged["at"] >= LOG_EVERY_SECONDS:
            _last_logged["at"] = now
            logger.error("Event rate limits not applied: the cache is unreachable (%s)", error)
        return None
    refused = [wait for wait in waits if wait is not None]
    return max(refused) if refused else None


def contact_account(contact_id: str) -> str:
    return f"contact:{contact_id}"


def request_account(request: Request | HttpRequest) -> str | None:
    """Whose events these are: the attendee (whichever of their tokens, or their phone page),
    or the staff user; None for nobody (refused by authentication anyway)."""
    user = request.user
    contact = getattr(user, "contact", None)
    if contact is not None:
        return contact_account(contact.pk)
    if not isinstance(user, AnonymousUser) and user.is_authenticated:
        return f"user:{user.pk}"
    return None


class EventRateLimit(BaseThrottle):
    """The API's side of the event limits (a DRF throttle: 429 `throttled`, Retry-After)."""

    def allow_request(self, request: Request, view: object) -> bool:
        self._wait = event_wait(request_account(request), client_address(request))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
