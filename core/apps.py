from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    """Helpers every package may use (template tags, SQLite functions); no models."""

    name = "core"
    verbose_name = "Verified Compliance"

    def ready(self) -> None:
        from core.sqlite import register_functions

        # Django's documented hook for per-connection set-up: it reaches every SQLite
        # connection, the tests' extra databases included, without a custom backend.
        connection_created.connect(register_functions, dispatch_uid="core.sqlite.register_functions")
