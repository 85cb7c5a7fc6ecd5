"""The default jurisdiction and its first version (README: "What counts as attended"): created by
migration 0002 and again after a database was emptied (policies.apps)."""

import datetime as dt
from typing import Any

from django.apps.registry import Apps
from django.db import connections

DEFAULT_JURISDICTION_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_VERSION_ID = "00000000-0000-4000-8000-000000000002"

# Version 1's rules: the README's defaults.
FIRST_VERSION_RULES: dict[str, Any] = {
    "default_radius_m": 100.0,
    "max_accuracy_m": 150.0,
    "check_in_opens_before": dt.timedelta(minutes=30),
    "on_time_after_start": dt.timedelta(minutes=10),
    "check_out_from_before_end": dt.timedelta(minutes=10),
    "min_stay_percent": 75,
    "min_stay_without_times": dt.timedelta(minutes=60),
    "check_out_must_be_verified": True,
    "max_send_delay": dt.timedelta(minutes=10),
    "close_after_end": dt.timedelta(hours=2),
}


def create_default_policy(apps: Apps, using: str) -> None:
    """Create the default jurisdiction and version 1 where they are missing, with `apps`' models
    (a migration's historical ones, or the live ones)."""
    if "policy_versions" not in connections[using].introspection.table_names():
        return
    Jurisdiction = apps.get_model("policies", "Jurisdiction")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    jurisdiction, _ = Jurisdiction.objects.using(using).get_or_create(
        pk=DEFAULT_JURISDICTION_ID,
        defaults={
            "name": "Default policy",
            "kind": "other",
            "description": "The rules for meetings no court, probation office or program has set its own for.",
        },
    )
    if not PolicyVersion.objects.using(using).filter(pk=DEFAULT_VERSION_ID).exists():
        PolicyVersion.objects.using(using).bulk_create(
            [
                PolicyVersion(
                    pk=DEFAULT_VERSION_ID,
                    jurisdiction=jurisdiction,
                    number=1,
                    effective_from=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
                    notes="The defaults, from the start.",
                    **FIRST_VERSION_RULES,
                )
            ]
        )
