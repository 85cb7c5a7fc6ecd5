"""Limits on failed sign-ins, per account and per address, shared by every sign-in: the staff
site, the attendee's phone page and the API's token endpoint.

Counts live in the cache, so with CACHE_URL pointing at Redis they hold across every worker and
machine (with local memory, each process counts alone). A lockout is logged with the address
and a digest of the account name, never the name or the password.
"""

import hashlib
import logging
import math
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from contacts.models import normalize_email

logger = logging.getLogger("access.limits")

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def client_address(request: HttpRequest) -> str:
    """The caller's IP address. Behind the TLS proxy every connection comes from the proxy, which
    appends the client's address to X-Forwarded-For: the last address it added is the one to
    trust (earlier ones are whatever the client sent)."""
    remote = request.META.get("REMOTE_ADDR", "")
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and remote in settings.TRUSTED_PROXIES:
        return forwarded.split(",")[-1].strip()
    return remote


def normalize_username(username: str) -> str:
    """A staff username as Django's sign-in form reads it (NFKC, as UsernameField does), with
    capitals folded too: every spelling the form turns into one account counts against it,
    and "Admin" counts with "admin" (a guesser gains nothing from capitals)."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


@dataclass(frozen=True)
class SignInLimit:
    """Failed sign-ins for one kind of sign-in (`scope`), counted per account and per address.

    `normalize` turns what was typed into the account's key: the same function the sign-in's
    own lookup uses (or a coarser one), so no spelling that reaches an account escapes its count.
    """

    scope: str
    normalize: Callable[[str], str]

    def _keys(self, request: HttpRequest, account: str) -> tuple[str, str]:
        account_digest = hashlib.sha256(self.normalize(account).encode()).hexdigest()[:32]
        return f"sign-in:{self.scope}:account:{account_digest}", f"sign-in:{self.scope}:ip:{client_address(request)}"

    def retry_after(self, request: HttpRequest, account: str) -> int | None:
        """Seconds until another attempt is allowed, or None when one is allowed now."""
        now = time.time()
        keys = self._keys(request, account)
        found = cache.get_many([*keys, *(f"{key}:until" for key in keys)])
        waits = [
            math.ceil(found[f"{key}:until"] - now)
            for key in keys
            if (found.get(key) or 0) >= MAX_FAILURES and found.get(f"{key}:until", 0) > now
        ]
        return max(waits) if waits else None

    def failed(self, request: HttpRequest, account: str) -> None:
        # add() and incr() are atomic in Redis (and in local memory): workers counting the same
        # account at once cannot lose a failure. The window starts at the first failure.
        now = time.time()
        for key in self._keys(request, account):
            cache.add(f"{key}:until", now + WINDOW_SECONDS, WINDOW_SECONDS)
            cache.add(key, 0, WINDOW_SECONDS)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, count := 1, WINDOW_SECONDS)
            if count == MAX_FAILURES:
                logger.warning(
                    "Sign-in locked out for up to %d s after %d failures: scope=%s %s",
                    WINDOW_SECONDS,
                    count,
                    self.scope,
                    key.split(":", 2)[2],
                )

    def succeeded(self, request: HttpRequest, account: str) -> None:
        # Only the account's count is forgiven: the address's still limits guessing others.
        cache.delete(self._keys(request, account)[0])


STAFF = SignInLimit("staff", normalize_username)
# The contact's lookup (Contact.objects.by_email) compares exactly this form.
ATTENDEE = SignInLimit("attendee", normalize_email)
