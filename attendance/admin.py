"""Sessions and their events in the admin: evidence to read, not to edit.

Sessions change state only through attendance services; staff may add notes to a session and
nothing else. Events are append-only (the models raise AppendOnlyError), so the admin grants
no add, change or delete permission on them to anyone, superusers included.
"""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from attendance.models import RefusedAttempt, Session, SessionEvent
from core.admin_helpers import LocalTimesAdminMixin, ReadOnlyAdminMixin, change_link, changelist_link
from core.races import SerialSaveAdminMixin

EVENT_FIELDS = ("type", "location_flag", "ts_client", "ts_server", "lat", "lng", "accuracy", "notes")


class SessionEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SessionEvent
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True


@admin.register(Session)
class SessionAdmin(SerialSaveAdminMixin, LocalTimesAdminMixin, admin.ModelAdmin):
    list_display = ("contact_link", "dest_name", "meeting_link", "status", "outcome", "created_at")
    list_display_links = ("dest_name",)
    list_filter = ("status", "outcome", "is_complete")
    search_fields = ("=id", "contact__email", "contact__first_name", "contact__last_name", "dest_name")
    search_help_text = "Search by session id, contact email or name, or destination name."
    date_hierarchy = "created_at"
    actions = None
    inlines = (SessionEventInline,)
    fieldsets = (
        (None, {"fields": ("contact", "meeting", "status", "is_complete", "event_list")}),
        (
            "Judgement (attendance.outcomes, stored when the session closed)",
            {"fields": ("outcome", "outcome_reasons", "seconds_attended", "seconds_scheduled", "policy_version")},
        ),
        ("Occurrence", {"fields": ("occurrence_start", "occurrence_end", "radius_m", "destination_approved_by")}),
        ("Destination", {"fields": ("dest_name", "dest_address", "dest_lat", "dest_lng")}),
        ("Notes", {"fields": ("session_notes",)}),
        ("Record", {"fields": ("id", "created_at", "updated_at")}),
    )
    # Everything on the page is read-only except these.
    editable_fields = ("session_notes",)

    def get_readonly_fields(self, request: HttpRequest, obj: Session | None = None) -> list[str]:
        # Derived from the fieldsets, so a field added there later is read-only unless listed above.
        shown = [name for _, options in self.fieldsets for name in options["fields"]]
        return [name for name in shown if name not in self.editable_fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Session]:
        # Both the list and the change page show contact and meeting as links: load them together.
        return super().get_queryset(request).select_related("contact", "meeting")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sessions are started by attendees, through attendance services

    def has_delete_permission(self, request: HttpRequest, obj: Session | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Session, form: forms.ModelForm, change: bool) -> None:
        # Write only the notes, so a status set by a service meanwhile is never overwritten;
        # and nothing at all for an unchanged form, so "updated" keeps meaning something changed.
        if form.has_changed():
            obj.save(update_fields=[*self.editable_fields, "updated_at"])

    @admin.display(description="contact", ordering="contact__last_name")
    def contact_link(self, obj: Session) -> SafeString | None:
        return change_link(obj.contact)

    @admin.display(description="meeting", ordering="meeting__name")
    def meeting_link(self, obj: Session) -> SafeString | None:
        return change_link(obj.meeting)

    @admin.display(description="events")
    def event_list(self, obj: Session) -> SafeString:
        return changelist_link("attendance.sessionevent", "View in the event list", session__id__exact=obj.pk)


@admin.register(SessionEvent)
class SessionEventAdmin(LocalTimesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    # The verdict first: on a narrow screen the last columns are the ones cut off.
    list_display = (
        "ts_server",
        "type",
        "location_flag",
        "contact_link",
        "session_link",
        "ts_client",
        "accuracy",
        "lat",
        "lng",
    )
    ordering = ("-ts_server", "-created_at")
    list_display_links = ("ts_server",)
    list_filter = ("type", "location_flag")
    search_fields = ("=session__id", "session__contact__email")
    search_help_text = "Search by session id or contact email."
    date_hierarchy = "ts_server"
    actions = None
    # The table only grows; counting all of it on every page is wasted work.
    show_full_result_count = False
    fields = ("session", "contact_link", *EVENT_FIELDS, "id", "created_at")
    readonly_fields = ("contact_link", "id", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[SessionEvent]:
        # Every row and the change page name the session and its contact.
        return super().get_queryset(request).select_related("session__contact")

    @admin.display(description="session", ordering="session__created_at")
    def session_link(self, obj: SessionEvent) -> SafeString | None:
        return change_link(obj.session)

    @admin.display(description="contact", ordering="session__contact__last_name")
    def contact_link(self, obj: SessionEvent) -> SafeString | None:
        return change_link(obj.session.contact)


@admin.register(RefusedAttempt)
class RefusedAttemptAdmin(LocalTimesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Events a rule refused, kept as evidence (attendance.services): read only, as events are."""

    list_display = ("ts_server", "type", "code", "contact", "meeting", "session", "ts_client")
    ordering = ("-ts_server", "-id")
    list_filter = ("type", "code")
    search_fields = ("=session__id", "contact__email")
    search_help_text = "Search by session id or contact email."
    date_hierarchy = "ts_server"
    actions = None
    show_full_result_count = False
    list_select_related = ("contact", "meeting", "session")
