"""A mandate's periods, from its dates and requirement (README: "Mandates and compliance").

- week: consecutive 7-day periods from the first day;
- month: from the first day's day of the month to the day before it next month (a mandate from
  31 January has February end on the 27th or 28th and March start on the 28th or 29th: dateutil's
  relativedelta clamps to the month's last day, counted each time from the first day);
- whole: one period, the whole mandate;
- rolling: every window of `rolling_days` consecutive days inside the mandate.

A period cut short by the order's own last day (an order that ends mid-week) requires its
share of the requirement rounded up, ceil(required x days / full days): the order asked for at
least that much, so "1 a month" over 28 days still requires 1. A period cut short because the
order was ended early requires its share rounded down, floor(required x days / full days): what
someone on track would have had when the court ended it, the line the "on track" status uses.
A rolling mandate ended before one whole window has one such window.

Pure functions of dates; mandates.counting turns days into UTC instants in the mandate's zone.
"""

import datetime as dt
from collections.abc import Callable
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


def spans(
    period: str,
    required: int,
    starts_on: dt.date,
    last_day: dt.date,
    rolling_days: int | None,
    *,
    ended_early: bool = False,
    ordered_last_day: dt.date | None = None,
) -> list[Span]:
    """The periods of a mandate running from `starts_on` to `last_day` (both included), each with
    what it requires; `ended_early`: `last_day` is when the order was ended early rather than
    its own last day, `ordered_last_day` (then needed for a whole-mandate order). Raises
    ValueError for a period it does not know or a rolling mandate without its window; the
    services check inputs before."""
    share = _floor if ended_early else _ceil
    if last_day < starts_on:
        return []
    if period == "rolling":
        if not rolling_days:
            raise ValueError("a rolling mandate needs rolling_days")
        return _rolling(required, starts_on, last_day, rolling_days, share)
    if period == "whole":
        if ended_early:
            if ordered_last_day is None:
                raise ValueError("a whole-mandate order ended early needs its ordered last day")
            full_days = (ordered_last_day - starts_on).days + 1
            return [Span(1, starts_on, last_day, _floor(required * ((last_day - starts_on).days + 1), full_days))]
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
        found.append(Span(number, start, end, share(required * days, full_days)))
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


def _floor(numerator: int, denominator: int) -> int:
    return numerator // denominator


def _ceil(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _rolling(
    required: int, starts_on: dt.date, last_day: dt.date, window: int, share: Callable[[int, int], int]
) -> list[Span]:
    total = (last_day - starts_on).days + 1
    if total < window:
        return [Span(1, starts_on, last_day, share(required * total, window))]
    return [
        Span(
            offset + 1,
            starts_on + dt.timedelta(days=offset),
            starts_on + dt.timedelta(days=offset + window - 1),
            required,
        )
        for offset in range(total - window + 1)
    ]
