"""Meetings over the API: attendees find them (nearby, by QR code); staff manage them.

Attendees and staff get different serializers: an attendee must never learn a meeting's
`qr_code`, or they could "scan" a poster without standing in front of it.
"""

import copy
import datetime as dt
import zoneinfo
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Manager
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from access.permissions import StaffModelPermissions, is_attendee, is_staff
from api.common import INVALID, PAST_THE_LAST_PAGE, STAFF_ONLY
from core.geo import coordinate_or_none
from core.races import SerialSaveSerializerMixin
from core.timezones import LocalTimesSerializerMixin, aware_from_local
from meetings.models import CancelledOccurrence, Meeting, MeetingKind, MeetingKindQuerySet, MeetingQuerySet
from meetings.occurrences import Occurrence, occurrences
from meetings.recurrence import to_instant
from meetings.services import cancel_occurrence, restore_occurrence
from policies.models import Jurisdiction

DEFAULT_RADIUS_KM = 5.0
# Far enough to cover a metropolitan area or a rural county; a "nearby" search wider than this
# is a request for every meeting, which the plain list already answers page by page.
MAX_RADIUS_KM = 500.0

QR_CODE_PATTERN = r"^[A-Za-z0-9_-]{8,100}$"

MEETING_FIELDS = [
    "id",
    "name",
    "description",
    "address",
    "lat",
    "lng",
    "time_zone",
    "radius_meters",
    "start_time",
    "end_time",
    "recurrence",
    "cancelled_dates",
    "kinds",
    "is_active",
    "created_at",
    "updated_at",
    "distance_m",
]
STAFF_ONLY_FIELDS = ["qr_code", "created_by", "jurisdiction_id"]


def distance_field() -> serializers.FloatField:
    return serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=(
            "Metres from the position given by `?lat=&lng=` in the meeting list, nearest first. "
            "null when no position was given, and always null outside the list."
        ),
    )


class RecurrenceField(serializers.CharField):
    """A meeting's RFC 5545 RRULE ("FREQ=WEEKLY;BYDAY=TU"), or null for a meeting that happens
    once (stored as ""). Null or "" given clears it. What a rule may say is the model's to
    decide (Meeting.clean_recurrence), which the serializer's validate() runs."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "help_text",
            "How the meeting repeats: an RFC 5545 RRULE such as FREQ=WEEKLY;BYDAY=TU, repeating the first "
            "occurrence (`start_time` to `end_time`) on the wall clock of `time_zone`. null: it happens once. "
            "Stored normalised (upper case, no RRULE: prefix). DAILY, WEEKLY, MONTHLY or YEARLY only, without "
            "BYHOUR, BYMINUTE or BYSECOND; it needs a `start_time` on one of its days, and must give at least "
            "one occurrence.",
        )
        super().__init__(allow_null=True, allow_blank=True, max_length=500, required=False, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


@extend_schema_field(serializers.ListField(child=serializers.DateField()))
class CancelledDatesField(serializers.Field):
    """The local dates of the meeting's cancelled occurrences, oldest first (load the meeting
    with `prefetch_related("cancellations")` in lists). Reasons are for staff, in the
    occurrences list."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault(
            "help_text",
            "The dates (at the meeting, ISO 8601) of occurrences staff cancelled, oldest first. "
            "GET .../occurrences/ marks each cancelled occurrence.",
        )
        super().__init__(source="cancellations", read_only=True, **kwargs)

    def to_representation(self, cancellations: Manager) -> list[str]:
        return sorted(cancellation.date.isoformat() for cancellation in cancellations.all())


KINDS_HELP = (
    "What sort of meeting it is: the slugs of its kinds (GET /api/v1/meeting-kinds/), such as "
    '["aa"]. Staff set them with the whole list; a kind must be active, unless the meeting has it already.'
)


