from django.contrib import admin
from django.http import HttpRequest

from compliance.models import LegacyAdoption


@admin.register(LegacyAdoption)
class LegacyAdoptionAdmin(admin.ModelAdmin):
    """Read-only: written once by `manage.py adopt_legacy_schema`, kept as evidence."""

    list_display = ["adopted_at", "alembic_revision", "row_counts"]
    readonly_fields = ["adopted_at", "alembic_revision", "row_counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LegacyAdoption | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LegacyAdoption | None = None) -> bool:
        return False
