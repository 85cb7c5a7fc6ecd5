"""Scratch databases beside the test database, and ways to look at them.

A scratch database uses the test database's engine (a SQLite file, or a database on the same
PostgreSQL server), so the suite covers SQLite when run on SQLite and PostgreSQL when run with
DATABASE_URL. `connected_to` points Django's default connection at one for a while, so that
commands, the test client and the ORM all work on it.
"""

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.contrib.contenttypes.models import ContentType
from django.db import DEFAULT_DB_ALIAS, connections


@dataclass
class ScratchDatabase:
    vendor: str
    name: str  # a file path for SQLite, a database name for PostgreSQL
    settings: dict

    @property
    def url(self) -> str:
        """The DATABASE_URL of this database, for the legacy builder and for subprocesses."""
        if self.vendor == "sqlite":
            return f"sqlite:///{self.name}"
        s = self.settings
        password = f":{quote(s['PASSWORD'], safe='')}" if s.get("PASSWORD") else ""
        return f"postgres://{quote(s['USER'], safe='')}{password}@{s['HOST']}:{s['PORT'] or 5432}/{self.name}"

    @property
    def connection_settings(self) -> dict:
        """What Django's connection needs to reach this database instead of the test database."""
        fields = ("HOST", "PORT", "USER", "PASSWORD") if self.vendor == "postgresql" else ()
        return {"NAME": self.name, **{field: self.settings.get(field, "") for field in fields}}

    @contextmanager
    def raw_cursor(self):
        """A plain DB-API cursor, without Django's type conversions: values as stored."""
        if self.vendor == "sqlite":
            raw = sqlite3.connect(self.name, isolation_level=None)
        else:
            raw = psycopg.connect(self.url.replace("postgres://", "postgresql://", 1), autocommit=True)
        try:
            yield raw.cursor()
        finally:
            raw.close()


def _server_connection(settings: dict):
    return psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


@contextmanager
def scratch_database(label: str, directory: Path) -> Iterator[ScratchDatabase]:
    """An empty database named after the test database and `label`, removed afterwards."""
    settings = dict(connections[DEFAULT_DB_ALIAS].settings_dict)
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if vendor == "sqlite":
        path = directory / f"{label}.sqlite3"
        path.touch()  # an empty file is an empty SQLite database
        yield ScratchDatabase(vendor, str(path), settings)
        return
    name = f"{settings['NAME']}_{label}"[:63]
    with _server_connection(settings) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ScratchDatabase(vendor, name, settings)
    finally:
        with _server_connection(settings) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def connected_to(database: ScratchDatabase, django_db_blocker) -> Iterator[None]:
    """Point Django's default connection at `database` until the block ends."""
    connection = connections[DEFAULT_DB_ALIAS]
    saved_settings, saved_connection = connection.settings_dict, connection.connection
    # An in-memory SQLite test database disappears when its connection closes: keep it aside.
    connection.connection = None
    connection.settings_dict = {**saved_settings, **database.connection_settings}
    ContentType.objects.clear_cache()  # ids differ between databases
    try:
        with django_db_blocker.unblock():
            yield
    finally:
        connection.close()
        connection.settings_dict, connection.connection = saved_settings, saved_connection
        ContentType.objects.clear_cache()


# --- What a database holds ------------------------------------------------------------------

POSTGRESQL_SCHEMA = {
    "schemas": "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'",
    "relations": """
        SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'""",
    "columns": """
        SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0
          AND NOT a.attisdropped""",
    "constraints": """
        SELECT conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid), condeferrable,
               condeferred
        FROM pg_constraint WHERE connamespace = 'public'::regnamespace""",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "triggers": "SELECT tgrelid::regclass::text, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "functions": "SELECT proname, pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    "types": """
        SELECT typname, typtype FROM pg_type
        WHERE typnamespace = 'public'::regnamespace AND typtype IN ('e', 'd')""",
    "sequences": """
        SELECT sequencename, data_type, start_value, increment_by, max_value, cycle
        FROM pg_sequences WHERE schemaname = 'public'""",
}


def schema_of(cursor, vendor: str) -> dict[str, list]:
    """Every schema object of a database, comparable between two databases."""
    if vendor == "sqlite":
        cursor.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        return {"objects": sorted(cursor.fetchall(), key=repr)}
    found = {}
    for kind, sql in POSTGRESQL_SCHEMA.items():
        cursor.execute(sql)
        found[kind] = sorted((tuple(row) for row in cursor.fetchall()), key=repr)
    return found


def tables_of(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    else:
        cursor.execute(
            "SELECT CASE WHEN schemaname = 'public' THEN tablename ELSE schemaname || '.' || tablename END "
            "FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1"
        )
    return [row[0] for row in cursor.fetchall()]


def rows_of(cursor, table: str) -> list[tuple]:
    cursor.execute(f"SELECT * FROM {table}")
    return sorted((tuple(row) for row in cursor.fetchall()), key=repr)


def snapshot(database: ScratchDatabase) -> dict:
    """Schema and every row of every table, to show that something changed nothing."""
    with database.raw_cursor() as cursor:
        return {
            "schema": schema_of(cursor, database.vendor),
            "rows": {table: rows_of(cursor, table) for table in tables_of(cursor, database.vendor)},
        }
