"""/contacts/: staff manage attendees; a password is write-only, consent stays the attendee's."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contacts.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/contacts/"
TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "a long and secret passphrase"
CONTACT_FIELDS = {
    "id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "ghl_contact_id",
    "consent_granted",
    "consent_timestamp",
    "notes",
    # Issue 18's caseloads.
    "case_manager_id",
    "case_manager_name",
    "is_active",
    "has_password",
    "created_at",
    "updated_at",
}


def detail_url(contact: Contact) -> str:
    return f"{LIST_URL}{contact.pk}/"


def signs_in(email: str, password: str) -> bool:
    response = APIClient().post(TOKEN_URL, {"email": email, "password": password}, format="json")
    assert response.status_code in (201, 401), response.content
    return response.status_code == 201


def error_fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    return set(response.json()["errors"])


# --- Addressing a contact (who may call what: tests/test_api_permissions.py) ------------------------


@pytest.mark.parametrize("method", ["put"])
def test_put_is_not_offered(staff_api, attendee, method: str):
    # PATCH only: a PUT that forgot a field would blank it.
    assert getattr(staff_api, method)(detail_url(attendee), {"email": attendee.email}, format="json").status_code == 405


@pytest.mark.parametrize("pk", ["00000000-0000-4000-8000-000000000000", "not-an-id", "x" * 300])
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_an_unknown_or_malformed_id_is_a_json_404(staff_api, method: str, pk: str):
    response = getattr(staff_api, method)(f"{LIST_URL}{pk}/", {}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "No such contact.", "code": "not_found"}


# --- Reading --------------------------------------------------------------------------------------


def test_the_list_is_paginated_and_shows_no_password(staff_api):
    contact = ContactFactory()
    contact.set_password(PASSWORD)
    contact.save()
    ContactFactory.create_batch(2)

    response = staff_api.get(LIST_URL, {"page_size": 2})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert body["previous"] is None
    assert "page=2" in body["next"]
    assert len(body["results"]) == 2
    assert all(set(row) == CONTACT_FIELDS for row in body["results"])
    assert contact.password_hash not in response.content.decode()
    assert len(staff_api.get(body["next"]).json()["results"]) == 1


@pytest.mark.parametrize(
    "query",
    ["ann.lee@example", "ANN.LEE", "Annabel", "leeward", "5550142"],
    ids=["email", "email-any-case", "first-name", "last-name", "phone"],
)
def test_search_by_email_name_and_phone(staff_api, query: str):
    wanted = ContactFactory(
        email="ann.lee@example.org", first_name="Annabel", last_name="Leeward", phone="+15035550142"
    )
    ContactFactory(email="bob@example.org", first_name="Bob", last_name="Stone", phone="+15035550177")

    results = staff_api.get(LIST_URL, {"search": query}).json()["results"]

    assert [row["id"] for row in results] == [wanted.pk]


def test_the_list_runs_the_same_queries_for_3_or_15_contacts(staff_api, django_assert_max_num_queries):
    ContactFactory.create_batch(3)
    staff_api.get(LIST_URL)  # the token's first use writes its last-used time; later ones do not
    with CaptureQueriesContext(connection) as three:
        assert len(staff_api.get(LIST_URL).json()["results"]) == 3
    ContactFactory.create_batch(12)

    with django_assert_max_num_queries(len(three)):
        assert len(staff_api.get(LIST_URL).json()["results"]) == 15


# --- Creating -------------------------------------------------------------------------------------


def test_create_hashes_a_write_only_password_the_contact_can_sign_in_with(staff_api):
    response = staff_api.post(
        LIST_URL,
        {"email": "New.Person@Example.org", "first_name": "New", "phone": "(503) 555-0111", "password": PASSWORD},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == CONTACT_FIELDS
    assert PASSWORD not in response.content.decode()
    assert (body["email"], body["phone"], body["has_password"], body["is_active"]) == (
        "new.person@example.org",
        "+15035550111",
        True,
        True,
    )
    contact = Contact.objects.get(pk=body["id"])
    assert PASSWORD not in contact.password_hash
    assert contact.check_password(PASSWORD)
    assert signs_in("new.person@example.org", PASSWORD)


def test_a_contact_created_without_a_password_has_none(staff_api):
    response = staff_api.post(LIST_URL, {"email": "no.password@example.org"}, format="json")

    assert response.status_code == 201
    assert response.json()["has_password"] is False
    assert response.json()["consent_granted"] is False


@pytest.mark.parametrize("email", ["taken@example.org", "TAKEN@Example.ORG", " taken@example.org "])
def test_a_duplicate_email_in_any_case_is_a_400_naming_email(staff_api, email: str):
    ContactFactory(email="taken@example.org")

    response = staff_api.post(LIST_URL, {"email": email}, format="json")

    assert error_fields(response) == {"email"}
    assert Contact.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "x@example.org", "phone": "not a phone"}, "phone"),
        ({"email": "x@example.org", "phone": "+1 555"}, "phone"),
        ({"email": "not an email"}, "email"),
        ({}, "email"),
        ({"email": "x@example.org", "password": "short"}, "password"),
        ({"email": "x@example.org", "first_name": "x" * 101}, "first_name"),
        ({"email": "x@example.org", "is_active": "sometimes"}, "is_active"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(staff_api, body: dict, field: str):
    response = staff_api.post(LIST_URL, body, format="json")

    assert error_fields(response) == {field}
    assert not Contact.objects.exists()


def test_a_duplicate_gohighlevel_id_is_a_400_naming_it(staff_api):
    ContactFactory(ghl_contact_id="ghl-1")

    response = staff_api.post(LIST_URL, {"email": "x@example.org", "ghl_contact_id": "ghl-1"}, format="json")

    assert error_fields(response) == {"ghl_contact_id"}


def test_blank_optional_fields_are_stored_as_null_so_two_contacts_without_a_crm_id_coexist(staff_api):
    blanks = {"phone": "", "first_name": "", "last_name": "", "ghl_contact_id": "", "notes": ""}

    first = staff_api.post(LIST_URL, {"email": "a@example.org", **blanks}, format="json")
    second = staff_api.post(LIST_URL, {"email": "b@example.org", **blanks}, format="json")

    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert {field: second.json()[field] for field in blanks} == dict.fromkeys(blanks)
    assert list(Contact.objects.values_list("ghl_contact_id", flat=True)) == [None, None]


# --- Changing -------------------------------------------------------------------------------------


def test_patch_normalises_the_phone_to_e164(staff_api, attendee):
    response = staff_api.patch(detail_url(attendee), {"phone": "(503) 555-0199"}, format="json")

    assert response.status_code == 200
    assert response.json()["phone"] == "+15035550199"
    attendee.refresh_from_db()
    assert str(attendee.phone) == "+15035550199"


def test_patch_changes_only_the_fields_given(staff_api, attendee):
    before = Contact.objects.values().get(pk=attendee.pk)

    response = staff_api.patch(detail_url(attendee), {"notes": "Moved to Salem"}, format="json")

    assert response.status_code == 200
    after = Contact.objects.values().get(pk=attendee.pk)
    assert {k for k in after if after[k] != before[k]} == {"notes", "updated_at"}


def test_patch_sets_a_new_password_and_the_old_one_stops_working(staff_api, attendee):
    attendee.set_password("the old passphrase")
    attendee.save()

    response = staff_api.patch(detail_url(attendee), {"password": PASSWORD}, format="json")

    assert response.status_code == 200
    assert response.json()["has_password"] is True
    assert PASSWORD not in response.content.decode()
    assert signs_in(attendee.email, PASSWORD)
    assert not signs_in(attendee.email, "the old passphrase")


def test_patch_with_a_null_password_removes_it(staff_api, attendee):
    attendee.set_password(PASSWORD)
    attendee.save()

    response = staff_api.patch(detail_url(attendee), {"password": None}, format="json")

    assert response.json()["has_password"] is False
    assert not signs_in(attendee.email, PASSWORD)


def test_patch_to_another_contacts_email_in_any_case_is_a_400(staff_api, attendee, other_attendee):
    response = staff_api.patch(detail_url(attendee), {"email": other_attendee.email.upper()}, format="json")

    assert error_fields(response) == {"email"}
    attendee.refresh_from_db()
    assert attendee.email != other_attendee.email


def test_consent_cannot_be_set_through_this_endpoint(staff_api):
    contact = ContactFactory(consent_granted=False)

    response = staff_api.patch(
        detail_url(contact),
        {"consent_granted": True, "consent_timestamp": "2026-01-01T00:00:00Z", "first_name": "Ann"},
        format="json",
    )

    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.consent_granted, contact.consent_timestamp, contact.first_name) == (False, None, "Ann")


def test_read_only_fields_are_ignored_on_create(staff_api):
    response = staff_api.post(
        LIST_URL,
        {"email": "x@example.org", "id": "not-yours", "consent_granted": True, "has_password": True},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["consent_granted"], body["has_password"]) == (False, False)
    assert body["id"] != "not-yours"


# --- Deactivating ---------------------------------------------------------------------------------


def test_delete_deactivates_the_contact_keeps_the_row_and_stops_its_tokens(staff_api, attendee, attendee_api):
    assert attendee_api.get("/api/v1/me/").status_code == 200

    response = staff_api.delete(detail_url(attendee))

    assert response.status_code == 204
    attendee.refresh_from_db()
    assert attendee.is_active is False
    assert staff_api.get(detail_url(attendee)).json()["is_active"] is False
    assert attendee_api.get("/api/v1/me/").status_code == 401


def test_a_deactivated_contact_can_be_reactivated_by_patch(staff_api, attendee):
    staff_api.delete(detail_url(attendee))

    response = staff_api.patch(detail_url(attendee), {"is_active": True}, format="json")

    assert response.json()["is_active"] is True
