from django.contrib import admin

from core.admin_helpers import ReadOnlyAdminMixin
from legacy.models import LegacyAdoption


@admin.register(LegacyAdoption)
class LegacyAdoptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: written once by `manage.py adopt_legacy_schema`, kept as evidence."""

    list_display = ["adopted_at", "alembic_revision", "row_counts"]
    readonly_fields = ["adopted_at", "alembic_revision", "row_counts"]
