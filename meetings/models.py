import secrets
import zoneinfo
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.urls import reverse

from core.db import Deactivatable, IdField, audit_trail, created_at_field, updated_at_field
from core.geo import bounding_box, haversine_expression, validate_point
from core.links import public_url
from core.validators import (
    MAX_RADIUS_METERS,
    in_range,
    latitude_check,
    longitude_check,
    validate_latitude,
    validate_longitude,
    validate_radius,
)
from core.zones import known_zones, validate_time_zone, zone_at, zone_or_site
from meetings.recurrence import RecurrenceError, normalise, rule_for
from policies.models import DEFAULT_JURISDICTION_ID


def new_qr_code() -> str:
    """A fresh QR identifier: 128 random bits, URL-safe (22 characters).

    Random rather than derived from the meeting, so one poster's code says nothing about
    another's and cannot be guessed from it.
    """
    return secrets.token_urlsafe(16)


# A kind's slug, as the API and the ?kind= filters name it: lowercase letters and digits in
# words joined by single hyphens ("dui-class").
KIND_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z"
validate_kind_slug = RegexValidator(
    KIND_SLUG_PATTERN,
    "Use lowercase letters, digits and single hyphens between them, such as “dui-class”.",
    code="invalid_slug",
)


class MeetingKindQuerySet(models.QuerySet):
    def active(self) -> "MeetingKindQuerySet":
        return self.filter(is_active=True)

    def assignable_to(self, meeting: "Meeting | None") -> "MeetingKindQuerySet":
        """The kinds a meeting may be given: the active ones, and those it has already (a
        kind deactivated since stays on the meetings that carry it until staff take it off)."""
        if meeting is None or meeting._state.adding:
            return self.active()
        return self.filter(Q(is_active=True) | Q(assignments__meeting=meeting)).distinct()


class MeetingKind(Deactivatable, models.Model):
    """What sort of meeting it is (AA, SMART Recovery, a DUI class), from a list staff keep.

    Court orders name kinds of meeting, so kinds are never deleted: a kind no longer offered is
    deactivated, and the meetings that had it keep it."""

    id = IdField()
    slug = models.CharField(
        max_length=50,
        validators=[validate_kind_slug],
        help_text="How the API and filters name it: lowercase letters, digits and hyphens, such as “dui-class”.",
    )
    label = models.CharField(max_length=100, help_text="As staff and attendees read it: “DUI education class”.")
    description = models.TextField(blank=True, default="", db_default="")
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = created_at_field()
    updated_at = updated_at_field()

    objects = MeetingKindQuerySet.as_manager()
    history = audit_trail()

    class Meta:
        db_table = "meeting_kinds"
        ordering = ["label", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="uq_meeting_kinds_slug"),
            # The pattern itself is validated in Python (SQLite has no regular expressions);
            # the database still refuses an empty or upper-case slug written around the model.
            models.CheckConstraint(condition=~Q(slug="") & Q(slug=Lower("slug")), name="ck_meeting_kinds_slug"),
        ]

    def __str__(self) -> str:
        return self.label


class MeetingQuerySet(models.QuerySet):
    def active(self) -> "MeetingQuerySet":
        return self.filter(is_active=True)

    def near(self, lat: float, lng: float, radius_km: float) -> "MeetingQuerySet":
        """Meetings within `radius_km` of (lat, lng), nearest first, each with `distance_m`.

        The bounding box lets the database use `ix_meetings_lat_lng`; the haversine distance
        is then computed for the candidates only. Raises ValueError on an impossible point or
        a radius that is not positive.
        """
        validate_point(lat, lng)
        if not radius_km > 0:
            raise ValueError(f"radius_km must be positive, not {radius_km}")
        radius_m = radius_km * 1000
        box = bounding_box(lat, lng, radius_m)
        in_lng = Q()
        for west, east in box.lng_ranges:
            in_lng |= Q(lng__gte=west, lng__lte=east)
        return (
            self.filter(lat__gte=box.min_lat, lat__lte=box.max_lat)
            .filter(in_lng)
            .annotate(distance_m=haversine_expression(lat, lng))
            .filter(distance_m__lte=radius_m)
            .order_by("distance_m", "name", "id")
        )


def fill_time_zones(meetings: models.QuerySet) -> tuple[dict[str, int], list[tuple[str, float, float]]]:
    """Give each of `meetings` without a time zone the one at its coordinates (core.zones), or the
    site's TIME_ZONE where there is none. Returns how many got each zone, and the (id, lat, lng)
    of those that got the site's, for the caller to report. Rows are updated in place, without
    the audit trail: the zone was always the place's, only unstored."""
    counts: dict[str, int] = {}
    not_found: list[tuple[str, float, float]] = []
    by_zone: dict[str, list[str]] = {}
    for pk, lat, lng in meetings.filter(time_zone="").values_list("pk", "lat", "lng").iterator(chunk_size=2000):
        zone = zone_at(lat, lng)
        if zone is None:
            not_found.append((pk, lat, lng))
            zone = settings.TIME_ZONE
        by_zone.setdefault(zone, []).append(pk)
    for zone, pks in by_zone.items():
        counts[zone] = len(pks)
        for start in range(0, len(pks), 500):
            meetings.filter(pk__in=pks[start : start + 500]).update(time_zone=zone)
    return counts, not_found


