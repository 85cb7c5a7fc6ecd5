"""Template helpers shared by every staff page: one date format, one phone format, pagination
links, badges."""

import datetime as dt

import phonenumbers
from django import template
from django.conf import settings
from django.contrib import admin
from django.utils import timezone
from django.utils.dateformat import format as format_date
from phonenumber_field.phonenumber import PhoneNumber

register = template.Library()

# One format everywhere, unambiguous in every country: 25 Nov 2026 14:05 PST.
DATETIME_FORMAT = "j M Y H:i T"
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"


@register.filter
def when(value: dt.datetime | None) -> str:
    """A moment in the site's time zone, in the site's one format; an em dash for none."""
    if value is None:
        return "—"
    return format_date(timezone.localtime(value), DATETIME_FORMAT)


@register.filter
def day(value: dt.datetime | dt.date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value)
    return format_date(value, DATE_FORMAT)


@register.filter
def clock(value: dt.datetime | None) -> str:
    if value is None:
        return "—"
    return format_date(timezone.localtime(value), TIME_FORMAT)


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
