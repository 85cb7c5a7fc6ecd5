from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PoliciesConfig(AppConfig):
    name = "policies"
    verbose_name = "Attendance policies"

    def ready(self) -> None:
        post_migrate.connect(ensure_default_policy, sender=self)


def ensure_default_policy(app_config: AppConfig, using: str = "default", **kwargs: Any) -> None:
    """The default jurisdiction and its first version again after the database was emptied
    (`flush`, which the test runner runs after each transactional test, then sends post_migrate
    as it does for permissions): every meeting and session points at them."""
    from policies.defaults import create_default_policy

    create_default_policy(kwargs.get("apps") or app_config.apps, using)
