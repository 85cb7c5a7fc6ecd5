"""manage.py adopt_legacy_schema on databases built as the legacy SQLAlchemy/Alembic system built them.

Each test gets a scratch database of the suite's engine (SQLite, or PostgreSQL with native enum
types when DATABASE_URL says so), filled by tests/legacy with rows in every status and flag.
"""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.models import normalize_email
from core.zones import zone_at
from legacy import adoption
from legacy.models import LegacyAdoption
from legacy.survey import EVENT_TYPES, LOCATION_FLAGS
from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID
from tests.factories import StaffUserFactory
from tests.legacy.build import SIGN_IN_EMAIL, SIGN_IN_PASSWORD, build
from tests.legacy.databases import ScratchDatabase, connected_to, rows_of, schema_of, scratch_database, snapshot

# Not wrapped in a transaction: the tests point Django's connection at other databases, and the
# test database must be set up (and is flushed afterwards).
pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parent.parent
TABLES = ("contacts", "meetings", "sessions", "session_events")


@pytest.fixture
def legacy(tmp_path, transactional_db, django_db_blocker):
    """A legacy database at revision 002, not yet adopted."""
    with django_db_blocker.unblock(), scratch_database("legacy", tmp_path) as database:
        database.built = build(database.url)
        yield database


@pytest.fixture
def on_legacy(legacy, django_db_blocker):
    """Django's connection pointed at the legacy database for the test."""
    with connected_to(legacy, django_db_blocker):
        yield legacy


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()  # the sign-in rate limits count here
    yield
    cache.clear()


def adopt(*args: str) -> str:
    out = io.StringIO()
    call_command("adopt_legacy_schema", *args, stdout=out)
    return out.getvalue()


def legacy_rows(database) -> dict[str, list[tuple]]:
    with database.raw_cursor() as cursor:
        found = {}
        for table in TABLES:
            cursor.execute(f"SELECT * FROM {table} ORDER BY id")
            columns = [column[0] for column in cursor.description]
            found[table] = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return found


# --- Nothing lost, nothing altered ------------------------------------------------------------


def test_every_row_and_value_is_kept_with_enum_names_mapped_and_updated_at_backfilled(legacy, django_db_blocker):
    before = legacy_rows(legacy)
    never_updated = sum(row["updated_at"] is None for row in before["contacts"])
    with connected_to(legacy, django_db_blocker):
        output = adopt()
    after = legacy_rows(legacy)

    assert "Done." in output
    assert {table: len(rows) for table, rows in after.items()} == legacy.built.counts
    expected = before
    for table in ("contacts", "meetings", "sessions"):
        for row in expected[table]:
            row["updated_at"] = row["updated_at"] or row["created_at"]
    for event in expected["session_events"]:
        event["type"] = EVENT_TYPES[event["type"]]
        event["location_flag"] = LOCATION_FLAGS[event["location_flag"]]
    # Addresses typed with capitals are stored in the one form sign-in compares, as a change
    # (updated_at moves; the audit trail keeps the address as typed, see below).
    respelled = set()
    for row in expected["contacts"]:
        if normalize_email(row["email"]) != row["email"]:
            row["email"] = normalize_email(row["email"])
            respelled.add(row["id"])
    assert respelled, "the legacy data has addresses with capitals"
    # A column the legacy system did not have starts empty.
    assert {row.pop("credentials_changed_at") for row in after["contacts"]} == {None}
    # Each meeting gets the time zone at its coordinates (the legacy data spans several).
    zones = {row["id"]: row.pop("time_zone") for row in after["meetings"]}
    assert zones == {row["id"]: zone_at(row["lat"], row["lng"]) for row in after["meetings"]}
    assert {"America/Los_Angeles", "America/New_York", "Europe/Paris"} <= set(zones.values())
    # Meetings gain an empty rule (legacy meetings happen once), and each session at a meeting
    # with times is for that meeting's one occurrence.
    assert {row.pop("recurrence") for row in after["meetings"]} == {""}
    meetings = {row["id"]: row for row in after["meetings"]}
    occurrences = {row["id"]: (row.pop("occurrence_start"), row.pop("occurrence_end")) for row in after["sessions"]}
    assert occurrences == {
        row["id"]: (meetings[row["meeting_id"]]["start_time"], meetings[row["meeting_id"]]["end_time"])
        if row["meeting_id"] and meetings[row["meeting_id"]]["start_time"]
        else (None, None)
        for row in after["sessions"]
    }
    assert any(start for start, _ in occurrences.values())
    check_and_drop_policy_columns(after)
    for rows in (expected["contacts"], after["contacts"]):
        for row in rows:
            if row["id"] in respelled:
                row["updated_at"] = "changed"
    assert after == expected
    # The data really covers what the legacy system wrote.
    assert {e["type"] for e in after["session_events"]} == set(EVENT_TYPES.values())
    assert {e["location_flag"] for e in after["session_events"]} == set(LOCATION_FLAGS.values())
    assert {s["status"] for s in after["sessions"]} == {"active", "checked_in", "completed", "ended"}
    assert never_updated > 0
    assert any("Ö" in (c["last_name"] or "") or "Å" in (c["last_name"] or "") for c in after["contacts"])
    assert any((c["password_hash"] or "").startswith("$2b$") for c in after["contacts"])


