"""Consistent backups while the application runs, and restores into an empty database.

SQLite: the online backup API copies the database as one snapshot (writers go on, thanks to
write-ahead logging) into a self-contained file. PostgreSQL: `pg_dump --format=custom`, which
reads one snapshot too, and `pg_restore`. Either way the file is written under a temporary
name and renamed when complete, so a file with the given name is always a whole backup.
Passwords reach pg_dump and pg_restore through their environment, never their command line.
"""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.db.backends.base.base import BaseDatabaseWrapper

SQLITE_HEADER = b"SQLite format 3\x00"
PG_DUMP_HEADER = b"PGDMP"
# The tables whose rows the commands report after a backup or a restore.
EVIDENCE_TABLES = ("contacts", "meetings", "sessions", "session_events")


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass
class Outcome:
    path: Path
    size: int
    row_counts: dict[str, int]


def backup(connection: BaseDatabaseWrapper, path: Path) -> Outcome:
    """Write a consistent copy of the database behind `connection` to `path` (a new file)."""
    if path.exists():
        raise BackupError(f"{path} already exists; choose a new file name (backups are never overwritten).")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if connection.vendor == "sqlite":
            counts = _sqlite_backup(Path(connection.settings_dict["NAME"]), partial)
        else:
            _pg_dump(connection.settings_dict, partial)
            counts = {}
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path, path.stat().st_size, counts)


def restore(connection: BaseDatabaseWrapper, path: Path, *, force: bool = False) -> Outcome:
    """Restore `path` (made by `backup`) into the database behind `connection`.

    Refuses a database that already has tables unless `force`, which replaces what the backup
    holds (and, on SQLite, everything).
    """
    kind = backup_kind(path)
    if kind != connection.vendor:
        raise BackupError(f"{path} is a {kind} backup; the database is {connection.vendor}.")
    tables = connection.introspection.table_names()
    if tables and not force:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables). Restore into an empty database, or add --force "
            "to replace its contents."
        )
    connection.close()
    if kind == "sqlite":
        _sqlite_restore(path, Path(connection.settings_dict["NAME"]))
    else:
        _pg_restore(connection.settings_dict, path, clean=bool(tables))
    counts = row_counts(connection)
    connection.close()
    return Outcome(path, path.stat().st_size, counts)


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", from the file's first bytes."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise BackupError(f"Cannot read {path}: {error.strerror}.") from error
    if header == SQLITE_HEADER:
        return "sqlite"
    if header.startswith(PG_DUMP_HEADER):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `manage.py backup` (neither SQLite nor pg_dump custom format).")


def row_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        counts = {}
        for table in EVIDENCE_TABLES:
            if table in present:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (constant names)
                counts[table] = cursor.fetchone()[0]
        return counts


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_backup(source_path: Path, target_path: Path) -> dict[str, int]:
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(target_path)
    try:
        # All pages in one step: one read snapshot, so the copy is consistent.
        source.backup(target)
        # A self-contained file: no write-ahead log beside it.
        target.execute("PRAGMA journal_mode=DELETE")
        _check_sqlite(target, target_path)
        return _sqlite_counts(target)
    finally:
        target.close()
        source.close()


def _sqlite_restore(backup_path: Path, database_path: Path) -> None:
    source = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    target = sqlite3.connect(database_path)
    try:
        _check_sqlite(source, backup_path)
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


def _check_sqlite(database: sqlite3.Connection, path: Path) -> None:
    result = database.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check: {result}")


def _sqlite_counts(database: sqlite3.Connection) -> dict[str, int]:
    present = {row[0] for row in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return {
        table: database.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 (constant names)
        for table in EVIDENCE_TABLES
        if table in present
    }


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_environment(settings: dict) -> dict[str, str]:
    """libpq's variables for the configured database: credentials stay off the command line."""
    options = settings.get("OPTIONS") or {}
    variables = {
        "PGHOST": settings.get("HOST") or "",
        "PGPORT": str(settings.get("PORT") or ""),
        "PGUSER": settings.get("USER") or "",
        "PGPASSWORD": settings.get("PASSWORD") or "",
        "PGDATABASE": settings["NAME"],
        "PGSSLMODE": options.get("sslmode", ""),
        "PGAPPNAME": "verified-compliance-backup",
    }
    return {**os.environ, **{name: value for name, value in variables.items() if value}}


def _run(tool: str, arguments: list[str], settings: dict) -> None:
    executable = shutil.which(tool)
    if executable is None:
        raise BackupError(f"{tool} is not installed; install PostgreSQL's client tools (Debian: postgresql-client).")
    finished = subprocess.run(  # noqa: S603 (fixed tool, arguments built here)
        [executable, "--no-password", *arguments], env=_pg_environment(settings), capture_output=True, text=True
    )
    if finished.returncode != 0:
        raise BackupError(f"{tool} failed: {finished.stderr.strip() or finished.returncode}")


def _pg_dump(settings: dict, target: Path) -> None:
    _run("pg_dump", ["--format=custom", f"--file={target}"], settings)
    # The archive's table of contents is read back: a truncated file fails here, not at restore.
    _run("pg_restore", ["--list", str(target)], settings)


def _pg_restore(settings: dict, source: Path, *, clean: bool) -> None:
    arguments = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        arguments += ["--clean", "--if-exists"]
    _run("pg_restore", [*arguments, f"--dbname={settings['NAME']}", str(source)], settings)
