"""The refusals of attendance rules, with their stable codes (README: "API errors")."""

from typing import Any

from core.errors import DomainError


class AttendanceError(DomainError):
    """An attendance rule refused the operation; no event was stored. Its HTTP status follows
    from its code: a conflict with the session's or the meeting's state is 409, missing consent
    or a staff-only action 403, else 400."""

    OPEN_SESSION_EXISTS = "open_session_exists"
    INVALID_TRANSITION = "invalid_transition"
    CONSENT_REQUIRED = "consent_required"
    REASON_REQUIRED = "reason_required"
    EVENT_ID_CONFLICT = "event_id_conflict"
    MEETING_INACTIVE = "meeting_inactive"
    CONTACT_INACTIVE = "contact_inactive"
    POSITION_REQUIRED = "position_required"
    INVALID_POSITION = "invalid_position"
    INVALID_EVENT_ID = "invalid_event_id"
    CLIENT_TIME_IN_FUTURE = "ts_client_in_future"
    CLIENT_TIME_TOO_OLD = "ts_client_too_old"
    CLIENT_TIME_WITHOUT_OFFSET = "ts_client_without_offset"
    NOT_CHECKED_IN = "not_checked_in"
    # The time rules of the session's policy version (README: "What counts as attended").
    CHECK_IN_NOT_OPEN = "check_in_not_open"
    CHECK_IN_CLOSED = "check_in_closed"
    NO_OCCURRENCE = "no_occurrence"
    NO_POLICY = "no_policy"
    DESTINATION_REQUIRES_STAFF = "destination_requires_staff"

    STATUS = {
        NOT_CHECKED_IN: 409,
        OPEN_SESSION_EXISTS: 409,
        INVALID_TRANSITION: 409,
        EVENT_ID_CONFLICT: 409,
        MEETING_INACTIVE: 409,
        CONTACT_INACTIVE: 409,
        CHECK_IN_NOT_OPEN: 409,
        CHECK_IN_CLOSED: 409,
        NO_OCCURRENCE: 409,
        NO_POLICY: 409,
        CONSENT_REQUIRED: 403,
        DESTINATION_REQUIRES_STAFF: 403,
    }

    # Refusals of a well-formed event that are kept as evidence (attendance.models.RefusedAttempt):
    # the attendee was somewhere, at some time, and tried. Malformed input, missing consent (no
    # position may be kept without it) and id clashes are not.
    KEPT = frozenset(
        {
            OPEN_SESSION_EXISTS,
            INVALID_TRANSITION,
            MEETING_INACTIVE,
            CONTACT_INACTIVE,
            NOT_CHECKED_IN,
            CHECK_IN_NOT_OPEN,
            CHECK_IN_CLOSED,
            NO_OCCURRENCE,
            NO_POLICY,
        }
    )

    def __init__(self, code: str, detail: str, **context: Any) -> None:
        super().__init__(code, detail, self.STATUS.get(code, 400), **context)


class SessionNotFound(DomainError):
    """No such session, or not one the caller may act on: both look the same from outside."""

    def __init__(self, session_id: object = None) -> None:
        super().__init__("not_found", "No such session.", 404)
        self.session_id = session_id
