import datetime as dt
from typing import Any, Never

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from attendance.outcomes import Attendance, Outcome, Reason, scheduled_seconds
from core.db import IdField, audit_trail, created_at_field, updated_at_field
from core.validators import (
    MAX_REPORTED_ACCURACY_METERS,
    in_range,
    latitude_check,
    longitude_check,
    validate_accuracy,
    validate_latitude,
    validate_longitude,
)
from core.zones import zone_or_site
from policies.models import DEFAULT_VERSION_ID


def choices_check(field: str, choices: type[models.TextChoices], name: str) -> models.CheckConstraint:
    """The database refuses any value the Django choices do not list."""
    return models.CheckConstraint(condition=Q(**{f"{field}__in": choices.values}), name=name)


class SessionStatus(models.TextChoices):
    ACTIVE = "active", "Active (not checked in yet)"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed (checked out)"
    ENDED = "ended", "Ended"


OPEN_STATUSES = (SessionStatus.ACTIVE, SessionStatus.CHECKED_IN)
CLOSED_STATUSES = (SessionStatus.COMPLETED, SessionStatus.ENDED)


class SessionQuerySet(models.QuerySet):
    def open(self) -> "SessionQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def open_for(self, contact_id: str) -> "Session | None":
        """The contact's open session, if any; the database allows at most one."""
        return self.open().filter(contact_id=contact_id).first()

    def with_events(self) -> "SessionQuerySet":
        """Sessions with their contact, meeting and ordered events loaded up front."""
        # Two queries, as the reference's selectinload: the session with its people, then its
        # events (in SessionEvent's default order, oldest first).
        return self.select_related("contact", "meeting").prefetch_related("events")


def session_zone(meeting_zone: str | None, dest_lat: float, dest_lng: float) -> str:
    """The zone a session's times are shown in: its meeting's, or for a session without one (or
    a meeting saved before meetings had a zone), the zone at its destination. Takes the values,
    so that exports reading plain rows use the same rule as Session.time_zone."""
    return meeting_zone or zone_or_site(dest_lat, dest_lng)


