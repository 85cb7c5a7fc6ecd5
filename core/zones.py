"""Time zones of places: an IANA name per meeting or destination, found offline from coordinates.

A time that belongs to a place is shown in that place's zone (a Boston meeting at 19:00 EST,
not 00:00 UTC). The zone is found with timezonefinder, which ships the boundaries of the
timezone-boundary-builder project with the package: no network call, about a millisecond a look.
"""

import atexit
import functools
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError


@functools.cache
@functools.cache
def known_zones() -> frozenset[str]:
    """Every zone name of the installed IANA database (zoneinfo). Read once per process:
    zoneinfo walks the database's files for it, a tenth of a second."""
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(name: str) -> None:
    """Refuse a name that is not a zone of the IANA database (`America/Los_Angeles`, not `PST`)."""
    if name not in known_zones():
        raise ValidationError(
            "%(name)s is not a time zone of the IANA database; give a name such as America/Los_Angeles.",
            code="invalid_time_zone",
            params={"name": name},
        )


@functools.cache
def _finder() -> object:
    from timezonefinder import TimezoneFinder

    # File-backed (a few MB, where in memory it takes about 65 MB per process); its files are
    # closed when the process ends, not left to the garbage collector.
    finder = TimezoneFinder()
    atexit.register(finder.cleanup)
    return finder


@functools.lru_cache(maxsize=4096)
def zone_at(lat: float, lng: float) -> str | None:
    """The IANA zone of the land at (lat, lng), degrees; None at sea, where the only answer is a
    nautical zone (`Etc/GMT+9`) that no meeting's clock follows, or for an impossible point."""
    try:
        name = _finder().timezone_at(lat=lat, lng=lng)
    except ValueError:
        return None
    if not name or name.startswith("Etc/") or name not in known_zones():
        return None
    return name


def zone_or_site(lat: float | None, lng: float | None) -> str:
    """zone_at(lat, lng), or the site's TIME_ZONE where there is none (a point at sea)."""
    if lat is None or lng is None:
        return settings.TIME_ZONE
    return zone_at(lat, lng) or settings.TIME_ZONE
