"""The staff roles, as groups, give exactly the pages they promise."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from policies.models import DEFAULT_JURISDICTION_ID
from tests.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def member_of(name: str):
    call_command("create_staff_groups", stdout=StringIO())
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name=name))
    return user


def test_running_twice_changes_nothing():
    call_command("create_staff_groups", stdout=StringIO())
    call_command("create_staff_groups", stdout=StringIO())
    assert Group.objects.count() == 3
    assert Group.objects.get(name="Read-only reviewers").permissions.count() == 8
    assert Group.objects.get(name="Case managers").permissions.count() == 18


def test_a_case_manager_manages_contacts(client):
    client.force_login(member_of("Case managers"))
    assert client.get(reverse("contacts:add")).status_code == 200
    assert client.get(reverse("attendance:sessions")).status_code == 200
    # They read the kinds of meeting, and tag meetings with them; the list is kept by others.
    assert client.get(reverse("meetings:kinds")).status_code == 200
    assert client.get(reverse("meetings:kind_create")).status_code == 403


def test_a_reviewer_reads_but_changes_nothing(client):
    client.force_login(member_of("Read-only reviewers"))
    contact = ContactFactory()
    assert client.get(reverse("contacts:detail", args=[contact.pk])).status_code == 200
    assert client.get(reverse("contacts:add")).status_code == 403
    assert client.get(reverse("meetings:create")).status_code == 403


def test_case_managers_and_reviewers_read_the_policies_but_do_not_publish(client):
    for role in ("Case managers", "Read-only reviewers"):
        client.force_login(member_of(role))
        assert client.get(reverse("policies:detail", args=[DEFAULT_JURISDICTION_ID])).status_code == 200
        assert client.get(reverse("policies:publish", args=[DEFAULT_JURISDICTION_ID])).status_code == 403


def test_policy_administrators_publish_versions_and_add_jurisdictions(client):
    client.force_login(member_of("Policy administrators"))
    assert client.get(reverse("policies:publish", args=[DEFAULT_JURISDICTION_ID])).status_code == 200
    assert client.get(reverse("policies:create")).status_code == 200
    assert client.get(reverse("contacts:add")).status_code == 403
