"""Template helpers for meetings' schedules: `{{ meeting|schedule }}` (in words) and
`{{ occurrence|span }}` (one occurrence's day and times, each with its zone)."""

from django import template

from meetings.models import Meeting
from meetings.occurrences import Occurrence
from meetings.wording import describe, time_span

register = template.Library()


@register.filter
def schedule(meeting: Meeting) -> str:
    """'Tuesdays 7:00-8:30 pm PDT' (meetings.wording.describe)."""
    return describe(meeting)


@register.filter
def span(occurrence: Occurrence | None) -> str:
    """'Tue 1 Dec 2026, 7:00-8:30 pm PST': the occurrence's local day and times at the meeting."""
    if occurrence is None:
        return "—"
    start = occurrence.local_start
    return f"{start:%a} {start.day} {start:%b %Y}, {time_span(occurrence)}"


@register.filter
def short_day(occurrence: Occurrence) -> str:
    """'Tue 1 Dec': the occurrence's local date at the meeting (Django's |date would convert it
    to the site's zone first)."""
    start = occurrence.local_start
    return f"{start:%a} {start.day} {start:%b}"
