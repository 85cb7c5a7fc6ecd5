"""The admin for mandates: every write goes through mandates.services, so that the admin keeps the
rules the staff pages and the API keep (no deleting once a period has passed, terms a court
could mean, periods rebuilt). Derived figures are read-only; issued court reports are records,
never changed here."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.forms.models import construct_instance
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from mandates import services
from mandates.models import CourtReport, Mandate, MandatePeriod
from mandates.queries import with_status
from mandates.services import MandateError, Terms
from mandates.status import MandateStatus, period_status
from meetings.models import Meeting, MeetingKind

DERIVED = ("time_zone", "ends_at", "missed_from")
ENDED = ("ended_on", "end_reason", "ended_by")
RECORD = ("id", "created_by", "created_at", "updated_at")


class MandateAdminForm(forms.ModelForm):
    """The terms, with the qualifying kinds and meetings as fields of other names (the admin
    offers no field for a many-to-many with its own table). `clean` asks mandates.services.check,
    so that a refused term is shown on its field."""

    kind_choices = forms.ModelMultipleChoiceField(
        label="Qualifying kinds",
        queryset=MeetingKind.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave kinds and meetings empty when any meeting counts.",
    )
    meeting_choices = forms.ModelMultipleChoiceField(
        label="Qualifying meetings", queryset=Meeting.objects.none(), required=False
    )

    class Meta:
        model = Mandate
        fields = [
            "contact",
            "case_number",
            "jurisdiction",
            "required_count",
            "period",
            "rolling_days",
            "starts_on",
            "ends_on",
            "notes",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        adding = self.instance._state.adding
        kinds = MeetingKind.objects.active()
        meetings = Meeting.objects.filter(is_active=True)
        if not adding:
            kinds = MeetingKind.objects.filter(is_active=True) | MeetingKind.objects.filter(
                pk__in=self.instance.kind_links.values("kind_id")
            )
            meetings = Meeting.objects.filter(is_active=True) | Meeting.objects.filter(
                pk__in=self.instance.meeting_links.values("meeting_id")
            )
            self.initial.setdefault("kind_choices", [link.kind_id for link in self.instance.kind_links.all()])
            self.initial.setdefault("meeting_choices", [link.meeting_id for link in self.instance.meeting_links.all()])
        self.fields["kind_choices"].queryset = kinds.distinct()
        self.fields["meeting_choices"].queryset = meetings.distinct().order_by("name")

    def terms(self) -> Terms:
        data = self.cleaned_data
        return Terms(
            case_number=data.get("case_number") or "",
            required_count=data.get("required_count"),
            period=data.get("period") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            rolling_days=data.get("rolling_days"),
            jurisdiction=data.get("jurisdiction"),
            kinds=list(data.get("kind_choices") or []),
            meetings=list(data.get("meeting_choices") or []),
            notes=data.get("notes") or "",
        )

    def _post_clean(self) -> None:
        # The instance takes the values, without the model's full_clean: its constraints would
        # refuse in other words what mandates.services.check refuses in `clean`, naming the field.
        self.instance = construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors or None in (data.get("starts_on"), data.get("ends_on"), data.get("required_count")):
            return data
        try:
            services.check(self.terms())
        except MandateError as error:
            raise forms.ValidationError(
                {error.field: error.detail} if error.field in self.fields else error.detail, code=error.code
            ) from error
        return data


class PeriodInline(admin.TabularInline):
    """The periods, as mandates.counting derived them: read here, never written."""

    model = MandatePeriod
    fields = ("number", "starts_on", "ends_on", "required", "attended", "status")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="status now")
    def status(self, period: MandatePeriod) -> str:
        return period_status(period, timezone.now()).label


class EndedEarlyFilter(admin.SimpleListFilter):
    title = "ended early"
    parameter_name = "ended_early"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Mandate]) -> QuerySet[Mandate]:
        if self.value() in ("yes", "no"):
            return queryset.filter(ended_on__isnull=self.value() == "no")
        return queryset


@admin.register(Mandate)
class MandateAdmin(SimpleHistoryAdmin):
    form = MandateAdminForm
    list_display = ("case_number", "contact", "jurisdiction", "requirement", "starts_on", "ends_on", "status_now")
    list_filter = ("period", "jurisdiction", "meeting_kinds", EndedEarlyFilter)
    list_select_related = ("contact", "jurisdiction")
    search_fields = ("case_number", "contact__first_name", "contact__last_name", "contact__email")
    search_help_text = "Search by case number, or the contact's name or email."
    raw_id_fields = ("contact",)
    readonly_fields = ("requirement", "status_now", *DERIVED, *ENDED, *RECORD)
    inlines = [PeriodInline]

    def get_fieldsets(self, request: HttpRequest, obj: Mandate | None = None) -> list:
        terms = ["case_number", "jurisdiction", "required_count", "period", "rolling_days", "starts_on", "ends_on"]
        fieldsets = [
            (None, {"fields": ["contact", *terms, "notes"]}),
            ("Qualifying meetings", {"fields": ["kind_choices", "meeting_choices"]}),
        ]
        if obj is not None:
            fieldsets += [
                ("Now", {"fields": ["requirement", "status_now", *DERIVED]}),
                ("Ended early (from the staff site's “End early”)", {"fields": list(ENDED)}),
                ("Record", {"fields": list(RECORD)}),
            ]
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Mandate | None = None) -> tuple[str, ...]:
        # A mandate stays with its contact: a new order for someone else is a new mandate.
        return (*self.readonly_fields, "contact") if obj is not None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Mandate]:
        return with_status(super().get_queryset(request))

    @admin.display(description="status now", ordering="status")
    def status_now(self, mandate: Mandate) -> str:
        status = getattr(mandate, "status", None)
        return MandateStatus(status).label if status else "—"

    def get_actions(self, request: HttpRequest) -> dict:
        # Deleting several at once would skip the one-by-one rule below.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    # --- Writes, through mandates.services --------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Mandate, form: MandateAdminForm, change: bool) -> None:
        terms = form.terms()
        if change:
            saved = services.change(obj, terms, by=request.user)
        else:
            saved = services.create(form.cleaned_data["contact"], terms, by=request.user)
        # The admin's messages and log entry name the object it saved.
        obj.pk, obj._state.adding = saved.pk, False

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: list, change: bool) -> None:
        """The kinds and meetings were set by the service, the periods built by it: the
        read-only periods inline saves nothing (and says so to the admin's change message)."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def get_deleted_objects(self, objs: Iterable[Mandate], request: HttpRequest) -> tuple[list, dict, set, list]:
        """What deleting removes: the mandate with its derived periods and links, which
        mandates.services.delete removes with it (protected from any other delete)."""
        objs = list(objs)
        names = [str(mandate) for mandate in objs]
        periods = MandatePeriod.objects.filter(mandate__in=objs).count()
        return names, {"mandates": len(objs), "periods": periods}, set(), []

    def delete_model(self, request: HttpRequest, obj: Mandate) -> None:
        services.delete(obj, by=request.user)

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        # A refusal that only the write can see (an amended date before an early end): the
        # transaction around the admin's save is undone, and the page says why.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except MandateError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except MandateError as error:
            self.message_user(request, error.detail, messages.ERROR)
            return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")

    def revert_disabled(self, request: HttpRequest, obj: Mandate | None = None) -> bool:
        return True  # reverting to an old version would write around the services

    def history_form_view(
        self, request: HttpRequest, object_id: str, version_id: str, extra_context: dict | None = None
    ) -> HttpResponse:
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


@admin.register(CourtReport)
class CourtReportAdmin(admin.ModelAdmin):
    """Read-only: an issued report is a record (mandates.models.CourtReport)."""

    list_display = ("number", "mandate", "issued_by", "issued_at", "covers_from", "covers_to", "agency_name")
    list_select_related = ("mandate", "issued_by")
    search_fields = ("number", "mandate__case_number")
    date_hierarchy = "issued_at"

    def get_readonly_fields(self, request: HttpRequest, obj: CourtReport | None = None) -> list[str]:
        return [field.name for field in CourtReport._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
