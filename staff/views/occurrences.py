"""Staff pages for one occurrence of a repeating meeting: cancel it with a reason, or restore it.
meetings.services decides; these pages parse the date and show its refusals."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.decorators import staff_view
from meetings.models import Meeting
from meetings.occurrences import next_occurrences, occurrence_on
from meetings.services import MAX_REASON, ScheduleError, cancel_occurrence, restore_occurrence, within_reach

UPCOMING = 5


class CancelOccurrenceForm(forms.Form):
    reason = forms.CharField(
        label="Why is it cancelled?",
        max_length=MAX_REASON,
        help_text=(
            "Kept with the schedule for staff, e.g. “Venue closed for Thanksgiving”. "
            "Attendees see only that it is cancelled."
        ),
        widget=forms.TextInput(attrs={"autofocus": True}),
    )


def upcoming_context(meeting: Meeting, *, actions: bool) -> dict:
    """The next occurrences and the earlier cancellations, for the meeting page and its form."""
    now = timezone.now()
    return {
        "upcoming": next_occurrences(meeting, now, UPCOMING),
        "cancelled_before": [c for c in meeting.cancellations.all() if c.date < timezone.localdate(now, meeting.zone)],
        "occurrence_actions": actions,
    }


def _day(text: str) -> dt.date:
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise Http404("No such date.") from None
    if not within_reach(day):
        raise Http404("No occurrence so far away.")
    return day


@staff_view("meetings.change_meeting")
def cancel(request: HttpRequest, pk: str, day: str) -> HttpResponse:
    """GET asks for the reason; POST cancels the occurrence on `day` (the meeting's local date)."""
    meeting = get_object_or_404(Meeting, pk=pk)
    date = _day(day)
    occurrence = occurrence_on(meeting, date)
    if occurrence is None:
        raise Http404("The meeting does not meet that day.")
    form = CancelOccurrenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancel_occurrence(meeting, date, form.cleaned_data["reason"], by=str(request.user.pk))
        except ScheduleError as error:
            form.add_error(error.context.get("field") if error.context.get("field") == "reason" else None, error.detail)
        else:
            messages.success(request, f"The meeting of {date:%A %d %B %Y} is cancelled.")
            return redirect("meetings:detail", pk=meeting.pk)
    context = {"section": "meetings", "meeting": meeting, "occurrence": occurrence, "form": form}
    return render(request, "meetings/confirm_cancel_occurrence.html", context)


@require_POST
@staff_view("meetings.change_meeting")
def restore(request: HttpRequest, pk: str, day: str) -> HttpResponse:
    """The occurrence on `day` takes place after all (the cancellation stays in the history)."""
    meeting = get_object_or_404(Meeting, pk=pk)
    date = _day(day)
    try:
        restore_occurrence(meeting, date)
    except ScheduleError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"The meeting of {date:%A %d %B %Y} takes place after all.")
    return redirect("meetings:detail", pk=meeting.pk)
