from django.db import models
from django.utils import timezone


class LegacyAdoption(models.Model):
    """A database of the legacy SQLAlchemy/Alembic system taken over by Django migrations.

    Written once by `manage.py adopt_legacy_schema`: the Alembic revision the database was at
    and the rows it held, so an auditor can tell which records predate this application.
    """

    alembic_revision = models.CharField(max_length=32)
    adopted_at = models.DateTimeField(default=timezone.now)
    row_counts = models.JSONField(help_text="Rows per legacy table, counted before and after the adoption.")

    class Meta:
        db_table = "legacy_adoptions"
        get_latest_by = "adopted_at"

    def __str__(self) -> str:
        return f"Adopted from Alembic revision {self.alembic_revision} on {self.adopted_at:%Y-%m-%d %H:%M} UTC"
