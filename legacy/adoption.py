"""Put a legacy database under Django migrations, in one transaction, without losing a row.

The legacy tables are moved aside, a fresh `migrate` creates this application's schema (so the
result is exactly what a new database gets, with nothing converted in place), every row is
copied across with the enum names mapped to values and NULL `updated_at` backfilled, the row
counts are compared, the Alembic revision is recorded, and the legacy tables are dropped. Any
error, or any count that differs, rolls all of it back.
"""

import datetime as dt
import io
import logging
from collections.abc import Callable

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db import connection as default_connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from attendance.models import Session
from attendance.services import judge_unjudged
from contacts.models import Contact, normalize_email
from legacy.models import LegacyAdoption
from legacy.survey import (
    ALEMBIC_TABLE,
    EVENT_TYPES,
    LEGACY_COLUMNS,
    LEGACY_ENUM_TYPES,
    LEGACY_TABLES,
    LOCATION_FLAGS,
    TABLES_WITH_UPDATED_AT,
    Survey,
    count_rows,
)
from meetings import schedule
from meetings.models import Meeting, fill_time_zones

logger = logging.getLogger("compliance.legacy")

# Where the legacy tables wait while the new ones are filled: a schema on PostgreSQL (their
# indexes and constraints move with them, so no name clashes), a name prefix on SQLite.
ASIDE_SCHEMA = "legacy_alembic"
ASIDE_PREFIX = "legacy_alembic_"


class AdoptionFailed(Exception):
    """The adoption stopped and was rolled back; the database is as it was."""


def plan(survey: Survey, connection: BaseDatabaseWrapper = default_connection) -> list[str]:
    """The steps `adopt` takes, in words, with the numbers of this database."""
    pending = [f"{app}.{name}" for app, name in _pending_migrations(connection)]
    never_updated = sum(survey.never_updated.values())
    where = f"schema {ASIDE_SCHEMA}" if survey.vendor == "postgresql" else f"tables renamed {ASIDE_PREFIX}*"
    return [
        f"Move the legacy tables aside ({where}).",
        f"Create this application's schema with Django migrations ({len(pending)} migrations).",
        "Copy every row: event types "
        + ", ".join(f"{name} -> {value}" for name, value in EVENT_TYPES.items())
        + "; location flags "
        + ", ".join(f"{name} -> {value}" for name, value in LOCATION_FLAGS.items())
        + f"; updated_at left NULL by the legacy system becomes created_at ({never_updated} rows).",
        "Count every table's rows, and events per type and flag, again; roll everything back if any differ.",
        "Give each meeting the time zone at its coordinates (the site's where there is none, listed in the log).",
        "Give each session at a meeting with times that meeting's one occurrence (legacy meetings do not repeat).",
        "Start each contact's, meeting's and session's audit trail with the values it arrived with.",
        f"Record the adoption from Alembic revision {survey.revision} in legacy_adoptions.",
        "Drop the legacy tables"
        + (f" and the enum types {', '.join(LEGACY_ENUM_TYPES)}." if survey.vendor == "postgresql" else "."),
    ]


def _give_meetings_time_zones(connection: BaseDatabaseWrapper) -> None:
    """The legacy system stored no time zone: each meeting gets the one at its coordinates."""
    counts, not_found = fill_time_zones(Meeting.objects.using(connection.alias))
    logger.info("Meeting time zones from coordinates: %s", counts)
    for pk, lat, lng in not_found:
        logger.warning("Meeting %s at %s, %s: no land time zone there; it keeps the site's.", pk, lat, lng)


def _give_sessions_their_occurrences(connection: BaseDatabaseWrapper) -> None:
    """Legacy meetings happen once, so a legacy session at one was for its one occurrence (as
    attendance migration 0011 fills sessions made before meetings repeated)."""
    meeting = Meeting.objects.using(connection.alias).filter(pk=OuterRef("meeting_id"))
    filled = (
        Session.objects.using(connection.alias)
        .filter(meeting__start_time__isnull=False, occurrence_start__isnull=True)
        .update(
            occurrence_start=Subquery(meeting.values("start_time")[:1]),
            occurrence_end=Subquery(meeting.values("end_time")[:1]),
        )
    )
    logger.info("Sessions given their meeting's occurrence: %s", filled)


