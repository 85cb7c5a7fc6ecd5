from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.safestring import SafeString

from contacts.fields import EmailAddressField
from contacts.models import Contact
from core.admin_helpers import DeactivateInsteadOfDeleteMixin, changelist_link
from core.races import SerialSaveAdminMixin
from core.templatetags.staff import phone


@admin.register(Contact)
class ContactAdmin(SerialSaveAdminMixin, DeactivateInsteadOfDeleteMixin, admin.ModelAdmin):
    # Normalised before the uniqueness check, as on the staff pages and the API.
    formfield_overrides = {models.EmailField: {"form_class": EmailAddressField}}
    list_display = ("name", "email", "phone_number", "consent_granted", "is_active", "created_at")
    list_display_links = ("name", "email")
    list_filter = ("is_active", "consent_granted")
    search_fields = ("email", "first_name", "last_name", "phone", "ghl_contact_id")
    search_help_text = "Search by email, first or last name, phone or GoHighLevel id."
    # password_hash is deliberately in no list below: the admin never shows or edits it.
    # Consent is the attendee's own act, stamped by Contact.record_consent(); staff may see it
    # but not grant or withdraw it for them.
    readonly_fields = (
        "consent_granted",
        "consent_timestamp",
        "has_usable_password",
        "session_list",
        "id",
        "created_at",
        "updated_at",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Contact | None = None) -> list:
        fieldsets = [
            (None, {"fields": ("email", "first_name", "last_name", "phone", "ghl_contact_id", "is_active", "notes")}),
        ]
        if obj is not None:  # these describe a saved contact; on the add form they would be blank or made up
            fieldsets += [
                ("Consent and sign-in", {"fields": ("consent_granted", "consent_timestamp", "has_usable_password")}),
                ("Record", {"fields": ("session_list", "id", "created_at", "updated_at")}),
            ]
        return fieldsets

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # As Django's UserAdmin does for passwords: a URL filter such as
        # ?password_hash__startswith=pbkdf2 would let anyone who can view contacts read a hash
        # one character at a time.
        if lookup.startswith("password"):
            return False
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="name", ordering="last_name")
    def name(self, obj: Contact) -> str | None:
        return obj.full_name or None

    @admin.display(description="phone", ordering="phone")
    def phone_number(self, obj: Contact) -> str | None:
        # As the staff pages show it; the change form's field keeps E.164, the stored value.
        return phone(obj.phone) if obj.phone else None

    @admin.display(description="has a usable password", boolean=True)
    def has_usable_password(self, obj: Contact) -> bool:
        return obj.has_usable_password()

    @admin.display(description="attendance sessions")
    def session_list(self, obj: Contact) -> SafeString:
        return changelist_link("attendance.session", "View this contact's sessions", contact__id__exact=obj.pk)
