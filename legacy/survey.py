"""What is in a database before adoption: is it the legacy system's, at revision 002, and would
this application's schema accept every row of it?

Only reads. Everything here runs before anything changes, so a refusal leaves the database as
it was.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.backends.base.base import BaseDatabaseWrapper

from attendance.models import EventType, LocationFlag, SessionStatus
from core.validators import LATITUDE, LONGITUDE, MAX_RADIUS_METERS, MAX_REPORTED_ACCURACY_METERS

EXPECTED_REVISION = "002"
# In the order rows must be copied (referenced tables first).
LEGACY_TABLES = ("contacts", "meetings", "sessions", "session_events")
ALEMBIC_TABLE = "alembic_version"
ADOPTION_TABLE = "legacy_adoptions"

# The legacy schema at revision 002 is history: it never changes, so it is written out here.
LEGACY_COLUMNS = {
    "contacts": (
        "id",
        "email",
        "phone",
        "first_name",
        "last_name",
        "password_hash",
        "ghl_contact_id",
        "consent_granted",
        "consent_timestamp",
        "notes",
        "is_active",
        "created_at",
        "updated_at",
    ),
    "meetings": (
        "id",
        "name",
        "description",
        "address",
        "lat",
        "lng",
        "radius_meters",
        "start_time",
        "end_time",
        "is_active",
        "qr_code",
        "created_by",
        "created_at",
        "updated_at",
    ),
    "sessions": (
        "id",
        "contact_id",
        "meeting_id",
        "status",
        "dest_name",
        "dest_address",
        "dest_lat",
        "dest_lng",
        "session_notes",
        "is_complete",
        "created_at",
        "updated_at",
    ),
    "session_events": (
        "id",
        "session_id",
        "type",
        "ts_client",
        "ts_server",
        "lat",
        "lng",
        "accuracy",
        "location_flag",
        "notes",
        "created_at",
    ),
}
TABLES_WITH_UPDATED_AT = ("contacts", "meetings", "sessions")

# SQLAlchemy's Enum(PythonEnum) stored the member names; this application stores the values.
EVENT_TYPES = {value.upper(): value for value in EventType.values}
LOCATION_FLAGS = {value.upper(): value for value in LocationFlag.values}
# PostgreSQL enum types the legacy schema created for those columns.
LEGACY_ENUM_TYPES = ("eventtype", "locationflag")


@dataclass
class Survey:
    vendor: str
    tables: set[str]
    revision: str | None = None
    row_counts: dict[str, int] = field(default_factory=dict)
    # Rows whose updated_at the legacy system left NULL (never updated), per table.
    never_updated: dict[str, int] = field(default_factory=dict)
    refusals: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def managed_by_django(self) -> bool:
        """Django migrations already manage this database (a fresh `migrate`, or an adoption)."""
        return "django_migrations" in self.tables and ALEMBIC_TABLE not in self.tables


def survey(connection: BaseDatabaseWrapper) -> Survey:
    """Describe the database behind `connection` and list every reason not to adopt it."""
    tables = set(connection.introspection.table_names())
    found = Survey(vendor=connection.vendor, tables=tables)
    if found.managed_by_django:
        return found
    if not tables & {*LEGACY_TABLES, ALEMBIC_TABLE}:
        found.refusals.append(
            "This database holds none of the legacy tables (contacts, meetings, sessions, session_events, "
            "alembic_version). For a new database run `python manage.py migrate` instead."
        )
        return found
    _check_structure(connection, found)
    if not found.refusals:
        found.row_counts = {table: _count(connection, table) for table in (*LEGACY_TABLES, ALEMBIC_TABLE)}
        found.never_updated = {
            table: count_rows(connection, f"SELECT COUNT(*) FROM {table} WHERE updated_at IS NULL")
            for table in TABLES_WITH_UPDATED_AT
        }
        _check_rows(connection, found)
    return found


def _check_structure(connection: BaseDatabaseWrapper, found: Survey) -> None:
    missing = [table for table in (*LEGACY_TABLES, ALEMBIC_TABLE) if table not in found.tables]
    if missing:
        found.refusals.append(f"Legacy tables missing: {', '.join(missing)}.")
        return
    revisions = _column(connection, f"SELECT version_num FROM {ALEMBIC_TABLE}")
    found.revision = ", ".join(revisions) or None
    if revisions != [EXPECTED_REVISION]:
        found.refusals.append(
            f"The legacy database is at Alembic revision {found.revision or '(none)'}; this command adopts "
            f"revision {EXPECTED_REVISION} (add_password_hash) only. Run the legacy system's `alembic upgrade "
            f"head` first."
        )
    with connection.cursor() as cursor:
        for table, expected in LEGACY_COLUMNS.items():
            columns = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            if columns != set(expected):
                found.refusals.append(
                    f"Table {table} does not have the revision {EXPECTED_REVISION} columns "
                    f"(missing: {', '.join(sorted(set(expected) - columns)) or 'none'}; "
                    f"unexpected: {', '.join(sorted(columns - set(expected))) or 'none'})."
                )
    # Tables a fresh `migrate` creates, other than the legacy ones it takes over, must not exist
    # yet: a half-run `migrate` on a legacy database needs a restore from before it, not adoption.
    from django.apps import apps

    ours = {model._meta.db_table for model in apps.get_models(include_auto_created=True)} | {"django_migrations"}
    clashing = sorted((ours - set(LEGACY_TABLES)) & found.tables)
    if clashing == ["django_migrations"] and not _count(connection, "django_migrations"):
        # What a `migrate` that stopped at the first legacy table leaves: an empty record table.
        clashing = []
    if clashing:
        found.refusals.append(
            f"Tables of this application already exist beside the legacy ones ({', '.join(clashing[:5])}"
            f"{', ...' if len(clashing) > 5 else ''}): `migrate` was run on the legacy database. Restore the "
            f"legacy database from before that and adopt it instead."
        )
    others = sorted(found.tables - ours - {ALEMBIC_TABLE})
    if others:
        found.notes.append(f"Other tables are left as they are: {', '.join(others)}.")


@dataclass(frozen=True)
class RowRule:
    """Rows of `table` matching `where` would be refused by this application's schema."""

    table: str
    problem: str
    where: str


