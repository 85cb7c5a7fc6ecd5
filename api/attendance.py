"""Sessions and their events over the API. Every rule is in attendance.services.

The views parse a request with a serializer, call one service function and serialize what it
returns. They never write a session or an event themselves: a refused operation comes back as
an AttendanceError (or SessionNotFound), which api.common turns into a JSON answer with a
`code`.

Attendees see and act on their own sessions only; anyone else's session answers 404, the same
as one that does not exist. Staff see every session and pass no owner to the services.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from access.permissions import IsAttendeeOrStaff, StaffModelPermissions, is_attendee, is_staff
from access.throttles import EventRateLimit
from api.common import PAST_THE_LAST_PAGE
from api.filters import EventFilter, SessionFilter
from attendance import services
from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from attendance.outcomes import Outcome, Reason
from attendance.services import (
    AttendanceError,
    Destination,
    EventReport,
    Fix,
    RecordedEvent,
    SessionNotFound,
    Verdict,
    VerdictReason,
    radius_for,
    verdict_of,
)
from contacts.models import Contact
from core.validators import RangeValidator, validate_accuracy, validate_latitude, validate_longitude
from meetings.models import Meeting

# Free text is evidence a person reads, not a file store: a cap keeps a runaway client from
# filling the events table.
MAX_NOTES_LENGTH = 2000


# --- Fields -----------------------------------------------------------------------------------


class Number(serializers.FloatField):
    """A finite number. Unlike DRF's FloatField, `true` is not read as 1: a phone that sends a
    boolean for a latitude has a bug, and evidence must not hide it."""

    def to_internal_value(self, data: object) -> float:
        if isinstance(data, bool):
            self.fail("invalid")
        return super().to_internal_value(data)


class ClientDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time as the phone sent it.

    DRF would read a time without a UTC offset in the server's zone, silently moving the
    evidence by hours; it is kept naive instead, so that the service refuses it with
    `ts_client_without_offset`.
    """

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            return value
        return super().enforce_timezone(value)


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose choices are one named enum in the OpenAPI document, wherever it
    appears, rather than one enum per field name (`type`, `status` and `reason` are names other
    apps' fields may share, with other choices)."""

    choice_set: list[tuple[str, str]]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=self.choice_set, **kwargs)


def named_enum(name: str, choices: list[tuple[str, str]]) -> Callable[[type], type]:
    return extend_schema_field(serializers.ChoiceField(choices=choices), component_name=name)


@named_enum("SessionStatus", SessionStatus.choices)
class SessionStatusField(NamedChoiceField):
    choice_set = SessionStatus.choices


@named_enum("EventType", EventType.choices)
class EventTypeField(NamedChoiceField):
    choice_set = EventType.choices


@named_enum("LocationFlag", LocationFlag.choices)
class LocationFlagField(NamedChoiceField):
    choice_set = LocationFlag.choices


@named_enum("VerdictReason", list(VerdictReason.LABELS.items()))
class VerdictReasonField(NamedChoiceField):
    choice_set = list(VerdictReason.LABELS.items())


@named_enum("Outcome", Outcome.choices)
class OutcomeField(NamedChoiceField):
    choice_set = Outcome.choices


# "AttendanceReason", not "Reason": the verdict's reasons are another enum (VerdictReason).
@named_enum("AttendanceReason", Reason.choices)
class AttendanceReasonField(NamedChoiceField):
    choice_set = Reason.choices


def number_in(validator: RangeValidator, **kwargs: Any) -> Number:
    """A number within the range `validator` allows, with its bounds in the OpenAPI document
    and its message in the field's errors."""
    messages = {"min_value": validator.message, "max_value": validator.message}
    return Number(min_value=validator.low, max_value=validator.high, error_messages=messages, **kwargs)


