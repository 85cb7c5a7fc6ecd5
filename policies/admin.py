from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from policies.models import Jurisdiction, PolicyVersion


class PolicyVersionInline(admin.TabularInline):
    """Versions are read here; publishing one is the staff site's "Publish a new version"."""

    model = PolicyVersion
    fields = ("number", "effective_from", "published_by", "notes")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Jurisdiction)
class JurisdictionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "kind", "time_zone", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name",)
    inlines = [PolicyVersionInline]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    """Read-only: a published version never changes (policies.models)."""

    list_display = ("jurisdiction", "number", "effective_from", "published_by")
    list_filter = ("jurisdiction",)
    list_select_related = ("jurisdiction", "published_by")

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [field.name for field in PolicyVersion._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
