"""Template helpers shared by every staff page: one date format, one phone format, pagination
links, badges."""

import datetime as dt
import zoneinfo

import phonenumbers
from django import template
from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.dateformat import format as format_date
from phonenumber_field.phonenumber import PhoneNumber

register = template.Library()

# One format everywhere, unambiguous in every country: 25 Nov 2026 14:05 PST.
DATETIME_FORMAT = "j M Y H:i"  # then the zone's abbreviation
DATE_FORMAT = "j M Y"
CLOCK_FORMAT = "H:i"  # then the zone's abbreviation


def _zone(name: str | dt.tzinfo | None) -> dt.tzinfo:
    """The zone a time is shown in: a place's (an IANA name, or a tzinfo), else the site's."""
    if isinstance(name, dt.tzinfo):
        return name
    try:
        return zoneinfo.ZoneInfo(name) if name else timezone.get_current_timezone()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _with_abbreviation(local: dt.datetime, date_format: str) -> str:
    # Django's "T" gives nothing for a time in the hour that repeats (it cannot tell which), but
    # an instant converted to local time knows: its fold says which of the two it is.
    return f"{format_date(local, date_format)} {local.tzname()}"


@register.filter
def when(value: dt.datetime | None, zone: str | dt.tzinfo | None = None) -> str:
    """A moment in the site's one format, with its zone's abbreviation (25 Nov 2026 19:00 PST):
    in `zone`, the zone of the place it belongs to (`{{ start|when:meeting.time_zone }}`), else
    in the site's TIME_ZONE. The abbreviation tells apart the two 01:30s of the night clocks go
    back (01:30 EDT, 01:30 EST). An em dash for none."""
    if value is None:
        return "—"
    return _with_abbreviation(timezone.localtime(value, _zone(zone)), DATETIME_FORMAT)


@register.filter
def day(value: dt.datetime | dt.date | None, zone: str | dt.tzinfo | None = None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value, _zone(zone))
    return format_date(value, DATE_FORMAT)


@register.filter
def clock(value: dt.datetime | None, zone: str | dt.tzinfo | None = None) -> str:
    """The time of day with its zone's abbreviation (19:00 PST)."""
    if value is None:
        return "—"
    return _with_abbreviation(timezone.localtime(value, _zone(zone)), CLOCK_FORMAT)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """1 h 05 min, 12 min, 45 s."""
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{sign}{hours} h {minutes:02d} min"
    if minutes:
        return f"{sign}{minutes} min"
    return f"{sign}{seconds} s"


@register.simple_tag(takes_context=True)
def with_query(context: template.Context, **changes: object) -> str:
    """The current query string with some parameters replaced (None removes one), for links
    such as the next page that must keep the list's filters."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            query.pop(key, None)
        else:
            query[key] = value
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def phone(number: PhoneNumber | None) -> str:
    """A phone number as people read it, the same on every page: in national format when it is
    in the site's region (PHONE_REGION), "(503) 555-0101", else international, "+44 20 7946 0958".
    A legacy number that does not parse is shown as stored; none, as a dash. (The API and the
    stored value stay E.164.)"""
    if not number:
        return "—"
    if not number.is_valid():
        return str(number.raw_input or number)
    if phonenumbers.region_code_for_number(number) == settings.PHONENUMBER_DEFAULT_REGION:
        return number.as_national
    return number.as_international


@register.filter
def shown(value: object) -> str:
    """Any stored value as a person reads it: times in the site's format, yes/no, a dash for none."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return when(value)
    if isinstance(value, PhoneNumber):
        return phone(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@register.simple_tag(takes_context=True)
def admin_is_useful(context: template.Context) -> bool:
    """Whether the signed-in user may use the admin and would find something there: a staff
    member without any model permission is let in but sees an empty page."""
    request = context.get("request")
    return request is not None and admin.site.has_permission(request) and bool(admin.site.get_app_list(request))
