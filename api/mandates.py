"""Mandates over the API (README: "Mandates and compliance"): staff keep court orders and read
how each is being met; an attendee reads their own progress (GET /api/v1/me/mandates/).

Every write goes through mandates.services, which may refuse it with a MandateError: 400 with
`code` and the request `field` at fault (`invalid_count` on `required_count`,
`rolling_days_required` on `rolling_days`, ...), 409 `period_passed` (or `report_issued`) for a DELETE once one of
the mandate's periods has ended (end it early instead: POST .../end/).

Dates are local dates in the mandate's zone (its jurisdiction's), ISO 8601, both ends
included: a period's `end` is its last day.
"""

import datetime as dt
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import IsAttendee, StaffModelPermissions, is_staff
from api.attendance import NamedChoiceField, named_enum, uuid_reference
from api.common import PAST_THE_LAST_PAGE, STAFF_ONLY
from api.filters import CaseManagerFilter
from api.meetings import StaffMayChange
from contacts.models import Contact
from mandates import services
from mandates.models import Mandate, Period
from mandates.progress import NextMeeting, Progress, progress_of
from mandates.queries import Standing, compliance_of, current_periods, standings, status_filter, with_status
from mandates.services import MandateError, Terms
from mandates.status import MandateStatus, PeriodStatus
from meetings.models import Meeting, MeetingKind
from policies.models import Jurisdiction

# The service's bounds (mandates.services), so that the API's schema states them.
EARLIEST_DAY, LATEST_DAY, MAX_COUNT = services.EARLIEST, services.LATEST, services.MAX_COUNT


@named_enum("MandatePeriodKind", Period.choices)
class PeriodField(NamedChoiceField):
    choice_set = Period.choices


@named_enum("MandateStatus", MandateStatus.choices)
class MandateStatusField(NamedChoiceField):
    choice_set = MandateStatus.choices


@named_enum("PeriodStatus", PeriodStatus.choices)
class PeriodStatusField(NamedChoiceField):
    choice_set = PeriodStatus.choices


class MandateDateField(serializers.DateField):
    """An ISO 8601 date (2026-12-01) from 1970 to 2999."""

    default_error_messages = {"out_of_range": "Give a date from 1970-01-01 to 2999-12-31."}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=["iso-8601"], **kwargs)

    def to_internal_value(self, value: object) -> dt.date:
        day = super().to_internal_value(value)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.fail("out_of_range")
        return day


