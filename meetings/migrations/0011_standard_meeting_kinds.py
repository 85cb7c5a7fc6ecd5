"""The standard meeting kinds (meetings.standard_kinds), so that staff can tag meetings from the start."""

from django.db import migrations

from meetings.standard_kinds import create_standard_kinds


def create(apps, schema_editor) -> None:
    create_standard_kinds(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0010_meeting_kinds")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
