"""The attendee's own profile and consent, and staff management of contacts."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import EmailField, QuerySet
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.fields import empty
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from access.permissions import IsAttendee, StaffModelPermissions
from api.common import INVALID, PAST_THE_LAST_PAGE, STAFF_ONLY
from api.filters import ContactFilter
from contacts.caseloads import NOT_A_CASE_MANAGER, case_manager_name, case_managers
from contacts.models import Contact, normalize_email
from core.races import SerialSaveSerializerMixin

ATTENDEES_ONLY = OpenApiResponse(description="Not an attendee's token (`permission_denied`).")
NOT_FOUND = OpenApiResponse(description="No such contact (`not_found`).")


class MeSerializer(serializers.ModelSerializer):
    """What an attendee sees of themselves: never a password or staff notes."""

    class Meta:
        model = Contact
        fields = ["id", "email", "phone", "first_name", "last_name", "consent_granted", "consent_timestamp"]
        read_only_fields = fields


class AnsweredBooleanField(serializers.BooleanField):
    """A boolean that must be given. DRF reads one missing from a form post as false (an
    unticked checkbox); for consent that would withdraw it on an empty request."""

    default_empty_html = empty


class ConsentSerializer(serializers.Serializer):
    granted = AnsweredBooleanField(help_text="true grants GPS consent, false withdraws it.")


class MeView(APIView):
    permission_classes = [IsAttendee]

    @extend_schema(summary="The attendee's own profile", responses={200: MeSerializer, 403: ATTENDEES_ONLY})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user.contact).data)


class ConsentView(APIView):
    permission_classes = [IsAttendee]

    @extend_schema(
        summary="Grant or withdraw GPS consent",
        request=ConsentSerializer,
        responses={200: MeSerializer, 400: INVALID, 403: ATTENDEES_ONLY},
    )
    def post(self, request: Request) -> Response:
        answer = ConsentSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        contact = request.user.contact
        contact.record_consent(granted=answer.validated_data["granted"])
        return Response(MeSerializer(contact).data)


class EmailAddressField(serializers.EmailField):
    """An email address in its one form (contacts.models.normalize_email), normalised before
    it is validated: typed in full-width letters or with a long s, it is the same address."""

    def to_internal_value(self, data: object) -> str:
        return super().to_internal_value(normalize_email(data) if isinstance(data, str) else data)


class ContactSerializer(SerialSaveSerializerMixin, serializers.ModelSerializer):
    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, EmailField: EmailAddressField}

    password = serializers.CharField(
        write_only=True,
        required=False,
        allow_null=True,
        max_length=1024,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Sets the attendee's password (stored hashed, never returned); null removes it. At least 12 "
        "characters, not a common password, not all digits, not like the contact's name or email. Setting it "
        "ends the attendee's API tokens and set-password links.",
    )
    has_password = serializers.SerializerMethodField()
    case_manager_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="The id of the staff user whose caseload the contact is in (an active staff member), or null. "
        "Changing it needs contacts.change_contact.",
    )
    case_manager_name = serializers.SerializerMethodField(
        help_text="The case manager's name (full name, else username); empty without one."
    )

    class Meta:
        model = Contact
        fields = [
            "id",
            "email",
            "phone",
            "first_name",
            "last_name",
            "ghl_contact_id",
            "consent_granted",
            "consent_timestamp",
            "notes",
            "case_manager_id",
            "case_manager_name",
            "is_active",
            "has_password",
            "password",
            "created_at",
            "updated_at",
        ]
        # Consent is the attendee's own act (POST /me/consent/); staff record paper consent
        # through the staff pages, which keep its history.
        read_only_fields = ["id", "consent_granted", "consent_timestamp", "created_at", "updated_at"]

    # Nullable text columns where blank means "none": stored as NULL, as the admin's forms do.
    # Stored as "", two contacts without a GoHighLevel id would collide on its unique constraint.
    BLANK_IS_NULL = ("phone", "first_name", "last_name", "ghl_contact_id", "notes")

    def to_internal_value(self, data: object) -> dict:
        values = super().to_internal_value(data)
        for field in self.BLANK_IS_NULL:
            if values.get(field) == "":
                values[field] = None
        return values

    def get_has_password(self, contact: Contact) -> bool:
        return contact.has_usable_password()

    def get_case_manager_name(self, contact: Contact) -> str:
        return case_manager_name(contact.case_manager) if contact.case_manager_id else ""

    def validate_case_manager_id(self, value: int | None) -> int | None:
        current = self.instance.case_manager_id if self.instance is not None else None
        if value == current:
            return value  # unchanged: a case manager who has since left stays until someone is chosen
        request = self.context.get("request")
        if request is not None and not request.user.has_perm("contacts.change_contact"):
            raise PermissionDenied("Assigning a case manager needs permission to change contacts.")
        # The rule lives in contacts.caseloads (the model's clean applies it too).
        if value is not None and not case_managers().filter(pk=value).exists():
            raise serializers.ValidationError(NOT_A_CASE_MANAGER, code="invalid")
        return value

    def _save(self, contact: Contact, validated_data: dict) -> Contact:
        password_given = "password" in validated_data
        password = validated_data.pop("password", None)
        for field, value in validated_data.items():
            setattr(contact, field, value)
        if password_given:
            try:
                contact.set_password(password)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": error.messages}) from None
        contact.full_clean(exclude=["password_hash"])
        contact.save()
        return contact

    def create(self, validated_data: dict) -> Contact:
        return self._save(Contact(), validated_data)

    def update(self, instance: Contact, validated_data: dict) -> Contact:
        return self._save(instance, validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="List contacts",
        responses={
            200: ContactSerializer(many=True),
            400: OpenApiResponse(description="An invalid `search` or `case_manager` (`invalid`)."),
            403: STAFF_ONLY,
            404: PAST_THE_LAST_PAGE,
        },
    ),
    create=extend_schema(summary="Create a contact", responses={201: ContactSerializer, 400: INVALID, 403: STAFF_ONLY}),
    retrieve=extend_schema(summary="A contact", responses={200: ContactSerializer, 403: STAFF_ONLY, 404: NOT_FOUND}),
    partial_update=extend_schema(
        summary="Change a contact", responses={200: ContactSerializer, 400: INVALID, 403: STAFF_ONLY, 404: NOT_FOUND}
    ),
    destroy=extend_schema(summary="Deactivate a contact", responses={204: None, 403: STAFF_ONLY, 404: NOT_FOUND}),
)
class ContactViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Staff only. DELETE deactivates: a contact's attendance history is evidence and stays."""

    serializer_class = ContactSerializer
    permission_classes = [StaffModelPermissions]
    filter_backends = [DjangoFilterBackend, SearchFilter, OrderingFilter]
    filterset_class = ContactFilter
    search_fields = ["email", "first_name", "last_name", "phone"]
    ordering_fields = ["last_name", "email", "created_at"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Contact]:
        return Contact.objects.select_related("case_manager").order_by("last_name", "first_name", "email", "id")

    def get_object(self) -> Contact:
        # api.common.exception_handler reads `get_codes()` off the exception, which Django's
        # Http404 lacks: without this an unknown id is a 500. (Same as api.meetings, until the
        # handler itself learns about Http404.)
        try:
            return super().get_object()
        except Http404:
            raise NotFound("No such contact.") from None

    def perform_destroy(self, instance: Contact) -> None:
        instance.set_active(False)