def _judge_closed_sessions(connection: BaseDatabaseWrapper) -> None:
    """Give each closed legacy session its outcome under the default policy's first version (the
    README's defaults), from its events' recorded flags: attendance.services.judge_unjudged.
    Attendees chose their own destinations in the legacy app, so sessions without a meeting
    are judged `self_declared_destination`."""
    judged = judge_unjudged(Session.objects.using(connection.alias))
    logger.info("Closed sessions judged: %s", judged)


def adopt(
    survey: Survey,
    connection: BaseDatabaseWrapper = default_connection,
    *,
    before_commit: Callable[[], None] | None = None,
) -> LegacyAdoption:
    """Run the plan in one transaction. `survey` must have no refusals.

    `before_commit` runs last inside the transaction (the tests inject a failure there).
    """
    if survey.refusals:
        raise AdoptionFailed("the survey found reasons to refuse this database")
    # SQLite can only switch foreign key enforcement off outside a transaction, and Django's
    # SQLite schema editor needs it off; the check runs explicitly before the commit instead.
    checks_were_on = connection.vendor == "sqlite" and not connection.disable_constraint_checking()
    try:
        with transaction.atomic(using=connection.alias):
            _move_aside(connection)
            call_command("migrate", database=connection.alias, interactive=False, verbosity=0, stdout=io.StringIO())
            # Counted inside the transaction, which now locks the legacy tables: the survey's
            # figures were for the plan only.
            before = _counts(connection, lambda table: _aside(connection, table))
            _copy_rows(connection)
            _give_meetings_time_zones(connection)
            _give_sessions_their_occurrences(connection)
            _judge_closed_sessions(connection)
            after = _counts(connection, lambda table: table)
            adopted_at = timezone.now()
            audit_counts = _start_audit_trails(connection, survey.revision, adopted_at)
            if after != before:
                differing = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
                raise AdoptionFailed(
                    "row counts differ after copying: "
                    + "; ".join(f"{key}: {before.get(key, 0)} before, {after.get(key, 0)} after" for key in differing)
                )
            untracked = {table: count for table, count in audit_counts.items() if count != after[table]}
            if untracked:
                raise AdoptionFailed(f"audit trail baselines do not match the rows copied: {untracked}")
            _store_emails_in_one_form(connection)
            record = LegacyAdoption.objects.using(connection.alias).create(
                alembic_revision=survey.revision,
                adopted_at=adopted_at,
                row_counts={table: before[table] for table in LEGACY_TABLES},
            )
            _drop_aside(connection)
            _check_references(connection)
            if before_commit:
                before_commit()
    finally:
        if checks_were_on:
            connection.enable_constraint_checking()
    if connection.alias == DEFAULT_DB_ALIAS:
        schedule.refresh()  # the adopted meetings of the coming days, for "meetings today"
    return record


def _start_audit_trails(connection: BaseDatabaseWrapper, revision: str, when: dt.datetime) -> dict[str, int]:
    """Give every adopted contact, meeting and session its first audit-trail record, so the
    first change made here shows what it changed from, not a bare "created"."""
    reason = adoption_reason(revision)
    counts = {}
    for model in (Contact, Meeting, Session):
        history = model.history.model
        columns = [history._meta.get_field(field.name).column for field in history.tracked_fields]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({', '.join(columns)}, history_date, history_change_reason, "
                f"history_type, history_user_id) SELECT {', '.join(columns)}, %s, %s, '+', NULL "
                f"FROM {model._meta.db_table}",
                [connection.ops.adapt_datetimefield_value(when), reason],
            )
            counts[model._meta.db_table] = cursor.rowcount
    return counts


EMAIL_NORMALISED = "Email stored in its one normalised form, as sign-in compares it (adoption)"


def _store_emails_in_one_form(connection: BaseDatabaseWrapper) -> None:
    """Sign-in compares addresses exactly in the form contacts.models.normalize_email gives,
    so adopted addresses typed with capitals are stored in it, each as a change in the contact's
    audit trail after the adopted baseline (which keeps the address as the legacy system had
    it). An address whose normalised form another contact already holds is left as typed and
    logged: which of the two is the person's is for staff to decide."""
    contacts = Contact.objects.using(connection.alias)
    taken = set(contacts.values_list("email", flat=True))
    for contact in contacts.order_by("created_at", "pk"):
        normalized = normalize_email(contact.email)
        if normalized == contact.email:
            continue
        if normalized in taken:
            logger.warning(
                "Adopted contact %s keeps its email as typed: another contact holds its normalised form", contact.pk
            )
            continue
        taken.discard(contact.email)
        taken.add(normalized)
        contact._change_reason = EMAIL_NORMALISED
        contact.save(using=connection.alias, update_fields=["email", "updated_at"])


