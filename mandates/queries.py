"""Mandates' statuses for lists and pages, from the stored figures (mandates.status gives the
definitions; mandates.counting keeps the figures).

Every list answers in a fixed number of queries: the status is an annotation of indexed
comparisons (`with_status`), and a page's current periods are one more query
(`current_periods`)."""

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from attendance.models import Session
from mandates.counting import counted_sessions
from mandates.models import Mandate, MandatePeriod, Period
from mandates.status import SEVERITY, MandateStatus, PeriodStatus, mandate_status, period_status


def behind_now(now: dt.datetime) -> Q:
    """Periods behind at `now` (mandates.status: behind_from <= now < ends_at)."""
    return Q(behind_from__lte=now, ends_at__gt=now)


def status_expression(now: dt.datetime) -> Case:
    """The mandate's status at `now` as SQL (mandates.status.mandate_status)."""
    behind = Exists(MandatePeriod.objects.filter(behind_now(now), mandate=OuterRef("pk")))
    return Case(
        When(missed_from__lte=now, then=Value(MandateStatus.NON_COMPLIANT.value)),
        When(ends_at__lte=now, then=Value(MandateStatus.COMPLETED.value)),
        When(behind, then=Value(MandateStatus.AT_RISK.value)),
        default=Value(MandateStatus.COMPLIANT.value),
        output_field=CharField(),
    )


def status_filter(status: str, now: dt.datetime) -> Q:
    """Mandates whose status at `now` is `status`, as a filter the indexes serve."""
    missed = Q(missed_from__lte=now)
    over = Q(ends_at__lte=now)
    # EXISTS, not IN: PostgreSQL turns NOT EXISTS into an anti-join, but NOT IN (a subquery) into
    # a rescan of the subquery per mandate (bench/findings.md, "Mandates at scale").
    behind = Q(Exists(MandatePeriod.objects.filter(behind_now(now), mandate=OuterRef("pk"))))
    if status == MandateStatus.NON_COMPLIANT:
        return missed
    if status == MandateStatus.COMPLETED:
        return over & ~missed
    if status == MandateStatus.AT_RISK:
        return behind & ~missed & ~over
    if status == MandateStatus.COMPLIANT:
        return ~missed & ~over & ~behind
    raise ValueError(f"unknown status {status!r}")


def behind(now: dt.datetime | None = None) -> QuerySet[Mandate]:
    """Mandates with a period running and behind at `now` (the dashboard's "Behind this week"),
    whether or not an earlier period was missed."""
    now = now or timezone.now()
    return Mandate.objects.filter(pk__in=MandatePeriod.objects.filter(behind_now(now)).values("mandate_id"))


# How far back "the last period" is looked for: a month is the longest period that repeats.
LAST_PERIOD_WINDOW = dt.timedelta(days=32)


def missed_last_period(now: dt.datetime | None = None) -> QuerySet[Mandate]:
    """Mandates whose latest period to end (before `now`, within LAST_PERIOD_WINDOW) was missed:
    the dashboard's "Missed last period"."""
    now = now or timezone.now()
    later = MandatePeriod.objects.filter(
        mandate_id=OuterRef("mandate_id"), ends_at__gt=OuterRef("ends_at"), ends_at__lte=now
    )
    missed = MandatePeriod.objects.filter(
        behind_from__isnull=False, ends_at__lte=now, ends_at__gt=now - LAST_PERIOD_WINDOW
    ).filter(~Exists(later))
    return Mandate.objects.filter(pk__in=missed.values("mandate_id"))


def with_status(mandates: QuerySet[Mandate], now: dt.datetime | None = None) -> QuerySet[Mandate]:
    """`mandates` with `status` (MandateStatus value) at `now`."""
    return mandates.annotate(status=status_expression(now or timezone.now()))


@dataclass
class PeriodView:
    """One period as pages and the API show it."""

    number: int
    starts_on: dt.date
    ends_on: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    required: int
    attended: int
    status: PeriodStatus
    session_ids: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """ "2 of 3, on track" """
        return f"{self.attended} of {self.required}, {self.status.label.lower()}"


def view_of(period: MandatePeriod, now: dt.datetime) -> PeriodView:
    return PeriodView(
        period.number,
        period.starts_on,
        period.ends_on,
        period.starts_at,
        period.ends_at,
        period.required,
        period.attended,
        period_status(period, now),
    )


def current_periods(mandates: Iterable[Mandate], now: dt.datetime | None = None) -> dict[str, PeriodView]:
    """Each mandate's period running at `now` (for a rolling one, the running window in the
    worst state), by mandate id; a mandate not started or over has none. One query."""
    now = now or timezone.now()
    ids = [mandate.pk for mandate in mandates]
    if not ids:
        return {}
    running = MandatePeriod.objects.filter(mandate_id__in=ids, starts_at__lte=now, ends_at__gt=now)
    found: dict[str, PeriodView] = {}
    for period in running.order_by("mandate_id", "ends_at"):
        view = view_of(period, now)
        best = found.get(period.mandate_id)
        if best is None or SEVERITY[view.status] < SEVERITY[best.status]:
            found[period.mandate_id] = view
    return found


