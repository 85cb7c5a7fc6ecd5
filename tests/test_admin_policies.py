"""The admin's policy pages: jurisdictions are edited there; versions are read, never changed
(policies.admin: publishing is the staff site's "Publish a new version")."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from policies.models import DEFAULT_JURISDICTION_ID, DEFAULT_VERSION_ID, Jurisdiction, PolicyVersion
from policies.services import publish

pytestmark = pytest.mark.django_db


def court(n: int = 0) -> Jurisdiction:
    jurisdiction = Jurisdiction.objects.create(name=f"Court {n}", kind="court")
    publish(jurisdiction, {})
    return jurisdiction


@pytest.mark.parametrize(
    ("url_name", "args", "status"),
    [
        ("policies_jurisdiction_changelist", [], 200),
        ("policies_jurisdiction_add", [], 200),
        ("policies_jurisdiction_change", [DEFAULT_JURISDICTION_ID], 200),
        ("policies_jurisdiction_history", [DEFAULT_JURISDICTION_ID], 200),
        ("policies_jurisdiction_delete", [DEFAULT_JURISDICTION_ID], 403),
        ("policies_policyversion_changelist", [], 200),
        ("policies_policyversion_change", [DEFAULT_VERSION_ID], 200),  # to read
        ("policies_policyversion_add", [], 403),
        ("policies_policyversion_delete", [DEFAULT_VERSION_ID], 403),
    ],
)
def test_the_pages_a_superuser_may_open(client, superuser, staff_user, url_name, args, status):
    url = reverse(f"admin:{url_name}", args=args)
    assert client.get(url).status_code == 302  # anonymous: to sign in
    client.force_login(staff_user)
    assert client.get(url).status_code == 403
    client.force_login(superuser)
    assert client.get(url).status_code == status


def test_a_version_is_shown_read_only_and_a_post_changes_nothing(client, superuser):
    client.force_login(superuser)
    url = reverse("admin:policies_policyversion_change", args=[DEFAULT_VERSION_ID])
    page = client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert 'name="default_radius_m"' not in page
    before = list(PolicyVersion.objects.values())
    assert client.post(url, {"default_radius_m": "5"}).status_code == 403
    assert list(PolicyVersion.objects.values()) == before


def test_a_jurisdictions_page_lists_its_versions_without_a_way_to_add_one(client, superuser):
    client.force_login(superuser)
    jurisdiction = court()
    page = client.get(reverse("admin:policies_jurisdiction_change", args=[jurisdiction.pk])).content.decode()
    assert "versions-TOTAL_FORMS" in page
    assert 'name="versions-MAX_NUM_FORMS" value="0"' in page  # no form to add one
    response = client.post(
        reverse("admin:policies_jurisdiction_change", args=[jurisdiction.pk]),
        {
            "name": "Renamed court",
            "kind": "court",
            "description": "",
            "is_active": "on",
            "versions-TOTAL_FORMS": "1",
            "versions-INITIAL_FORMS": "1",
            "versions-MIN_NUM_FORMS": "0",
            "versions-MAX_NUM_FORMS": "1000",
            "versions-0-id": jurisdiction.versions.get().pk,
            "versions-0-jurisdiction": jurisdiction.pk,
        },
    )
    assert response.status_code == 302
    jurisdiction.refresh_from_db()
    assert jurisdiction.name == "Renamed court"
    assert jurisdiction.versions.count() == 1


@pytest.mark.parametrize("url_name", ["policies_jurisdiction_changelist", "policies_policyversion_changelist"])
def test_changelist_queries_do_not_grow_with_rows(client, superuser, django_assert_num_queries, url_name):
    client.force_login(superuser)
    url = reverse(f"admin:{url_name}")
    for n in range(2):
        court(n)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(2, 10):
        court(n)
    with django_assert_num_queries(len(few)):
        client.get(url)