def adoption_reason(revision: str) -> str:
    """The audit trail's wording for a record that arrived with the legacy database."""
    return f"Taken over from the legacy system (Alembic revision {revision})"


def _pending_migrations(connection: BaseDatabaseWrapper) -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    targets = executor.loader.graph.leaf_nodes()
    steps = executor.migration_plan(targets, clean_start=True)
    return [(migration.app_label, migration.name) for migration, _ in steps]


def _aside(connection: BaseDatabaseWrapper, table: str) -> str:
    if connection.vendor == "postgresql":
        return f"{ASIDE_SCHEMA}.{table}"
    return f"{ASIDE_PREFIX}{table}"


def _execute(connection: BaseDatabaseWrapper, *statements: str) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _move_aside(connection: BaseDatabaseWrapper) -> None:
    tables = (*LEGACY_TABLES, ALEMBIC_TABLE)
    if connection.vendor == "postgresql":
        _execute(
            connection,
            f"CREATE SCHEMA {ASIDE_SCHEMA}",
            *(f"ALTER TABLE {table} SET SCHEMA {ASIDE_SCHEMA}" for table in tables),
        )
        return
    # SQLite index names are per database: the legacy ones (ix_contacts_email, ...) must go
    # before migrate creates its own. The rows stay in the renamed tables.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN "
            f"({', '.join('%s' for _ in tables)})",
            tables,
        )
        indexes = [row[0] for row in cursor.fetchall()]
    _execute(
        connection,
        *(f'DROP INDEX "{index}"' for index in indexes),
        *(f"ALTER TABLE {table} RENAME TO {ASIDE_PREFIX}{table}" for table in tables),
    )


def _copy_rows(connection: BaseDatabaseWrapper) -> None:
    statements = []
    for table in LEGACY_TABLES:
        columns = LEGACY_COLUMNS[table]
        values = [_converted(column, table) for column in columns]
        statements.append(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {_aside(connection, table)}"
        )
    _execute(connection, *statements)


def _converted(column: str, table: str) -> str:
    """The SELECT expression that turns a legacy value into this application's."""
    if table == "session_events" and column in ("type", "location_flag"):
        names_to_values = EVENT_TYPES if column == "type" else LOCATION_FLAGS
        cases = " ".join(f"WHEN '{name}' THEN '{value}'" for name, value in names_to_values.items())
        # No ELSE: an unknown name becomes NULL, which the NOT NULL column refuses.
        return f"CASE CAST({column} AS TEXT) {cases} END"
    if column == "updated_at" and table in TABLES_WITH_UPDATED_AT:
        # The legacy models set updated_at on update only: NULL means "as created".
        return "COALESCE(updated_at, created_at)"
    return column


def _counts(connection: BaseDatabaseWrapper, name: Callable[[str], str]) -> dict[str, int]:
    """Rows per table, and events per type and flag, of the tables `name` gives."""
    counts = {table: count_rows(connection, f"SELECT COUNT(*) FROM {name(table)}") for table in LEGACY_TABLES}
    counts.update(_event_kinds(connection, name("session_events")))
    return counts


def _event_kinds(connection: BaseDatabaseWrapper, table: str) -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT CAST(type AS TEXT), CAST(location_flag AS TEXT), COUNT(*) FROM {table} GROUP BY 1, 2")
        return {f"session_events {kind.lower()}/{flag.lower()}": count for kind, flag, count in cursor.fetchall()}


def _drop_aside(connection: BaseDatabaseWrapper) -> None:
    # Referencing tables first; no CASCADE, so nothing else can go with them unnoticed.
    tables = [_aside(connection, table) for table in (ALEMBIC_TABLE, *reversed(LEGACY_TABLES))]
    statements = [f"DROP TABLE {table}" for table in tables]
    if connection.vendor == "postgresql":
        statements += [f"DROP SCHEMA {ASIDE_SCHEMA}", *(f"DROP TYPE IF EXISTS {name}" for name in LEGACY_ENUM_TYPES)]
    _execute(connection, *statements)


def _check_references(connection: BaseDatabaseWrapper) -> None:
    """Every foreign key holds now, not at the commit, so a failure still rolls back here."""
    if connection.vendor == "postgresql":
        _execute(connection, "SET CONSTRAINTS ALL IMMEDIATE")
    else:
        connection.check_constraints()
