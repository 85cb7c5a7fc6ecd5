"""Local wall-clock times typed by people, made aware, or refused when a clock change makes them
mean something else than what was typed.

On the night clocks go forward, 02:30 does not exist in America/New_York; on the night they go
back, 01:30 happens twice. Read naively, the first is stored as 03:30 and the second as
whichever of the two the library picks. `aware_from_local` is the one way a local time becomes
an aware datetime here; the API's datetime fields (`LocalDateTimeField`), the staff forms and
query filters (`LocalDateTimeFormField`) and the admin's forms (`LocalSplitDateTimeField`) and
list lookups (core.admin_helpers.LocalTimesAdminMixin) all use it, so each refuses such a
time with the same message, naming its field. A time given with its UTC
offset is never ambiguous and is taken as it is.
"""

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

NONEXISTENT = "nonexistent_time"
AMBIGUOUS = "ambiguous_time"


def aware_from_local(value: dt.datetime, zone: dt.tzinfo | None = None) -> dt.datetime:
    """`value` as an aware datetime: unchanged if it has a UTC offset, else read as a wall-clock
    time in `zone` (the current time zone by default: the site's TIME_ZONE).

    Raises ValidationError with code "nonexistent_time" for a time the clocks skip, or
    "ambiguous_time" for one they show twice, with a message saying what happened and how to
    give the time instead."""
    if timezone.is_aware(value):
        return value
    zone = zone or timezone.get_current_timezone()
    first, second = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first
    before, after = _change_around(first, second, zone)
    params = {
        "time": value.isoformat(" ", "seconds" if value.second or value.microsecond else "minutes"),
        "zone": str(zone),
        "before": f"{before:%H:%M}",
        "after": f"{after:%H:%M}",
    }
    if first.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != value:
        raise ValidationError(
            "%(time)s does not exist in %(zone)s: the clocks go forward from %(before)s to %(after)s "
            "that day. Give another time, or the time with its UTC offset.",
            code=NONEXISTENT,
            params=params,
        )
    raise ValidationError(
        "%(time)s happens twice in %(zone)s: the clocks go back from %(before)s to %(after)s that day. "
        "Give the time with its UTC offset to say which (%(first)s for the first, %(second)s for the "
        "second), or another time.",
        code=AMBIGUOUS,
        params={**params, "first": _offset(first), "second": _offset(second)},
    )


def _change_around(first: dt.datetime, second: dt.datetime, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The wall-clock times just before and at the clock change that `first` and `second` (one
    local time read with each of the two offsets) straddle, such as (02:00, 03:00)."""
    low, high = sorted(moment.astimezone(dt.UTC) for moment in (first, second))
    offset_before = low.astimezone(zone).utcoffset()
    # The change is the first second after `low` with another offset; at most a few hours away.
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == offset_before:
            low = middle
        else:
            high = middle
    change = high.replace(microsecond=0)
    return (change + offset_before).replace(tzinfo=None), change.astimezone(zone).replace(tzinfo=None)


def _offset(moment: dt.datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


class LocalDateTimeField(serializers.DateTimeField):
    """An API datetime: ISO 8601 with a UTC offset, or without one as a wall-clock time in the
    site's time zone, refused (400 naming the field) when it does not exist or is ambiguous."""

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        zone = self.timezone if hasattr(self, "timezone") else self.default_timezone()
        if zone is not None and timezone.is_naive(value):
            try:
                value = aware_from_local(value, zone)
            except ValidationError as error:
                raise serializers.ValidationError(error.messages, code=error.code) from None
        return super().enforce_timezone(value)


class LocalTimesSerializerMixin:
    """For a ModelSerializer: its model's DateTimeFields become LocalDateTimeFields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: LocalDateTimeField,
    }


class LocalDateTimeFormField(forms.DateTimeField):
    """A form or query-filter datetime, read as Django's DateTimeField reads it (ISO 8601 first,
    then the field's input formats), made aware by `aware_from_local`."""

    def to_python(self, value: object) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        if isinstance(value, str):
            value = self._parse(value.strip())
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            value = dt.datetime.combine(value, dt.time.min)
        elif not isinstance(value, dt.datetime):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return aware_from_local(value)

    def _parse(self, text: str) -> dt.datetime:
        try:
            parsed = parse_datetime(text)
        except ValueError:  # well-formed but impossible, such as 2026-02-30T10:00
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # Not ISO 8601: the input formats, which give naive times (forms.BaseTemporalField).
        return parsed or super(forms.DateTimeField, self).to_python(text)


class LocalSplitDateTimeField(forms.SplitDateTimeField):
    """The admin's date and time inputs, combined into an aware datetime by `aware_from_local`."""

    def compress(self, data_list: list) -> dt.datetime | None:
        if not data_list:
            return None
        day, time = data_list
        if day in self.empty_values:
            raise ValidationError(self.error_messages["invalid_date"], code="invalid_date")
        if time in self.empty_values:
            raise ValidationError(self.error_messages["invalid_time"], code="invalid_time")
        return aware_from_local(dt.datetime.combine(day, time))
