"""Cancelling one occurrence of a repeating meeting, and taking the cancellation back.

The only writers of CancelledOccurrence; the staff pages and the API call these and translate
ScheduleError. Each keeps the window of scheduled occurrences in step (CancelledOccurrence.save
and delete re-derive the meeting's rows in the same transaction).
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import DomainError
from meetings.models import CancelledOccurrence, Meeting
from meetings.occurrences import occurrence_on

MAX_REASON = 500
# Far enough ahead for any venue's plans; further dates would only make the rule expand for long.
MAX_YEARS_AHEAD = 10


class ScheduleError(DomainError):
    """A refused change to a meeting's schedule. Codes are stable for API clients."""

    NO_OCCURRENCE = "no_occurrence"
    ALREADY_CANCELLED = "already_cancelled"
    NOT_CANCELLED = "not_cancelled"
    REASON_REQUIRED = "reason_required"

    STATUS = {NO_OCCURRENCE: 400, ALREADY_CANCELLED: 409, NOT_CANCELLED: 404, REASON_REQUIRED: 400}

    def __init__(self, code: str, detail: str, **context: object) -> None:
        super().__init__(code, detail, self.STATUS[code], **context)


def within_reach(day: dt.date) -> bool:
    """Whether `day` is a date an occurrence can be cancelled or restored on: from 1970 (the
    earliest a repeating meeting starts) to MAX_YEARS_AHEAD years from today."""
    return dt.date(1970, 1, 1) <= day <= timezone.localdate() + dt.timedelta(days=365 * MAX_YEARS_AHEAD)


def cancel_occurrence(meeting: Meeting, day: dt.date, reason: str, *, by: str | None = None) -> CancelledOccurrence:
    """Cancel `meeting`'s occurrence on `day` (its local date at the meeting), giving `reason`
    (1 to 500 characters, kept as evidence of why nobody could attend that day).

    Raises ScheduleError: `reason_required`, `no_occurrence` (the meeting does not meet that
    day; `field` is "date"), `already_cancelled` (409)."""
    reason = (reason or "").strip()
    if not reason:
        raise ScheduleError(ScheduleError.REASON_REQUIRED, "Say why the meeting is cancelled.", field="reason")
    if len(reason) > MAX_REASON:
        raise ScheduleError(
            ScheduleError.REASON_REQUIRED, f"Keep the reason to {MAX_REASON} characters.", field="reason"
        )
    if not within_reach(day):
        raise ScheduleError(
            ScheduleError.NO_OCCURRENCE, f"Cancel a date within {MAX_YEARS_AHEAD} years from today.", field="date"
        )
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if occurrence_on(meeting, day) is None:
            raise ScheduleError(
                ScheduleError.NO_OCCURRENCE, f"{meeting.name} does not meet on {day:%A %d %B %Y}.", field="date"
            )
        if meeting.cancellations.filter(date=day).exists():
            raise ScheduleError(ScheduleError.ALREADY_CANCELLED, "That occurrence is already cancelled.", field="date")
        try:
            with transaction.atomic():
                return CancelledOccurrence.objects.create(meeting=meeting, date=day, reason=reason, cancelled_by=by)
        except IntegrityError:  # uq_cancelled_occurrences_meeting_date: a concurrent cancel won
            raise ScheduleError(
                ScheduleError.ALREADY_CANCELLED, "That occurrence is already cancelled.", field="date"
            ) from None


def restore_occurrence(meeting: Meeting, day: dt.date) -> None:
    """Take back the cancellation of `meeting`'s occurrence on `day`: it takes place after all.
    The cancellation stays in the history. Raises ScheduleError `not_cancelled` (404)."""
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        cancellation = meeting.cancellations.filter(date=day).first()
        if cancellation is None:
            raise ScheduleError(ScheduleError.NOT_CANCELLED, "That occurrence is not cancelled.", field="date")
        cancellation.delete()