def last_periods(mandates: list[Mandate], now: dt.datetime) -> dict[str, PeriodView]:
    """Each mandate's latest period to have ended before `now` (within
    LAST_PERIOD_WINDOW), in one query."""
    if not mandates:
        return {}
    ended = MandatePeriod.objects.filter(
        mandate_id__in=[mandate.pk for mandate in mandates], ends_at__lte=now, ends_at__gt=now - LAST_PERIOD_WINDOW
    )
    found: dict[str, PeriodView] = {}
    for period in ended.order_by("mandate_id", "-ends_at", "-number"):
        found.setdefault(period.mandate_id, view_of(period, now))
    return found


@dataclass
class Compliance:
    """A mandate's status with its periods at one moment (the API's compliance answer)."""

    mandate: Mandate
    status: MandateStatus
    periods: list[PeriodView]
    current: PeriodView | None
    counted: list[Session]
    not_counted: list[Session]
    now: dt.datetime
    # Every period, a rolling mandate's every window included (`periods` holds its worst).
    all_periods: list[PeriodView] = field(default_factory=list)


def compliance_of(mandate: Mandate, now: dt.datetime | None = None) -> Compliance:
    """`mandate`'s status, periods (with the sessions counted in each), and the contact's other
    sessions in its dates that did not count, with why (outcome, meeting). Three queries.

    A rolling mandate's periods are its windows; the answer lists the worst one (and the
    running one as `current`), as the issue's API asks."""
    now = now or timezone.now()
    periods = [view_of(period, now) for period in mandate.periods.order_by("number")]
    counted = list(counted_sessions(mandate).select_related("meeting"))
    found = _standing(mandate, periods, [(session.moment, session.pk) for session in counted], now)
    others: list[Session] = []
    if periods:
        others = list(
            Session.objects.filter(
                contact_id=mandate.contact_id,
                created_at__gte=periods[0].starts_at - dt.timedelta(days=1),
                created_at__lt=periods[-1].ends_at,
            )
            .exclude(pk__in=[session.pk for session in counted])
            .select_related("meeting")
            .order_by("created_at")
        )
    return Compliance(mandate, found.status, found.periods, found.current, counted, others, now, periods)


@dataclass
class Standing:
    """A mandate's status, its periods (a rolling mandate: its worst window) with the sessions
    counted in each, and its current period: mandates.queries.Compliance without the sessions."""

    mandate: Mandate
    status: MandateStatus
    periods: list[PeriodView]
    current: PeriodView | None


def standings(mandates: list[Mandate], now: dt.datetime | None = None) -> list[Standing]:
    """`mandates`' standings at `now` (kind_links and meeting_links prefetched): two queries
    whatever their number, the periods and the counted sessions of all of them (a UNION of each
    mandate's mandates.counting.counted_sessions)."""
    now = now or timezone.now()
    if not mandates:
        return []
    periods: dict[str, list[PeriodView]] = defaultdict(list)
    rows = MandatePeriod.objects.filter(mandate_id__in=[mandate.pk for mandate in mandates])
    for period in rows.order_by("mandate_id", "number"):
        periods[period.mandate_id].append(view_of(period, now))
    counted = [
        counted_sessions(mandate)
        .order_by()
        .annotate(for_mandate=Value(str(mandate.pk), output_field=CharField()))
        .values_list("for_mandate", "pk", "moment")
        for mandate in mandates
    ]
    moments: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for mandate_id, session_id, moment in counted[0].union(*counted[1:], all=True):
        moments[str(mandate_id)].append((moment, str(session_id)))
    return [_standing(mandate, periods[mandate.pk], sorted(moments[str(mandate.pk)]), now) for mandate in mandates]


def _standing(
    mandate: Mandate, periods: list[PeriodView], moments: list[tuple[dt.datetime, str]], now: dt.datetime
) -> Standing:
    # The one assembly of a mandate's answer, for compliance_of and standings alike.
    starts = [moment for moment, _ in moments]
    for period in periods:
        first, last = bisect.bisect_left(starts, period.starts_at), bisect.bisect_left(starts, period.ends_at)
        period.session_ids = [pk for _, pk in moments[first:last]]
    ended = bool(periods) and now >= periods[-1].ends_at
    status = mandate_status([period.status for period in periods], ended)
    running = [period for period in periods if period.starts_at <= now < period.ends_at]
    current = min(running, key=lambda period: (SEVERITY[period.status], period.ends_at), default=None)
    shown = [worst_window(periods)] if mandate.period == Period.ROLLING and periods else periods
    return Standing(mandate, status, shown, current)


def worst_window(windows: list[PeriodView]) -> PeriodView:
    """The window a rolling mandate is reported by: of those started, the worst status, then the
    fewest meetings against the requirement, then the earliest (the first when none started)."""
    started = [window for window in windows if window.status != PeriodStatus.UPCOMING] or windows[:1]
    return min(started, key=lambda window: (SEVERITY[window.status], window.attended - window.required, window.number))
