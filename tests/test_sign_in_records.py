"""Staff sign-ins and failed attempts are recorded: who, when, from where; never what was typed."""

import pytest
from django.urls import reverse

from access.models import SignInRecord
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def sign_in(client, username: str, password: str, url: str | None = None):
    return client.post(
        url or reverse("login"), {"username": username, "password": password}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )


def test_a_sign_in_is_recorded_with_its_address(client):
    user = StaffUserFactory(username="case.manager")
    assert sign_in(client, "case.manager", PASSWORD).status_code == 302

    record = SignInRecord.objects.get()
    assert (record.user, record.succeeded, record.address) == (user, True, "198.51.100.7")


def test_a_failed_sign_in_names_the_account_only_if_it_exists(client):
    user = StaffUserFactory(username="case.manager")
    sign_in(client, "case.manager", "wrong guess")
    sign_in(client, "my password is hunter2", "oops")

    known, unknown = SignInRecord.objects.order_by("at", "id")
    assert (known.user, known.succeeded) == (user, False)
    assert (unknown.user, unknown.succeeded) == (None, False)
    # Nothing typed is stored anywhere in the records.
    stored = [str(value) for record in SignInRecord.objects.values() for value in record.values()]
    assert not [value for value in stored if "hunter2" in value or "wrong guess" in value]


def test_the_admins_sign_in_is_the_staff_sign_in_with_its_record_and_limit(client):
    """The admin's own sign-in form would be a way in without the sign-in limit: it sends
    people to the staff sign-in, which brings them back to the admin."""
    StaffUserFactory(username="case.manager")

    shown = client.get(reverse("admin:login") + "?next=/admin/")
    posted = client.post(reverse("admin:login") + "?next=/admin/", {"username": "case.manager", "password": PASSWORD})
    for sent in (shown, posted):
        assert sent.status_code == 302
        assert sent["Location"] == reverse("login") + "?next=/admin/"
    assert not SignInRecord.objects.exists(), "nothing signs in at the admin's address"

    signed_in = sign_in(client, "case.manager", PASSWORD, url=reverse("login") + "?next=/admin/")
    assert signed_in["Location"] == "/admin/"
    assert SignInRecord.objects.filter(succeeded=True).count() == 1
