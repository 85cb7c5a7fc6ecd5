"""The one rule for qualifying attendance, and the derived figures kept from it (README:
"Mandates and compliance").

A session counts for a mandate when its stored outcome is `attended`, it was at a qualifying
meeting (one of the mandate's meetings or of its kinds; any meeting when it names neither), and
its moment falls inside the mandate's dates in the mandate's zone. A session's moment is the
start of the occurrence it was for, or, at a meeting without times, when it opened. It counts
once per period that holds that moment: once in a week or month, once in each rolling window.

`regenerate` rebuilds a mandate's periods (when it is created, changed or ended early) and
`recount` refreshes their figures (when one of the contact's sessions is judged). Both lock the
mandate, so concurrent recounts of one mandate take turns.
"""

import bisect
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from attendance.models import Session
from attendance.outcomes import Outcome
from mandates.models import Mandate, MandatePeriod
from mandates.periods import spans
from mandates.status import behind_from
from meetings.models import Meeting


def moment_expression() -> Coalesce:
    """A session's moment for mandates: its occurrence's start, else when it opened."""
    return Coalesce("occurrence_start", "created_at")


def qualifying(mandate: Mandate) -> Q:
    """The sessions at meetings that qualify for `mandate` (not yet its dates or outcome)."""
    kind_ids = [link.kind_id for link in mandate.kind_links.all()]
    meeting_ids = [link.meeting_id for link in mandate.meeting_links.all()]
    if not kind_ids and not meeting_ids:
        return Q(meeting__isnull=False)
    rule = Q(pk__in=[])
    if meeting_ids:
        rule |= Q(meeting_id__in=meeting_ids)
    if kind_ids:
        rule |= Q(meeting__kind_assignments__kind_id__in=kind_ids)
    return rule


def qualifies(meeting: Meeting, mandate: Mandate) -> bool:
    """Whether sessions at `meeting` would count for `mandate`: `qualifying`'s rule, for a
    meeting in hand (kind_links, meeting_links and the meeting's kind_assignments
    prefetched)."""
    kind_ids = {link.kind_id for link in mandate.kind_links.all()}
    meeting_ids = {link.meeting_id for link in mandate.meeting_links.all()}
    if not kind_ids and not meeting_ids:
        return True
    if meeting.pk in meeting_ids:
        return True
    return any(assignment.kind_id in kind_ids for assignment in meeting.kind_assignments.all())


def counted_sessions(mandate: Mandate, using: str = DEFAULT_DB_ALIAS) -> QuerySet[Session]:
    """The sessions that count for `mandate` (the rule above), with their moment as `moment`,
    in order of moment. Call after its periods exist (they bound the dates)."""
    return (
        Session.objects.using(using)
        .filter(qualifying(mandate), contact_id=mandate.contact_id, outcome=Outcome.ATTENDED)
        .alias(moment=moment_expression())
        .filter(moment__gte=_local_midnight(mandate.starts_on, mandate.zone), moment__lt=mandate.ends_at)
        .annotate(moment=moment_expression())
        .distinct()
        .order_by("moment", "pk")
    )


def _local_midnight(day: dt.date, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The start of `day` where `zone` keeps time, in UTC (a day that starts in a DST gap starts
    when the clocks show it: zoneinfo resolves the gap forwards with fold=0)."""
    local = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return local.astimezone(dt.UTC)


def regenerate(mandate: Mandate, using: str = DEFAULT_DB_ALIAS) -> None:
    """Rebuild `mandate`'s periods from its dates, requirement and zone, then count them. Runs in
    a transaction, with the mandate locked."""
    with transaction.atomic(using=using):
        locked = _lock(mandate.pk, using)
        zone = locked.jurisdiction.zone
        locked.time_zone = str(zone.key)
        found = spans(
            locked.period,
            locked.required_count,
            locked.starts_on,
            locked.last_day,
            locked.rolling_days,
            ended_early=locked.ended_on is not None,
            ordered_last_day=locked.ends_on,
        )
        MandatePeriod.objects.using(using).filter(mandate=locked).delete()
        periods = [
            MandatePeriod(
                mandate=locked,
                number=span.number,
                starts_on=span.starts_on,
                ends_on=span.ends_on,
                starts_at=_local_midnight(span.starts_on, zone),
                ends_at=_local_midnight(span.ends_on + dt.timedelta(days=1), zone),
                required=span.required,
            )
            for span in found
        ]
        MandatePeriod.objects.using(using).bulk_create(periods, batch_size=500)
        locked.ends_at = _local_midnight(locked.last_day + dt.timedelta(days=1), zone)
        _count(locked, list(locked.periods.using(using).order_by("number")), using)
        mandate.time_zone, mandate.ends_at, mandate.missed_from = locked.time_zone, locked.ends_at, locked.missed_from


def recount(mandate_id: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Refresh the attended figures of one mandate's periods from the sessions' stored outcomes."""
    with transaction.atomic(using=using):
        locked = _lock(mandate_id, using)
        _count(locked, list(locked.periods.using(using).order_by("number")), using)


def recount_for_session(sender: type, session: Session, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """Receiver of attendance.signals.session_judged: recount the contact's mandates whose dates
    can hold the session (one query when it has none)."""
    day = session.occurrence_start or session.created_at
    if day is None:
        return
    # A day either side covers every zone's local date of the moment.
    near = day.date()
    mandates = Mandate.objects.using(using).filter(
        contact_id=session.contact_id,
        starts_on__lte=near + dt.timedelta(days=1),
        ends_on__gte=near - dt.timedelta(days=1),
    )
    for mandate_id in mandates.values_list("pk", flat=True):
        recount(mandate_id, using)


def recount_all(mandates: Iterable[str] | None = None, using: str = DEFAULT_DB_ALIAS) -> int:
    """Regenerate every mandate (or those with the given ids): after a jurisdiction's zone
    changed, or sessions were judged outside the services. Returns how many."""
    ids = list(mandates) if mandates is not None else list(Mandate.objects.using(using).values_list("pk", flat=True))
    for mandate in Mandate.objects.using(using).filter(pk__in=ids).select_related("jurisdiction"):
        regenerate(mandate, using)
    return len(ids)


def _lock(mandate_id: str, using: str) -> Mandate:
    return (
        Mandate.objects.using(using)
        .select_for_update(of=("self",))
        .select_related("jurisdiction")
        .prefetch_related("kind_links", "meeting_links")
        .get(pk=mandate_id)
    )


def _count(mandate: Mandate, periods: list[MandatePeriod], using: str) -> None:
    """Count the sessions in each period (sessions sorted by moment, each period a bisect), store
    the changed figures and the mandate's missed_from."""
    moments = []
    if periods:
        moments = [row[1] for row in counted_sessions(mandate, using).values_list("pk", "moment")]
    changed = []
    for period in periods:
        attended = bisect.bisect_left(moments, period.ends_at) - bisect.bisect_left(moments, period.starts_at)
        line_passed = behind_from(period.starts_at, period.ends_at, period.required, attended)
        if (period.attended, period.behind_from) != (attended, line_passed):
            period.attended, period.behind_from = attended, line_passed
            changed.append(period)
    if changed:
        MandatePeriod.objects.using(using).bulk_update(changed, ["attended", "behind_from"], batch_size=500)
    unmet = [period.ends_at for period in periods if period.attended < period.required]
    mandate.missed_from = min(unmet) if unmet else None
    fields = ["missed_from", "time_zone", "ends_at"]
    Mandate.objects.using(using).filter(pk=mandate.pk).update(**{field: getattr(mandate, field) for field in fields})