class Session(models.Model):
    """One attendee's attendance at one destination, from start to check-out or end."""

    id = IdField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="sessions", db_index=False)
    meeting = models.ForeignKey(
        "meetings.Meeting",
        on_delete=models.PROTECT,
        related_name="sessions",
        null=True,
        blank=True,
        db_index=False,
    )
    status = models.CharField(
        max_length=20, choices=SessionStatus.choices, default=SessionStatus.ACTIVE, db_default=SessionStatus.ACTIVE
    )
    dest_name = models.CharField("destination name", max_length=255)
    dest_address = models.CharField("destination address", max_length=500)
    dest_lat = models.FloatField("destination latitude", validators=[validate_latitude])
    dest_lng = models.FloatField("destination longitude", validators=[validate_longitude])
    session_notes = models.TextField(null=True, blank=True)
    is_complete = models.BooleanField(default=False, db_default=False)
    # Not in the schema reference: the meeting's occurrence this session is for
    # (meetings.occurrences.occurrence_at, from the time it was opened), kept as it was then
    # so that a later change to the schedule does not rewrite what the session was judged by.
    occurrence_start = models.DateTimeField(null=True, blank=True, editable=False)
    occurrence_end = models.DateTimeField(null=True, blank=True, editable=False)
    # The seed's planned policy_version_id: the rules in force when the session opened, which
    # judge all its events and its outcome. Sessions from before policies were recorded have the
    # default jurisdiction's first version.
    policy_version = models.ForeignKey(
        "policies.PolicyVersion",
        on_delete=models.PROTECT,
        related_name="sessions",
        default=DEFAULT_VERSION_ID,
        db_default=DEFAULT_VERSION_ID,
        db_index=False,
        editable=False,
    )
    # The radius (m) the session's positions are judged against, fixed when it opens; NULL for
    # sessions from before it was recorded.
    radius_m = models.FloatField("radius applied (m)", null=True, blank=True, editable=False)
    # Set when staff open a session at a destination (a court-approved treatment centre): a
    # session without a meeting and without it is at a place the attendee chose.
    destination_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    # attendance.outcomes.judge's answer, stored when the session closes (`open` until then).
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default=Outcome.OPEN, db_default=Outcome.OPEN, editable=False
    )
    # Its reasons, as codes separated by spaces in attendance.outcomes.Reason's order.
    outcome_reasons = models.CharField(max_length=255, blank=True, default="", db_default="", editable=False)
    seconds_attended = models.IntegerField(null=True, blank=True, editable=False)
    seconds_scheduled = models.IntegerField(null=True, blank=True, editable=False)
    created_at = created_at_field()
    updated_at = updated_at_field()

    objects = SessionQuerySet.as_manager()
    # Who changed what and when.
    history = audit_trail()

    class Meta:
        db_table = "sessions"
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", SessionStatus, "ck_sessions_status_valid"),
            choices_check("outcome", Outcome, "ck_sessions_outcome_valid"),
            models.CheckConstraint(condition=latitude_check("dest_lat"), name="ck_sessions_dest_lat_range"),
            models.CheckConstraint(condition=longitude_check("dest_lng"), name="ck_sessions_dest_lng_range"),
            # Two racing "start session" requests cannot both succeed: the second one fails here.
            models.UniqueConstraint(
                fields=["contact"],
                condition=Q(status__in=OPEN_STATUSES),
                name="uq_sessions_one_open_per_contact",
                violation_error_message="This contact already has an open session.",
            ),
        ]
        indexes = [
            models.Index(fields=["contact"], name="ix_sessions_contact_id"),
            models.Index(fields=["meeting"], name="ix_sessions_meeting_id"),
            models.Index(fields=["status"], name="ix_sessions_status"),
            models.Index(fields=["is_complete"], name="ix_sessions_is_complete"),
            models.Index(fields=["created_at"], name="ix_sessions_created_at"),
            # Not in the reference: a contact's sessions newest first (contact page, reports).
            # Without it PostgreSQL walked ix_sessions_created_at for a contact's latest 20,
            # reading 60,000 other sessions (bench/findings.md).
            models.Index(fields=["contact", "created_at"], name="ix_sessions_contact_created"),
            # Not in the reference: the sessions for one occurrence (dashboard, compliance).
            models.Index(fields=["meeting", "occurrence_start"], name="ix_sessions_meeting_occurrence"),
            # Not in the reference: lists and the dashboard filtered by outcome, newest first.
            models.Index(fields=["outcome", "created_at"], name="ix_sessions_outcome"),
            # Not in the reference: the open sessions close_stale_sessions looks at.
            models.Index(
                fields=["occurrence_end"], name="ix_sessions_open_ending", condition=Q(status__in=OPEN_STATUSES)
            ),
        ]

    def __str__(self) -> str:
        started = timezone.localtime(self.created_at) if self.created_at else None
        return f"{self.dest_name}, {started:%b} {started.day}, {started.year}" if started else self.dest_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # `is_complete` mirrors the status so the two can never disagree.
        self.is_complete = self.status in CLOSED_STATUSES
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "status" in update_fields:
            kwargs["update_fields"] = {*update_fields, "is_complete"}
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def reasons(self) -> list[Reason]:
        """The stored outcome's reasons, in order."""
        return [Reason(code) for code in self.outcome_reasons.split()]

    @property
    def attendance(self) -> Attendance:
        """The stored judgement (attendance.outcomes.judge), as it was made when the session closed;
        while it is open, the scheduled time of its occurrence and nothing more."""
        scheduled = self.seconds_scheduled
        if scheduled is None and self.outcome == Outcome.OPEN:
            scheduled = scheduled_seconds(self.occurrence_start, self.occurrence_end)
        return Attendance(Outcome(self.outcome), tuple(self.reasons), self.seconds_attended, scheduled)

    @property
    def self_declared_destination(self) -> bool:
        return self.meeting_id is None and self.destination_approved_by_id is None

    @property
    def time_zone(self) -> str:
        """session_zone() of this session (load the meeting with the session in lists)."""
        meeting_zone = self.meeting.time_zone if self.meeting_id is not None else None
        return session_zone(meeting_zone, self.dest_lat, self.dest_lng)


