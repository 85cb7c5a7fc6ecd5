"""An attendee's credentials (password, API tokens, set-password links) follow one set of rules
whatever path changes them: the site's password validators everywhere, a new password ends the
tokens issued before it, and a deactivation ends tokens and links for good."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from access.models import ApiToken
from contacts.models import Contact
from contacts.setup_links import make_set_password_link
from tests.conftest import bearer_client
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db

STRONG = "tulip-harbour-gravel-42"
ME_URL = "/api/v1/me/"


def sign_in(email: str, password: str) -> int:
    return APIClient().post(reverse("api:token"), {"email": email, "password": password}, format="json").status_code


WEAK = [
    ("password", "too common"),
    ("short pass", "too short"),
    ("123456789012345", "entirely numeric"),
    ("sam.weakling@example.org", "too similar"),
]


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_the_api_refuses_a_weak_password_when_creating_a_contact(staff_api, password, message):
    body = {"email": "sam.weakling@example.org", "first_name": "Sam", "password": password}

    response = staff_api.post("/api/v1/contacts/", body, format="json")

    assert response.status_code == 400
    assert any(message in error for error in response.json()["errors"]["password"])
    assert not Contact.objects.exists()
    assert sign_in("sam.weakling@example.org", password) == 401


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_the_api_refuses_a_weak_password_when_changing_one(staff_api, password, message):
    contact = ContactFactory(email="sam.weakling@example.org")

    response = staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"password": password}, format="json")

    assert response.status_code == 400
    assert any(message in error for error in response.json()["errors"]["password"])
    contact.refresh_from_db()
    assert not contact.has_usable_password()


def test_a_strong_password_is_accepted_and_signs_in(staff_api):
    body = {"email": "sam@example.org", "first_name": "Sam", "password": "a long passphrase"}

    assert staff_api.post("/api/v1/contacts/", body, format="json").status_code == 201
    assert sign_in("sam@example.org", "a long passphrase") == 201


@pytest.mark.parametrize(("password", "message"), WEAK)
def test_every_other_path_goes_through_the_same_validators(password, message):
    contact = ContactFactory(email="sam.weakling@example.org")
    with pytest.raises(ValidationError, match=message):
        contact.set_password(password)


def test_the_set_password_page_refuses_a_weak_password(client):
    contact = ContactFactory()
    path = reverse("attendee:set_password", args=[make_set_password_link(contact).token])

    response = client.post(path, {"password1": "password", "password2": "password"})

    assert response.status_code == 200
    assert "too common" in response.content.decode()


# --- A new password ends the tokens issued before it --------------------------------------------


@pytest.fixture
def signed_in_phone(db):
    contact = ContactFactory(email="ann@example.org", consenting=True)
    contact.set_password(STRONG)
    contact.save()
    return contact, bearer_client(ApiToken.issue(contact=contact)[1])


def test_a_password_chosen_through_a_set_password_link_ends_the_old_tokens(client, signed_in_phone):
    contact, phone = signed_in_phone
    assert phone.get(ME_URL).status_code == 200
    path = reverse("attendee:set_password", args=[make_set_password_link(contact).token])

    chosen = client.post(path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})

    assert chosen.status_code == 302
    assert phone.get(ME_URL).status_code == 401
    assert sign_in("ann@example.org", "a brand new passphrase") == 201


def test_a_password_set_by_staff_through_the_api_ends_the_old_tokens(staff_api, signed_in_phone):
    contact, phone = signed_in_phone

    changed = staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"password": "a brand new passphrase"}, format="json")

    assert changed.status_code == 200
    assert phone.get(ME_URL).status_code == 401


def test_a_password_removed_by_staff_ends_the_old_tokens(staff_api, signed_in_phone):
    contact, phone = signed_in_phone

    assert staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"password": None}, format="json").status_code == 200
    assert phone.get(ME_URL).status_code == 401


def test_other_changes_leave_the_tokens_alone(staff_api, signed_in_phone):
    contact, phone = signed_in_phone

    assert staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"notes": "Moved"}, format="json").status_code == 200
    assert phone.get(ME_URL).status_code == 200


def test_a_legacy_hash_upgraded_on_sign_in_keeps_the_tokens(signed_in_phone, settings):
    """Rehashing the same password is not a new password."""
    contact, phone = signed_in_phone
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher", *settings.PASSWORD_HASHERS]

    assert sign_in("ann@example.org", STRONG) == 201
    contact.refresh_from_db()
    assert contact.password_hash.startswith("pbkdf2_sha256$")
    assert phone.get(ME_URL).status_code == 200


# --- A deactivation ends tokens and links for good ----------------------------------------------


def by_staff_pages(staff_client, contact: Contact) -> None:
    staff_client.post(reverse("contacts:deactivate", args=[contact.pk]))
    staff_client.post(reverse("contacts:reactivate", args=[contact.pk]))


def by_api_patch(staff_api, contact: Contact) -> None:
    staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"is_active": False}, format="json")
    staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"is_active": True}, format="json")


def by_api_delete(staff_api, contact: Contact) -> None:
    staff_api.delete(f"/api/v1/contacts/{contact.pk}/")
    staff_api.patch(f"/api/v1/contacts/{contact.pk}/", {"is_active": True}, format="json")


def by_admin_actions(admin_client, contact: Contact) -> None:
    url = reverse("admin:contacts_contact_changelist")
    for action in ("deactivate_selected", "reactivate_selected"):
        admin_client.post(url, {"action": action, "_selected_action": [contact.pk]})


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


PATHS = {
    "staff pages": (by_staff_pages, "staff_client"),
    "API PATCH": (by_api_patch, "staff_api"),
    "API DELETE": (by_api_delete, "staff_api"),
    "admin actions": (by_admin_actions, "admin_client"),
}


@pytest.mark.parametrize("path", PATHS)
def test_a_link_made_before_a_deactivation_stays_dead_after_reactivation(request, path, signed_in_phone):
    contact, phone = signed_in_phone
    link = reverse("attendee:set_password", args=[make_set_password_link(contact).token])
    toggle, actor = PATHS[path]

    toggle(request.getfixturevalue(actor), contact)

    contact.refresh_from_db()
    assert contact.is_active
    new_password = "a brand new passphrase"
    used = APIClient().post(link, {"password1": new_password, "password2": new_password})
    assert used.status_code == 410
    assert phone.get(ME_URL).status_code == 401, "the token issued before the deactivation is dead too"
    assert sign_in("ann@example.org", STRONG) == 201, "the password itself still works"


def test_a_new_password_signs_the_attendee_out_of_other_browsers(client, signed_in_phone):
    contact, _ = signed_in_phone
    signed_in = client.post(reverse("attendee:sign_in"), {"email": "ann@example.org", "password": STRONG})
    assert signed_in.status_code == 302
    assert client.get(reverse("attendee:home")).status_code == 200
    path = reverse("attendee:set_password", args=[make_set_password_link(contact).token])

    Client().post(path, {"password1": "a brand new passphrase", "password2": "a brand new passphrase"})

    assert client.get(reverse("attendee:home"))["Location"].startswith(reverse("attendee:sign_in"))
    again = client.post(reverse("attendee:sign_in"), {"email": "ann@example.org", "password": "a brand new passphrase"})
    assert again.status_code == 302
    assert client.get(reverse("attendee:home")).status_code == 200
