"""LegacyAdoption moved here from the project package (app label `compliance`), table kept.

A database migrated before the move already has the table `legacy_adoptions` (made by the
migration `compliance.0001_legacy_adoptions`, which no longer exists): this migration then
only records the model in Django's state and moves its content type, so that permissions
granted on it stay granted. A new database gets the table here.
"""

import django.utils.timezone
from django.db import migrations, models

TABLE = "legacy_adoptions"


class CreateModelUnlessTableExists(migrations.CreateModel):
    """CreateModel whose table may already exist from before the move: then only the state changes."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state) -> None:
        if TABLE in schema_editor.connection.introspection.table_names():
            return
        super().database_forwards(app_label, schema_editor, from_state, to_state)


def move_content_type(apps, schema_editor) -> None:
    """The permissions on LegacyAdoption belong to its content type: move it to the new label."""
    content_type = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not content_type.objects.using(db).filter(app_label="legacy", model="legacyadoption").exists():
        content_type.objects.using(db).filter(app_label="compliance", model="legacyadoption").update(app_label="legacy")


class Migration(migrations.Migration):
    initial = True

    dependencies = [("contenttypes", "0002_remove_content_type_name")]

    operations = [
        CreateModelUnlessTableExists(
            name="LegacyAdoption",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("alembic_revision", models.CharField(max_length=32)),
                ("adopted_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "row_counts",
                    models.JSONField(help_text="Rows per legacy table, counted before and after the adoption."),
                ),
            ],
            options={
                "db_table": TABLE,
                "get_latest_by": "adopted_at",
            },
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
