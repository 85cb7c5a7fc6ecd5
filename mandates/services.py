"""The only writers of mandates (README: "Mandates and compliance"): staff pages, the admin and
the API parse input and call these; each checks the rules, writes in one transaction and
rebuilds the mandate's periods (mandates.counting).

Errors are MandateError with a stable `code` and the `field` at fault:
- `invalid_count` (required_count below 1), `invalid_dates` (ends_on before starts_on, or a
  date outside EARLIEST..LATEST),
  `too_long` (more than periods.MAX_DAYS days), `rolling_days_required`,
  `rolling_days_not_allowed` (given for another period), `window_too_long` (a rolling window
  longer than the mandate);
- `already_ended`, `end_outside_dates` (ending early on a day outside its dates),
  `reason_required`;
- `period_passed` (409: a mandate is never deleted once one of its periods has ended: end it
  early), `report_issued` (409: nor once a court report was issued for it).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from contacts.models import Contact
from core.errors import DomainError
from mandates.counting import regenerate
from mandates.models import Mandate, MandateKind, MandateMeeting, MandatePeriod, Period
from mandates.periods import MAX_DAYS
from meetings.models import Meeting, MeetingKind
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction

# The most meetings an order may require: far beyond any court's (one a day for five years is
# 1,830), and within every database's integer.
MAX_COUNT = 10_000

# The dates an order may name: wide of any real one, and far enough from the calendar's ends that
# a period's end (the midnight after its last day) is always a date.
EARLIEST = dt.date(1970, 1, 1)
LATEST = dt.date(2999, 12, 31)


class MandateError(DomainError):
    """A mandate could not be written; nothing was stored."""

    # Refusals of the mandate's state rather than of the input.
    CONFLICTS = frozenset({"period_passed", "report_issued"})

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        context: dict[str, Any] = {"field": field} if field else {}
        super().__init__(code, detail, 409 if code in self.CONFLICTS else 400, **context)
        self.field = field


@dataclass
class Terms:
    """What an order says, as staff enter it."""

    case_number: str
    required_count: int
    period: str
    starts_on: dt.date
    ends_on: dt.date
    rolling_days: int | None = None
    jurisdiction: Jurisdiction | None = None
    kinds: Iterable[MeetingKind] = field(default_factory=list)
    meetings: Iterable[Meeting] = field(default_factory=list)
    notes: str = ""


def check(terms: Terms) -> None:
    """Refuse terms no court could mean (MandateError, naming the field)."""
    if not terms.case_number.strip():
        raise MandateError("invalid_case_number", "Give the case or docket number.", "case_number")
    if terms.required_count is None or terms.required_count < 1:
        raise MandateError("invalid_count", "At least one meeting must be required.", "required_count")
    if terms.required_count > MAX_COUNT:
        raise MandateError("invalid_count", f"At most {MAX_COUNT:,} meetings can be required.", "required_count")
    if terms.period not in Period.values:
        raise MandateError("invalid_period", f"The period must be one of {', '.join(Period.values)}.", "period")
    days = _check_dates(terms)
    _check_window(terms, days)


def _check_dates(terms: Terms) -> int:
    """The order's length in days, once its dates are possible."""
    for name in ("starts_on", "ends_on"):
        if not EARLIEST <= getattr(terms, name) <= LATEST:
            raise MandateError("invalid_dates", f"Give a date between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}.", name)
    if terms.ends_on < terms.starts_on:
        raise MandateError("invalid_dates", "The mandate cannot end before it starts.", "ends_on")
    days = (terms.ends_on - terms.starts_on).days + 1
    if days > MAX_DAYS:
        raise MandateError("too_long", f"A mandate may run at most {MAX_DAYS} days.", "ends_on")
    return days


def _check_window(terms: Terms, days: int) -> None:
    if terms.period != Period.ROLLING:
        if terms.rolling_days is not None:
            raise MandateError("rolling_days_not_allowed", "Days apply only to a rolling requirement.", "rolling_days")
        return
    if not terms.rolling_days or terms.rolling_days < 1:
        raise MandateError("rolling_days_required", "A rolling requirement needs its number of days.", "rolling_days")
    if terms.rolling_days > days:
        raise MandateError(
            "window_too_long",
            f"The window ({terms.rolling_days} days) is longer than the mandate ({days} days).",
            "rolling_days",
        )