def _row_rules() -> list[RowRule]:
    def outside(column: str, low: float, high: float, low_exclusive: bool = False) -> str:
        # Written so that NaN is outside too (PostgreSQL sorts it above every number).
        return f"NOT ({column} {'>' if low_exclusive else '>='} {low} AND {column} <= {high})"

    def not_in(column: str, values: Iterable[str]) -> str:
        return f"CAST({column} AS TEXT) NOT IN ({', '.join(repr(value) for value in values)})"

    def missing(table: str, column: str, referenced: str) -> str:
        # NOT EXISTS, not NOT IN: an anti-join, where NOT IN over millions of ids can degrade to
        # a nested loop on PostgreSQL.
        return f"NOT EXISTS (SELECT 1 FROM {referenced} r WHERE r.id = {table}.{column})"

    missing_created_at = [RowRule(table, "created_at is empty", "created_at IS NULL") for table in LEGACY_TABLES]
    return [
        *missing_created_at,
        RowRule("meetings", "latitude outside -90..90", outside("lat", *LATITUDE)),
        RowRule("meetings", "longitude outside -180..180", outside("lng", *LONGITUDE)),
        RowRule(
            "meetings",
            f"radius_meters not above 0 and at most {MAX_RADIUS_METERS:,.0f}",
            outside("radius_meters", 0, MAX_RADIUS_METERS, low_exclusive=True),
        ),
        RowRule("sessions", "unknown status", not_in("status", SessionStatus.values)),
        RowRule("sessions", "destination latitude outside -90..90", outside("dest_lat", *LATITUDE)),
        RowRule("sessions", "destination longitude outside -180..180", outside("dest_lng", *LONGITUDE)),
        RowRule("sessions", "contact does not exist", missing("sessions", "contact_id", "contacts")),
        RowRule(
            "sessions",
            "meeting does not exist",
            f"meeting_id IS NOT NULL AND {missing('sessions', 'meeting_id', 'meetings')}",
        ),
        RowRule(
            "sessions",
            "a second open (active or checked_in) session of the same contact",
            "status IN ('active', 'checked_in') AND contact_id IN (SELECT contact_id FROM sessions "
            "WHERE status IN ('active', 'checked_in') GROUP BY contact_id HAVING COUNT(*) > 1)",
        ),
        RowRule("session_events", "unknown type", not_in("type", EVENT_TYPES)),
        RowRule("session_events", "unknown location_flag", not_in("location_flag", LOCATION_FLAGS)),
        RowRule("session_events", "latitude outside -90..90", outside("lat", *LATITUDE)),
        RowRule("session_events", "longitude outside -180..180", outside("lng", *LONGITUDE)),
        RowRule(
            "session_events",
            "accuracy below 0 or beyond 20,000 km",
            f"accuracy IS NOT NULL AND {outside('accuracy', 0, MAX_REPORTED_ACCURACY_METERS)}",
        ),
        RowRule("session_events", "session does not exist", missing("session_events", "session_id", "sessions")),
    ]


