from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.utils import model_ngettext
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.db import models, transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString

from access.models import ApiToken, SignInRecord
from core.admin_helpers import LocalTimesAdminMixin, ReadOnlyAdminMixin, change_link
from core.races import SerialSaveAdminMixin

# Staff accounts and roles have unique names: two admins adding the same username at once get
# the form's "already exists", as the second would a moment later, not a 500.
for model, model_admin in ((User, UserAdmin), (Group, GroupAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, type(model_admin.__name__, (SerialSaveAdminMixin, model_admin), {}))


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("usable", "Usable"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        now = timezone.now()
        if self.value() == "usable":
            # Not revoked, not expired, not issued before the attendee's password last changed;
            # whether the holder is still active is shown by its own page.
            return queryset.filter(
                Q(expires_at__isnull=True) | Q(expires_at__gt=now),
                Q(contact__isnull=True)
                | Q(contact__credentials_changed_at__isnull=True)
                | Q(created_at__gte=F("contact__credentials_changed_at")),
                revoked_at__isnull=True,
            )
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now, revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


class HolderFilter(admin.SimpleListFilter):
    title = "holder"
    parameter_name = "holder"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("attendee", "Attendees"), ("staff", "Staff users")]

    def queryset(self, request: HttpRequest, queryset: models.QuerySet) -> models.QuerySet:
        if self.value() == "attendee":
            return queryset.filter(contact__isnull=False)
        if self.value() == "staff":
            return queryset.filter(user__isnull=False)
        return queryset


@admin.action(description="Revoke selected tokens", permissions=["change"])
def revoke_selected(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: models.QuerySet) -> None:
    with transaction.atomic():
        # Only tokens still in force are stamped and logged: a revocation time is evidence of
        # when access ended, and must not move on a second click.
        revoking = list(queryset.filter(revoked_at__isnull=True))
        if revoking:
            ApiToken.objects.filter(pk__in=[token.pk for token in revoking]).update(revoked_at=timezone.now())
            LogEntry.objects.log_actions(
                user_id=request.user.pk,
                queryset=revoking,
                action_flag=CHANGE,
                change_message="Revoked.",
            )
    message = f"Revoked {len(revoking)} {model_ngettext(ApiToken._meta, len(revoking))}."
    already = queryset.count() - len(revoking)
    if already:
        message += f" {already} already revoked, left as is."
    modeladmin.message_user(request, message, messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(LocalTimesAdminMixin, admin.ModelAdmin):
    """Tokens are issued only where their value can be shown once (POST /api/v1/auth/token/ for
    attendees, `manage.py create_api_token` for staff), so there is no add page; revoked tokens
    stay as the record of who had access until when, so there is no delete either. The digest
    is never shown: it cannot be used, but there is nothing to learn from it."""

    list_display = ("token_prefix", "holder", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (StateFilter, HolderFilter)
    list_select_related = ("contact", "user")
    search_fields = ("prefix", "name", "contact__email", "contact__last_name", "user__username", "user__email")
    search_help_text = "Search by token prefix, name, attendee email or last name, staff username or email."
    date_hierarchy = "created_at"
    actions = (revoke_selected,)
    # Only the label can change; everything else is the token's record.
    fields = ("token_prefix", "holder", "name", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = ("token_prefix", "holder", "created_at", "expires_at", "last_used_at", "revoked_at")

    @admin.display(description="token", ordering="prefix")
    def token_prefix(self, obj: ApiToken) -> str:
        return f"{obj.prefix}…"

    @admin.display(description="holder")
    def holder(self, obj: ApiToken) -> SafeString | None:
        if obj.contact_id:
            return change_link(obj.contact, f"{obj.contact} (attendee)")
        return change_link(obj.user, f"{obj.user} (staff)")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        return False


@admin.register(SignInRecord)
class SignInRecordAdmin(LocalTimesAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: a record of who signed in, or failed to, and from where."""

    list_display = ("at", "user", "succeeded", "address")
    list_filter = ("succeeded",)
    search_fields = ("user__username", "address")
    date_hierarchy = "at"
    list_select_related = ("user",)