@extend_schema_field(serializers.CharField())
class MandateKindSlugField(serializers.SlugRelatedField):
    """A qualifying kind of meeting, by slug: an active kind, or one the mandate has already."""

    default_error_messages = {
        "does_not_exist": "No active meeting kind has the slug “{value}”.",
        "invalid": "Give a kind's slug, such as “aa”.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="slug", **kwargs)

    def to_internal_value(self, data: object) -> MeetingKind:
        # PostgreSQL cannot compare text holding NUL: refused here, not as a 500 from the query.
        if not isinstance(data, str) or "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)

    def get_queryset(self) -> QuerySet[MeetingKind]:
        kinds = MeetingKind.objects.all()
        mandate = self.root.instance if isinstance(self.root.instance, Mandate) else None
        if mandate is None:
            return kinds.filter(is_active=True)
        own = mandate.kind_links.values("kind_id")
        return kinds.filter(is_active=True) | kinds.filter(pk__in=own)


@extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
class MeetingIdsField(serializers.ManyRelatedField):
    """Meetings by id (a list of UUIDs); an unknown or malformed one is a field error."""

    def __init__(self, **kwargs: Any) -> None:
        child = uuid_reference(
            Meeting.objects.all(), error_messages={"does_not_exist": "No meeting has the id “{pk_value}”."}
        )
        super().__init__(child_relation=child, **kwargs)


# --- Shapes ---------------------------------------------------------------------------------------


class PeriodSerializer(serializers.Serializer):
    """One period with its figures and status (mandates.status gives the definitions)."""

    start = serializers.DateField(source="starts_on", help_text="Its first day, in the mandate's zone.")
    end = serializers.DateField(source="ends_on", help_text="Its last day (included), in the mandate's zone.")
    required = serializers.IntegerField(
        help_text="Attended sessions required in it (a period cut short by the mandate's end: its share)."
    )
    attended = serializers.IntegerField(help_text="Qualifying sessions attended in it so far.")
    status = PeriodStatusField(
        help_text="`upcoming` (not started), `met` (attended >= required), `missed` (over, below the requirement), "
        "`on_track` (running, at or above floor(required x share elapsed)), `behind` (running, below that line)."
    )


class CompliancePeriodSerializer(PeriodSerializer):
    session_ids = serializers.ListField(
        child=serializers.UUIDField(), help_text="The sessions counted in it (GET /api/v1/sessions/<id>/)."
    )


class MandateSerializer(serializers.Serializer):
    """A court order for a contact, as stored, with its requirement in words, status and current
    period. The write fields are those of MandateWriteSerializer."""

    id = serializers.UUIDField()
    contact_id = serializers.UUIDField()
    case_number = serializers.CharField(help_text="The case or docket number, as the order gives it.")
    jurisdiction_id = serializers.UUIDField(help_text="The ordering authority (GET /api/v1/jurisdictions/).")
    jurisdiction_name = serializers.CharField(source="jurisdiction.name")
    required_count = serializers.IntegerField(help_text="Attended sessions required per period.")
    period = PeriodField(
        help_text="`week`: consecutive 7-day periods from `starts_on`; `month`: from `starts_on`'s day of the month; "
        "`whole`: one period; `rolling`: any `rolling_days` consecutive days must hold `required_count`."
    )
    rolling_days = serializers.IntegerField(allow_null=True, help_text="For `rolling`: the window in days; else null.")
    meeting_kinds = serializers.SerializerMethodField(
        help_text="The slugs of the kinds of meeting that qualify (GET /api/v1/meeting-kinds/)."
    )
    meeting_ids = serializers.SerializerMethodField(
        help_text="The meetings that qualify by name. With `meeting_kinds` empty too: any meeting qualifies."
    )
    starts_on = serializers.DateField(help_text="The first day, in the mandate's zone.")
    ends_on = serializers.DateField(help_text="The last day (included), in the mandate's zone.")
    notes = serializers.CharField()
    requirement = serializers.CharField(help_text="In words: “3 meetings per week”, “12 meetings in any 30 days”.")
    status = MandateStatusField(
        help_text="Now: `non_compliant` (a period was missed), `completed` (over, every period met), `at_risk` "
        "(none missed, a running period behind), `compliant` (otherwise, including before it starts)."
    )
    current = serializers.SerializerMethodField(
        help_text="The period running now (rolling: the running window in the worst state); null when none runs."
    )
    time_zone = serializers.CharField(help_text="The zone its dates are counted in (IANA name).")
    ended_on = serializers.DateField(allow_null=True, help_text="When ended early: the last day it ran; else null.")
    end_reason = serializers.CharField(help_text="When ended early: why; else empty.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_meeting_kinds(self, mandate: Mandate) -> list[str]:
        return sorted(kind.slug for kind in mandate.meeting_kinds.all())

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_meeting_ids(self, mandate: Mandate) -> list[str]:
        return sorted(str(link.meeting_id) for link in mandate.meeting_links.all())

    @extend_schema_field(PeriodSerializer(allow_null=True))
    def get_current(self, mandate: Mandate) -> dict | None:
        found = self.context.get("current")
        if found is None:
            found = current_periods([mandate])
        period = found.get(mandate.pk)
        return None if period is None else PeriodSerializer(period).data


class MandateWriteSerializer(serializers.Serializer):
    """A mandate's terms. On PATCH, the fields left out keep their values; `contact_id` cannot
    change (a mandate entered for the wrong person is deleted, or ended early)."""

    contact_id = uuid_reference(
        Contact.objects.all(),
        source="contact",
        help_text="The contact the order is for (GET /api/v1/contacts/).",
        error_messages={"does_not_exist": "No contact has this id."},
    )
    case_number = serializers.CharField(
        max_length=100, allow_blank=True, trim_whitespace=False, help_text="The case or docket number."
    )
    jurisdiction_id = uuid_reference(
        Jurisdiction.objects.all(),
        source="jurisdiction",
        required=False,
        allow_null=True,
        help_text="The ordering authority, whose zone the dates are counted in. Left out or null: the default "
        "jurisdiction.",
        error_messages={"does_not_exist": "No jurisdiction has this id."},
    )
    required_count = serializers.IntegerField(
        max_value=MAX_COUNT, help_text="Attended sessions required per period: at least 1."
    )
    period = PeriodField(help_text="`week`, `month`, `whole` (the whole mandate) or `rolling` (with `rolling_days`).")
    rolling_days = serializers.IntegerField(
        required=False,
        allow_null=True,
        max_value=MAX_COUNT,
        help_text="For `rolling` only (required then): N meetings in any `rolling_days` days, no longer than "
        "the mandate.",
    )
    meeting_kinds = MandateKindSlugField(
        many=True, required=False, help_text='Slugs of the kinds that qualify, such as ["aa", "na"].'
    )
    meeting_ids = MeetingIdsField(
        source="meetings",
        required=False,
        help_text="Meetings that qualify by name. Both this and `meeting_kinds` empty: any meeting qualifies.",
    )
    starts_on = MandateDateField(help_text="The first day (ISO 8601), in the mandate's zone.")
    ends_on = MandateDateField(help_text="The last day (ISO 8601, included), in the mandate's zone.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000, help_text="For staff.")

    def validate_contact_id(self, contact: Contact) -> Contact:
        if self.instance is not None and contact.pk != self.instance.contact_id:
            raise serializers.ValidationError("A mandate's contact cannot change.", code="invalid")
        return contact

    def terms(self) -> Terms:
        """The terms given, the mandate's own for those left out (PATCH)."""
        given = self.validated_data
        mandate = self.instance
        if mandate is None:
            kinds, meetings = [], []
            old: dict[str, Any] = {"rolling_days": None, "jurisdiction": None, "notes": ""}
        else:
            kinds, meetings = list(mandate.meeting_kinds.all()), list(mandate.meetings.all())
            old = {name: getattr(mandate, name) for name in Terms.__dataclass_fields__ if hasattr(mandate, name)}
        values = {**old, **{name: given[name] for name in given if name in Terms.__dataclass_fields__}}
        if "period" in given and given["period"] != Period.ROLLING and "rolling_days" not in given:
            values["rolling_days"] = None  # a rolling order amended to another period drops its window
        values["kinds"] = given.get("meeting_kinds", kinds)
        values["meetings"] = given.get("meetings", meetings)
        return Terms(**values)


class EndSerializer(serializers.Serializer):
    last_day = MandateDateField(help_text="The last day it runs (ISO 8601, in the mandate's zone), included.")
    reason = serializers.CharField(
        allow_blank=True, max_length=2000, help_text="Why it ends early (case dismissed, order vacated, ...)."
    )


class ComplianceSerializer(serializers.Serializer):
    """A mandate's status with its periods. A rolling mandate lists its worst window."""

    mandate_id = serializers.UUIDField(source="mandate.pk")
    case_number = serializers.CharField(source="mandate.case_number")
    requirement = serializers.CharField(source="mandate.requirement")
    status = MandateStatusField(help_text="As the mandate's `status`.")
    time_zone = serializers.CharField(source="mandate.zone.key", help_text="The zone of the periods' dates.")
    current = PeriodSerializer(allow_null=True, help_text="The period running now; null when none runs.")
    periods = CompliancePeriodSerializer(many=True)


class ContactComplianceSerializer(serializers.Serializer):
    contact_id = serializers.UUIDField()
    mandates = ComplianceSerializer(many=True, help_text="Every mandate of the contact, newest first.")


class NextMeetingSerializer(serializers.Serializer):
    name = serializers.CharField(source="meeting.name")
    starts_at = serializers.SerializerMethodField(help_text="ISO 8601 with the meeting's UTC offset.")
    label = serializers.SerializerMethodField(help_text="“Thursday 7:00 pm PST”, at the meeting's place.")

    def get_starts_at(self, found: NextMeeting) -> str:
        return found.occurrence.local_start.isoformat()

    def get_label(self, found: NextMeeting) -> str:
        return found.label(self.context["now"])


class MyMandateSerializer(serializers.Serializer):
    """One of the attendee's running or upcoming mandates, in figures and plain words."""

    id = serializers.UUIDField(source="mandate.pk")
    case_number = serializers.CharField(source="mandate.case_number")
    requirement = serializers.CharField(source="mandate.requirement", help_text="“3 meetings per week”.")
    starts_on = serializers.DateField(source="mandate.starts_on")
    ends_on = serializers.DateField(source="mandate.last_day", help_text="Its last day, included.")
    status = MandateStatusField()
    status_words = serializers.CharField(source="standing", help_text="The status in plain words.")
    current = PeriodSerializer(allow_null=True, help_text="The period running now (rolling: the last N days).")
    summary = serializers.CharField(help_text="“This week: 2 of 3 meetings.”")
    next_meeting = NextMeetingSerializer(
        allow_null=True, help_text="The next qualifying meeting in the coming two weeks, if one is known."
    )


# --- Filters --------------------------------------------------------------------------------------


class MandateFilter(django_filters.FilterSet):
    contact = django_filters.UUIDFilter(field_name="contact", help_text="Only this contact's mandates.")
    status = django_filters.ChoiceFilter(
        choices=MandateStatus.choices, method="by_status", help_text="Only mandates in this status now."
    )
    case_number = django_filters.CharFilter(help_text="Only mandates with this case or docket number (exactly).")
    case_manager = CaseManagerFilter(
        field_name="contact__case_manager",
        help_text="Only the mandates of contacts assigned to this case manager: `me` (the caller) or a staff "
        "user's id.",
    )

    class Meta:
        model = Mandate
        fields = ["contact", "status", "case_number", "case_manager"]

    def by_status(self, queryset: QuerySet[Mandate], name: str, value: str) -> QuerySet[Mandate]:
        return queryset.filter(status_filter(value, timezone.now()))


# --- Views ----------------------------------------------------------------------------------------

NOT_FOUND = OpenApiResponse(description="No such mandate (`not_found`).")
REFUSED = OpenApiResponse(
    description="Invalid input (`invalid`, naming the fields), or terms refused by the rules, with `field`: "
    "`invalid_case_number`, `invalid_count`, `invalid_period`, `invalid_dates`, `too_long`, "
    "`rolling_days_required`, `rolling_days_not_allowed`, `window_too_long`."
)


class StaffMayReadCompliance(BasePermission):
    """Staff who may view both contacts and mandates."""

    message = "A contact's compliance is for staff who may view contacts and mandates."

    def has_permission(self, request: Request, view: object) -> bool:
        user = request.user
        return is_staff(user) and user.has_perms(["contacts.view_contact", "mandates.view_mandate"])


@extend_schema_view(
    list=extend_schema(
        summary="List mandates",
        responses={
            200: MandateSerializer(many=True),
            400: OpenApiResponse(description="An invalid filter (`invalid`, naming it)."),
            403: STAFF_ONLY,
            404: PAST_THE_LAST_PAGE,
        },
    ),
    retrieve=extend_schema(summary="A mandate", responses={200: MandateSerializer, 403: STAFF_ONLY, 404: NOT_FOUND}),
)
class MandateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Court orders (staff, with the mandates model permissions). Newest first."""

    serializer_class = MandateSerializer
    permission_classes = [StaffModelPermissions]
    filter_backends = [DjangoFilterBackend]
    filterset_class = MandateFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self) -> list[BasePermission]:
        if self.action == "end":
            return [StaffMayChange()]
        return super().get_permissions()

    def get_queryset(self) -> QuerySet[Mandate]:
        mandates = Mandate.objects.select_related("jurisdiction").prefetch_related("meeting_kinds", "meeting_links")
        return with_status(mandates, timezone.now()).order_by("-starts_on", "case_number", "pk")

    def get_object(self) -> Mandate:
        try:
            return super().get_object()
        except Http404:
            raise NotFound("No such mandate.") from None

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = {**self.get_serializer_context(), "current": current_periods(page)}
        return self.get_paginated_response(MandateSerializer(page, many=True, context=context).data)

    def _answer(self, mandate: Mandate, answer_status: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=mandate.pk)
        return Response(MandateSerializer(fresh, context=self.get_serializer_context()).data, status=answer_status)

    @extend_schema(
        summary="Create a mandate",
        request=MandateWriteSerializer,
        responses={201: MandateSerializer, 400: REFUSED, 403: STAFF_ONLY},
    )
    def create(self, request: Request) -> Response:
        form = MandateWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        mandate = services.create(form.validated_data["contact"], form.terms(), by=request.user)
        return self._answer(mandate, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a mandate",
        description="An amended order: the fields given replace the mandate's; its periods are judged again.",
        request=MandateWriteSerializer(partial=True),
        responses={200: MandateSerializer, 400: REFUSED, 403: STAFF_ONLY, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        mandate = self.get_object()
        form = MandateWriteSerializer(mandate, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        return self._answer(services.change(mandate, form.terms(), by=request.user))

    @extend_schema(
        summary="Delete a mandate entered by mistake",
        responses={
            204: None,
            403: STAFF_ONLY,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`period_passed`: a period has ended, or `report_issued`: a court report was issued "
                "for it; end it early instead."
            ),
        },
    )
    def destroy(self, request: Request, pk: str) -> Response:
        services.delete(self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="End a mandate early",
        request=EndSerializer,
        responses={
            200: MandateSerializer,
            400: OpenApiResponse(
                description="Invalid input (`invalid`), or `reason_required` (`field`: `reason`), "
                "`end_outside_dates` or `already_ended` (`field`: `last_day`)."
            ),
            403: STAFF_ONLY,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def end(self, request: Request, pk: str) -> Response:
        """The case was dismissed, the order vacated or transferred: the mandate's periods stop
        after `last_day`, a period cut short requiring its share."""
        mandate = self.get_object()
        form = EndSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            ended = services.end_early(mandate, **form.validated_data, by=request.user)
        except MandateError as error:
            # The field as the request names it.
            field = "last_day" if error.field == "ended_on" else error.field
            raise MandateError(error.code, error.detail, field) from None
        return self._answer(ended)

    @extend_schema(
        summary="A mandate's compliance",
        responses={200: ComplianceSerializer, 403: STAFF_ONLY, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compliance(self, request: Request, pk: str) -> Response:
        """Its status and every period (a rolling mandate: its worst window) with the sessions
        counted in each, and the period running now."""
        return Response(ComplianceSerializer(compliance_of(self.get_object())).data)


class ContactComplianceView(APIView):
    permission_classes = [StaffMayReadCompliance]

    @extend_schema(
        summary="A contact's compliance with all their mandates",
        responses={
            200: ContactComplianceSerializer,
            403: OpenApiResponse(description="An attendee, or staff who may not view contacts and mandates."),
            404: OpenApiResponse(description="No such contact (`not_found`)."),
        },
    )
    def get(self, request: Request, pk: str) -> Response:
        """Each mandate of the contact as GET /api/v1/mandates/<id>/compliance/ gives it, newest first."""
        contact = get_object_or_404(Contact.objects.all(), pk=pk)
        mandates = Mandate.objects.filter(contact=contact).select_related("jurisdiction")
        mandates = mandates.prefetch_related("kind_links", "meeting_links").order_by("-starts_on", "case_number", "pk")
        found: list[Standing] = standings(list(mandates))
        return Response(ContactComplianceSerializer({"contact_id": contact.pk, "mandates": found}).data)


class MyMandatesView(APIView):
    permission_classes = [IsAttendee]

    @extend_schema(
        summary="The attendee's mandates and their progress",
        responses={
            200: MyMandateSerializer(many=True),
            403: OpenApiResponse(description="Not an attendee's token (`permission_denied`)."),
        },
    )
    def get(self, request: Request) -> Response:
        """The attendee's running and upcoming mandates, soonest first: how the current period
        stands (“This week: 2 of 3 meetings.”) and the next meeting that counts."""
        now = timezone.now()
        found: list[Progress] = progress_of(request.user.contact, now)
        return Response(MyMandateSerializer(found, many=True, context={"now": now}).data)