# What the window of scheduled occurrences (meetings.schedule) is derived from.
SCHEDULE_FIELDS = {"start_time", "end_time", "recurrence", "time_zone", "is_active"}


class Meeting(Deactivatable, models.Model):
    """A place and time at which attendance is checked, with the QR code printed for it."""

    id = IdField()
    name = models.CharField(max_length=255)
    description = models.TextField(null=True, blank=True)
    address = models.CharField(max_length=500)
    lat = models.FloatField("latitude", validators=[validate_latitude])
    lng = models.FloatField("longitude", validators=[validate_longitude])
    radius_meters = models.FloatField(
        "check-in radius (m)",
        default=100.0,
        db_default=100.0,
        validators=[validate_radius],
        help_text="How far from the point a check-in counts.",
    )
    start_time = models.DateTimeField(null=True, blank=True)
    end_time = models.DateTimeField(null=True, blank=True)
    # Not in the schema reference: the zone the meeting's clock follows, in which its times are
    # shown. Left blank, it is found from the coordinates when the meeting is saved.
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        default="",
        db_default="",
        validators=[validate_time_zone],
        help_text="An IANA name such as America/Los_Angeles. Left blank, it is found from the coordinates.",
    )
    # Not in the schema reference: an RFC 5545 RRULE repeating the first occurrence (start_time
    # to end_time) on the meeting's wall clock; blank for a meeting that happens once.
    recurrence = models.CharField(
        "repeats",
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text="An RFC 5545 rule such as FREQ=WEEKLY;BYDAY=TU. Blank: the meeting happens once.",
    )
    # Not in the schema reference (the seed plans it): whose rules judge attendance here.
    jurisdiction = models.ForeignKey(
        "policies.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="meetings",
        db_index=False,
        default=DEFAULT_JURISDICTION_ID,
        db_default=DEFAULT_JURISDICTION_ID,
        help_text="Whose attendance rules apply at this meeting.",
    )
    # Not in the schema reference (issue 18): what sort of meeting it is, for court orders that
    # name kinds of meeting.
    kinds = models.ManyToManyField(MeetingKind, through="MeetingKindAssignment", related_name="meetings", blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    qr_code = models.CharField(
        "QR code identifier", max_length=100, null=True, blank=True, default=new_qr_code, editable=False
    )
    created_by = models.CharField(max_length=36, null=True, blank=True, editable=False)
    created_at = created_at_field()
    updated_at = updated_at_field()

    objects = MeetingQuerySet.as_manager()
    # Who changed what and when.
    history = audit_trail()

    class Meta:
        db_table = "meetings"
        ordering = ["start_time", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["qr_code"],
                name="ix_meetings_qr_code",
            ),
            models.CheckConstraint(condition=latitude_check("lat"), name="ck_meetings_lat_range"),
            models.CheckConstraint(condition=longitude_check("lng"), name="ck_meetings_lng_range"),
            models.CheckConstraint(
                condition=in_range("radius_meters", 0, MAX_RADIUS_METERS, low_exclusive=True),
                name="ck_meetings_radius_range",
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="ix_meetings_name"),
            models.Index(fields=["is_active"], name="ix_meetings_is_active"),
            models.Index(fields=["lat", "lng"], name="ix_meetings_lat_lng"),
            # Not in the reference: a jurisdiction's meetings.
            models.Index(fields=["jurisdiction"], name="ix_meetings_jurisdiction"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.time_zone and self.lat is not None and self.lng is not None:
            self.time_zone = zone_or_site(self.lat, self.lng)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "time_zone"}
        super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & SCHEDULE_FIELDS:
            from meetings.schedule import sync_meeting  # the window is derived from this row

            sync_meeting(self)

    def zone_after(self, time_zone: str | None, lat: float | None, lng: float | None) -> zoneinfo.ZoneInfo:
        """The zone this meeting will have once given these values (None: not given), as save()
        and the staff form and API decide it: a zone given wins; a meeting moved without one
        gets the new place's; otherwise it keeps its own (a new one gets its place's). Naive
        start and end times typed with the change are read in it."""
        if time_zone and time_zone in known_zones():
            return zoneinfo.ZoneInfo(time_zone)
        new_lat = self.lat if lat is None else lat
        new_lng = self.lng if lng is None else lng
        moved = self.pk is not None and (new_lat, new_lng) != (self.lat, self.lng)
        if self.pk is not None and not moved and self.time_zone and time_zone is None:
            return self.zone
        if new_lat is None or new_lng is None:
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)
        return zoneinfo.ZoneInfo(zone_or_site(new_lat, new_lng))

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The meeting's time zone (the site's for a row saved before meetings had one)."""
        return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)

    def clean(self) -> None:
        if self.start_time and self.end_time and self.end_time <= self.start_time:
            raise ValidationError({"end_time": "The meeting must end after it starts."})
        self.clean_recurrence()

    def clean_recurrence(self) -> None:
        """Normalise the rule and refuse one that cannot be used (meetings.recurrence), naming
        the `recurrence` field: it needs a start, and must give the start as its first day."""
        try:
            self.recurrence = normalise(self.recurrence) or ""
            if not self.recurrence:
                return
            if self.start_time is None:
                raise RecurrenceError("A repeating meeting needs a start time: its first occurrence.")
            # The zone the meeting will be saved with (a blank one is filled from its place).
            rule_for(self.recurrence, self.start_time, self.zone_after(self.time_zone or None, self.lat, self.lng))
        except RecurrenceError as error:
            raise ValidationError({"recurrence": str(error)}) from None

    @property
    def checkin_path(self) -> str:
        """The path a phone opens when it scans this meeting's QR code: /q/<qr_code>."""
        return reverse("attendee:meeting_as_printed", args=[self.qr_code])

    def checkin_url(self, request: HttpRequest | None = None) -> str:
        """The absolute URL in this meeting's QR code: on PUBLIC_BASE_URL, or in development on
        the origin of `request` (core.links.public_url)."""
        return public_url(self.checkin_path, request)

    def rotate_qr_code(self) -> None:
        """Replace the QR identifier; posters printed with the old one stop working."""
        self.qr_code = new_qr_code()
        self.save(update_fields=["qr_code", "updated_at"])


