"""The one definition of a period's and a mandate's status (README: "Mandates and compliance").

A period, at a moment `now`:
- upcoming: it has not started;
- met: attended >= required, whether it is running or over;
- missed: it is over and attended < required;
- on_track: running, and attended >= floor(required x the share of the period elapsed);
- behind: running, and below that line.

The mandate, at `now`:
- non_compliant: a period was missed;
- completed: it is over and every period was met;
- at_risk: none missed, and a running period is behind;
- compliant: otherwise (including a mandate that has not started).

Python and SQL (mandates.queries) both decide from the same stored figures: a period's
`behind_from` is the first moment the line passes what it holds, so "behind" is
behind_from <= now < ends_at, and a mandate's `missed_from` is when its first unmet period
ends.
"""

import datetime as dt
from typing import Protocol

from django.db import models


class PeriodStatus(models.TextChoices):
    UPCOMING = "upcoming", "Upcoming"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    ON_TRACK = "on_track", "On track"
    BEHIND = "behind", "Behind"


class MandateStatus(models.TextChoices):
    COMPLIANT = "compliant", "Compliant"
    AT_RISK = "at_risk", "At risk"
    NON_COMPLIANT = "non_compliant", "Non-compliant"
    COMPLETED = "completed", "Completed"


class PeriodFigures(Protocol):
    starts_at: dt.datetime
    ends_at: dt.datetime
    required: int
    attended: int


def behind_from(starts_at: dt.datetime, ends_at: dt.datetime, required: int, attended: int) -> dt.datetime | None:
    """The first moment (UTC) at which a period holding `attended` is below the line
    floor(required x elapsed / length); None when met (attended >= required).

    floor(R x e / L) >= a + 1  <=>  e >= L x (a + 1) / R; rounded up to the microsecond, so that
    at the returned moment the line has been reached and one microsecond before it has not."""
    if attended >= required:
        return None
    length_us = (ends_at - starts_at) // dt.timedelta(microseconds=1)
    needed = length_us * (attended + 1)
    return starts_at + dt.timedelta(microseconds=-(-needed // required))


def line(period: PeriodFigures, now: dt.datetime) -> int:
    """floor(required x the share of the period elapsed at `now`), 0 before it starts and
    `required` once over."""
    if now <= period.starts_at:
        return 0
    if now >= period.ends_at:
        return period.required
    elapsed = (now - period.starts_at) // dt.timedelta(microseconds=1)
    length = (period.ends_at - period.starts_at) // dt.timedelta(microseconds=1)
    return period.required * elapsed // length


def period_status(period: PeriodFigures, now: dt.datetime) -> PeriodStatus:
    if now < period.starts_at:
        return PeriodStatus.UPCOMING
    if period.attended >= period.required:
        return PeriodStatus.MET
    if now >= period.ends_at:
        return PeriodStatus.MISSED
    if period.attended >= line(period, now):
        return PeriodStatus.ON_TRACK
    return PeriodStatus.BEHIND


def mandate_status(statuses: list[PeriodStatus], ended: bool) -> MandateStatus:
    """The mandate's status from its periods' statuses at one moment; `ended`: its last period
    is over."""
    if PeriodStatus.MISSED in statuses:
        return MandateStatus.NON_COMPLIANT
    if ended:
        return MandateStatus.COMPLETED
    if PeriodStatus.BEHIND in statuses:
        return MandateStatus.AT_RISK
    return MandateStatus.COMPLIANT


# For a rolling mandate, which window to report: the worst first.
SEVERITY = {
    PeriodStatus.MISSED: 0,
    PeriodStatus.BEHIND: 1,
    PeriodStatus.ON_TRACK: 2,
    PeriodStatus.MET: 3,
    PeriodStatus.UPCOMING: 4,
}