class MeetingKindSlugField(serializers.SlugRelatedField):
    """One of a meeting's kinds, by slug. Given, it must be a kind the meeting may have
    (MeetingKind.objects.assignable_to: active, or the meeting's own)."""

    default_error_messages = {
        "does_not_exist": "No active meeting kind has the slug “{value}”.",
        "invalid": "Give a kind's slug, such as “aa”.",
    }

    def __init__(self, **kwargs: object) -> None:
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data: object) -> MeetingKind:
        # PostgreSQL cannot compare text holding NUL: refused here, not as a 500 from the query.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)

    def get_queryset(self) -> MeetingKindQuerySet:
        meeting = self.root.instance if isinstance(self.root.instance, Meeting) else None
        return MeetingKind.objects.assignable_to(meeting)


def kinds_field(*, read_only: bool) -> serializers.ManyRelatedField:
    if read_only:
        return MeetingKindSlugField(many=True, read_only=True, help_text=KINDS_HELP)
    return MeetingKindSlugField(many=True, required=False, help_text=KINDS_HELP)


class AttendeeMeetingSerializer(serializers.ModelSerializer):
    """What an attendee sees of a meeting: everything but its QR code and who created it."""

    distance_m = distance_field()
    recurrence = RecurrenceField(read_only=True)
    cancelled_dates = CancelledDatesField()
    kinds = kinds_field(read_only=True)

    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        read_only_fields = fields