def create(contact: Contact, terms: Terms, *, by: AbstractBaseUser | None) -> Mandate:
    """Record a mandate for `contact` and build its periods. Raises MandateError."""
    check(terms)
    with transaction.atomic():
        mandate = Mandate(contact=contact, created_by=by)
        _write(mandate, terms, by)
    return mandate


def change(mandate: Mandate, terms: Terms, *, by: AbstractBaseUser | None) -> Mandate:
    """Change a mandate's terms (an amended order) and rebuild its periods: past periods are
    judged again under the new terms, and the history keeps the old ones."""
    check(terms)
    with transaction.atomic():
        locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if locked.ended_on is not None and terms.ends_on < locked.ended_on:
            raise MandateError("invalid_dates", "It ended early after that date.", "ends_on")
        if locked.ended_on is not None and terms.starts_on > locked.ended_on:
            raise MandateError("invalid_dates", "It ended early before that date.", "starts_on")
        _write(locked, terms, by)
    return locked


def end_early(mandate: Mandate, *, last_day: dt.date, reason: str, by: AbstractBaseUser) -> Mandate:
    """End a mandate after `last_day` (in its zone, included), with why: its periods stop there,
    a period cut short requiring its share (mandates.periods)."""
    if not reason.strip():
        raise MandateError("reason_required", "Say why the mandate ends early.", "reason")
    with transaction.atomic():
        locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if locked.ended_on is not None:
            raise MandateError("already_ended", "This mandate has already ended early.", "ended_on")
        if not locked.starts_on <= last_day <= locked.ends_on:
            raise MandateError(
                "end_outside_dates",
                f"The last day must be between {locked.starts_on:%Y-%m-%d} and {locked.ends_on:%Y-%m-%d}.",
                "ended_on",
            )
        locked.ended_on, locked.end_reason, locked.ended_by = last_day, reason.strip(), by
        locked._history_user = by
        locked.save()
        regenerate(locked)
    return locked


def a_period_has_passed(mandate: Mandate, now: dt.datetime | None = None) -> bool:
    """Whether one of `mandate`'s periods has ended by `now`: from then on it is never deleted."""
    return MandatePeriod.objects.filter(mandate=mandate, ends_at__lte=now or timezone.now()).exists()


def deletable(mandate: Mandate, now: dt.datetime | None = None) -> bool:
    """Whether `delete` would remove `mandate`: no period has passed and no report was issued."""
    return not a_period_has_passed(mandate, now) and not mandate.reports.exists()


def delete(mandate: Mandate, *, by: AbstractBaseUser) -> None:
    """Remove a mandate entered by mistake: only while none of its periods has ended."""
    with transaction.atomic():
        locked = Mandate.objects.select_for_update().get(pk=mandate.pk)
        if a_period_has_passed(locked):
            raise MandateError(
                "period_passed", "A period of this mandate has passed: end it early instead of deleting it."
            )
        if locked.reports.exists():
            raise MandateError(
                "report_issued", "A court report was issued for this mandate: end it early instead of deleting it."
            )
        MandatePeriod.objects.filter(mandate=locked).delete()
        MandateKind.objects.filter(mandate=locked).delete()
        MandateMeeting.objects.filter(mandate=locked).delete()
        locked._history_user = by
        locked.delete()


def _write(mandate: Mandate, terms: Terms, by: AbstractBaseUser | None) -> None:
    """Save `terms` on `mandate` (its history naming `by`), its qualifying kinds and meetings,
    and rebuild its periods; inside the caller's transaction."""
    _apply(mandate, terms)
    if by is not None:
        mandate._history_user = by
    mandate.save()
    _set_links(mandate, terms)
    regenerate(mandate)


def _apply(mandate: Mandate, terms: Terms) -> None:
    mandate.case_number = terms.case_number.strip()
    mandate.required_count = terms.required_count
    mandate.period = terms.period
    mandate.rolling_days = terms.rolling_days if terms.period == Period.ROLLING else None
    mandate.starts_on, mandate.ends_on = terms.starts_on, terms.ends_on
    mandate.jurisdiction_id = terms.jurisdiction.pk if terms.jurisdiction else DEFAULT_JURISDICTION_ID
    mandate.notes = terms.notes or ""


def _set_links(mandate: Mandate, terms: Terms) -> None:
    # Through the m2m managers, so that the history records the change of kinds and meetings.
    mandate.meeting_kinds.set(list(terms.kinds))
    mandate.meetings.set(list(terms.meetings))
