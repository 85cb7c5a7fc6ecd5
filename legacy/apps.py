from django.apps import AppConfig


class LegacyConfig(AppConfig):
    """Adoption of the legacy SQLAlchemy/Alembic database, and the record of each adoption."""

    name = "legacy"
    verbose_name = "Legacy adoption"