def uuid_reference(model_queryset: QuerySet, **kwargs: Any) -> serializers.PrimaryKeyRelatedField:
    """A reference to a row by its UUID id; a malformed id is a field error, never a query."""
    return serializers.PrimaryKeyRelatedField(
        queryset=model_queryset, pk_field=serializers.UUIDField(format="hex_verbose"), **kwargs
    )


# --- Requests ---------------------------------------------------------------------------------

DESTINATION_FIELDS = ("dest_name", "dest_address", "dest_lat", "dest_lng")


class SessionStartSerializer(serializers.Serializer):
    """Where the session takes place (a meeting, or a destination) and, for staff, whose it is."""

    meeting_id = uuid_reference(
        Meeting.objects.all(),
        source="meeting",
        required=False,
        help_text="The meeting attended; its name, address and position become the destination.",
    )
    dest_name = serializers.CharField(
        max_length=255,
        required=False,
        help_text="Staff only, without a meeting: the place staff approved (e.g. a treatment centre). An attendee "
        "sending any dest_* field is refused (403 `destination_requires_staff`).",
    )
    dest_address = serializers.CharField(
        max_length=500, required=False, help_text="Staff only, without a meeting: its address."
    )
    dest_lat = number_in(validate_latitude, required=False, help_text="Staff only, without a meeting: latitude.")
    dest_lng = number_in(validate_longitude, required=False, help_text="Staff only, without a meeting: longitude.")
    contact_id = uuid_reference(
        Contact.objects.all(),
        source="contact",
        required=False,
        help_text="Staff only, and required for staff: whose session it is. Attendees start their own.",
    )
    ts_client = ClientDateTimeField(
        required=False,
        help_text="Optional: when the phone recorded the check-in this session is opened for, with a UTC offset. "
        "A check-in queued offline and sent later than the policy allows opens its session as of that time "
        "(so a meeting that has ended since still takes it, marked sent late); otherwise the session opens now.",
    )

    def to_internal_value(self, data: object) -> dict:
        # Refused before anything is looked up, so an attendee cannot learn which ids exist.
        if isinstance(data, Mapping) and is_attendee(self.context["request"].user):
            given = [name for name in DESTINATION_FIELDS if name in data]
            if given:
                # The service's own refusal (start_session without approved_by), raised before the
                # body is read any further: whatever else it holds, the answer is this 403.
                raise AttendanceError(
                    AttendanceError.DESTINATION_REQUIRES_STAFF,
                    f"Only staff can open a session at a destination; leave {', '.join(given)} out and "
                    "give the meeting_id of the meeting you attend.",
                    field=given[0],
                )
            if "contact_id" in data:
                raise serializers.ValidationError(
                    {"contact_id": ["Attendees start sessions for themselves; leave contact_id out."]}
                )
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        given = [name for name in DESTINATION_FIELDS if name in attrs]
        if "meeting" in attrs and given:
            raise serializers.ValidationError(
                {name: ["Give either meeting_id or a destination, not both."] for name in ["meeting_id", *given]}
            )
        user = self.context["request"].user
        if "meeting" not in attrs and is_attendee(user):
            # (An attendee's dest_* fields were refused in to_internal_value.)
            raise serializers.ValidationError({"meeting_id": ["Required: the meeting you attend."]})
        if "meeting" not in attrs and len(given) < len(DESTINATION_FIELDS):
            missing = [name for name in DESTINATION_FIELDS if name not in attrs]
            errors = {name: ["Required when no meeting_id is given."] for name in missing}
            if not given:
                errors["meeting_id"] = ["Give a meeting_id, or dest_name, dest_address, dest_lat and dest_lng."]
            raise serializers.ValidationError(errors)

        if is_attendee(user):
            attrs["contact"] = user.contact
        elif "contact" not in attrs:
            raise serializers.ValidationError({"contact_id": ["Required for staff: whose session is this?"]})

        if given:
            attrs["destination"] = Destination(
                attrs.pop("dest_name"), attrs.pop("dest_address"), attrs.pop("dest_lat"), attrs.pop("dest_lng")
            )
        return attrs


