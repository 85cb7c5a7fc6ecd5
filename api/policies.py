"""Jurisdictions and their policy versions over the API. Every rule is in policies.services.

Staff read them (the rules a meeting's attendance is judged by); only superusers create a
jurisdiction or publish a version, which policies.services.publish does and may refuse with a
PolicyError (`effective_in_past`, `not_after_latest`, `invalid_rule`, each naming its `field`).
Versions are never changed or deleted: a change of rule is a new version.

Durations are integer seconds, in fields named after the rule with an `_s` suffix
(`check_in_opens_before_s: 1800` is 30 minutes): numbers every client reads alike, where ISO 8601
durations would need a parser. Distances are metres (`_m`), as the rules' own names say.
"""

import datetime as dt
from typing import Any

from django.db.models import DurationField, Prefetch, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from access.permissions import is_staff
from api.attendance import NamedChoiceField, Number, named_enum
from api.common import INVALID, PAST_THE_LAST_PAGE
from core.zones import validate_time_zone
from policies.models import RULES, Jurisdiction, JurisdictionKind, PolicyVersion
from policies.services import RULE_FIELDS, PolicyError, publish

# Enough for any duration a rule may hold (the service refuses more than 7 days), and small
# enough that no value overflows a timedelta or a 32-bit integer in a generated client.
MAX_SECONDS = 2**31 - 1
MEANINGS = dict(RULES)
DURATION_RULES = frozenset(
    field for field in RULE_FIELDS if isinstance(PolicyVersion._meta.get_field(field), DurationField)
)


def api_name(rule: str) -> str:
    """A rule's name in the API: durations in seconds carry `_s`."""
    return f"{rule}_s" if rule in DURATION_RULES else rule


RULE_NAMES = {api_name(rule): rule for rule in RULE_FIELDS}


def rule_field(rule: str, *, read_only: bool) -> serializers.Field:
    """The API field for one rule, with its meaning from policies.models.RULES. Written values
    are only checked for their type (and kept from overflowing); what a rule may hold is
    policies.services' to decide (`invalid_rule`)."""
    options: dict[str, Any] = {"read_only": True} if read_only else {"required": False}
    meaning = MEANINGS[rule]
    if rule in DURATION_RULES or rule == "min_stay_percent":
        if not read_only:
            options.update(min_value=0, max_value=MAX_SECONDS)
        unit = " In seconds." if rule in DURATION_RULES else " From 1 to 100."
        return serializers.IntegerField(help_text=meaning + unit, **options)
    if rule == "check_out_must_be_verified":
        return serializers.BooleanField(help_text=meaning, **options)
    return (serializers.FloatField if read_only else Number)(help_text=meaning, **options)


@named_enum("JurisdictionKind", JurisdictionKind.choices)
class JurisdictionKindField(NamedChoiceField):
    choice_set = JurisdictionKind.choices


class PolicyVersionSerializer(serializers.Serializer):
    """One version of a jurisdiction's rules, as published; never changed afterwards."""

    id = serializers.UUIDField(read_only=True)
    number = serializers.IntegerField(read_only=True, help_text="1 for the first version, then 2, 3, ...")
    effective_from = serializers.DateTimeField(
        read_only=True, help_text="Sessions opened from this moment on are judged by this version."
    )
    notes = serializers.CharField(read_only=True, help_text="Why this version was published.")
    published_by = serializers.SerializerMethodField(
        help_text="The name of the staff user who published it; null for the versions created with the system."
    )
    created_at = serializers.DateTimeField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for rule in RULE_FIELDS:
            fields[api_name(rule)] = rule_field(rule, read_only=True)
        return fields

    def to_representation(self, version: PolicyVersion) -> dict:
        body = super().to_representation(version)
        for rule in DURATION_RULES:
            body[api_name(rule)] = int(getattr(version, rule).total_seconds())
        return body

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_published_by(self, version: PolicyVersion) -> str | None:
        user = version.published_by
        return None if user is None else user.get_full_name() or user.get_username()


