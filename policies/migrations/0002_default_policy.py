"""The default jurisdiction and its first version, in force from 1970, so that every meeting and
session has rules from the start. Their values are the README's defaults ("What counts as
attended"); changing them means publishing version 2."""

import datetime as dt

from django.db import migrations

DEFAULT_JURISDICTION_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_VERSION_ID = "00000000-0000-4000-8000-000000000002"


def create(apps, schema_editor) -> None:
    db = schema_editor.connection.alias
    Jurisdiction = apps.get_model("policies", "Jurisdiction")
    PolicyVersion = apps.get_model("policies", "PolicyVersion")
    jurisdiction, _ = Jurisdiction.objects.using(db).get_or_create(
        pk=DEFAULT_JURISDICTION_ID,
        defaults={
            "name": "Default policy",
            "kind": "other",
            "description": "The rules for meetings no court, probation office or program has set its own for.",
        },
    )
    if not PolicyVersion.objects.using(db).filter(pk=DEFAULT_VERSION_ID).exists():
        PolicyVersion.objects.using(db).bulk_create(
            [
                PolicyVersion(
                    pk=DEFAULT_VERSION_ID,
                    jurisdiction=jurisdiction,
                    number=1,
                    effective_from=dt.datetime(1970, 1, 1, tzinfo=dt.UTC),
                    default_radius_m=100.0,
                    max_accuracy_m=150.0,
                    check_in_opens_before=dt.timedelta(minutes=30),
                    on_time_after_start=dt.timedelta(minutes=10),
                    check_out_from_before_end=dt.timedelta(minutes=10),
                    min_stay_percent=75,
                    min_stay_without_times=dt.timedelta(minutes=60),
                    check_out_must_be_verified=True,
                    max_send_delay=dt.timedelta(minutes=10),
                    close_after_end=dt.timedelta(hours=2),
                    notes="The defaults, from the start.",
                )
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
