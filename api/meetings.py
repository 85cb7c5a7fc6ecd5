"""Meetings over the API: attendees find them (nearby, by QR code); staff manage them.

Attendees and staff get different serializers: an attendee must never learn a meeting's
`qr_code`, or they could "scan" a poster without standing in front of it.
"""

import copy
import zoneinfo
from collections.abc import Mapping

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from access.permissions import StaffModelPermissions, is_attendee, is_staff
from api.common import INVALID, PAST_THE_LAST_PAGE, STAFF_ONLY
from core.geo import coordinate_or_none
from core.races import SerialSaveSerializerMixin
from core.timezones import LocalTimesSerializerMixin
from meetings.models import Meeting, MeetingQuerySet

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
    "is_active",
    "created_at",
    "updated_at",
    "distance_m",
]
STAFF_ONLY_FIELDS = ["qr_code", "created_by"]


def distance_field() -> serializers.FloatField:
    return serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text=(
            "Metres from the position given by `?lat=&lng=` in the meeting list, nearest first. "
            "null when no position was given, and always null outside the list."
        ),
    )


class AttendeeMeetingSerializer(serializers.ModelSerializer):
    """What an attendee sees of a meeting: everything but its QR code and who created it."""

    distance_m = distance_field()

    class Meta:
        model = Meeting
        fields = MEETING_FIELDS
        read_only_fields = fields


class StaffMeetingSerializer(SerialSaveSerializerMixin, LocalTimesSerializerMixin, serializers.ModelSerializer):
    """A meeting as staff read and write it, QR code included. Times without a UTC offset are
    the meeting's local time (in `time_zone`, or the zone at its coordinates), refused when a
    clock change skips or repeats them there."""

    distance_m = distance_field()
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
            setattr(candidate, field, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(serializers.as_serializer_error(error)) from error
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


class AttendeesReadStaffManage(BasePermission):
    """Attendees may read meetings; staff need the model permission for what they do."""

    message = "Attendees may only look meetings up; managing them is for staff."

    def has_permission(self, request: Request, view: object) -> bool:
        if is_attendee(request.user):
            return request.method in SAFE_METHODS
        return StaffModelPermissions().has_permission(request, view)


class StaffMayChange(StaffModelPermissions):
    """For POST actions that change an existing meeting, which DRF would map to `add`."""

    perms_map = {**StaffModelPermissions.perms_map, "POST": ["%(app_label)s.change_%(model_name)s"]}


NOT_FOUND = OpenApiResponse(description="No such meeting (or, for attendees, no such active meeting).")


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
        if self.action == "rotate_qr":
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

    def perform_create(self, serializer: StaffMeetingSerializer) -> None:
        serializer.save(created_by=str(self.request.user.pk))

    def perform_destroy(self, instance: Meeting) -> None:
        instance.set_active(False)
