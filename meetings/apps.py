from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MeetingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "meetings"

    def ready(self) -> None:
        post_migrate.connect(ensure_standard_kinds, sender=self)


def ensure_standard_kinds(app_config: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The standard kinds again after the database was emptied (`flush`, which the test runner
    runs after each transactional test, then sends post_migrate as it does for permissions)."""
    from meetings.standard_kinds import create_standard_kinds

    create_standard_kinds(kwargs.get("apps") or app_config.apps, using)
