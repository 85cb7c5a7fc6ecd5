"""LegacyAdoption moved from the project package (app label `compliance`) to `legacy/`: a
database migrated before the move keeps its table, its rows and the permissions granted on it."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "legacy_adoptions"


def migrate(target: tuple[str, str | None]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


def test_a_database_from_before_the_move_keeps_its_rows_and_permissions():
    # Back to the state before the move: no `legacy` app in the history, and the table and a
    # content type as the project package's migration and post_migrate left them.
    migrate(("legacy", None))
    assert TABLE not in connection.introspection.table_names()
    with connection.schema_editor() as editor:
        from legacy.models import LegacyAdoption

        editor.create_model(LegacyAdoption)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (alembic_revision, adopted_at, row_counts) VALUES (%s, %s, %s)",
            ["f3a9c1", "2026-11-01 12:00:00+00:00", '{"contacts": 3}'],
        )
    ContentType.objects.filter(app_label="legacy").delete()
    ContentType.objects.clear_cache()
    old_type = ContentType.objects.create(app_label="compliance", model="legacyadoption")
    permission = Permission.objects.create(content_type=old_type, codename="view_legacyadoption", name="Can view")
    auditor = StaffUserFactory()
    auditor.user_permissions.add(permission)

    migrate(("legacy", "0001_initial"))

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT alembic_revision FROM {TABLE}")
        assert cursor.fetchall() == [("f3a9c1",)]
    ContentType.objects.clear_cache()
    permission.refresh_from_db()
    assert permission.content_type.app_label == "legacy"
    auditor = type(auditor).objects.get(pk=auditor.pk)
    assert auditor.has_perm("legacy.view_legacyadoption")


def test_a_new_database_gets_the_table():
    migrate(("legacy", None))
    assert TABLE not in connection.introspection.table_names()
    migrate(("legacy", "0001_initial"))
    assert TABLE in connection.introspection.table_names()