class JurisdictionSerializer(serializers.ModelSerializer):
    """A jurisdiction with its policy versions, newest first."""

    kind = JurisdictionKindField(required=False, help_text="court, probation, program or other.")
    is_default = serializers.BooleanField(
        read_only=True, help_text="The jurisdiction of meetings no other was chosen for; it cannot be removed."
    )
    version_in_force_id = serializers.SerializerMethodField(
        help_text="The version in force now; null when none is yet (its first version takes effect later)."
    )
    versions = PolicyVersionSerializer(many=True, read_only=True, help_text="Newest first.")
    time_zone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        validators=[validate_time_zone],
        help_text="The IANA zone its orders' dates are counted in, such as America/Los_Angeles; empty: the site's.",
    )

    class Meta:
        model = Jurisdiction
        fields = [
            "id",
            "name",
            "kind",
            "time_zone",
            "description",
            "is_active",
            "is_default",
            "version_in_force_id",
            "versions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_version_in_force_id(self, jurisdiction: Jurisdiction) -> str | None:
        # From the loaded versions (newest first), not another query per jurisdiction.
        now = timezone.now()
        in_force = next((v for v in jurisdiction.versions.all() if v.effective_from <= now), None)
        return None if in_force is None else str(in_force.pk)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time with a UTC offset, handed over in UTC; a time without one, or one whose
    UTC equivalent leaves years 1 to 9999, is refused naming the field."""

    default_error_messages = {"naive": "Give a UTC offset, e.g. 2026-12-01T00:00:00Z."}

    def enforce_timezone(self, value: dt.datetime) -> dt.datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            self.fail("invalid", format="ISO 8601")


class PublishSerializer(serializers.Serializer):
    """A new version: the rules given change, the others keep the latest version's values."""

    effective_from = AwareDateTimeField(
        required=False,
        help_text="When it takes effect (ISO 8601 with a UTC offset): now or later, and after the latest "
        "version's. Default: now. Sessions already open keep the version they opened under.",
    )
    notes = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Why this version is published."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for rule in RULE_FIELDS:
            fields[api_name(rule)] = rule_field(rule, read_only=False)
        return fields

    def rules(self) -> dict[str, Any]:
        """The rules given, by their names in policies.models, durations as timedeltas."""
        rules = {}
        for name, value in self.validated_data.items():
            rule = RULE_NAMES.get(name)
            if rule is not None:
                rules[rule] = dt.timedelta(seconds=value) if rule in DURATION_RULES else value
        return rules


class StaffReadSuperusersWrite(BasePermission):
    """Every staff member reads the rules; only superusers create jurisdictions and publish."""

    def has_permission(self, request: Request, view: object) -> bool:
        if not is_staff(request.user):
            self.message = "Jurisdictions and their policies are for staff."
            return False
        if request.method in SAFE_METHODS:
            return True
        self.message = "Only superusers create jurisdictions and publish policy versions."
        return request.user.is_superuser


STAFF_ONLY = OpenApiResponse(description="An attendee (`permission_denied`): the rules are read by staff.")
SUPERUSERS_ONLY = OpenApiResponse(
    description="Not a superuser (`permission_denied`): only superusers create jurisdictions and publish versions."
)
NOT_FOUND = OpenApiResponse(description="No such jurisdiction (`not_found`).")


class JurisdictionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Who sets the rules of attendance, and their versions. Read by staff, written by superusers."""

    permission_classes = [StaffReadSuperusersWrite]
    serializer_class = JurisdictionSerializer
    filter_backends = []

    def get_queryset(self) -> QuerySet[Jurisdiction]:
        versions = PolicyVersion.objects.select_related("published_by").order_by("-effective_from")
        return Jurisdiction.objects.prefetch_related(Prefetch("versions", queryset=versions)).order_by("name", "id")

    @extend_schema(
        summary="List jurisdictions (staff)",
        responses={200: JurisdictionSerializer(many=True), 403: STAFF_ONLY, 404: PAST_THE_LAST_PAGE},
    )
    def list(self, request: Request) -> Response:
        """By name, each with its versions, newest first."""
        return super().list(request)

    @extend_schema(
        summary="A jurisdiction (staff)", responses={200: JurisdictionSerializer, 403: STAFF_ONLY, 404: NOT_FOUND}
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        """The jurisdiction and its versions, newest first."""
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(
        summary="Create a jurisdiction (superusers)",
        request=JurisdictionSerializer,
        responses={201: JurisdictionSerializer, 400: INVALID, 403: SUPERUSERS_ONLY},
    )
    def create(self, request: Request) -> Response:
        """Without versions: publish its first one (POST .../versions/) before giving it meetings,
        whose check-ins are refused (`no_policy`) while no version is in force."""
        form = JurisdictionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        jurisdiction = form.save()
        return Response(self.get_serializer(jurisdiction).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Publish a policy version (superusers)",
        request=PublishSerializer,
        responses={
            201: PolicyVersionSerializer,
            400: OpenApiResponse(
                description="Invalid input (`invalid`, naming the fields), or a refused version, with `field`: "
                "`effective_in_past` (a version takes effect now or later), `not_after_latest` (it must take "
                "effect after the latest version) or `invalid_rule` (a value no rule can mean)."
            ),
            403: SUPERUSERS_ONLY,
            404: NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"])
    def versions(self, request: Request, pk: str) -> Response:
        """The next version of the jurisdiction's rules; rules left out keep the latest version's
        values. Published versions are never changed."""
        jurisdiction = get_object_or_404(Jurisdiction, pk=pk)
        form = PublishSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            version = publish(
                jurisdiction,
                form.rules(),
                effective_from=form.validated_data.get("effective_from"),
                notes=form.validated_data.get("notes", ""),
                published_by=request.user,
            )
        except PolicyError as error:
            # The field as the API names it (`check_in_opens_before_s`).
            context = {**error.context}
            if "field" in context:
                context["field"] = api_name(context["field"])
            raise PolicyError(error.code, error.detail, **context) from None
        return Response(PolicyVersionSerializer(version).data, status=status.HTTP_201_CREATED)