class EventReportSerializer(serializers.Serializer):
    """What the phone reports. The server alone decides the verdict (`location_flag`)."""

    id = serializers.UUIDField(
        format="hex_verbose",
        required=False,
        help_text="A UUID4 chosen by the client (e.g. crypto.randomUUID()). Sending the same request again "
        "with the same id is safe: it answers 200 with the stored event.",
    )
    ts_client = ClientDateTimeField(
        help_text="When the phone recorded the event: ISO 8601 with a UTC offset, e.g. 2026-11-25T18:00:00-08:00. "
        "At most 5 minutes ahead of the server, and not older than MAX_CLIENT_DELAY (7 days by default)."
    )
    lat = number_in(validate_latitude, required=False, allow_null=True, help_text="Required unless gps_timeout.")
    lng = number_in(validate_longitude, required=False, allow_null=True, help_text="Required unless gps_timeout.")
    accuracy = number_in(
        validate_accuracy, required=False, allow_null=True, help_text="The fix's reported accuracy in metres."
    )
    notes = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, max_length=MAX_NOTES_LENGTH, help_text="Free text."
    )
    gps_timeout = serializers.BooleanField(
        default=False, help_text="True when the phone could not get a position; lat and lng may then be omitted."
    )

    def to_report(self) -> EventReport:
        data = self.validated_data
        fix = Fix(data.get("lat"), data.get("lng"), data.get("accuracy"), timed_out=data["gps_timeout"])
        event_id = str(data["id"]) if data.get("id") is not None else None
        return EventReport(ts_client=data["ts_client"], fix=fix, notes=data.get("notes"), event_id=event_id)


class ActiveSessionQuerySerializer(serializers.Serializer):
    """`?contact_id=` of GET /sessions/active/: required for staff, a narrowing for attendees."""

    contact_id = serializers.UUIDField(format="hex_verbose", required=False)

    def validate(self, attrs: dict) -> dict:
        if self.context["staff"] and "contact_id" not in attrs:
            raise serializers.ValidationError({"contact_id": ["Required for staff: whose open session?"]})
        return attrs


# --- Responses --------------------------------------------------------------------------------


class VerificationSerializer(serializers.Serializer):
    """Why the server decided `location_flag` as it did, as stored with the event when it was
    judged (never recomputed with today's rules)."""

    reason = VerdictReasonField(
        help_text="`judged_by_legacy_system` for an event recorded before judgements were stored with events."
    )
    explanation = serializers.CharField(help_text="The reason in words, for the attendee.")
    distance_m = serializers.FloatField(
        allow_null=True, help_text="From the place, in metres, as judged; null without a position."
    )
    radius_m = serializers.FloatField(
        allow_null=True,
        help_text="The radius applied when the event was judged, in metres; null for an event judged by the "
        "legacy system (the radius it applied was not recorded).",
    )


