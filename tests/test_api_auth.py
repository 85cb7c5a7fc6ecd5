"""Bearer tokens: attendee sign-in and revocation, what a token opens, and tokens in the admin."""

import datetime as dt
import hashlib
import logging

import bcrypt
import pytest
import time_machine
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from access.models import ApiToken
from contacts.models import Contact
from tests.conftest import bearer_client
from tests.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"
CONTACTS_URL = "/api/v1/contacts/"
PASSWORD = "a long and secret passphrase"
INVALID_CREDENTIALS = {"detail": "Wrong email or password.", "code": "invalid_credentials"}


def contact_with_password(password: str | None = PASSWORD, **fields: object) -> Contact:
    contact = ContactFactory(**fields)
    contact.set_password(password)
    contact.save()
    return contact


def sign_in(email: str, password: str, client: APIClient | None = None):
    return (client or APIClient()).post(TOKEN_URL, {"email": email, "password": password}, format="json")


def issued_token(contact: Contact) -> str:
    response = sign_in(contact.email, PASSWORD)
    assert response.status_code == 201, response.content
    return response.json()["token"]


def token_row(raw: str) -> ApiToken:
    return ApiToken.objects.get(digest=hashlib.sha256(raw.encode()).hexdigest())


def assert_refused(response, code: str) -> None:
    """A 401 that says why in JSON and names the scheme to use, as RFC 9110 asks."""
    assert response.status_code == 401, response.content
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


# --- Signing in ---------------------------------------------------------------------------------


def test_right_credentials_give_a_token_its_expiry_and_the_contact():
    contact = contact_with_password()
    with time_machine.travel(timezone.now(), tick=False):
        response = sign_in(contact.email, PASSWORD)
        expected_expiry = timezone.now() + settings.CONTACT_TOKEN_LIFETIME

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"token", "expires_at", "contact"}
    assert dt.datetime.fromisoformat(body["expires_at"]) == expected_expiry
    assert body["contact"]["id"] == contact.pk
    assert body["contact"]["email"] == contact.email
    assert not [key for key in body["contact"] if "password" in key or "hash" in key]
    assert bearer_client(body["token"]).get(ME_URL).json()["id"] == contact.pk


def test_email_is_matched_whatever_its_case_and_surrounding_spaces():
    contact = contact_with_password(email="ann.lee@example.org")

    response = sign_in("  Ann.Lee@EXAMPLE.org ", PASSWORD)

    assert response.status_code == 201
    assert response.json()["contact"]["id"] == contact.pk


def test_each_sign_in_issues_a_new_token_and_the_earlier_one_keeps_working():
    # An attendee may use the web page and a phone at once; signing in on one must not sign out the other.
    contact = contact_with_password()

    first, second = issued_token(contact), issued_token(contact)

    assert first != second
    assert bearer_client(first).get(ME_URL).status_code == 200
    assert bearer_client(second).get(ME_URL).status_code == 200


@pytest.mark.parametrize(
    "case",
    [
        "wrong password",
        "unknown email",
        "inactive contact",
        "contact without a password",
        "contact whose password was removed",
        "password of another",
    ],
)
def test_every_refused_sign_in_gets_the_same_answer(case: str):
    # One answer for all: a different one would tell a stranger which emails are registered.
    contact = contact_with_password(email="ann@example.org")
    email, password = contact.email, PASSWORD
    if case == "wrong password":
        password = "not the passphrase"
    elif case == "unknown email":
        email = "nobody@example.org"
    elif case == "inactive contact":
        Contact.objects.filter(pk=contact.pk).update(is_active=False)
    elif case == "contact without a password":
        Contact.objects.filter(pk=contact.pk).update(password_hash=None)
    elif case == "contact whose password was removed":
        contact.set_password(None)
        contact.save()
    else:
        contact_with_password("another person's passphrase", email="bob@example.org")
        password = "another person's passphrase"

    response = sign_in(email, password)

    assert_refused(response, "invalid_credentials")
    assert response.json() == INVALID_CREDENTIALS
    assert not ApiToken.objects.exists()


