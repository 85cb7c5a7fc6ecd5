"""The migrated database matches the schema reference, by introspection, on SQLite and PostgreSQL.

The expected tables below are transcribed from ../shared/seed/schema-reference.md. The only
differences are the deviations listed in the README (nullable event coordinates for timeouts,
no default location flag), which are spelt out here too.
"""

import re

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db

STR, TEXT, FLOAT, BOOL, DATETIME = "CharField", "TextField", "FloatField", "BooleanField", "DateTimeField"
INT = "IntegerField"
NULL, NOT_NULL = True, False

# column: (type, max_length, nullable)
REFERENCE_COLUMNS = {
    "contacts": {
        "id": (STR, 36, NOT_NULL),
        "email": (STR, 255, NOT_NULL),
        "phone": (STR, 20, NULL),
        "first_name": (STR, 100, NULL),
        "last_name": (STR, 100, NULL),
        "password_hash": (STR, 255, NULL),
        "ghl_contact_id": (STR, 100, NULL),
        "consent_granted": (BOOL, None, NOT_NULL),
        "consent_timestamp": (DATETIME, None, NULL),
        "notes": (TEXT, None, NULL),
        "is_active": (BOOL, None, NOT_NULL),
        # Not in the reference: API tokens and set-password links issued before it no longer work.
        "credentials_changed_at": (DATETIME, None, NULL),
        # Not in the reference: the staff member whose caseload the contact is in (an auth user).
        "case_manager_id": (INT, None, NULL),
        "created_at": (DATETIME, None, NOT_NULL),
        "updated_at": (DATETIME, None, NOT_NULL),
    },
    "meetings": {
        "id": (STR, 36, NOT_NULL),
        "name": (STR, 255, NOT_NULL),
        "description": (TEXT, None, NULL),
        "address": (STR, 500, NOT_NULL),
        "lat": (FLOAT, None, NOT_NULL),
        "lng": (FLOAT, None, NOT_NULL),
        "radius_meters": (FLOAT, None, NOT_NULL),
        "start_time": (DATETIME, None, NULL),
        "end_time": (DATETIME, None, NULL),
        # Not in the reference: the IANA zone the meeting's times are shown in.
        "time_zone": (STR, 64, NOT_NULL),
        # Not in the reference: an RFC 5545 rule repeating the first occurrence ("" for none).
        "recurrence": (STR, 500, NOT_NULL),
        # Not in the reference (the seed plans it): whose attendance rules apply.
        "jurisdiction_id": (STR, 36, NOT_NULL),
        "is_active": (BOOL, None, NOT_NULL),
        "qr_code": (STR, 100, NULL),
        "created_by": (STR, 36, NULL),
        "created_at": (DATETIME, None, NOT_NULL),
        "updated_at": (DATETIME, None, NOT_NULL),
    },
    "sessions": {
        "id": (STR, 36, NOT_NULL),
        "contact_id": (STR, 36, NOT_NULL),
        "meeting_id": (STR, 36, NULL),
        "status": (STR, 20, NOT_NULL),
        "dest_name": (STR, 255, NOT_NULL),
        "dest_address": (STR, 500, NOT_NULL),
        "dest_lat": (FLOAT, None, NOT_NULL),
        "dest_lng": (FLOAT, None, NOT_NULL),
        "session_notes": (TEXT, None, NULL),
        "is_complete": (BOOL, None, NOT_NULL),
        # Not in the reference: the meeting's occurrence the session is for.
        "occurrence_start": (DATETIME, None, NULL),
        "occurrence_end": (DATETIME, None, NULL),
        # Not in the reference (the seed's planned policy_version_id): the rules it is judged by,
        # the radius applied, who approved a destination, and the judged outcome.
        "policy_version_id": (STR, 36, NOT_NULL),
        "radius_m": (FLOAT, None, NULL),
        "destination_approved_by_id": (INT, None, NULL),
        "outcome": (STR, 12, NOT_NULL),
        "outcome_reasons": (STR, 255, NOT_NULL),
        "seconds_attended": (INT, None, NULL),
        "seconds_scheduled": (INT, None, NULL),
        "created_at": (DATETIME, None, NOT_NULL),
        "updated_at": (DATETIME, None, NOT_NULL),
    },
    "session_events": {
        "id": (STR, 36, NOT_NULL),
        "session_id": (STR, 36, NOT_NULL),
        # The reference's Enum columns: varchar sized like the legacy SQLite columns, plus a
        # check constraint (see the README's deviations).
        "type": (STR, 15, NOT_NULL),
        "ts_client": (DATETIME, None, NOT_NULL),
        "ts_server": (DATETIME, None, NOT_NULL),
        # Deviation: NULL only for a `timeout` event, which has no fix.
        "lat": (FLOAT, None, NULL),
        "lng": (FLOAT, None, NULL),
        "accuracy": (FLOAT, None, NULL),
        "location_flag": (STR, 7, NOT_NULL),
        "notes": (TEXT, None, NULL),
        # Not in the reference (the seed's planned policy_version_id): the judgement as made.
        "policy_version_id": (STR, 36, NULL),
        "verdict_reason": (STR, 32, NOT_NULL),
        "distance_m": (FLOAT, None, NULL),
        "radius_m": (FLOAT, None, NULL),
        "sent_late": (BOOL, None, NOT_NULL),
        "created_at": (DATETIME, None, NOT_NULL),
    },
}