class EventType(models.TextChoices):
    CHECK_IN = "check_in", "Check-in"
    CHECK_OUT = "check_out", "Check-out"
    LOCATION_UPDATE = "location_update", "Location update"
    STATUS_CHANGE = "status_change", "Status change"


class LocationFlag(models.TextChoices):
    # Why a position was or was not verified (too far, too imprecise) is the verdict's reason
    # (attendance.services.VerdictReason), not the flag's: one flag covers several reasons.
    GRANTED = "granted", "Verified"
    DENIED = "denied", "Not verified"
    # No fix: the phone's GPS timed out, or the event was recorded without one (a staff action).
    TIMEOUT = "timeout", "No position"


class AppendOnlyError(Exception):
    """Attendance events are evidence: once written they are never changed or removed."""


class SessionEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> Never:
        raise AppendOnlyError("session events cannot be updated")

    def delete(self) -> Never:
        raise AppendOnlyError("session events cannot be deleted")


class SessionEvent(models.Model):
    """One check-in, check-out, position or status change of a session, as evidence.

    `location_flag` is the server's verdict. `lat`/`lng` are NULL only for a `timeout`,
    when the phone produced no position: no coordinates are ever invented.
    """

    id = IdField()
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="events", db_index=False)
    type = models.CharField(max_length=15, choices=EventType.choices)
    ts_client = models.DateTimeField("client time")
    ts_server = models.DateTimeField("server time", default=timezone.now)
    lat = models.FloatField("latitude", null=True, blank=True, validators=[validate_latitude])
    lng = models.FloatField("longitude", null=True, blank=True, validators=[validate_longitude])
    accuracy = models.FloatField("GPS accuracy (m)", null=True, blank=True, validators=[validate_accuracy])
    location_flag = models.CharField(max_length=7, choices=LocationFlag.choices)
    notes = models.TextField(null=True, blank=True)
    # The judgement, as made when the event was recorded (the seed's planned policy_version_id):
    # the version that judged it, why its position was or was not verified, the distance from
    # the place and the radius applied (m). Empty or NULL on events recorded before judgements
    # were stored (legacy): the flag alone says what was decided then.
    policy_version = models.ForeignKey(
        "policies.PolicyVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    verdict_reason = models.CharField(max_length=32, blank=True, default="", db_default="")
    distance_m = models.FloatField("distance (m)", null=True, blank=True)
    radius_m = models.FloatField("radius applied (m)", null=True, blank=True)
    # The phone's time was older than the policy's longest delay when the event arrived: the
    # event is placed at the phone's time and counts only after a staff review.
    sent_late = models.BooleanField(default=False, db_default=False)
    created_at = created_at_field()

    objects = SessionEventQuerySet.as_manager()

    class Meta:
        db_table = "session_events"
        ordering = ["ts_server", "created_at", "id"]
        constraints = [
            choices_check("type", EventType, "ck_session_events_type_valid"),
            choices_check("location_flag", LocationFlag, "ck_session_events_location_flag_valid"),
            models.CheckConstraint(
                # Both or neither; spelt with IS NOT NULL because a CHECK passes when it
                # evaluates to NULL, as a range test on a missing longitude would.
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | (Q(lat__isnull=False) & Q(lng__isnull=False) & latitude_check("lat") & longitude_check("lng")),
                name="ck_session_events_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(lat__isnull=False) | Q(location_flag=LocationFlag.TIMEOUT),
                name="ck_session_events_fix_unless_timeout",
            ),
            models.CheckConstraint(
                condition=Q(accuracy__isnull=True) | in_range("accuracy", 0, MAX_REPORTED_ACCURACY_METERS),
                name="ck_session_events_accuracy_range",
            ),
        ]
        indexes = [
            models.Index(fields=["session"], name="ix_session_events_session_id"),
            models.Index(fields=["type"], name="ix_session_events_type"),
            models.Index(fields=["ts_server"], name="ix_session_events_ts_server"),
            # Not in the reference: the check-ins staff must review (unverified ones) are a
            # small share of all events; this partial index finds them without a scan.
            models.Index(
                fields=["ts_server", "session", "location_flag"],
                name="ix_session_events_unverified",
                condition=Q(type="check_in", location_flag__in=["denied", "timeout"]),
            ),
            # Not in the reference: "did this session get a verified (or a denied) check-in, and
            # when first?" is asked for every row of the session lists and reports, by the
            # check-in result filter and by the dashboard's review list; this answers it from
            # the index alone.
            models.Index(
                fields=["session", "location_flag", "ts_server"],
                name="ix_session_events_check_ins",
                condition=Q(type="check_in"),
            ),
        ]

    def __str__(self) -> str:
        at = timezone.localtime(self.ts_server)
        return f"{self.get_type_display()} at {at:%Y-%m-%d %H:%M:%S %Z} ({self.get_location_flag_display()})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("session events cannot be updated")
        # Never an UPDATE, even when the id was set by the caller.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise AppendOnlyError("session events cannot be deleted")

    @property
    def delay(self) -> dt.timedelta:
        """How long the event took to reach the server (negative when the phone's clock is ahead)."""
        return self.ts_server - self.ts_client

    @property
    def occurred_at(self) -> dt.datetime:
        """When the event happened, as judged: the server's receipt time, or, for an event sent
        late, the phone's time (which is all there is)."""
        return self.ts_client if self.sent_late else self.ts_server


class RefusedAttemptQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> Never:
        raise AppendOnlyError("refused attempts cannot be updated")

    def delete(self) -> Never:
        raise AppendOnlyError("refused attempts cannot be deleted")


class RefusedAttempt(models.Model):
    """A well-formed check-in, check-out or position from an attendee that a rule refused
    (check-in not open yet, a session staff had ended, an inactive meeting...), kept as evidence
    as pretix keeps refused scans. It never changes a session. `session` is the session it was
    sent for, NULL when none was open (a refused first check-in opens none)."""

    id = IdField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="+", db_index=False)
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    session = models.ForeignKey(
        Session, on_delete=models.PROTECT, null=True, blank=True, related_name="refused_attempts", db_index=False
    )
    # The client's event id, when it sent one: a retry of the same refused event is kept once.
    event_id = models.CharField(max_length=36, null=True, blank=True, unique=True)
    type = models.CharField(max_length=15, choices=EventType.choices)
    code = models.CharField("refused because", max_length=40)
    detail = models.TextField("what the attendee was told")
    ts_client = models.DateTimeField("client time")
    ts_server = models.DateTimeField("server time", default=timezone.now)
    lat = models.FloatField("latitude", null=True, blank=True)
    lng = models.FloatField("longitude", null=True, blank=True)
    accuracy = models.FloatField("GPS accuracy (m)", null=True, blank=True)
    created_at = created_at_field()

    objects = RefusedAttemptQuerySet.as_manager()

    class Meta:
        db_table = "refused_attempts"
        ordering = ["ts_server", "id"]
        constraints = [choices_check("type", EventType, "ck_refused_attempts_type_valid")]
        indexes = [
            models.Index(fields=["session", "ts_server"], name="ix_refused_attempts_session"),
            models.Index(fields=["contact", "ts_server"], name="ix_refused_attempts_contact"),
        ]

    def __str__(self) -> str:
        return f"Refused {self.get_type_display().lower()} ({self.code})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("refused attempts cannot be updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise AppendOnlyError("refused attempts cannot be deleted")

    @property
    def time_zone(self) -> str | None:
        """The zone of the place it was sent for (None: the site's); load meeting and session."""
        if self.meeting_id is not None:
            return self.meeting.time_zone
        return self.session.time_zone if self.session_id is not None else None
