"""Refused attempts are evidence like events: the database refuses to change them (and on
PostgreSQL to remove them), as migration 0003 does for session_events.

On SQLite, 0013 rebuilt session_events to add its foreign key to policy_versions, and a rebuilt
table loses its triggers: 0003's is created again here. (SQLite refuses UPDATE only: Django's
test runner and `flush` empty SQLite tables with DELETE.)
"""

from django.db import migrations

POSTGRESQL = [
    """
CREATE FUNCTION refused_attempts_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'refused_attempts are append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
""",
    """
CREATE TRIGGER refused_attempts_append_only
    BEFORE UPDATE OR DELETE ON refused_attempts
    FOR EACH ROW EXECUTE FUNCTION refused_attempts_append_only()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER refused_attempts_append_only ON refused_attempts",
    "DROP FUNCTION refused_attempts_append_only()",
]
SQLITE = [
    """
CREATE TRIGGER IF NOT EXISTS session_events_append_only BEFORE UPDATE ON session_events
BEGIN
    SELECT RAISE(ABORT, 'session_events are append-only: UPDATE refused');
END
""",
    """
CREATE TRIGGER refused_attempts_append_only BEFORE UPDATE ON refused_attempts
BEGIN
    SELECT RAISE(ABORT, 'refused_attempts are append-only: UPDATE refused');
END
""",
]
SQLITE_REVERSE = ["DROP TRIGGER refused_attempts_append_only"]


def run(statements_by_vendor: dict[str, list[str]], schema_editor) -> None:
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL, "sqlite": SQLITE}, schema_editor)


def backwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("attendance", "0013_judgements")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
