"""The staff site's navigation links the admin for those who would find something there."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADMIN_LINK = '<a href="/admin/">Admin</a>'


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_superuser_sees_the_admin_link(client, superuser):
    assert ADMIN_LINK in dashboard(client, superuser)


def test_staff_with_permissions_the_admin_serves_see_it(client, staff_user_with):
    assert ADMIN_LINK in dashboard(client, staff_user_with("meetings.view_meeting"))


def test_staff_without_any_permission_do_not_see_it(client, staff_user):
    # The admin would let them in to a page saying they may do nothing.
    assert ADMIN_LINK not in dashboard(client, staff_user)


def test_a_user_who_may_not_use_the_admin_never_sees_it(client):
    # Not staff: the admin refuses them even with permissions; the staff site too.
    outsider = UserFactory(is_staff=False, is_superuser=True)
    client.force_login(outsider)

    response = client.get(reverse("dashboard"), follow=True)

    assert ADMIN_LINK not in response.content.decode()
