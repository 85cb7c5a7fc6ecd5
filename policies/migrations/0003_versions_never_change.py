"""A published policy version never changes: the database refuses UPDATE (and on PostgreSQL
DELETE) of one, as attendance migration 0003 does for events. Sessions and events point at the
version that judged them, so changing one would rewrite their judgement."""

from django.db import migrations

POSTGRESQL = [
    """
CREATE FUNCTION policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'policy_versions are immutable: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$
""",
    """
CREATE TRIGGER policy_versions_immutable
    BEFORE UPDATE OR DELETE ON policy_versions
    FOR EACH ROW EXECUTE FUNCTION policy_versions_immutable()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER policy_versions_immutable ON policy_versions",
    "DROP FUNCTION policy_versions_immutable()",
]
SQLITE = [
    """
CREATE TRIGGER policy_versions_immutable BEFORE UPDATE ON policy_versions
BEGIN
    SELECT RAISE(ABORT, 'policy_versions are immutable: UPDATE refused');
END
"""
]
SQLITE_REVERSE = ["DROP TRIGGER policy_versions_immutable"]


def run(statements_by_vendor: dict[str, list[str]], schema_editor) -> None:
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


def forwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL, "sqlite": SQLITE}, schema_editor)


def backwards(apps, schema_editor) -> None:
    run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("policies", "0002_default_policy")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
