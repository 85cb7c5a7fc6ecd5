from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from core.admin_helpers import DeactivateInsteadOfDeleteMixin, LocalTimesAdminMixin, changelist_link
from core.races import SerialSaveAdminMixin
from meetings.models import Meeting, MeetingKind


@admin.register(MeetingKind)
class MeetingKindAdmin(DeactivateInsteadOfDeleteMixin, admin.ModelAdmin):
    """Kinds are deactivated, never deleted: court orders and meetings name them."""

    list_display = ("label", "slug", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("slug", "label")
    readonly_fields = ("id", "created_at", "updated_at")
    fields = ("slug", "label", "description", "is_active", "id", "created_at", "updated_at")


class MeetingAdminForm(forms.ModelForm):
    """The meeting, and its kinds: the active ones may be added, one deactivated since stays.
    (A field of another name: the admin offers no field for a many-to-many with its own table.)"""

    kind_choices = forms.ModelMultipleChoiceField(
        label="Kinds",
        queryset=MeetingKind.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What sort of meeting it is, as court orders name them.",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind_choices"].queryset = MeetingKind.objects.assignable_to(self.instance)
        if not self.instance._state.adding:
            self.initial.setdefault("kind_choices", list(self.instance.kinds.all()))


@admin.register(Meeting)
class MeetingAdmin(SerialSaveAdminMixin, LocalTimesAdminMixin, DeactivateInsteadOfDeleteMixin, admin.ModelAdmin):
    list_display = ("name", "address", "kind_labels", "start_time", "end_time", "radius_meters", "is_active")
    list_filter = ("is_active", "kinds")
    form = MeetingAdminForm
    search_fields = ("name", "address", "qr_code")
    search_help_text = "Search by name, address or QR code identifier."
    date_hierarchy = "start_time"
    readonly_fields = ("qr_code", "checkin_link", "session_list", "id", "created_by_user", "created_at", "updated_at")

    def get_fieldsets(self, request: HttpRequest, obj: Meeting | None = None) -> list:
        fieldsets = [
            (None, {"fields": ("name", "description", "address", "kind_choices", "is_active")}),
            ("Place", {"fields": ("lat", "lng", "radius_meters")}),
            ("Schedule", {"fields": ("time_zone", "start_time", "end_time", "recurrence")}),
        ]
        # Only for a saved meeting: on the add form the QR code shown would not be the one saved.
        if obj is not None:
            fieldsets += [
                ("QR code", {"fields": ("qr_code", "checkin_link")}),
                ("Record", {"fields": ("session_list", "id", "created_by_user", "created_at", "updated_at")}),
            ]
        return fieldsets

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        return super().get_queryset(request).prefetch_related("kinds")

    @admin.display(description="kinds")
    def kind_labels(self, obj: Meeting) -> str:
        return ", ".join(kind.label for kind in obj.kinds.all()) or "—"

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Meeting | None:
        meeting = super().get_object(request, object_id, from_field)
        if meeting is not None:
            # Read-only fields see only the object; the link follows the request in development.
            meeting.checkin_link_url = meeting.checkin_url(request)
        return meeting

    def save_model(self, request: HttpRequest, obj: Meeting, form: forms.ModelForm, change: bool) -> None:
        if not change:
            obj.created_by = str(request.user.pk)
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        form.instance.kinds.set(form.cleaned_data["kind_choices"])

    @admin.display(description="check-in URL")
    def checkin_link(self, obj: Meeting) -> SafeString:
        return format_html('<a href="{0}">{0}</a>', obj.checkin_link_url)

    @admin.display(description="attendance sessions")
    def session_list(self, obj: Meeting) -> SafeString:
        return changelist_link("attendance.session", "View sessions at this meeting", meeting__id__exact=obj.pk)

    @admin.display(description="created by")
    def created_by_user(self, obj: Meeting) -> str | None:
        """The staff user's name; the raw id when it is not (or no longer) a user, as for legacy rows."""
        if not obj.created_by:
            return None
        user_model = get_user_model()
        try:
            user = user_model._default_manager.filter(pk=obj.created_by).first()
        except (ValueError, ValidationError):  # a legacy UUID where user ids are integers
            user = None
        return user.get_username() if user else obj.created_by
