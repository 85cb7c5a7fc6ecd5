"""Contacts and meetings are deactivated and reactivated from their changelists, never deleted."""

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from tests.factories import ContactFactory, MeetingFactory

pytestmark = pytest.mark.django_db

ACTIVATABLE = [
    pytest.param("contacts_contact", ContactFactory, "contacts", id="contacts"),
    pytest.param("meetings_meeting", MeetingFactory, "meetings", id="meetings"),
]


def run_action(client, model_key: str, action: str, objs: list) -> object:
    return client.post(
        reverse(f"admin:{model_key}_changelist"),
        {"action": action, "index": 0, "_selected_action": [obj.pk for obj in objs]},
        follow=True,
    )


def action_names(response) -> set[str]:
    return {name for name, _ in response.context["action_form"].fields["action"].choices if name}


@pytest.mark.parametrize(("model_key", "factory", "plural"), ACTIVATABLE)
def test_deactivate_marks_only_the_selected_rows_and_logs_them(client, superuser, model_key, factory, plural):
    chosen, untouched = factory.create_batch(2), factory()
    stamped_before = {obj.pk: obj.updated_at for obj in chosen}
    client.force_login(superuser)

    response = run_action(client, model_key, "deactivate_selected", chosen)

    assert f"Deactivated 2 {plural}." in response.text
    for obj in chosen:
        obj.refresh_from_db()
        assert obj.is_active is False
        assert obj.updated_at > stamped_before[obj.pk]
    untouched.refresh_from_db()
    assert untouched.is_active is True
    logged = LogEntry.objects.filter(user=superuser, action_flag=CHANGE)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted(obj.pk for obj in chosen)


@pytest.mark.parametrize(("model_key", "factory", "plural"), ACTIVATABLE)
def test_reactivate_changes_inactive_rows_and_reports_the_rest(client, superuser, model_key, factory, plural):
    inactive, active = factory.create_batch(2, is_active=False), factory()
    client.force_login(superuser)

    response = run_action(client, model_key, "reactivate_selected", [*inactive, active])

    assert f"Reactivated 2 {plural}. 1 already active, left as is." in response.text
    for obj in [*inactive, active]:
        obj.refresh_from_db()
        assert obj.is_active is True
    # Only real changes are written to the history.
    assert LogEntry.objects.filter(object_id=active.pk).count() == 0


@pytest.mark.parametrize(("model_key", "factory", "plural"), ACTIVATABLE)
def test_changelist_offers_deactivation_but_no_deletion(client, superuser, model_key, factory, plural):
    factory()
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{model_key}_changelist"))

    assert action_names(response) == {"deactivate_selected", "reactivate_selected"}


@pytest.mark.parametrize(("model_key", "factory", "plural"), ACTIVATABLE)
def test_posting_delete_selected_deletes_nothing(client, superuser, model_key, factory, plural):
    obj = factory()
    client.force_login(superuser)

    run_action(client, model_key, "delete_selected", [obj])
    client.post(reverse(f"admin:{model_key}_delete", args=[obj.pk]), {"post": "yes"})

    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(("model_key", "factory", "plural"), ACTIVATABLE)
def test_staff_who_may_only_view_cannot_deactivate(client, staff_user_with, model_key, factory, plural):
    obj = factory()
    app_label, model_name = model_key.split("_", 1)
    client.force_login(staff_user_with(f"{app_label}.view_{model_name}"))

    response = run_action(client, model_key, "deactivate_selected", [obj])

    assert response.status_code == 200
    obj.refresh_from_db()
    assert obj.is_active is True
