"""Make the database itself refuse to change or remove attendance evidence.

The models already refuse (AppendOnlyError); these triggers also stop raw SQL, other tools and
bugs. PostgreSQL refuses UPDATE and DELETE of a row. SQLite refuses UPDATE only: Django's test
runner and `flush` empty SQLite tables with DELETE (PostgreSQL's use TRUNCATE, which row
triggers do not see), and SQLite is the development database.
"""

from django.db import migrations

POSTGRESQL = [
    """
CREATE FUNCTION session_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'session_events are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
""",
    """
CREATE TRIGGER session_events_append_only
    BEFORE UPDATE OR DELETE ON session_events
    FOR EACH ROW EXECUTE FUNCTION session_events_append_only()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER session_events_append_only ON session_events",
    "DROP FUNCTION session_events_append_only()",
]
SQLITE = [
    """
CREATE TRIGGER session_events_append_only BEFORE UPDATE ON session_events
BEGIN
    SELECT RAISE(ABORT, 'session_events are append-only: UPDATE refused');
END
"""
]
SQLITE_REVERSE = ["DROP TRIGGER session_events_append_only"]


def run(statements_by_vendor: dict[str, list[str]], schema_editor) -> None:
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL, "sqlite": SQLITE}, schema_editor)


def backwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("attendance", "0002_ranges_refuse_nan_and_infinity")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