class StaffMeetingSerializer(SerialSaveSerializerMixin, LocalTimesSerializerMixin, serializers.ModelSerializer):
    """A meeting as staff read and write it, QR code included. Times without a UTC offset are
    the meeting's local time (in `time_zone`, or the zone at its coordinates), refused when a
    clock change skips or repeats them there."""

    distance_m = distance_field()
    recurrence = RecurrenceField()
    cancelled_dates = CancelledDatesField()
    kinds = kinds_field(read_only=False)
    qr_code = serializers.RegexField(
        QR_CODE_PATTERN,
        required=False,
        min_length=8,
        max_length=100,
        help_text=(
            "The identifier printed in the meeting's QR code: 8 to 100 letters, digits, '-' or '_', "
            "unique. Leave it out to get a random one (recommended: a short code is guessable)."
        ),
        error_messages={"invalid": "Use 8 to 100 letters, digits, '-' or '_'."},
    )
    jurisdiction_id = serializers.PrimaryKeyRelatedField(
        source="jurisdiction",
        queryset=Jurisdiction.objects.filter(is_active=True),
        pk_field=serializers.UUIDField(format="hex_verbose"),
        required=False,
        help_text="Whose attendance rules apply here (GET /api/v1/jurisdictions/): an active jurisdiction. Left "
        "out on create: the default jurisdiction. Sessions keep the policy version they opened under.",
        error_messages={"does_not_exist": "No active jurisdiction has this id."},
    )

    class Meta:
        model = Meeting
        fields = MEETING_FIELDS + STAFF_ONLY_FIELDS
        read_only_fields = ["id", "created_at", "updated_at", "created_by"]
        extra_kwargs = {
            "time_zone": {
                "help_text": (
                    "The IANA zone the meeting's clock follows, e.g. America/Los_Angeles. Left out or blank on "
                    "create, it is found from the coordinates."
                )
            }
        }

    def to_internal_value(self, data: object) -> dict:
        with timezone.override(self._times_zone(data)):
            return super().to_internal_value(data)

    def _times_zone(self, data: object) -> zoneinfo.ZoneInfo:
        """The zone naive start and end times are read in: the one the meeting will have after
        this request (Meeting.zone_after, the rule validate() and save() apply)."""
        data = data if isinstance(data, Mapping) else {}
        sent = data.get("time_zone")
        meeting = self.instance if isinstance(self.instance, Meeting) else Meeting()
        return meeting.zone_after(
            sent if isinstance(sent, str) else None,
            coordinate_or_none(data.get("lat")),
            coordinate_or_none(data.get("lng")),
        )

    def validate(self, attrs: dict) -> dict:
        # The model's own rules (end after start, the unique QR code, the check constraints),
        # run on a copy so that a refused PATCH leaves the loaded instance untouched.
        candidate = copy.copy(self.instance) if self.instance is not None else Meeting()
        moved = any(field in attrs and attrs[field] != getattr(candidate, field) for field in ("lat", "lng"))
        if self.instance is not None and moved and "time_zone" not in attrs:
            attrs["time_zone"] = ""  # moved without a zone given: the new place's, found on save
        for field, value in attrs.items():
            if field != "kinds":  # a many-to-many, set once the meeting is saved
                setattr(candidate, field, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
        if "recurrence" in attrs:
            # As the model normalised it: "rrule:freq=weekly" is stored "FREQ=WEEKLY", null as "".
            attrs["recurrence"] = candidate.recurrence
        return attrs


@extend_schema_serializer(
    component_name="Meeting",
    description="A meeting as attendees and staff read it; `qr_code` and `created_by` only reach staff.",
)
class MeetingReadSchema(StaffMeetingSerializer):
    """For the OpenAPI document only: the one shape attendees and staff both read, in which
    the staff-only fields are optional (drf-spectacular would mark them required, as read-only
    fields). Two components under oneOf would not do: a staff meeting matches both."""

    qr_code = serializers.CharField(
        required=False, help_text="Staff only: the identifier printed in the meeting's QR code."
    )
    created_by = serializers.CharField(
        required=False, allow_null=True, help_text="Staff only: the id of the staff user who created the meeting."
    )
    jurisdiction_id = serializers.UUIDField(
        required=False, help_text="Staff only: whose attendance rules apply here (GET /api/v1/jurisdictions/)."
    )
    recurrence = RecurrenceField(read_only=True)
    kinds = kinds_field(read_only=True)

    class Meta(StaffMeetingSerializer.Meta):
        read_only_fields = [*MEETING_FIELDS]


class MeetingListQuery(serializers.Serializer):
    """The meeting list's query parameters."""

    lat = serializers.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        help_text="Latitude of the caller, in degrees. With `lng`: only meetings within `radius_km`, nearest first.",
    )
    lng = serializers.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        help_text="Longitude of the caller, in degrees. Required with `lat`.",
    )
    radius_km = serializers.FloatField(
        required=False,
        max_value=MAX_RADIUS_KM,
        help_text=(
            f"How far to look from (`lat`, `lng`), in kilometres: more than 0, at most {MAX_RADIUS_KM:g}. "
            f"Default {DEFAULT_RADIUS_KM:g}."
        ),
    )
    is_active = serializers.BooleanField(
        required=False,
        default=True,
        help_text="Staff only: `false` lists deactivated meetings instead of active ones. Attendees see active ones.",
    )
    kind = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=MeetingKind.objects.all(),
        required=False,
        help_text="Only meetings of this kind, by slug (GET /api/v1/meeting-kinds/), such as `aa`.",
        error_messages={"does_not_exist": "No meeting kind has the slug “{value}”."},
    )

    def validate_radius_km(self, value: float) -> float:
        if value <= 0:
            raise serializers.ValidationError("The radius must be more than 0 km.", code="min_value")
        return value

    def validate_is_active(self, value: bool) -> bool:
        if not value and not is_staff(self.context["request"].user):
            raise serializers.ValidationError("Only staff may list deactivated meetings.", code="permission_denied")
        return value

    def validate(self, attrs: dict) -> dict:
        errors = {}
        for given, missing in (("lat", "lng"), ("lng", "lat")):
            if given in attrs and missing not in attrs:
                errors[missing] = [f"Give `{missing}` together with `{given}`."]
        if "radius_km" in attrs and "lat" not in attrs and "lng" not in attrs:
            errors["radius_km"] = ["A radius needs a position: give `lat` and `lng` too."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


# --- Occurrences ----------------------------------------------------------------------------------

# GET .../occurrences/ without `to`: this long after `from`.
DEFAULT_OCCURRENCE_SPAN = dt.timedelta(days=30)
# At most a year (a leap year's) per call: 366 daily occurrences.
MAX_OCCURRENCE_SPAN = dt.timedelta(days=366)
# `from` and `to` stay this near today: a rule is expanded from the meeting's first occurrence,
# so a window in year 9000 would be millions of steps away (and past year 9999, no datetime).
MAX_YEARS_AWAY = 100


@extend_schema_field(OpenApiTypes.STR)
class MeetingMomentField(serializers.Field):
    """A query's moment at a meeting: an ISO 8601 date (the start of that day at the meeting,
    i.e. local midnight) or date-time; one without a UTC offset is the meeting's wall-clock time
    (`context["zone"]`), refused (400 naming the field) when a clock change skips or repeats it.
    Returns an aware datetime within MAX_YEARS_AWAY years of now."""

    default_error_messages = {
        "invalid": "Give an ISO 8601 date (2026-11-03) or date-time (2026-11-03T19:00:00-05:00).",
        "too_far": f"Give a time within {MAX_YEARS_AWAY} years of today.",
    }

    def to_internal_value(self, data: object) -> dt.datetime:
        zone = self.context["zone"]
        if not isinstance(data, str):
            self.fail("invalid")
        text = data.strip()
        try:
            day = parse_date(text)
            moment = None if day is not None else parse_datetime(text)
        except ValueError:  # well-formed but impossible, such as 2026-02-30
            self.fail("invalid")
        if moment is None and day is None:
            self.fail("invalid")
        if abs((day or moment.date()) - timezone.now().date()) > dt.timedelta(days=365 * MAX_YEARS_AWAY):
            self.fail("too_far")  # before any conversion: near year 1 or 9999 a local time overflows
        if day is not None:
            # Midnight on the clock of the meeting; where a clock change skips it, the first moment of the day.
            return to_instant(dt.datetime.combine(day, dt.time()), zone)
        try:
            return aware_from_local(moment, zone)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages, code=error.code) from None

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class OccurrencesQuery(serializers.Serializer):
    """`?from=&to=` of GET /meetings/<id>/occurrences/, read at the meeting (`context["zone"]`).
    validated_data is {"from": aware datetime, "to": aware datetime}, defaults applied."""

    def get_fields(self) -> dict[str, serializers.Field]:
        # "from" is a Python keyword, so the fields cannot be class attributes.
        return {
            "from": MeetingMomentField(
                required=False,
                help_text=(
                    "The start of the window: an ISO 8601 date (midnight at the meeting) or date-time. Without "
                    "a UTC offset it is the meeting's local time, refused where a clock change skips or repeats "
                    "it; percent-encode a `+` offset as `%2B`. Default: now."
                ),
            ),
            "to": MeetingMomentField(
                required=False,
                help_text=(
                    "The end of the window (exclusive), read as `from` is: after `from` and at most 366 days "
                    f"after it. Default: {DEFAULT_OCCURRENCE_SPAN.days} days after `from`."
                ),
            ),
        }

    def validate(self, attrs: dict) -> dict:
        start = attrs.get("from") or timezone.now()
        end = attrs.get("to") or start + DEFAULT_OCCURRENCE_SPAN
        if end <= start:
            raise serializers.ValidationError({"to": ["`to` must be after `from`."]})
        if end - start > MAX_OCCURRENCE_SPAN:
            raise serializers.ValidationError(
                {"to": [f"Ask for at most {MAX_OCCURRENCE_SPAN.days} days at a time (`to` minus `from`)."]}
            )
        return {"from": start, "to": end}


