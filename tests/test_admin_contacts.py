"""The contact admin: the password hash stays hidden, consent stays the attendee's."""

import re

import pytest
from django.urls import reverse

from contacts.models import Contact
from tests.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def change_url(contact: Contact) -> str:
    return reverse("admin:contacts_contact_change", args=[contact.pk])


def form_data(contact: Contact, **changes: str) -> dict[str, str]:
    data = {
        "email": contact.email,
        "first_name": contact.first_name or "",
        "last_name": contact.last_name or "",
        "phone": str(contact.phone or ""),
        "ghl_contact_id": contact.ghl_contact_id or "",
        "notes": contact.notes or "",
        "is_active": "on" if contact.is_active else "",
    }
    return {**data, **changes}


def shown_password_flag(html: str) -> str:
    """The yes/no icon of the "has a usable password" line ("True" or "False")."""
    match = re.search(r'field-has_usable_password.*?<img [^>]*alt="(True|False)"', html, re.DOTALL)
    assert match, "the change page does not show whether the contact has a password"
    return match.group(1)


@pytest.fixture
def contact_with_password() -> Contact:
    contact = ContactFactory()
    contact.set_password("a long and secret passphrase")
    contact.save()
    return contact


def test_password_hash_appears_on_no_admin_page(client, superuser, contact_with_password):
    secret = contact_with_password.password_hash
    digest = secret.rsplit("$", 1)[-1]
    client.force_login(superuser)

    pages = [
        client.get(change_url(contact_with_password)),
        client.get(reverse("admin:contacts_contact_changelist")),
        client.get(reverse("admin:contacts_contact_history", args=[contact_with_password.pk])),
    ]

    for response in pages:
        assert response.status_code == 200
        assert secret not in response.text
        assert digest not in response.text


@pytest.mark.parametrize(("password", "shown"), [("a long and secret passphrase", "True"), (None, "False")])
def test_change_page_says_only_whether_a_password_is_usable(client, superuser, password, shown):
    contact = ContactFactory()
    contact.set_password(password)
    contact.save()
    client.force_login(superuser)

    response = client.get(change_url(contact))

    assert shown_password_flag(response.text) == shown


def test_posted_password_hash_and_consent_are_ignored(client, superuser, contact_with_password):
    original_hash = contact_with_password.password_hash
    client.force_login(superuser)

    response = client.post(
        change_url(contact_with_password),
        form_data(
            contact_with_password, first_name="Renamed", password_hash="forged", consent_granted="on", is_active="on"
        ),
    )

    assert response.status_code == 302
    contact_with_password.refresh_from_db()
    assert contact_with_password.first_name == "Renamed"
    assert contact_with_password.password_hash == original_hash
    assert contact_with_password.consent_granted is False


def test_add_form_refuses_an_email_already_taken_in_other_case(client, superuser):
    existing = ContactFactory(email="sam.lee@example.org")
    client.force_login(superuser)

    response = client.post(
        reverse("admin:contacts_contact_add"), form_data(existing, email="Sam.Lee@Example.org", ghl_contact_id="")
    )

    assert response.status_code == 200
    [error] = response.context["adminform"].form.errors.as_data()["email"]
    assert error.code == "unique"
    assert "already exists" in response.text
    assert Contact.objects.count() == 1


def test_add_form_creates_a_contact_with_a_normalised_email_and_phone(client, superuser):
    client.force_login(superuser)

    response = client.post(
        reverse("admin:contacts_contact_add"),
        {"email": "Alex.Kim@Example.org", "first_name": "Alex", "last_name": "Kim", "phone": "(503) 555-0199"},
    )

    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.email, str(contact.phone), contact.ghl_contact_id) == ("alex.kim@example.org", "+15035550199", None)
    assert contact.has_usable_password() is False


@pytest.mark.parametrize("lookup", ["password_hash__startswith", "password_hash", "password_hash__regex"])
def test_the_hash_cannot_be_probed_through_changelist_filters(client, lookup):
    viewer = StaffUserFactory(username="viewer", permissions=["contacts.view_contact"])
    contact = ContactFactory()
    contact.set_password("a secret passphrase")
    contact.save()
    client.force_login(viewer)

    response = client.get(reverse("admin:contacts_contact_changelist"), {lookup: contact.password_hash[:6]})

    assert response.status_code == 400