def test_an_empty_password_never_matches_a_contact_without_one():
    contact = contact_with_password(None)

    response = sign_in(contact.email, "")

    assert response.status_code == 400
    assert "password" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"email", "password"}),
        ({"email": "ann@example.org"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
        ({"email": "not an email", "password": PASSWORD}, {"email"}),
        ({"email": ["ann@example.org"], "password": {"a": 1}}, {"email", "password"}),
        ({"email": "ann@example.org", "password": None}, {"password"}),
        ({"email": "a" * 250 + "@example.org", "password": PASSWORD}, {"email"}),
        ({"email": "ann@example.org", "password": "x" * 1025}, {"password"}),
    ],
)
def test_missing_or_invalid_fields_are_named(body: dict, fields: set[str]):
    response = APIClient().post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    answer = response.json()
    assert answer["code"] == "invalid"
    assert set(answer["errors"]) == fields


def test_a_body_that_is_not_json_is_a_400_not_a_500():
    response = APIClient().post(TOKEN_URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_legacy_bcrypt_hash_signs_in_and_is_upgraded():
    contact = ContactFactory(password_hash=bcrypt.hashpw(b"legacy secret", bcrypt.gensalt(4)).decode())

    response = sign_in(contact.email, "legacy secret")

    assert response.status_code == 201
    contact.refresh_from_db()
    assert not contact.password_hash.startswith("$2")
    assert contact.check_password("legacy secret")
    assert sign_in(contact.email, "legacy secret").status_code == 201


def test_a_client_still_sending_its_expired_token_can_sign_in_again():
    # Phone apps attach the stored token to every request; an expired one must not stand in the
    # way of the sign-in that replaces it.
    contact = contact_with_password()
    old = issued_token(contact)
    with time_machine.travel(timezone.now() + settings.CONTACT_TOKEN_LIFETIME + dt.timedelta(minutes=1)):
        response = sign_in(contact.email, PASSWORD, client=bearer_client(old))

        assert response.status_code == 201
        assert bearer_client(response.json()["token"]).get(ME_URL).status_code == 200


def test_the_token_is_stored_only_as_its_digest():
    raw = issued_token(contact_with_password())

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_tokens")
        rows = cursor.fetchall()

    assert len(rows) == 1
    assert not [cell for cell in rows[0] if isinstance(cell, str) and raw in cell]
    token = token_row(raw)
    assert token.prefix == raw[:8]  # enough to recognise it in a list, far too little to use it
    assert len(raw) >= 40


def test_the_response_and_the_logs_never_contain_the_password_or_the_token(caplog):
    contact = contact_with_password()
    caplog.set_level(logging.DEBUG)

    right = sign_in(contact.email, PASSWORD)
    wrong = sign_in(contact.email, PASSWORD + " but wrong")
    unknown = sign_in("nobody@example.org", PASSWORD)

    raw = right.json()["token"]
    for response in (right, wrong, unknown):
        assert PASSWORD not in response.content.decode()
    assert PASSWORD not in caplog.text
    assert raw not in caplog.text
    assert caplog.records  # the refusals were logged, without the secrets


# --- Using a token --------------------------------------------------------------------------------


def test_a_used_token_records_when_it_was_last_used():
    contact = contact_with_password()
    raw = issued_token(contact)
    assert token_row(raw).last_used_at is None

    bearer_client(raw).get(ME_URL)

    assert token_row(raw).last_used_at is not None


def test_a_token_works_until_it_expires():
    raw = issued_token(contact_with_password())
    expiry = token_row(raw).expires_at

    with time_machine.travel(expiry - dt.timedelta(seconds=1), tick=False):
        assert bearer_client(raw).get(ME_URL).status_code == 200
    with time_machine.travel(expiry + dt.timedelta(seconds=1), tick=False):
        assert_refused(bearer_client(raw).get(ME_URL), "authentication_failed")


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("Bearer", id="bearer-without-value"),
        pytest.param("Bearer ", id="bearer-and-space"),
        pytest.param("Bearer one two", id="two-values"),
        pytest.param("Bearer not-a-token-anyone-was-given", id="garbage"),
        pytest.param("Bearer " + "x" * 5000, id="huge"),
        # WSGI hands headers over as Latin-1; anything beyond ASCII cannot be one of our tokens.
        pytest.param("Bearer caf\xe9-\xfc\xff", id="non-ascii"),
        pytest.param("bearer not-a-token-anyone-was-given", id="lower-case-scheme"),
    ],
)
def test_a_malformed_or_unknown_token_is_a_json_401(header: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert_refused(client.get(ME_URL), "authentication_failed")


@pytest.mark.parametrize("header", ["Token abc", "Basic YWRtaW46YWRtaW4="])
def test_another_scheme_counts_as_no_credentials(header: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert_refused(client.get(ME_URL), "not_authenticated")


def test_a_revoked_token_is_refused():
    raw = issued_token(contact_with_password())
    token_row(raw).revoke()

    assert_refused(bearer_client(raw).get(ME_URL), "authentication_failed")


def test_a_token_of_a_contact_deactivated_later_is_refused():
    contact = contact_with_password()
    raw = issued_token(contact)
    contact.is_active = False
    contact.save()

    assert_refused(bearer_client(raw).get(ME_URL), "authentication_failed")


@pytest.mark.parametrize("change", [{"is_staff": False}, {"is_active": False}])
def test_a_staff_token_stops_working_when_its_user_loses_staff_status_or_is_deactivated(api_staff_user, change):
    _, raw = ApiToken.issue(user=api_staff_user)
    assert bearer_client(raw).get(CONTACTS_URL).status_code == 200
    for field, value in change.items():
        setattr(api_staff_user, field, value)
    api_staff_user.save()

    assert_refused(bearer_client(raw).get(CONTACTS_URL), "authentication_failed")


@pytest.mark.parametrize("persona", ["attendee", "staff"])
def test_no_token_opens_the_django_admin(client, persona, request):
    # The admin knows only session sign-ins: a bearer token, even a staff one, is ignored there.
    fixture = {"attendee": "attendee", "staff": "api_staff_user"}[persona]
    holder = request.getfixturevalue(fixture)
    _, raw = ApiToken.issue(**({"contact": holder} if persona == "attendee" else {"user": holder}))

    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Revoking -------------------------------------------------------------------------------------


def test_delete_revokes_the_token_in_use_and_only_that_one():
    contact = contact_with_password()
    raw, other = issued_token(contact), issued_token(contact)

    response = bearer_client(raw).delete(TOKEN_URL)

    assert response.status_code == 204
    assert response.content == b""
    assert token_row(raw).revoked_at is not None
    assert_refused(bearer_client(raw).get(ME_URL), "authentication_failed")
    assert_refused(bearer_client(raw).delete(TOKEN_URL), "authentication_failed")
    assert bearer_client(other).get(ME_URL).status_code == 200


def test_a_staff_integration_can_revoke_its_own_token(api_staff_user):
    _, raw = ApiToken.issue(user=api_staff_user)

    assert bearer_client(raw).delete(TOKEN_URL).status_code == 204
    assert_refused(bearer_client(raw).get(CONTACTS_URL), "authentication_failed")


def test_delete_by_a_session_signed_in_staff_user_is_403_there_being_no_token_to_revoke(api_staff_user):
    client = APIClient()
    client.force_login(api_staff_user)

    response = client.delete(TOKEN_URL)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("method", ["get", "put", "patch"])
def test_other_methods_are_not_allowed(attendee_api, method: str):
    assert getattr(attendee_api, method)(TOKEN_URL).status_code == 405


# --- Tokens in the admin --------------------------------------------------------------------------


@pytest.fixture
def token_admin(client, staff_user_with):
    """A client signed in to the admin as staff allowed to view and change tokens."""
    client.force_login(staff_user_with("access.view_apitoken", "access.change_apitoken"))
    return client


def test_the_token_list_shows_prefix_holder_and_dates_never_the_digest(token_admin, attendee, api_staff_user):
    attendee_token, _ = ApiToken.issue(contact=attendee, name="attendee sign-in")
    staff_token, _ = ApiToken.issue(user=api_staff_user, name="CRM integration")

    page = token_admin.get(reverse("admin:access_apitoken_changelist")).content.decode()

    for token in (attendee_token, staff_token):
        assert f"{token.prefix}…" in page
        assert token.digest not in page
    assert "CRM integration" in page
    assert f"{attendee} (attendee)" in page
    assert f"{api_staff_user.username} (staff)" in page
    change_page = token_admin.get(reverse("admin:access_apitoken_change", args=[staff_token.pk])).content.decode()
    assert staff_token.digest not in change_page


def test_the_token_list_is_searchable_by_prefix_and_holder(token_admin, attendee, api_staff_user):
    attendee_token, _ = ApiToken.issue(contact=attendee)
    staff_token, _ = ApiToken.issue(user=api_staff_user)
    url = reverse("admin:access_apitoken_changelist")

    by_prefix = token_admin.get(url, {"q": staff_token.prefix}).context["cl"].result_list
    by_email = token_admin.get(url, {"q": attendee.email}).context["cl"].result_list

    assert list(by_prefix) == [staff_token]
    assert list(by_email) == [attendee_token]


def test_tokens_cannot_be_added_or_deleted_in_the_admin(client, superuser, attendee):
    token, _ = ApiToken.issue(contact=attendee)
    client.force_login(superuser)

    assert client.get(reverse("admin:access_apitoken_add")).status_code == 403
    assert client.get(reverse("admin:access_apitoken_delete", args=[token.pk])).status_code == 403
    assert client.post(reverse("admin:access_apitoken_delete", args=[token.pk]), {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_only_the_name_can_be_changed(token_admin, attendee):
    token, _ = ApiToken.issue(contact=attendee, name="old")
    original = ApiToken.objects.values().get(pk=token.pk)

    response = token_admin.post(
        reverse("admin:access_apitoken_change", args=[token.pk]),
        {"name": "phone", "digest": "0" * 64, "prefix": "forged", "expires_at": "", "revoked_at": ""},
    )

    assert response.status_code == 302
    assert ApiToken.objects.values().get(pk=token.pk) == {**original, "name": "phone"}


def test_revoke_selected_tokens_stops_them_and_leaves_the_record(token_admin, attendee, api_staff_user):
    revoked_before, _ = ApiToken.issue(contact=attendee)
    revoked_before.revoke()
    first_revocation = ApiToken.objects.get(pk=revoked_before.pk).revoked_at
    target, raw = ApiToken.issue(contact=attendee)
    _, kept = ApiToken.issue(contact=attendee)

    response = token_admin.post(
        reverse("admin:access_apitoken_changelist"),
        {"action": "revoke_selected", "_selected_action": [revoked_before.pk, target.pk]},
        follow=True,
    )

    assert "Revoked 1 API token. 1 already revoked, left as is." in response.content.decode()
    assert_refused(bearer_client(raw).get(ME_URL), "authentication_failed")
    assert bearer_client(kept).get(ME_URL).status_code == 200
    assert ApiToken.objects.get(pk=revoked_before.pk).revoked_at == first_revocation
    assert ApiToken.objects.count() == 3
    assert LogEntry.objects.filter(object_id=target.pk, change_message="Revoked.").count() == 1


def test_staff_without_token_permissions_cannot_open_the_token_admin(client):
    client.force_login(StaffUserFactory())

    assert client.get(reverse("admin:access_apitoken_changelist")).status_code == 403
