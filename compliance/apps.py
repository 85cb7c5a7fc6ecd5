from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ComplianceConfig(AppConfig):
    """The project package is an app too, for what every app shares: templates tags, the staff
    sign-in and dashboard."""

    name = "compliance"
    verbose_name = "Verified Compliance"

    def ready(self) -> None:
        from compliance.sqlite import register_functions

        # Django's documented hook for per-connection set-up: it reaches every SQLite
        # connection, the tests' extra databases included, without a custom backend.
        connection_created.connect(register_functions, dispatch_uid="compliance.sqlite.register_functions")
