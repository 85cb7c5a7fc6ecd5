"""Rate limits on the event endpoints (check-in, check-out, location, end), per token and per
client address, in the shared cache (Redis in production): a runaway or hostile client is
answered 429 with Retry-After instead of filling the evidence tables.

When the cache cannot be reached the limits let events through (and log it): an attendee's
check-in is evidence with a time on it, worth more than a rate limit for the minutes Redis is
down. Sign-ins do the opposite (access/limits.py): they wait, with a 503, rather than go
unlimited.
"""

import logging
import time

from django.contrib.auth.models import AnonymousUser
from redis.exceptions import RedisError
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from access.limits import client_address
from compliance.outages import is_cache_outage

logger = logging.getLogger("access.throttles")
# One log line a minute per worker while the cache is down, not one per event.
LOG_EVERY_SECONDS = 60
_last_logged = {"at": float("-inf")}


class EventThrottle(SimpleRateThrottle):
    def allow_request(self, request: Request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError as error:
            if not is_cache_outage(error):
                raise  # a wrong password or a bad command is a fault to see, not to wait out
            now = time.monotonic()
            if now - _last_logged["at"] >= LOG_EVERY_SECONDS:
                _last_logged["at"] = now
                logger.error("Event rate limits not applied: the cache is unreachable (%s)", error)
            return True


class EventsPerToken(EventThrottle):
    scope = "events_per_token"

    def get_cache_key(self, request: Request, view) -> str | None:
        token = getattr(request.auth, "pk", None)
        if token is not None:
            ident = f"token:{token}"
        elif not isinstance(request.user, AnonymousUser) and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"  # a staff member signed in to the site
        else:
            return None  # refused by authentication anyway
        return self.cache_format % {"scope": self.scope, "ident": ident}


class EventsPerAddress(EventThrottle):
    """Generous: the attendees of one meeting often share the venue's Wi-Fi, hence its address."""

    scope = "events_per_address"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
