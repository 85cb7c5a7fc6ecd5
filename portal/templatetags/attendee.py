"""Template helpers of the attendee's pages: a session's attendance in words (portal.wording)."""

from django import template

from attendance.models import Session
from portal import wording

register = template.Library()


@register.filter
def end_state(session: Session) -> str:
    """'Checked out at 8:31 pm PST: 1 h 28 min of 1 h 30 min, attended'."""
    return wording.end_state(session)


@register.filter
def outcome_words(session: Session) -> str:
    """'attended', 'partly attended', 'not verified', 'in progress'."""
    return wording.outcome_words(session)


@register.filter
def reason_words(session: Session) -> list[str]:
    return wording.reason_words(session)


@register.filter
def time_attended(session: Session) -> str:
    """'1 h 28 min of 1 h 30 min', or '' when not known."""
    return wording.time_attended(session)


@register.filter
def position_words(flag: str | None) -> str:
    """'At the place', 'Not at the place', 'No position', 'No check-in'."""
    return wording.position_words(flag)
