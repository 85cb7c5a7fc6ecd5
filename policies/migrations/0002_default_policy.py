"""The default jurisdiction and its first version, in force from 1970, so that every meeting and
session has rules from the start. Their values are the README's defaults ("What counts as
attended", policies.defaults); changing them means publishing version 2."""

from django.db import migrations

from policies.defaults import create_default_policy


def create(apps, schema_editor) -> None:
    create_default_policy(apps, schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("policies", "0001_initial")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
