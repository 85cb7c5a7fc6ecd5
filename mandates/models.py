"""Mandates (the seed's planned `mandates`): an order for a contact to attend a number of
meetings per period, and its periods with what was attended in each.

The periods are derived rows, written only by mandates.counting from the mandate and the
sessions' stored outcomes, so that the status of every mandate on a page is a few indexed
comparisons (README: "Mandates and compliance"). The evidence stays in the sessions.
"""

import datetime as dt
import zoneinfo
from typing import Any, Never

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from core.db import IdField, audit_trail, created_at_field, updated_at_field
from policies.models import DEFAULT_JURISDICTION_ID


class Period(models.TextChoices):
    WEEK = "week", "per week"
    MONTH = "month", "per month"
    WHOLE = "whole", "over the whole mandate"
    ROLLING = "rolling", "in any rolling window of days"


class MandateKind(models.Model):
    """A kind of meeting that qualifies for a mandate (before Mandate: its history needs it)."""

    mandate = models.ForeignKey("mandates.Mandate", on_delete=models.PROTECT, related_name="kind_links", db_index=False)
    kind = models.ForeignKey("meetings.MeetingKind", on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        db_table = "mandate_kinds"
        constraints = [models.UniqueConstraint(fields=["mandate", "kind"], name="uq_mandate_kinds")]
        indexes = [models.Index(fields=["kind"], name="ix_mandate_kinds_kind")]

    def __str__(self) -> str:
        return str(self.kind)


class MandateMeeting(models.Model):
    """A meeting that qualifies for a mandate by name."""

    mandate = models.ForeignKey(
        "mandates.Mandate", on_delete=models.PROTECT, related_name="meeting_links", db_index=False
    )
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        db_table = "mandate_meetings"
        constraints = [models.UniqueConstraint(fields=["mandate", "meeting"], name="uq_mandate_meetings")]
        indexes = [models.Index(fields=["meeting"], name="ix_mandate_meetings_meeting")]

    def __str__(self) -> str:
        return str(self.meeting)


class Mandate(models.Model):
    """An order that `contact` attend `required_count` qualifying sessions per `period`, from
    `starts_on` to `ends_on` (dates in the jurisdiction's zone, both included)."""

    id = IdField()
    contact = models.ForeignKey("contacts.Contact", on_delete=models.PROTECT, related_name="mandates", db_index=False)
    case_number = models.CharField(
        "case or docket number", max_length=100, help_text="As the order gives it, such as “CR-2026-01234”."
    )
    jurisdiction = models.ForeignKey(
        "policies.Jurisdiction",
        on_delete=models.PROTECT,
        related_name="mandates",
        default=DEFAULT_JURISDICTION_ID,
        db_index=False,
        verbose_name="ordering authority",
    )
    required_count = models.PositiveIntegerField("meetings required", help_text="How many attended sessions.")
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.WEEK)
    rolling_days = models.PositiveIntegerField(
        "rolling window (days)", null=True, blank=True, help_text="For a rolling requirement: N meetings in any D days."
    )
    meeting_kinds = models.ManyToManyField(
        "meetings.MeetingKind", through=MandateKind, related_name="+", blank=True, verbose_name="qualifying kinds"
    )
    meetings = models.ManyToManyField(
        "meetings.Meeting", through=MandateMeeting, related_name="+", blank=True, verbose_name="qualifying meetings"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="The last day of the order, included.")
    notes = models.TextField(blank=True, default="", db_default="")
    # Ended before `ends_on` (case dismissed, order vacated, transfer): the last day it ran, why
    # and by whom. Its periods stop there (mandates.periods).
    ended_on = models.DateField("ended early on", null=True, blank=True, editable=False)
    end_reason = models.TextField("why it ended early", blank=True, default="", db_default="", editable=False)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        editable=False,
    )
    # Derived by mandates.counting, with the periods: the zone the dates were counted in, the
    # moment the last period ends (UTC), and the moment its first unmet period ends (NULL:
    # none), from which it is non-compliant. Kept here so that list filters are plain columns.
    time_zone = models.CharField(max_length=64, blank=True, default="", db_default="", editable=False)
    ends_at = models.DateTimeField(null=True, blank=True, editable=False)
    missed_from = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = created_at_field()
    updated_at = updated_at_field()

    history = audit_trail(m2m_fields=[meeting_kinds, meetings])

    class Meta:
        db_table = "mandates"
        ordering = ["-starts_on", "case_number"]
        constraints = [
            models.CheckConstraint(condition=Q(required_count__gte=1), name="ck_mandates_count"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="ck_mandates_dates"),
            models.CheckConstraint(condition=Q(period__in=Period.values), name="ck_mandates_period"),
            models.CheckConstraint(
                condition=(Q(period=Period.ROLLING) & Q(rolling_days__gte=1))
                | (~Q(period=Period.ROLLING) & Q(rolling_days__isnull=True)),
                name="ck_mandates_rolling_days",
            ),
        ]
        indexes = [
            models.Index(fields=["contact", "starts_on"], name="ix_mandates_contact"),
            models.Index(fields=["case_number"], name="ix_mandates_case_number"),
            models.Index(fields=["jurisdiction"], name="ix_mandates_jurisdiction"),
            models.Index(fields=["missed_from"], name="ix_mandates_missed_from"),
            models.Index(fields=["ends_at"], name="ix_mandates_ends_at"),
            # The lists' order.
            models.Index(fields=["-starts_on", "case_number"], name="ix_mandates_list_order"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number}: {self.requirement}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone its periods were counted in (its jurisdiction's when they were built)."""
        return zoneinfo.ZoneInfo(self.time_zone) if self.time_zone else self.jurisdiction.zone

    @property
    def last_day(self) -> dt.date:
        """The last day it runs: `ended_on` when ended early, else `ends_on`."""
        return self.ended_on if self.ended_on is not None else self.ends_on

    @property
    def requirement(self) -> str:
        """The requirement in words: "3 meetings per week", "12 meetings in any 30 days"."""
        noun = "meeting" if self.required_count == 1 else "meetings"
        if self.period == Period.ROLLING:
            return f"{self.required_count} {noun} in any {self.rolling_days} days"
        return f"{self.required_count} {noun} {Period(self.period).label}"


class MandatePeriod(models.Model):
    """One period of a mandate (a week, a month, the whole, or one rolling window), with the
    qualifying sessions attended in it. Written only by mandates.counting.

    `behind_from` is the moment it falls behind the line floor(required x share elapsed) with
    what it has now: start + length x (attended + 1) / required; NULL once met. Storing it makes
    "behind now" the comparison behind_from <= now < ends_at."""

    id = models.BigAutoField(primary_key=True)
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="periods", db_index=False)
    number = models.PositiveIntegerField()
    starts_on = models.DateField()
    ends_on = models.DateField(help_text="Its last day, included.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    required = models.PositiveIntegerField()
    attended = models.PositiveIntegerField(default=0)
    behind_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "mandate_periods"
        ordering = ["mandate", "number"]
        constraints = [
            models.UniqueConstraint(fields=["mandate", "number"], name="uq_mandate_periods_number"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="ck_mandate_periods_order"),
        ]
        indexes = [
            models.Index(fields=["mandate", "starts_at"], name="ix_mandate_periods_start"),
            # "Behind now": unmet periods whose line has passed what they hold.
            models.Index(
                fields=["behind_from", "ends_at", "mandate"],
                name="ix_mandate_periods_behind",
                condition=Q(behind_from__isnull=False),
            ),
            # "Is this mandate behind now?": one lookup per mandate among its unmet periods.
            models.Index(
                fields=["mandate", "behind_from"],
                include=["ends_at"],
                name="ix_mandate_periods_unmet",
                condition=Q(behind_from__isnull=False),
            ),
            # "Missed last period": unmet periods by their end.
            models.Index(
                fields=["ends_at", "mandate"],
                name="ix_mandate_periods_unmet_end",
                condition=Q(behind_from__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.starts_on:%Y-%m-%d} to {self.ends_on:%Y-%m-%d}"


class ReportImmutableError(Exception):
    """An issued court report's record is never changed or removed."""


class CourtReportQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> Never:
        raise ReportImmutableError("issued reports cannot be changed")

    def delete(self) -> Never:
        raise ReportImmutableError("issued reports cannot be deleted")


class CourtReport(models.Model):
    """The record of one issued court report (README: "Mandates and compliance"): its number,
    who issued it and when, what it covered, and the SHA-256 of its canonical content, so that
    /verify/<number>/ can say it was issued and a clerk can compare the digest with the paper.

    `signature` and `signing_key_id` are empty until reports are signed (a later issue); the
    digest is what a signature will cover."""

    id = IdField()
    number = models.CharField("report number", max_length=32, unique=True)
    mandate = models.ForeignKey(Mandate, on_delete=models.PROTECT, related_name="reports", db_index=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    issued_at = models.DateTimeField()
    # What the report covered (the dates, both included, in the mandate's zone) and how it was
    # asked for, as given.
    covers_from = models.DateField()
    covers_to = models.DateField()
    parameters = models.JSONField(default=dict)
    agency_name = models.CharField(max_length=200)
    # The canonical content (mandates.court_report.canonical) and its SHA-256, lowercase hex.
    content = models.TextField()
    digest = models.CharField("SHA-256", max_length=64)
    content_version = models.PositiveSmallIntegerField(default=1)
    signature = models.TextField(blank=True, default="", db_default="")
    signing_key_id = models.CharField(max_length=64, blank=True, default="", db_default="")

    objects = CourtReportQuerySet.as_manager()

    class Meta:
        db_table = "court_reports"
        ordering = ["-issued_at"]
        indexes = [models.Index(fields=["mandate", "issued_at"], name="ix_court_reports_mandate")]

    def __str__(self) -> str:
        return self.number

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ReportImmutableError("issued reports cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise ReportImmutableError("issued reports cannot be deleted")