class OccurrenceSerializer(serializers.Serializer):
    """One occurrence of a meeting, its times with the UTC offset the meeting's zone has then."""

    # Serializes a meetings.occurrences.Occurrence under timezone.override(meeting.zone), which
    # gives the times their local offset; `reason` only with context["staff"].

    start = serializers.DateTimeField(help_text="When it starts, with the offset of the meeting's zone that day.")
    end = serializers.DateTimeField(
        allow_null=True, help_text="When it ends, likewise; null for a meeting without an end time."
    )
    cancelled = serializers.BooleanField(help_text="Staff cancelled it: it does not take place.")
    reason = serializers.CharField(
        allow_null=True,
        required=False,
        help_text="Staff only: why it was cancelled; null when it was not.",
    )

    def to_representation(self, occurrence: Occurrence) -> dict:
        data = super().to_representation(occurrence)
        if self.context.get("staff"):
            data["reason"] = occurrence.reason if occurrence.cancelled else None
        else:
            data.pop("reason", None)
        return data


class OccurrencesSerializer(serializers.Serializer):
    """A meeting's occurrences in a window, in its time zone."""

    time_zone = serializers.CharField(help_text="The meeting's IANA zone, whose offsets the times carry.")
    results = OccurrenceSerializer(many=True, help_text="The occurrences starting in [from, to), in order.")


