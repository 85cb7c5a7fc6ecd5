"""manage.py backup and restore, on the suite's engine (SQLite, or PostgreSQL with DATABASE_URL)."""

import io
import re
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from operations import backups
from tests.factories import ContactFactory, MeetingFactory
from tests.legacy.databases import connected_to, scratch_database, snapshot

pytestmark = pytest.mark.django_db(transaction=True)

PREFILLED_SESSIONS = 2000


def run(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def insert_sessions(cursor, numbers: range, contact_id: str, meeting_id: str) -> None:
    """One transaction: sessions numbered `numbers`, each with its check-in and check-out.

    Literal SQL (ids and numbers made here): the same text runs on sqlite3 and psycopg, whose
    placeholders differ.
    """
    cursor.execute("BEGIN")
    for number in numbers:
        cursor.execute(
            "INSERT INTO sessions (id, contact_id, meeting_id, status, dest_name, dest_address, dest_lat, dest_lng, "
            "is_complete, created_at, updated_at) VALUES "
            f"('s-{number}', '{contact_id}', '{meeting_id}', 'completed', '{number}', '1 Main St', 45.5, -122.6, "
            "TRUE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
        for kind in ("check_in", "check_out"):
            cursor.execute(
                "INSERT INTO session_events (id, session_id, type, ts_client, ts_server, lat, lng, accuracy, "
                f"location_flag, created_at) VALUES ('e-{number}-{kind}', 's-{number}', '{kind}', CURRENT_TIMESTAMP, "
                "CURRENT_TIMESTAMP, 45.5, -122.6, 5, 'granted', CURRENT_TIMESTAMP)"
            )
    cursor.execute("COMMIT")


class Writer(threading.Thread):
    """Keeps committing sessions with their two events, as attendees checking out would."""

    def __init__(self, database, contact_id: str, meeting_id: str) -> None:
        super().__init__(daemon=True)
        self.database, self.contact_id, self.meeting_id = database, contact_id, meeting_id
        self.committed = 0
        self.error: Exception | None = None
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            with self.database.raw_cursor() as cursor:
                while not self.stopping.is_set() and self.committed < 20_000:
                    number = PREFILLED_SESSIONS + self.committed
                    insert_sessions(cursor, range(number, number + 1), self.contact_id, self.meeting_id)
                    self.committed += 1
        except Exception as error:  # reported by the test
            self.error = error


def counts(database) -> dict[str, int]:
    return {table: len(rows) for table, rows in snapshot(database)["rows"].items()}


@pytest.fixture
def source(tmp_path, transactional_db, django_db_blocker):
    """A migrated database with a contact, a meeting and PREFILLED_SESSIONS finished sessions."""
    with scratch_database("source", tmp_path) as database:
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
            database.contact_id, database.meeting_id = ContactFactory().pk, MeetingFactory().pk
        with database.raw_cursor() as cursor:
            insert_sessions(cursor, range(PREFILLED_SESSIONS), database.contact_id, database.meeting_id)
        yield database


@pytest.fixture
def target(tmp_path, transactional_db):
    with scratch_database("target", tmp_path) as database:
        yield database


def test_a_backup_taken_during_writes_restores_to_a_consistent_database(source, target, tmp_path, django_db_blocker):
    backup_file = tmp_path / "during-writes.backup"
    writer = Writer(source, source.contact_id, source.meeting_id)
    writer.start()
    while writer.committed < 20 and writer.is_alive():
        time.sleep(0.01)
    committed_before = writer.committed
    with connected_to(source, django_db_blocker):
        backed_up = run("backup", str(backup_file))
    committed_after = writer.committed
    writer.stopping.set()
    writer.join(timeout=30)
    assert writer.error is None
    assert committed_after > committed_before, "the writer kept committing while the backup ran"

    with connected_to(target, django_db_blocker):
        restored = run("restore", str(backup_file))

    with target.raw_cursor() as cursor:
        cursor.execute("SELECT dest_name FROM sessions")
        numbers = sorted(int(row[0]) for row in cursor.fetchall())
        cursor.execute("SELECT COUNT(*) FROM session_events")
        events = cursor.fetchone()[0]
    # One snapshot: every committed session up to some moment during the backup, none after,
    # none missing in between, and each with both of its events.
    assert numbers == list(range(len(numbers)))
    assert PREFILLED_SESSIONS + committed_before <= len(numbers) <= PREFILLED_SESSIONS + committed_after
    assert events == 2 * len(numbers)
    # Every other table restored with identical row counts.
    source_counts, target_counts = counts(source), counts(target)
    for table in ("sessions", "session_events"):
        source_counts.pop(table), target_counts.pop(table)
    assert target_counts == source_counts
    assert f"sessions {len(numbers):,}, session_events {events:,}" in restored
    if source.vendor == "sqlite":  # the SQLite backup counts its own rows
        assert re.search(rf"sessions {len(numbers):,}, session_events {events:,}\.", backed_up)


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(source, target, tmp_path, django_db_blocker):
    backup_file = tmp_path / "one.backup"
    with connected_to(source, django_db_blocker):
        run("backup", str(backup_file))
    with connected_to(target, django_db_blocker):
        call_command("migrate", verbosity=0)
        ContactFactory(email="only-in-target@example.org")
    before = snapshot(target)

    with connected_to(target, django_db_blocker), pytest.raises(CommandError, match="not empty"):
        run("restore", str(backup_file))
    assert snapshot(target) == before

    with connected_to(target, django_db_blocker):
        output = run("restore", "--force", str(backup_file))
    assert f"sessions {PREFILLED_SESSIONS:,}" in output
    assert counts(target)["session_events"] == 2 * PREFILLED_SESSIONS


def test_backup_never_overwrites_a_file(source, tmp_path, django_db_blocker):
    existing = tmp_path / "existing.backup"
    existing.write_bytes(b"an earlier backup")
    with connected_to(source, django_db_blocker), pytest.raises(CommandError, match="already exists"):
        run("backup", str(existing))
    assert existing.read_bytes() == b"an earlier backup"


def test_backup_into_a_missing_folder_is_refused(source, tmp_path, django_db_blocker):
    with connected_to(source, django_db_blocker), pytest.raises(CommandError, match="does not exist"):
        run("backup", str(tmp_path / "no-such-folder" / "x.backup"))


def test_restore_refuses_files_that_are_not_backups_of_this_engine(target, tmp_path, django_db_blocker):
    other_engine = tmp_path / "other.backup"
    other_engine.write_bytes(backups.PG_DUMP_HEADER if target.vendor == "sqlite" else backups.SQLITE_HEADER)
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello")

    with connected_to(target, django_db_blocker):
        with pytest.raises(CommandError, match="backup; the database is"):
            run("restore", str(other_engine))
        with pytest.raises(CommandError, match="not a backup made by"):
            run("restore", str(not_a_backup))
        with pytest.raises(CommandError, match="Cannot read"):
            run("restore", str(tmp_path / "missing.backup"))


def test_a_failed_postgresql_dump_leaves_no_file(source, tmp_path, django_db_blocker, monkeypatch):
    if source.vendor != "postgresql":
        pytest.skip("pg_dump is PostgreSQL's")
    target_file = tmp_path / "x.backup"
    with connected_to(source, django_db_blocker):
        from django.db import connection

        monkeypatch.setitem(connection.settings_dict, "NAME", "no_such_database_here")
        with pytest.raises(CommandError, match="pg_dump failed"):
            run("backup", str(target_file))
    assert list(tmp_path.glob("x.backup*")) == []


def test_postgresql_passwords_go_through_the_environment_not_the_command_line(monkeypatch):
    seen = {}

    def fake_run(arguments, env, **kwargs):
        seen["arguments"], seen["env"] = arguments, env

        class Finished:
            returncode, stderr = 0, ""

        return Finished()

    monkeypatch.setattr(backups.subprocess, "run", fake_run)
    monkeypatch.setattr(backups.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    settings = {"HOST": "db", "PORT": 5432, "USER": "app", "PASSWORD": "s3cret", "NAME": "compliance"}
    backups._run("pg_dump", ["--format=custom"], settings)

    assert not [argument for argument in seen["arguments"] if "s3cret" in argument]
    assert seen["env"]["PGPASSWORD"] == "s3cret"
    assert seen["env"]["PGDATABASE"] == "compliance"
    assert "--no-password" in seen["arguments"]