def check_and_drop_policy_columns(after: dict) -> None:
    """The columns the legacy system did not have, as adoption fills them; removed from `after`."""
    # Meetings come under the default jurisdiction; sessions under its first policy version,
    # with no radius recorded (the legacy system did not keep the one it applied).
    assert {row.pop("jurisdiction_id") for row in after["meetings"]} == {DEFAULT_JURISDICTION_ID}
    # Nobody's caseload yet: staff assign case managers after adoption.
    assert {row.pop("case_manager_id") for row in after["contacts"]} == {None}
    assert {row.pop("policy_version_id") for row in after["sessions"]} == {DEFAULT_VERSION_ID}
    assert {row.pop("radius_m") for row in after["sessions"]} == {None}
    assert {row.pop("destination_approved_by_id") for row in after["sessions"]} == {None}
    # Closed sessions are judged from their recorded flags (attendance.outcomes); open ones stay open.
    judged = {
        row["id"]: (
            row.pop("outcome"),
            row.pop("outcome_reasons"),
            row.pop("seconds_attended"),
            row.pop("seconds_scheduled"),
        )
        for row in after["sessions"]
    }
    for row in after["sessions"]:
        outcome = judged[row["id"]][0]
        assert (outcome == "open") == (row["status"] in ("active", "checked_in"))
        if row["meeting_id"] is None and outcome != "open":
            assert "self_declared_destination" in judged[row["id"]][1].split()
    assert {outcome for outcome, *_ in judged.values()} >= {"open", "not_verified"}
    # Events keep their flags; the rule that judged them was not recorded.
    for event in after["session_events"]:
        assert (event.pop("policy_version_id"), event.pop("verdict_reason")) == (None, "")
        assert (event.pop("distance_m"), event.pop("radius_m"), event.pop("sent_late")) == (None, None, False)


def test_the_adoption_is_recorded_with_the_alembic_revision_and_row_counts(on_legacy):
    adopt()

    record = LegacyAdoption.objects.get()
    assert record.alembic_revision == "002"
    assert record.row_counts == on_legacy.built.counts
    assert "alembic_version" not in connection.introspection.table_names()


def test_adopted_schema_is_exactly_what_a_fresh_migrate_creates(legacy, django_db_blocker):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        fresh = schema_of(cursor, connection.vendor)  # the test database, migrated by pytest-django
    with connected_to(legacy, django_db_blocker):
        adopt()
    with legacy.raw_cursor() as cursor:
        adopted = schema_of(cursor, legacy.vendor)

    assert adopted == fresh


def test_migrate_has_nothing_left_and_later_migrations_apply_as_on_a_fresh_database(on_legacy):
    adopt()
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []

    # The latest migrations of our apps come off and go back on over the adopted rows.
    call_command("migrate", "contacts", "0005", verbosity=0)
    call_command("migrate", "attendance", "0005", verbosity=0)
    call_command("migrate", verbosity=0)
    executor = MigrationExecutor(connection)
    assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
    out = io.StringIO()
    call_command("migrate", "--check", stdout=out)  # exits non-zero when anything is unapplied


# --- The application on an adopted database ---------------------------------------------------


