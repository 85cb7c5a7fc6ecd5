from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, backups and restore, and the development server's port check."""

    name = "operations"
    verbose_name = "Operations"