class CurrentSessionStatusField(serializers.Field):
    """The status of the event's session now."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, event: SessionEvent) -> str:
        return self.parent.session_of(event).status


# The same SessionStatus component as a session's `status` (a second component of the same
# name would be a conflict for drf-spectacular, a second enum a duplicate for client generators).
extend_schema_field({"$ref": "#/components/schemas/SessionStatus"})(CurrentSessionStatusField)


# A plain Serializer with every field declared: a ModelSerializer builds its fields from the
# model on each instantiation, which every check-in's answer paid for (bench/findings.md).
class EventSerializer(serializers.Serializer):
    """An attendance event, with the server's verdict explained."""

    # The request that recorded the event passes its `session` and `verdict` in the context;
    # elsewhere they come from the event's session, which querysets must load with it.
    id = serializers.UUIDField(read_only=True)
    session_id = serializers.UUIDField(read_only=True)
    type = EventTypeField(read_only=True)
    ts_client = serializers.DateTimeField(read_only=True, label="Client time")
    ts_server = serializers.DateTimeField(read_only=True, label="Server time")
    lat = serializers.FloatField(read_only=True, allow_null=True, label="Latitude")
    lng = serializers.FloatField(read_only=True, allow_null=True, label="Longitude")
    accuracy = serializers.FloatField(read_only=True, allow_null=True, label="GPS accuracy (m)")
    location_flag = LocationFlagField(read_only=True, help_text="The server's verdict on the position.")
    distance_m = serializers.SerializerMethodField(help_text="From the destination, in metres; null without a fix.")
    notes = serializers.CharField(read_only=True, allow_null=True)
    created_at = serializers.DateTimeField(read_only=True)
    session_status = CurrentSessionStatusField(
        help_text="The session's status now: after this event, in the answer to the request that recorded it."
    )
    policy_version_id = serializers.UUIDField(
        read_only=True,
        allow_null=True,
        help_text="The policy version that judged the event; null for one judged by the legacy system.",
    )
    verification = serializers.SerializerMethodField()
    delay_s = serializers.SerializerMethodField(
        help_text="Seconds from the phone's time (`ts_client`) to the server's receipt (`ts_server`); negative when "
        "the phone's clock was ahead."
    )
    sent_late = serializers.BooleanField(
        read_only=True,
        help_text="The event reached the server later than the policy version allows: it is placed at `ts_client` "
        "and the session cannot count as attended on its strength until a staff review.",
    )

    def session_of(self, event: SessionEvent) -> Session:
        return self.context.get("session") or event.session

    def verdict_of(self, event: SessionEvent) -> Verdict:
        verdict = self.context.get("verdict")
        return verdict if verdict is not None else verdict_of(self.session_of(event), event)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_distance_m(self, event: SessionEvent) -> float | None:
        return self.verdict_of(event).distance_m

    @extend_schema_field(VerificationSerializer)
    def get_verification(self, event: SessionEvent) -> dict:
        verdict = self.verdict_of(event)
        return {
            "reason": verdict.reason,
            "explanation": verdict.explanation,
            "distance_m": verdict.distance_m,
            "radius_m": verdict.radius_m,
        }

    @extend_schema_field(serializers.FloatField())
    def get_delay_s(self, event: SessionEvent) -> float:
        return event.delay.total_seconds()


class AttendanceSerializer(serializers.Serializer):
    """Whether the session counts as attended (attendance.outcomes.judge), as stored when it closed."""

    outcome = OutcomeField(
        help_text="`attended`, `partial` (a verified check-in, with reasons), `not_verified` (no verified "
        "check-in) or `open` (still running)."
    )
    reasons = serializers.ListField(child=AttendanceReasonField(), help_text="Why it is not `attended`, in order.")
    minutes_attended = serializers.IntegerField(
        allow_null=True, help_text="Check-in to check-out, within the scheduled time; null without both."
    )
    minutes_scheduled = serializers.IntegerField(
        allow_null=True, help_text="The occurrence's length; null without a start and an end time."
    )

    def to_representation(self, session: Session) -> dict:
        attendance = session.attendance
        return {
            "outcome": attendance.outcome.value,
            "reasons": [reason.value for reason in attendance.reasons],
            "minutes_attended": attendance.minutes_attended,
            "minutes_scheduled": attendance.minutes_scheduled,
        }


class RefusedAttemptSerializer(serializers.Serializer):
    """A well-formed event a rule refused, kept as evidence; it changed nothing."""

    id = serializers.UUIDField(read_only=True)
    type = EventTypeField(read_only=True)
    code = serializers.CharField(read_only=True, help_text="Why it was refused: the error `code` the phone got.")
    detail = serializers.CharField(read_only=True, help_text="What the attendee was told.")
    ts_client = serializers.DateTimeField(read_only=True, label="Client time")
    ts_server = serializers.DateTimeField(read_only=True, label="Server time")
    lat = serializers.FloatField(read_only=True, allow_null=True, label="Latitude")
    lng = serializers.FloatField(read_only=True, allow_null=True, label="Longitude")
    accuracy = serializers.FloatField(read_only=True, allow_null=True, label="GPS accuracy (m)")


class SessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(read_only=True)
    contact_id = serializers.UUIDField(read_only=True)
    meeting_id = serializers.UUIDField(read_only=True, allow_null=True)
    status = SessionStatusField(read_only=True)
    radius_m = serializers.SerializerMethodField(
        help_text="The check-in radius fixed when the session opened, in metres (for sessions from before it was "
        "recorded: the meeting's, or the policy's radius for a place without a meeting)."
    )
    policy_version_id = serializers.UUIDField(
        read_only=True, help_text="The policy version in force when the session opened, which judges it."
    )
    attendance = AttendanceSerializer(source="*", read_only=True)
    occurrence_start = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When the meeting's occurrence this session is for starts (the one the session opened in, or "
        "the nearest), as it was when the session opened; null without a meeting or for one without times.",
    )
    occurrence_end = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="When that occurrence ends; null as `occurrence_start` is, or for a meeting without an end time.",
    )

    class Meta:
        model = Session
        fields = [
            "id",
            "contact_id",
            "meeting_id",
            "status",
            "is_complete",
            "dest_name",
            "dest_address",
            "dest_lat",
            "dest_lng",
            "occurrence_start",
            "occurrence_end",
            "policy_version_id",
            "radius_m",
            "attendance",
            "session_notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField())
    def get_radius_m(self, session: Session) -> float:
        return radius_for(session)


class SessionDetailSerializer(SessionSerializer):
    events = EventSerializer(many=True, read_only=True, help_text="Oldest first (by server time).")
    refused_attempts = RefusedAttemptSerializer(
        many=True,
        read_only=True,
        help_text="Events sent for this session that a rule refused (check-in not open yet, a session already "
        "ended...), oldest first; they changed nothing.",
    )

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "events", "refused_attempts"]
        read_only_fields = fields


def error(description: str) -> OpenApiResponse:
    # The body is the shared Error schema (api.common.document_shared_answers), whose
    # `session_id`, `event_id`, `status`, `field`, `opens_at` and `ended_at` are these
    # operations' context fields.
    return OpenApiResponse(description=description)


UNAUTHENTICATED = error("No valid bearer token.")
NOT_FOUND = error("No such session, or not one of the caller's (`not_found`).")
EVENT_RESPONSES = {
    201: OpenApiResponse(EventSerializer, description="The event was recorded."),
    200: OpenApiResponse(EventSerializer, description="A retry (same id, same content): the stored event."),
    400: error(
        "Invalid input (`invalid`, naming the fields) or a refused report: `ts_client_without_offset`, "
        "`ts_client_in_future`, `ts_client_too_old`, `position_required`, `invalid_position`, `invalid_event_id`."
    ),
    401: UNAUTHENTICATED,
    403: error("`consent_required`: the attendee has not consented to sharing their location; or not permitted."),
    404: NOT_FOUND,
    409: error(
        "`invalid_transition` (not possible in the session's status, with `status`), `event_id_conflict` (with "
        "`event_id`), `meeting_inactive`, `contact_inactive`; for a check-in, `check_in_not_open` (before the "
        "window opens, with `opens_at`) or `check_in_closed` (after the meeting ended, with `ended_at`). A refused "
        "well-formed event (every 409 but `event_id_conflict`) is kept in the session's `refused_attempts`."
    ),
    429: error(
        "`throttled`: too many events from this attendee (all their tokens and their phone page together) or "
        "from this address; wait for `Retry-After` seconds."
    ),
}


# --- Permissions ------------------------------------------------------------------------------


class MayRecordEvents(BasePermission):
    """Attendees record events on their own sessions (the service checks ownership); staff need
    the permission to add events."""

    message = "Recording attendance events needs the attendance.add_sessionevent permission."

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return is_attendee(user) or (is_staff(user) and user.has_perm("attendance.add_sessionevent"))