def test_legacy_contact_signs_in_to_the_api_with_the_old_password_and_it_is_upgraded(on_legacy):
    adopt()
    response = APIClient().post(
        "/api/v1/auth/token/", {"email": SIGN_IN_EMAIL.lower(), "password": SIGN_IN_PASSWORD}, format="json"
    )

    assert response.status_code == 201, response.content
    assert response.json()["contact"]["id"] == on_legacy.built.sign_in_contact_id
    with on_legacy.raw_cursor() as cursor:
        cursor.execute(f"SELECT password_hash, email FROM contacts WHERE id = '{on_legacy.built.sign_in_contact_id}'")
        stored_hash, email = cursor.fetchone()
    assert not stored_hash.startswith("$2b$"), "the legacy hash is replaced by Django's on use"
    assert email == SIGN_IN_EMAIL.lower(), "stored in its normalised form at adoption; signing in changes nothing else"
    # The new hash verifies too.
    again = APIClient().post("/api/v1/auth/token/", {"email": SIGN_IN_EMAIL, "password": SIGN_IN_PASSWORD})
    assert again.status_code == 201


def test_legacy_contact_signs_in_on_the_phone_page_even_with_a_phone_number_that_is_not_e164(on_legacy):
    adopt()
    client = Client()
    response = client.post(
        reverse("attendee:sign_in"), {"email": "attendee2@example.org", "password": SIGN_IN_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:500]

    # Consenting saves the contact: the legacy phone number must not stop it.
    response = client.post(reverse("attendee:consent"), {"consent": "on"})
    assert response.status_code == 302
    with on_legacy.raw_cursor() as cursor:
        cursor.execute(
            f"SELECT consent_granted, phone FROM contacts WHERE id = '{on_legacy.built.bad_phone_contact_id}'"
        )
        granted, phone = cursor.fetchone()
    assert granted in (True, 1)
    assert phone == "555-0100 ext 4"


def test_wrong_old_password_is_refused_after_adoption(on_legacy):
    adopt()
    response = APIClient().post("/api/v1/auth/token/", {"email": SIGN_IN_EMAIL, "password": "guess"}, format="json")
    assert response.status_code == 401


def test_api_and_staff_pages_show_legacy_sessions(on_legacy):
    adopt()
    built = on_legacy.built
    token = APIClient().post("/api/v1/auth/token/", {"email": SIGN_IN_EMAIL, "password": SIGN_IN_PASSWORD}).json()
    attendee = APIClient()
    attendee.credentials(HTTP_AUTHORIZATION=f"Bearer {token['token']}")

    active = attendee.get("/api/v1/sessions/active/")
    assert active.status_code == 200
    assert active.json()["id"] == built.open_session_id
    assert active.json()["status"] == "checked_in"
    mine = attendee.get("/api/v1/sessions/")
    assert mine.status_code == 200
    assert mine.json()["count"] >= 5
    detail = attendee.get(f"/api/v1/sessions/{built.open_session_id}/").json()
    kinds = {(event["type"], event["location_flag"]) for event in detail["events"]}
    assert kinds
    assert {kind for kind, _ in kinds} <= set(EVENT_TYPES.values())

    staff = Client()
    staff.force_login(StaffUserFactory(is_superuser=True))
    year_2021 = f"contact={built.sign_in_contact_id}&start=2021-01-01&end=2021-12-31"
    for url in (
        reverse("dashboard"),
        reverse("contacts:list"),
        reverse("contacts:detail", args=[built.sign_in_contact_id]),
        reverse("contacts:detail", args=[built.bad_phone_contact_id]),
        reverse("meetings:list"),
        reverse("attendance:sessions"),
        reverse("attendance:session", args=[built.open_session_id]),
        f"{reverse('attendance:report')}?{year_2021}",
        f"{reverse('attendance:report_csv')}?{year_2021}",
        reverse("admin:attendance_session_change", args=[built.open_session_id]),
    ):
        response = staff.get(url)
        assert response.status_code == 200, f"{url}: {response.status_code}"
    page = staff.get(reverse("attendance:session", args=[built.open_session_id])).content.decode()
    assert "Zoë Ångström" in page
    assert "Checked in" in page
    csv_lines = b"".join(staff.get(f"{reverse('attendance:report_csv')}?{year_2021}").streaming_content)
    assert csv_lines.decode().count("\n") > len(built.sessions_of_sign_in_contact)


def test_adopted_records_start_their_audit_trail_so_the_first_change_shows_what_it_changed(on_legacy):
    from attendance.models import Session
    from contacts.models import Contact
    from core.history import changes_for
    from meetings.models import Meeting

    adopt()
    for model in (Contact, Meeting, Session):
        baselines = model.history.filter(history_type="+").count()
        assert baselines == model.objects.count() == on_legacy.built.counts[model._meta.db_table]
    contact = Contact.objects.get(pk=on_legacy.built.sign_in_contact_id)
    respelled, adopted = changes_for(contact)
    assert adopted.action == "Taken over from the legacy system (Alembic revision 002)"
    # The address as the legacy system had it stays in the trail; the one form sign-in
    # compares is the change after it.
    assert [(field.field, field.old, field.new) for field in respelled.fields] == [
        ("email", SIGN_IN_EMAIL, SIGN_IN_EMAIL.lower())
    ]

    contact.first_name = "Zoé"
    contact.save()

    latest = changes_for(contact)[0]
    assert latest.action == "Changed"
    assert [(field.field, field.old, field.new) for field in latest.fields] == [("first name", "Zoë", "Zoé")]


# --- Refusals, repeats, failures ---------------------------------------------------------------


def execute(database, *statements: str) -> None:
    with database.raw_cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


UNADOPTABLE = {
    "revision 001": (["UPDATE alembic_version SET version_num = '001'"], "Alembic revision 001"),
    "no alembic_version": (["DROP TABLE alembic_version"], "Legacy tables missing: alembic_version"),
    "a column of another revision": (
        ["ALTER TABLE contacts ADD COLUMN twofa_enabled BOOLEAN"],
        "unexpected: twofa_enabled",
    ),
    "two open sessions of one contact": (
        ["UPDATE sessions SET status = 'active' WHERE contact_id = (SELECT contact_id FROM sessions LIMIT 1)"],
        "a second open (active or checked_in) session of the same contact",
    ),
    "a session of a deleted contact": (
        ["UPDATE sessions SET contact_id = 'gone' WHERE id = (SELECT MIN(id) FROM sessions)"],
        "contact does not exist",
    ),
    "an impossible latitude": (
        ["UPDATE session_events SET lat = 91 WHERE id = (SELECT MIN(id) FROM session_events)"],
        "latitude outside -90..90",
    ),
    "a half-run migrate": (
        ["CREATE TABLE auth_user (id INTEGER PRIMARY KEY)"],
        "`migrate` was run on the legacy database",
    ),
}


@pytest.mark.parametrize("case", UNADOPTABLE, ids=list(UNADOPTABLE))
def test_an_unrecognised_database_is_refused_and_left_untouched(legacy, django_db_blocker, case):
    statements, reason = UNADOPTABLE[case]
    if legacy.vendor == "sqlite":
        # The legacy SQLite app did not enforce foreign keys; PostgreSQL did, so drop it there.
        execute(legacy, *statements)
    else:
        execute(legacy, "ALTER TABLE sessions DROP CONSTRAINT sessions_contact_id_fkey", *statements)
    before = snapshot(legacy)

    with connected_to(legacy, django_db_blocker), pytest.raises(CommandError) as refused:
        adopt()

    assert "nothing was changed" in str(refused.value)
    assert reason in str(refused.value)
    assert snapshot(legacy) == before


def test_an_empty_database_is_refused_with_the_command_to_use_instead(tmp_path, django_db_blocker):
    with django_db_blocker.unblock(), scratch_database("empty", tmp_path) as empty:
        with connected_to(empty, django_db_blocker), pytest.raises(CommandError) as refused:
            adopt()
        assert "run `python manage.py migrate` instead" in str(refused.value)
        assert snapshot(empty)["rows"] == {}


def test_a_missing_sqlite_file_is_refused_without_creating_it(tmp_path, django_db_blocker):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite databases are files")
    missing = ScratchDatabase("sqlite", str(tmp_path / "mistyped.sqlite3"), dict(connection.settings_dict))
    with connected_to(missing, django_db_blocker), pytest.raises(CommandError, match="no SQLite database at"):
        adopt()
    assert not Path(missing.name).exists()


def test_unknown_enum_names_are_refused(legacy, django_db_blocker):
    if legacy.vendor == "postgresql":
        pytest.skip("a native enum type cannot hold an unknown name")
    execute(legacy, "UPDATE session_events SET type = 'TELEPORT' WHERE id = (SELECT MIN(id) FROM session_events)")
    with connected_to(legacy, django_db_blocker), pytest.raises(CommandError, match="unknown type"):
        adopt()


def test_adopting_twice_is_harmless(legacy, django_db_blocker):
    with connected_to(legacy, django_db_blocker):
        adopt()
    after_first = snapshot(legacy)
    with connected_to(legacy, django_db_blocker):
        output = adopt()

    assert "already adopted" in output
    assert "Adopted from Alembic revision 002" in output
    assert snapshot(legacy) == after_first


def test_a_fresh_django_database_has_nothing_to_adopt(django_db_blocker):
    with django_db_blocker.unblock():
        assert "already managed by Django migrations" in adopt()


def test_dry_run_prints_the_plan_and_changes_nothing(legacy, django_db_blocker):
    before = snapshot(legacy)
    with connected_to(legacy, django_db_blocker):
        output = adopt("--dry-run")

    assert "Alembic revision 002" in output
    assert "CHECK_IN -> check_in" in output
    assert re.search(rf"session_events +{legacy.built.counts['session_events']:,} rows", output)
    assert "Dry run: nothing was changed." in output
    assert snapshot(legacy) == before


def test_a_failure_midway_rolls_everything_back(legacy, django_db_blocker, monkeypatch):
    copy_rows = adoption._copy_rows

    def copy_then_fail(connection):
        copy_rows(connection)
        raise OperationalError("disk full (injected)")

    monkeypatch.setattr(adoption, "_copy_rows", copy_then_fail)
    before = snapshot(legacy)
    with connected_to(legacy, django_db_blocker), pytest.raises(CommandError) as failed:
        adopt()

    assert "rolled back; nothing was changed" in str(failed.value)
    assert "disk full (injected)" in str(failed.value)
    assert snapshot(legacy) == before
    # And the database can still be adopted afterwards.
    monkeypatch.setattr(adoption, "_copy_rows", copy_rows)
    with connected_to(legacy, django_db_blocker):
        assert "Done." in adopt()
    assert snapshot(legacy) != before, "the snapshot sees an adoption"


def test_a_row_count_that_differs_after_copying_rolls_everything_back(legacy, django_db_blocker, monkeypatch):
    copy_rows = adoption._copy_rows

    def copy_and_one_more(connection):
        copy_rows(connection)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO meetings (id, name, address, lat, lng, radius_meters, is_active, created_at, updated_at) "
                "SELECT 'extra', name, address, lat, lng, radius_meters, is_active, created_at, updated_at "
                "FROM meetings WHERE id = (SELECT MIN(id) FROM meetings)"
            )

    monkeypatch.setattr(adoption, "_copy_rows", copy_and_one_more)
    before = snapshot(legacy)
    with connected_to(legacy, django_db_blocker), pytest.raises(CommandError, match="meetings: 12 before, 13 after"):
        adopt()
    assert snapshot(legacy) == before


# --- The documented command, as an operator runs it --------------------------------------------


def test_the_documented_command_adopts_a_legacy_database(legacy):
    env = {
        **os.environ,
        "DATABASE_URL": legacy.url,
        "ENV_FILE": "/dev/null",
        "DJANGO_SETTINGS_MODULE": "compliance.settings",
        "SECRET_KEY": "x" * 50,
    }
    manage = [sys.executable, "manage.py"]
    adopted = subprocess.run([*manage, "adopt_legacy_schema"], cwd=REPO, env=env, capture_output=True, text=True)
    assert adopted.returncode == 0, adopted.stderr
    assert "Done. Adopted from Alembic revision 002" in adopted.stdout
    check = subprocess.run([*manage, "migrate", "--check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_the_test_database_is_untouched_by_all_this(django_db_blocker):
    # connected_to puts the test database back: its tables are Django's, with no legacy rows.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        assert rows_of(cursor, "legacy_adoptions") == []
        cursor.execute("SELECT COUNT(*) FROM contacts WHERE email = %s", [SIGN_IN_EMAIL])
        assert cursor.fetchone()[0] == 0
