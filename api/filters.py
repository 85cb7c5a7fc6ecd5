"""Query filters for the sessions and events lists.

Every filter parses its value strictly: a malformed id, an unknown status or outcome, or a date that is
not ISO 8601 answers 400 naming the parameter, rather than an empty list that would look like
"no attendance". Time ranges are half-open (`after` inclusive, `before` exclusive), so that
consecutive ranges never count a row twice.
"""

import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from attendance.outcomes import Outcome
from contacts.models import Contact
from core.timezones import LocalDateTimeFormField


class BoundedIsoDateTimeField(LocalDateTimeFormField):
    """An ISO 8601 time that the database can compare with, handed over in UTC.

    Without a UTC offset it is the site's local time, refused if a clock change skips or
    repeats it. One whose UTC equivalent leaves years 1 to 9999 (9999-12-31T23:59:59-14:00) is
    refused with a 400. In UTC because PostgreSQL refuses offsets beyond +-15:59 that Python
    accepts (+19:40 would fail in the query, a 500)."""

    input_formats = ()  # ISO 8601 only

    def to_python(self, value: object) -> dt.datetime | None:
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(dt.UTC)
        except OverflowError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class SessionFilter(django_filters.FilterSet):
    contact_id = django_filters.UUIDFilter(field_name="contact", help_text="Only this contact's sessions.")
    meeting_id = django_filters.UUIDFilter(field_name="meeting", help_text="Only sessions at this meeting.")
    status = django_filters.ChoiceFilter(choices=SessionStatus.choices, help_text="Only sessions in this status.")
    outcome = django_filters.ChoiceFilter(
        choices=Outcome.choices,
        help_text="Only sessions with this outcome (`attended`, `partial`, `not_verified`, or `open` while they run).",
    )
    created_after = IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="gte",
        help_text="Started at or after this time (ISO 8601, e.g. 2026-11-25T00:00:00Z).",
    )
    created_before = IsoDateTimeFilter(
        field_name="created_at",
        lookup_expr="lt",
        help_text="Started before this time (ISO 8601, e.g. 2026-11-26T00:00:00Z).",
    )

    class Meta:
        model = Session
        fields = ["contact_id", "meeting_id", "status", "outcome", "created_after", "created_before"]


class EventFilter(django_filters.FilterSet):
    session_id = django_filters.UUIDFilter(field_name="session", help_text="Only this session's events.")
    contact_id = django_filters.UUIDFilter(field_name="session__contact", help_text="Only this contact's events.")
    type = django_filters.ChoiceFilter(choices=EventType.choices, help_text="Only events of this type.")
    location_flag = django_filters.ChoiceFilter(
        choices=LocationFlag.choices, help_text="Only events with this server verdict."
    )
    ts_server_after = IsoDateTimeFilter(
        field_name="ts_server",
        lookup_expr="gte",
        help_text="Received by the server at or after this time (ISO 8601).",
    )
    ts_server_before = IsoDateTimeFilter(
        field_name="ts_server",
        lookup_expr="lt",
        help_text="Received by the server before this time (ISO 8601).",
    )

    class Meta:
        model = SessionEvent
        fields = ["session_id", "contact_id", "type", "location_flag", "ts_server_after", "ts_server_before"]


class CaseManagerField(django_filters.fields.forms.CharField):
    """`me` or a user's id (a positive integer); anything else is refused."""

    def clean(self, value: object) -> str | int | None:
        value = super().clean(value)
        if value in (None, ""):
            return None
        if value == "me":
            return value
        if value.isascii() and value.isdigit() and 0 < int(value) < 2**31:
            return int(value)
        raise ValidationError("Give `me` or a staff user's id (an integer).", code="invalid")


class CaseManagerFilter(django_filters.Filter):
    """By case manager: `me` or a staff user's id, on `field_name` (the contact's `case_manager`
    by default, `contact__case_manager` for a contact's records)."""

    field_class = CaseManagerField

    def filter(self, queryset: QuerySet, value: str | int | None) -> QuerySet:
        if value is None:
            return queryset
        if value == "me":
            value = self.parent.request.user.pk
        return queryset.filter(**{self.field_name: value})


class ContactFilter(django_filters.FilterSet):
    case_manager = CaseManagerFilter(
        help_text="Only the contacts assigned to this case manager: `me` (the caller) or a staff user's id."
    )

    class Meta:
        model = Contact
        fields = ["case_manager"]
