"""A mandate's periods, from its dates and requirement (README: "Mandates and compliance").

- week: consecutive 7-day periods from the first day;
- month: from the first day's day of the month to the day before it next month (a mandate from
  31 January has February end on the 27th or 28th and March start on the 28th or 29th: dateutil's
  relativedelta clamps to the month's last day, counted each time from the first day);
- whole: one period, the whole mandate;
- rolling: every window of `rolling_days` consecutive days inside the mandate.

A period cut short by the mandate's last day (an order that ends mid-week, or ended early)
requires floor(required x the share of the period it covers): what someone on track would have
by then, the line the "on track" status uses. A rolling mandate shorter than its window has one
such cut window.

Pure functions of dates; mandates.counting turns days into UTC instants in the mandate's zone.
"""

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

# The longest mandate accepted, in days, which bounds a mandate's periods (rolling windows).
MAX_DAYS = 5 * 366


@dataclass(frozen=True)
class Span:
    number: int
    starts_on: dt.date
    ends_on: dt.date  # included
    required: int

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


def spans(period: str, required: int, starts_on: dt.date, last_day: dt.date, rolling_days: int | None) -> list[Span]:
    """The periods of a mandate running from `starts_on` to `last_day` (both included), each with
    what it requires. Raises ValueError for a period it does not know or a rolling mandate
    without its window; the services check inputs before."""
    if last_day < starts_on:
        return []
    if period == "rolling":
        if not rolling_days:
            raise ValueError("a rolling mandate needs rolling_days")
        return _rolling(required, starts_on, last_day, rolling_days)
    if period == "whole":
        return [Span(1, starts_on, last_day, required)]
    found = []
    number = 1
    start = starts_on
    while start <= last_day:
        following = _next_start(period, starts_on, number)
        full_end = following - dt.timedelta(days=1)
        end = min(full_end, last_day)
        full_days = (full_end - start).days + 1
        days = (end - start).days + 1
        found.append(Span(number, start, end, required * days // full_days))
        number += 1
        start = following
    return found


def _next_start(period: str, starts_on: dt.date, number: int) -> dt.date:
    """The first day of period `number` + 1 (periods numbered from 1)."""
    if period == "week":
        return starts_on + dt.timedelta(days=7 * number)
    if period == "month":
        return starts_on + relativedelta(months=number)
    raise ValueError(f"unknown period {period!r}")


def _rolling(required: int, starts_on: dt.date, last_day: dt.date, window: int) -> list[Span]:
    total = (last_day - starts_on).days + 1
    if total < window:
        return [Span(1, starts_on, last_day, required * total // window)]
    return [
        Span(
            offset + 1,
            starts_on + dt.timedelta(days=offset),
            starts_on + dt.timedelta(days=offset + window - 1),
            required,
        )
        for offset in range(total - window + 1)
    ]