# Rows the schema accepts but an operator should know about; they are kept exactly as they are.
NOTEWORTHY = [
    RowRule("contacts", "e-mail addresses with capitals (sign-in ignores case)", "email <> LOWER(email)"),
    RowRule("contacts", "phone numbers not in E.164 (shown as stored; fixed on the next edit)", "phone NOT LIKE '+%'"),
    RowRule(
        "sessions",
        "is_complete disagrees with status",
        "is_complete <> (status IN ('completed', 'ended'))",
    ),
    RowRule(
        "session_events",
        "timeout events with the coordinates the legacy app stored anyway (kept as recorded)",
        "CAST(location_flag AS TEXT) = 'TIMEOUT'",
    ),
]


def _check_rows(connection: BaseDatabaseWrapper, found: Survey) -> None:
    for rule in _row_rules():
        count, sample = _matching(connection, rule)
        if count:
            found.refusals.append(
                f"{count} row(s) of {rule.table}: {rule.problem} "
                f"(ids: {', '.join(sample)}{', ...' if count > len(sample) else ''})."
            )
    for rule in NOTEWORTHY:
        count, _ = _matching(connection, rule)
        if count:
            found.notes.append(f"{count} row(s) of {rule.table}: {rule.problem}.")
    duplicates = count_rows(
        connection,
        "SELECT COUNT(*) FROM (SELECT LOWER(email) FROM contacts GROUP BY LOWER(email) HAVING COUNT(*) > 1) d",
    )
    if duplicates:
        found.notes.append(
            f"{duplicates} e-mail address(es) belong to two contacts differing only in capitals; sign-in "
            "picks the one stored in lower case, else the oldest."
        )


def _matching(connection: BaseDatabaseWrapper, rule: RowRule) -> tuple[int, list[str]]:
    where = f"FROM {rule.table} WHERE {rule.where}"
    count = count_rows(connection, f"SELECT COUNT(*) {where}")
    sample = _column(connection, f"SELECT id {where} ORDER BY id LIMIT 5") if count else []
    return count, sample


def _count(connection: BaseDatabaseWrapper, table: str) -> int:
    return count_rows(connection, f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")


def count_rows(connection: BaseDatabaseWrapper, sql: str) -> int:
    """The number a `SELECT COUNT(*) ...` answers."""
    return int(_column(connection, sql)[0])


def _column(connection: BaseDatabaseWrapper, sql: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]
