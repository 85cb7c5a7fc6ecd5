"""Indexes for the staff's meetings list and search, on PostgreSQL.

The list shows active meetings latest first with those without a time last (`start_time DESC
NULLS LAST, name, id`): an index in that order (which SQLite cannot declare) gives the first
page without sorting 200,000 rows, and serves the dashboard's "today's meetings" too.

The search is `UPPER(name) LIKE UPPER('%...%')` (Django's icontains); no B-tree serves a
"contains", so at 200,000 meetings every search read the whole table (about 100 ms). A GIN
index of pg_trgm trigrams on the same expression serves it. pg_trgm ships with PostgreSQL and
is a trusted extension: the database owner may create it. SQLite, the development database,
searches its small tables without an index.
"""

from django.db import migrations

POSTGRESQL = [
    "CREATE INDEX ix_meetings_active_start ON meetings (start_time DESC NULLS LAST, name, id) WHERE is_active",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX ix_meetings_name_trgm ON meetings USING gin ((UPPER("name"::text)) gin_trgm_ops)',
    'CREATE INDEX ix_meetings_address_trgm ON meetings USING gin ((UPPER("address"::text)) gin_trgm_ops)',
]
POSTGRESQL_REVERSE = [
    "DROP INDEX ix_meetings_address_trgm",
    "DROP INDEX ix_meetings_name_trgm",
    "DROP INDEX ix_meetings_active_start",
]


def forwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL:
            schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0003_historicalmeeting")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