# index name: (columns, unique)
REFERENCE_INDEXES = {
    "contacts": {
        "ix_contacts_email": (["email"], True),
        "ix_contacts_phone": (["phone"], False),
        "ix_contacts_ghl_contact_id": (["ghl_contact_id"], True),
        "ix_contacts_is_active": (["is_active"], False),
    },
    "meetings": {
        "ix_meetings_name": (["name"], False),
        "ix_meetings_is_active": (["is_active"], False),
        "ix_meetings_qr_code": (["qr_code"], True),
        "ix_meetings_lat_lng": (["lat", "lng"], False),
    },
    "sessions": {
        "ix_sessions_contact_id": (["contact_id"], False),
        "ix_sessions_meeting_id": (["meeting_id"], False),
        "ix_sessions_status": (["status"], False),
        "ix_sessions_is_complete": (["is_complete"], False),
        "ix_sessions_created_at": (["created_at"], False),
    },
    "session_events": {
        "ix_session_events_session_id": (["session_id"], False),
        "ix_session_events_type": (["type"], False),
        "ix_session_events_ts_server": (["ts_server"], False),
    },
}

REFERENCE_FOREIGN_KEYS = {
    "sessions": {
        "contact_id": ("contacts", "id"),
        "meeting_id": ("meetings", "id"),
        # Not in the reference:
        "policy_version_id": ("policy_versions", "id"),
        "destination_approved_by_id": ("auth_user", "id"),
    },
    "session_events": {"session_id": ("sessions", "id"), "policy_version_id": ("policy_versions", "id")},
    # Not in the reference:
    "meetings": {"jurisdiction_id": ("jurisdictions", "id")},
}

# Database defaults the reference gives (server_default or a NOT NULL column's default).
REFERENCE_DEFAULTS = {
    ("contacts", "consent_granted"): False,
    ("contacts", "is_active"): True,
    ("meetings", "is_active"): True,
    ("meetings", "radius_meters"): 100.0,
    ("sessions", "status"): "active",
    ("sessions", "is_complete"): False,
    # Not in the reference: rows written outside Django (legacy adoption's copy) are open and
    # under the default policy until judged.
    ("sessions", "outcome"): "open",
    ("sessions", "policy_version_id"): "00000000-0000-4000-8000-000000000002",
    ("meetings", "jurisdiction_id"): "00000000-0000-4000-8000-000000000001",
}


def max_length(table: str, column) -> int | None:
    if connection.vendor == "sqlite":
        match = re.fullmatch(r"varchar\((\d+)\)", column.type_code, re.IGNORECASE)
        return int(match[1]) if match else None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT character_maximum_length FROM information_schema.columns"
            " WHERE table_name = %s AND column_name = %s",
            [table, column.name],
        )
        return cursor.fetchone()[0]


def describe(table: str) -> dict:
    with connection.cursor() as cursor:
        columns = connection.introspection.get_table_description(cursor, table)
        return {
            column.name: (
                connection.introspection.get_field_type(column.type_code, column),
                max_length(table, column),
                bool(column.null_ok),
            )
            for column in columns
        }