class MeetingKindAssignment(models.Model):
    """That a meeting is of a kind (Meeting.kinds). Neither side is ever deleted while the
    other points at it: meetings and kinds are deactivated instead."""

    id = IdField()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="kind_assignments", db_index=False)
    kind = models.ForeignKey(MeetingKind, on_delete=models.PROTECT, related_name="assignments", db_index=False)
    created_at = created_at_field()

    class Meta:
        db_table = "meeting_kind_assignments"
        constraints = [
            # Also the index that finds a meeting's kinds.
            models.UniqueConstraint(fields=["meeting", "kind"], name="uq_meeting_kind_assignments_meeting_kind"),
        ]
        indexes = [
            # A kind's meetings (the ?kind= filters).
            models.Index(fields=["kind", "meeting"], name="ix_meeting_kinds_kind_meeting"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} is {self.kind_id}"


class CancelledOccurrence(models.Model):
    """One occurrence of a repeating meeting that does not take place, named by its local date
    at the meeting, with the reason staff gave. Removing one (the meeting takes place after all)
    is kept in the history."""

    id = IdField()
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="cancellations", db_index=False)
    date = models.DateField("date at the meeting")
    reason = models.CharField(max_length=500)
    cancelled_by = models.CharField(max_length=36, null=True, blank=True, editable=False)
    created_at = created_at_field()

    history = audit_trail()

    class Meta:
        db_table = "meeting_cancelled_occurrences"
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "date"], name="uq_cancelled_occurrences_meeting_date"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} on {self.date:%d %b %Y}: {self.reason}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        from meetings.schedule import sync_meeting

        sync_meeting(self.meeting)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        deleted = super().delete(*args, **kwargs)
        from meetings.schedule import sync_meeting

        sync_meeting(self.meeting)
        return deleted


class ScheduledOccurrence(models.Model):
    """An index of the occurrences in a short window around today (meetings.schedule), derived
    from each meeting's schedule so that "meetings today" is one query among 200,000 meetings.
    Not evidence: rebuilt whenever a meeting or cancellation changes and daily by
    `manage.py refresh_schedule`; meetings.occurrences stays the definition."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="+", db_index=False)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True)
    local_date = models.DateField()
    time_zone = models.CharField(max_length=64)
    cancelled = models.BooleanField(default=False)

    class Meta:
        db_table = "meeting_scheduled_occurrences"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "start"], name="uq_scheduled_occurrences_meeting_start"),
        ]
        indexes = [
            models.Index(fields=["local_date", "time_zone", "start"], name="ix_scheduled_occurrences_day"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} at {self.start:%Y-%m-%d %H:%M} UTC"


class ScheduleWindow(models.Model):
    """The one row saying which local dates ScheduledOccurrence covers for every meeting."""

    first_date = models.DateField()
    last_date = models.DateField()
    refreshed_at = models.DateTimeField()

    class Meta:
        db_table = "meeting_schedule_window"

    def __str__(self) -> str:
        return f"{self.first_date} to {self.last_date}"