# --- Views ------------------------------------------------------------------------------------


def event_action(url_path: str, summary: str) -> Callable:
    """The decorators every event action shares: POST, its body and its answers."""

    def decorate(method: Callable) -> Callable:
        # In this order: @action replaces the function's kwargs, where extend_schema keeps its schema.
        method = action(
            detail=True,
            methods=["post"],
            url_path=url_path,
            permission_classes=[MayRecordEvents],
            throttle_classes=[EventRateLimit],
            filter_backends=[],
        )(method)
        return extend_schema(summary=summary, request=EventReportSerializer, responses=EVENT_RESPONSES)(method)

    return decorate


class SessionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Attendance sessions: attendees their own, staff everyone's. Newest first."""

    permission_classes = [IsAttendeeOrStaff]
    serializer_class = SessionSerializer
    filterset_class = SessionFilter

    def get_queryset(self) -> QuerySet[Session]:
        # The policy version for radius_for() on sessions from before the radius was stored.
        sessions = Session.objects.select_related("meeting", "policy_version")
        return self._visible(sessions).order_by("-created_at", "-id")

    def _with_evidence(self) -> QuerySet[Session]:
        """The sessions the caller may see, with what the detail shows loaded up front."""
        sessions = Session.objects.with_events().select_related("policy_version").prefetch_related("refused_attempts")
        return self._visible(sessions)

    def _visible(self, sessions: QuerySet[Session]) -> QuerySet[Session]:
        """The sessions the caller may see: an attendee's own, or all of them for staff."""
        user = self.request.user
        if is_attendee(user):
            return sessions.filter(contact=user.contact)
        return sessions

    def _contact(self) -> Contact | None:
        """The owner the services check against: the attendee; None for staff (any session)."""
        user = self.request.user
        return user.contact if is_attendee(user) else None

    @extend_schema(
        summary="Start a session",
        request=SessionStartSerializer,
        responses={
            201: SessionSerializer,
            400: error(
                "Invalid input (`invalid`, naming the fields), `invalid_position` (with `field`), or a `ts_client` "
                "the phone could not honestly send (`ts_client_without_offset`, `ts_client_in_future`, "
                "`ts_client_too_old`, with `field`)."
            ),
            401: UNAUTHENTICATED,
            403: error(
                "`destination_requires_staff` (with `field`): an attendee sent a `dest_*` field; only staff open a "
                "session at a destination. Or staff without the permission to add sessions (`permission_denied`)."
            ),
            409: error(
                "`open_session_exists` (with `session_id`: check out of it or end it first), `meeting_inactive`, "
                "`contact_inactive`, `no_occurrence` (the meeting does not meet today, or today's meeting is "
                "cancelled), `check_in_closed` (today's meeting has ended, with `ended_at`) or `no_policy` (no "
                "policy version of the meeting's jurisdiction is in force)."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        """With `meeting_id` (the destination is copied from the meeting), or, for staff only, with
        `contact_id` and a destination (`dest_*`) that the staff member approves: the session
        records who approved it. An attendee cannot choose a destination."""
        form = SessionStartSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        data = form.validated_data
        session = services.start_session(
            data["contact"],
            meeting=data.get("meeting"),
            destination=data.get("destination"),
            approved_by=request.user if is_staff(request.user) else None,
            ts_client=data.get("ts_client"),
        )
        return Response(SessionSerializer(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="List sessions",
        responses={
            200: SessionSerializer(many=True),
            400: error("A filter value is invalid (`invalid`, naming the parameter)."),
            401: UNAUTHENTICATED,
            404: PAST_THE_LAST_PAGE,
        },
    )
    def list(self, request: Request) -> Response:
        """An attendee sees their own sessions; staff see everyone's. Newest first."""
        return super().list(request)

    @extend_schema(
        summary="A session with its events and refused attempts",
        responses={200: SessionDetailSerializer, 401: UNAUTHENTICATED, 404: NOT_FOUND},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        """The session, its events and its refused attempts, oldest first."""
        session = self._with_evidence().filter(pk=pk).first()
        if session is None:
            raise SessionNotFound(pk)
        return Response(SessionDetailSerializer(session).data)

    @extend_schema(
        summary="The open session",
        parameters=[
            OpenApiParameter(
                "contact_id",
                OpenApiTypes.UUID,
                description="Whose open session. Required for staff; an attendee sees only their own.",
            )
        ],
        responses={
            200: SessionDetailSerializer,
            400: error("Staff gave no contact_id, or a malformed one (`invalid`)."),
            401: UNAUTHENTICATED,
            404: error("No open session (`not_found`)."),
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def active(self, request: Request) -> Response:
        """The caller's open session (`active` or `checked_in`), with its events."""
        query = ActiveSessionQuerySerializer(data=request.query_params, context={"staff": is_staff(request.user)})
        query.is_valid(raise_exception=True)
        sessions = self._with_evidence().open()
        contact_id = query.validated_data.get("contact_id")
        if contact_id is not None:
            sessions = sessions.filter(contact_id=str(contact_id))
        session = sessions.first()
        if session is None:
            raise SessionNotFound("open session")
        return Response(SessionDetailSerializer(session).data)

    @event_action("check-in", "Check in")
    def check_in(self, request: Request, pk: str) -> Response:
        """Only from `active`. A verified check-in moves the session to `checked_in`; a denied or
        timed-out one is stored as evidence and leaves it `active`, so the attendee may try again."""
        return self._record(request, pk, services.check_in)

    @event_action("check-out", "Check out")
    def check_out(self, request: Request, pk: str) -> Response:
        """Only from `checked_in`. The session becomes `completed`, whatever the position's verdict."""
        return self._record(request, pk, services.check_out)

    @event_action("location", "Report a position")
    def location(self, request: Request, pk: str) -> Response:
        """A position update on an open session; its status does not change."""
        return self._record(request, pk, services.record_location)

    @event_action("end", "End the session")
    def end(self, request: Request, pk: str) -> Response:
        """Ends an open session (`ended`), recording a `status_change` event."""
        return self._record(request, pk, services.end_session)

    def _record(self, request: Request, pk: str, operation: Callable[..., RecordedEvent]) -> Response:
        report = EventReportSerializer(data=request.data)
        report.is_valid(raise_exception=True)
        recorded = operation(pk, report.to_report(), contact=self._contact())
        body = EventSerializer(recorded.event, context={"session": recorded.session, "verdict": recorded.verdict})
        return Response(body.data, status=status.HTTP_201_CREATED if recorded.created else status.HTTP_200_OK)


class EventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every attendance event, for staff. Newest first (by server time). Read-only: events are
    evidence and are never changed or deleted."""

    permission_classes = [StaffModelPermissions]
    serializer_class = EventSerializer
    filterset_class = EventFilter
    queryset = SessionEvent.objects.select_related("session__meeting").order_by("-ts_server", "-created_at", "-id")

    @extend_schema(
        summary="List events",
        responses={
            200: EventSerializer(many=True),
            400: error("A filter value is invalid (`invalid`, naming the parameter)."),
            401: UNAUTHENTICATED,
            403: error("Staff only."),
            404: PAST_THE_LAST_PAGE,
        },
    )
    def list(self, request: Request) -> Response:
        """Newest first, by server time."""
        return super().list(request)

    @extend_schema(
        summary="One event",
        responses={200: EventSerializer, 401: UNAUTHENTICATED, 403: error("Staff only."), 404: error("No such event.")},
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        # Not get_object(): list filters have no business on a single event.
        return Response(EventSerializer(get_object_or_404(self.get_queryset(), pk=pk)).data)