def constraints(table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@pytest.mark.parametrize("table", REFERENCE_COLUMNS)
def test_columns_match_the_reference(table):
    assert describe(table) == REFERENCE_COLUMNS[table]


@pytest.mark.parametrize("table", REFERENCE_INDEXES)
def test_indexes_have_the_reference_names_columns_and_uniqueness(table):
    found = constraints(table)
    for name, (columns, unique) in REFERENCE_INDEXES[table].items():
        assert name in found, f"{table} lacks index {name}"
        assert found[name]["columns"] == columns
        assert bool(found[name]["unique"]) is unique


@pytest.mark.parametrize("table", REFERENCE_INDEXES)
def test_no_unnamed_extra_indexes(table):
    # Every index is a reference index, the open-session rule, or the primary key: nothing
    # Django named on its own (such as a varchar_pattern_ops "_like" index) slows inserts.
    expected = set(REFERENCE_INDEXES[table]) | {
        "uq_sessions_one_open_per_contact",
        "ix_session_events_unverified",
        "ix_contacts_without_consent",
        # Not in the reference: "my caseload" on the staff lists and the API's filter.
        "ix_contacts_case_manager",
        "ix_session_events_check_ins",
        "ix_sessions_contact_created",
        "ix_sessions_meeting_occurrence",
        "ix_sessions_outcome",
        "ix_meetings_jurisdiction",
        "ix_sessions_open_ending",
        "ix_meetings_active_start",  # PostgreSQL only
        "ix_meetings_name_trgm",  # PostgreSQL only
        "ix_meetings_address_trgm",  # PostgreSQL only
    }
    extra = {
        name
        for name, info in constraints(table).items()
        if (info["index"] or info["unique"]) and not info["primary_key"] and name not in expected
    }
    assert extra == set()


@pytest.mark.parametrize("table", REFERENCE_COLUMNS)
def test_primary_key_is_the_id_column(table):
    primary = [info["columns"] for info in constraints(table).values() if info["primary_key"]]
    assert primary == [["id"]]


@pytest.mark.parametrize("table", REFERENCE_FOREIGN_KEYS)
def test_foreign_keys_point_where_the_reference_says(table):
    found = {info["columns"][0]: info["foreign_key"] for info in constraints(table).values() if info["foreign_key"]}
    assert found == REFERENCE_FOREIGN_KEYS[table]


@pytest.mark.parametrize(("table", "column"), REFERENCE_DEFAULTS)
def test_database_defaults_apply_to_rows_written_outside_django(table, column):
    required = {
        "contacts": {"id": "c-1", "email": "raw@example.org"},
        "meetings": {"id": "m-1", "name": "Raw", "address": "1 Main St", "lat": 45.5, "lng": -122.6},
    }
    required["sessions"] = {
        "id": "s-1",
        "contact_id": "c-1",
        "dest_name": "Raw",
        "dest_address": "1 Main St",
        "dest_lat": 45.5,
        "dest_lng": -122.6,
    }
    with connection.cursor() as cursor:
        for name in ("contacts", "meetings", "sessions"):
            values = required[name]
            cursor.execute(
                f"INSERT INTO {name} ({', '.join(values)}) VALUES ({', '.join(['%s'] * len(values))})",
                list(values.values()),
            )
        cursor.execute(f"SELECT {column}, created_at, updated_at FROM {table}")
        value, created_at, updated_at = cursor.fetchone()
    assert value == REFERENCE_DEFAULTS[(table, column)]
    assert created_at is not None
    assert updated_at is not None


# Every rule the database enforces beyond the reference, by the name a violation reports.
CHECK_AND_UNIQUE_RULES = {
    "meetings": {"ck_meetings_lat_range", "ck_meetings_lng_range", "ck_meetings_radius_range"},
    "sessions": {
        "ck_sessions_status_valid",
        "ck_sessions_dest_lat_range",
        "ck_sessions_dest_lng_range",
        "uq_sessions_one_open_per_contact",
    },
    "session_events": {
        "ck_session_events_type_valid",
        "ck_session_events_location_flag_valid",
        "ck_session_events_position_valid",
        "ck_session_events_fix_unless_timeout",
        "ck_session_events_accuracy_range",
    },
}


@pytest.mark.parametrize("table", CHECK_AND_UNIQUE_RULES)
def test_the_databases_own_rules_exist_by_name(table):
    found = constraints(table)
    for name in CHECK_AND_UNIQUE_RULES[table]:
        assert name in found, f"{table} lacks {name}"
        assert found[name]["check"] or found[name]["unique"]