class CancelOccurrenceSerializer(serializers.Serializer):
    """Which occurrence does not take place, and why."""

    # Parsing only: the rules (a reason of 1 to 500 characters, a date the meeting meets) are
    # meetings.services.cancel_occurrence's, whose ScheduleError api.common answers.

    date = serializers.DateField(help_text="The occurrence's date at the meeting (its local date), e.g. 2026-11-03.")
    reason = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text="Why it does not take place, 1 to 500 characters; kept as evidence. Shown to staff only.",
    )


class CancellationSerializer(serializers.ModelSerializer):
    """A cancelled occurrence, as staff read it."""

    class Meta:
        model = CancelledOccurrence
        fields = ["date", "reason", "cancelled_by", "created_at"]
        read_only_fields = fields
        extra_kwargs = {"cancelled_by": {"help_text": "The id of the staff user who cancelled it."}}


class AttendeesReadStaffManage(BasePermission):
    """Attendees may read meetings; staff need the model permission for what they do."""

    message = "Attendees may only look meetings up; managing them is for staff."

    def has_permission(self, request: Request, view: object) -> bool:
        if is_attendee(request.user):
            return request.method in SAFE_METHODS
        return StaffModelPermissions().has_permission(request, view)


class StaffMayChange(StaffModelPermissions):
    """For actions that change an existing meeting, which DRF would map to `add` (POST) or
    `delete` (DELETE of a part of it, such as a cancellation)."""

    perms_map = {
        **StaffModelPermissions.perms_map,
        "POST": ["%(app_label)s.change_%(model_name)s"],
        "DELETE": ["%(app_label)s.change_%(model_name)s"],
    }


NOT_FOUND = OpenApiResponse(description="No such meeting (or, for attendees, no such active meeting).")
# ScheduleError answers (meetings.services): `code` and `field`, the request field at fault.
CANCEL_REFUSED = OpenApiResponse(
    description="Invalid input (`invalid`, naming the fields), or `reason_required` (no reason, or longer than "
    "500 characters) or `no_occurrence` (the meeting does not meet on `date`), with `field`."
)
ALREADY_CANCELLED = OpenApiResponse(description="`already_cancelled`: that occurrence is cancelled already.")
NOT_CANCELLED = OpenApiResponse(
    description="No such meeting, or `not_cancelled`: no occurrence of it is cancelled on that date."
)
# Actions that change an existing meeting: the change permission, whatever their method.
CHANGING_ACTIONS = {"rotate_qr", "cancel_occurrence", "restore_occurrence"}


