"""Who sets the rules of attendance (a jurisdiction: a court, a probation office, a program) and
the rules themselves, in versions (README: "What counts as attended").

A version is never changed once published: a session records the version in force when it
opened and every event records the version that judged it, so a change of rule is a new version,
effective from a time, and yesterday's evidence keeps the rule it was judged by.
"""

import datetime as dt
import zoneinfo
from typing import Any, Never

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.db import IdField, audit_trail, created_at_field, updated_at_field
from core.zones import validate_time_zone

# The jurisdiction and version that exist from the start (policies.defaults), with fixed ids so
# that other apps' columns can default to them; named here as well, with the models.
from policies.defaults import DEFAULT_JURISDICTION_ID as DEFAULT_JURISDICTION_ID
from policies.defaults import DEFAULT_VERSION_ID as DEFAULT_VERSION_ID


class ImmutableVersionError(Exception):
    """A published policy version is never changed or removed: publish a new one."""


class JurisdictionKind(models.TextChoices):
    COURT = "court", "Court"
    PROBATION = "probation", "Probation office"
    PROGRAM = "program", "Program"
    OTHER = "other", "Other"


class Jurisdiction(models.Model):
    """Whoever orders attendance and sets the rules it is judged by."""

    id = IdField()
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=12, choices=JurisdictionKind.choices, default=JurisdictionKind.OTHER)
    description = models.TextField(blank=True, default="")
    # Not in the schema reference: the zone an order's dates are counted in (a week "from
    # Monday" starts at midnight there). Empty: the site's TIME_ZONE.
    time_zone = models.CharField(
        "time zone",
        max_length=64,
        blank=True,
        default="",
        db_default="",
        validators=[validate_time_zone],
        help_text="The zone the court's dates are counted in, such as America/Los_Angeles. Empty: the site's zone.",
    )
    is_active = models.BooleanField(default=True, db_default=True)
    created_at = created_at_field()
    updated_at = updated_at_field()

    history = audit_trail()

    class Meta:
        db_table = "jurisdictions"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_default(self) -> bool:
        return self.pk == DEFAULT_JURISDICTION_ID

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The zone its orders' dates are counted in."""
        return zoneinfo.ZoneInfo(self.time_zone or settings.TIME_ZONE)


class PolicyVersionQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> Never:
        raise ImmutableVersionError("policy versions cannot be changed; publish a new version")

    def delete(self) -> Never:
        raise ImmutableVersionError("policy versions cannot be deleted")

    def in_force(self, jurisdiction_id: str, at: dt.datetime) -> "PolicyVersion | None":
        """The version of `jurisdiction_id` in force at `at`: the latest effective by then."""
        return self.filter(jurisdiction_id=jurisdiction_id, effective_from__lte=at).order_by("-effective_from").first()


def minutes(value: int) -> dt.timedelta:
    return dt.timedelta(minutes=value)


class PolicyVersion(models.Model):
    """One version of a jurisdiction's rules. Durations are timedeltas, distances metres.

    Each rule's meaning, with its default, is in the README ("What counts as attended") and in
    RULES below, which the staff pages and the API show."""

    id = IdField()
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="versions", db_index=False)
    number = models.PositiveIntegerField(help_text="1 for the first version, then 2, 3, ...")
    effective_from = models.DateTimeField(help_text="Sessions opened from this moment (UTC) are judged by it.")
    default_radius_m = models.FloatField("radius without a meeting (m)", default=100.0)
    max_accuracy_m = models.FloatField("worst accepted accuracy (m)", default=150.0)
    check_in_opens_before = models.DurationField("check-in opens before the start", default=dt.timedelta(minutes=30))
    on_time_after_start = models.DurationField("on time until after the start", default=dt.timedelta(minutes=10))
    check_out_from_before_end = models.DurationField(
        "check-out counts from before the end", default=dt.timedelta(minutes=10)
    )
    min_stay_percent = models.PositiveSmallIntegerField("minimum stay (% of the scheduled time)", default=75)
    min_stay_without_times = models.DurationField(
        "minimum stay at a meeting without times", default=dt.timedelta(minutes=60)
    )
    check_out_must_be_verified = models.BooleanField("the check-out must be verified", default=True)
    max_send_delay = models.DurationField("longest delay before an event reaches the server", default=minutes(10))
    close_after_end = models.DurationField("open sessions close this long after the end", default=minutes(120))
    notes = models.TextField(blank=True, default="", help_text="Why this version was published.")
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    created_at = created_at_field()

    objects = PolicyVersionQuerySet.as_manager()

    class Meta:
        db_table = "policy_versions"
        ordering = ["jurisdiction", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["jurisdiction", "number"], name="uq_policy_versions_number"),
            models.UniqueConstraint(fields=["jurisdiction", "effective_from"], name="uq_policy_versions_effective"),
            models.CheckConstraint(
                condition=Q(default_radius_m__gt=0, default_radius_m__lte=10_000), name="ck_policy_versions_radius"
            ),
            models.CheckConstraint(
                condition=Q(max_accuracy_m__gt=0, max_accuracy_m__lte=10_000), name="ck_policy_versions_accuracy"
            ),
            models.CheckConstraint(
                condition=Q(min_stay_percent__gte=1, min_stay_percent__lte=100), name="ck_policy_versions_stay"
            ),
        ]
        indexes = [models.Index(fields=["jurisdiction", "effective_from"], name="ix_policy_versions_in_force")]

    def __str__(self) -> str:
        return f"{self.jurisdiction} v{self.number}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableVersionError("policy versions cannot be changed; publish a new version")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Never:
        raise ImmutableVersionError("policy versions cannot be deleted")

    @property
    def label(self) -> str:
        return f"{self.jurisdiction.name}, version {self.number}"


# Each rule: (field, what it means, for a person). The order the pages and the README use.
RULES: tuple[tuple[str, str], ...] = (
    ("check_in_opens_before", "Check-in opens this long before the meeting's start; earlier ones are refused."),
    ("on_time_after_start", "A check-in later than this after the start is recorded as arrived late."),
    ("check_out_from_before_end", "A check-out earlier than this before the end is recorded as left early."),
    ("min_stay_percent", "The share of the scheduled time between check-in and check-out needed to attend."),
    ("min_stay_without_times", "For a meeting without an end time: the time needed between check-in and check-out."),
    ("check_out_must_be_verified", "Whether the check-out must itself be at the place, like the check-in."),
    ("max_send_delay", "An event the phone sends later than this counts only after a staff review."),
    ("close_after_end", "A session still open this long after the meeting's end is closed without a check-out."),
    ("default_radius_m", "How close a position must be to a destination that is not a meeting (metres)."),
    ("max_accuracy_m", "A position less precise than this (metres) is not verified."),
)


def rule_in_words(value: object, *, whole_metres: bool = False) -> str:
    """A rule's value as the policy pages and court reports give it: 30 min, 2 h, 1 h 30 min;
    Yes/No; 100 m; 75%. `whole_metres`: distances rounded to the metre (a court report's
    content holds no fractions)."""
    if isinstance(value, dt.timedelta):
        hours, minutes = divmod(int(value.total_seconds() // 60), 60)
        if hours and minutes:
            return f"{hours} h {minutes} min"
        return f"{hours} h" if hours else f"{minutes} min"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return f"{round(value)} m" if whole_metres else f"{value:g} m"
    return f"{value}%"  # min_stay_percent, the one whole number