@extend_schema_view(
    retrieve=extend_schema(
        summary="A meeting",
        description="Attendees can read active meetings only; staff can read any, to reactivate it with PATCH.",
        responses={200: MeetingReadSchema, 404: NOT_FOUND},
    ),
    create=extend_schema(
        summary="Create a meeting (staff)",
        description="A random, URL-safe `qr_code` is generated unless one is given.",
        request=StaffMeetingSerializer,
        responses={201: StaffMeetingSerializer, 400: INVALID, 403: STAFF_ONLY},
    ),
    partial_update=extend_schema(
        summary="Change a meeting (staff)",
        description="`is_active: true` reactivates a deactivated meeting.",
        request=StaffMeetingSerializer,
        responses={200: StaffMeetingSerializer, 400: INVALID, 403: STAFF_ONLY, 404: NOT_FOUND},
    ),
    destroy=extend_schema(
        summary="Deactivate a meeting (staff)",
        description=(
            "Sets `is_active` to false; the meeting is kept, as its sessions are evidence. "
            "Attendees stop seeing it and its QR code stops working."
        ),
        responses={204: None, 403: STAFF_ONLY, 404: NOT_FOUND},
    ),
)
class MeetingViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Attendees read active meetings; staff with model permissions manage them.

    DELETE deactivates: sessions refer to meetings, and a meeting's history is evidence.
    """

    permission_classes = [AttendeesReadStaffManage]
    # The list's query parameters are validated by MeetingListQuery, not a filter backend.
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> MeetingQuerySet:
        meetings = Meeting.objects.all()
        if not is_staff(self.request.user):
            meetings = meetings.active()
        # NULLs last on every database (SQLite and PostgreSQL disagree by default); the id
        # makes pages stable when names and times tie.
        meetings = meetings.prefetch_related("cancellations", "kinds")  # cancelled_dates, kinds
        return meetings.order_by(F("start_time").asc(nulls_last=True), "name", "id")

    def get_serializer_class(self) -> type[serializers.ModelSerializer]:
        return StaffMeetingSerializer if is_staff(self.request.user) else AttendeeMeetingSerializer

    def get_object(self) -> Meeting:
        # api.common.exception_handler reads `get_codes()` off the exception, which
        # Django's Http404 lacks, so a 404 must be raised as DRF's own NotFound.
        try:
            return super().get_object()
        except Http404:
            raise NotFound("No such meeting.") from None

    def get_permissions(self) -> list[BasePermission]:
        if self.action in CHANGING_ACTIONS:
            return [StaffMayChange()]
        return super().get_permissions()

    @extend_schema(
        summary="Active meetings, or those near a position",
        description=(
            "Without a position: active meetings by start time, then name; `distance_m` is null. "
            "With `lat` and `lng`: only meetings within `radius_km` (default "
            f"{DEFAULT_RADIUS_KM:g} km), nearest first, each with `distance_m`."
        ),
        parameters=[MeetingListQuery],
        responses={200: MeetingReadSchema(many=True), 400: INVALID, 404: PAST_THE_LAST_PAGE},
    )
    def list(self, request: Request) -> Response:
        query = MeetingListQuery(data=request.query_params.dict(), context={"request": request})
        query.is_valid(raise_exception=True)
        params = query.validated_data
        meetings = self.get_queryset().filter(is_active=params["is_active"])
        if "kind" in params:
            meetings = meetings.filter(kinds=params["kind"])
        if "lat" in params:
            meetings = meetings.near(params["lat"], params["lng"], params.get("radius_km", DEFAULT_RADIUS_KM))
        page = self.paginate_queryset(meetings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="The active meeting with this QR code",
        description="What a phone asks after scanning a poster. Deactivated meetings and replaced codes: 404.",
        parameters=[OpenApiParameter("qr_code", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: MeetingReadSchema, 404: OpenApiResponse(description="No active meeting has this QR code.")},
    )
    @action(detail=False, methods=["get"], url_path=r"qr/(?P<qr_code>[^/]+)")
    def qr(self, request: Request, qr_code: str) -> Response:
        meeting = Meeting.objects.active().filter(qr_code=qr_code).first()
        if meeting is None:
            raise NotFound("No active meeting has this QR code.")
        return Response(self.get_serializer(meeting).data)

    @extend_schema(
        summary="Replace a meeting's QR code (staff)",
        description="Posters printed with the old code stop working at once. Needs the change permission.",
        request=None,
        responses={200: StaffMeetingSerializer, 403: STAFF_ONLY, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"], url_path="rotate-qr")
    def rotate_qr(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        meeting.rotate_qr_code()
        return Response(self.get_serializer(meeting).data)

    @extend_schema(
        summary="When a meeting takes place",
        description=(
            "The occurrences starting in [`from`, `to`): one for a meeting without `recurrence`, none for one "
            "without a `start_time`, cancelled ones included and marked. Times carry the UTC offset of the "
            "meeting's `time_zone` on that day, so a weekly 19:00 stays 19:00 across clock changes. "
            f"Without `from`: now; without `to`: {DEFAULT_OCCURRENCE_SPAN.days} days after `from`; "
            f"at most {MAX_OCCURRENCE_SPAN.days} days per call."
        ),
        parameters=[OccurrencesQuery],
        responses={200: OccurrencesSerializer, 400: INVALID, 403: STAFF_ONLY, 404: NOT_FOUND},
        filters=False,
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def occurrences(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        query = OccurrencesQuery(data=request.query_params.dict(), context={"zone": meeting.zone})
        query.is_valid(raise_exception=True)
        window = query.validated_data
        found = occurrences(meeting, window["from"], window["to"])
        body = OccurrencesSerializer(
            {"time_zone": str(meeting.zone), "results": found}, context={"staff": is_staff(request.user)}
        )
        with timezone.override(meeting.zone):
            return Response(body.data)

    @extend_schema(
        summary="Cancel one occurrence (staff)",
        description=(
            "The meeting does not take place on `date` (its local date). It stays in the occurrences, marked "
            "cancelled, and in `cancelled_dates`. Needs the change permission."
        ),
        request=CancelOccurrenceSerializer,
        responses={
            201: CancellationSerializer,
            400: CANCEL_REFUSED,
            403: STAFF_ONLY,
            404: NOT_FOUND,
            409: ALREADY_CANCELLED,
        },
    )
    @action(detail=True, methods=["post"], url_path="cancellations", url_name="cancellations")
    def cancel_occurrence(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        form = CancelOccurrenceSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        cancellation = cancel_occurrence(
            meeting, form.validated_data["date"], form.validated_data["reason"], by=str(request.user.pk)
        )
        return Response(CancellationSerializer(cancellation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take back a cancellation (staff)",
        description="The occurrence on `date` takes place after all; the cancellation stays in the history. "
        "Needs the change permission.",
        parameters=[
            OpenApiParameter("date", OpenApiTypes.DATE, OpenApiParameter.PATH, description="The cancelled date.")
        ],
        responses={204: None, 403: STAFF_ONLY, 404: NOT_CANCELLED},
    )
    @action(detail=True, methods=["delete"], url_path=r"cancellations/(?P<date>[^/]+)", url_name="cancellation")
    def restore_occurrence(self, request: Request, pk: str, date: str) -> Response:
        meeting = self.get_object()
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            raise NotFound("No occurrence is cancelled on that date.", code="not_cancelled") from None
        restore_occurrence(meeting, day)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer: StaffMeetingSerializer) -> None:
        serializer.save(created_by=str(self.request.user.pk))

    def perform_destroy(self, instance: Meeting) -> None:
        instance.set_active(False)


# --- Kinds ----------------------------------------------------------------------------------------


class MeetingKindSerializer(serializers.ModelSerializer):
    """A kind of meeting, as `kinds` and `?kind=` name it."""

    class Meta:
        model = MeetingKind
        fields = ["slug", "label", "description"]
        read_only_fields = fields


class AttendeesAndStaff(BasePermission):
    """Any attendee or staff member, whatever their model permissions: the list of kinds is
    the vocabulary of `kinds`, not data about anyone."""

    message = "This endpoint is for attendees and staff."

    def has_permission(self, request: Request, view: object) -> bool:
        return is_attendee(request.user) or is_staff(request.user)


class MeetingKindViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The active kinds of meeting."""

    permission_classes = [AttendeesAndStaff]
    serializer_class = MeetingKindSerializer
    filter_backends = []

    def get_queryset(self) -> MeetingKindQuerySet:
        return MeetingKind.objects.active().order_by("label", "slug")

    @extend_schema(
        summary="The kinds of meeting",
        description="The active kinds, by label: the slugs a meeting's `kinds` and the meeting list's `?kind=` take.",
        responses={200: MeetingKindSerializer(many=True), 404: PAST_THE_LAST_PAGE},
    )
    def list(self, request: Request) -> Response:
        return super().list(request)
