"""One spelling of an identity for storage, lookup and the sign-in limit.

PostgreSQL's UPPER() folds U+017F (long s) and U+0131 (dotless i) to ASCII, Python's lower()
does not, full-width letters and the Kelvin sign are other spellings of ASCII letters: a lock on
one spelling of an account must hold for every spelling that reaches that account, on SQLite and
PostgreSQL alike.
"""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from contacts.models import Contact, normalize_email
from tests.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = reverse("api:token")
LONG_S, DOTLESS_I, KELVIN = "\u017f", "\u0131", "\u212a"


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Aisha.Johnson@Example.ORG", "aisha.johnson@example.org"),
        ("  aisha.johnson@example.org \n", "aisha.johnson@example.org"),
        (f"ai{LONG_S}ha.johnson@example.org", "aisha.johnson@example.org"),
        (f"{KELVIN}im.kelly@example.org", "kim.kelly@example.org"),
        (full_width("aisha.johnson") + "@example.org", "aisha.johnson@example.org"),
        ("ana@cafe\u0301.example", "ana@caf\u00e9.example"),  # a combining accent: one character
        (f"a{DOTLESS_I}sha@example.org", f"a{DOTLESS_I}sha@example.org"),  # a letter of its own
        ("\u0130nci@example.org", "i\u0307nci@example.org"),
    ],
)
def test_an_email_has_one_form(typed, stored):
    assert normalize_email(typed) == stored
    assert normalize_email(stored) == stored, "normalising twice changes nothing"


@pytest.fixture
def aisha(db):
    contact = ContactFactory(email="aisha.johnson@example.org", consenting=True)
    contact.set_password(PASSWORD)
    contact.save()
    return contact


def api_sign_in(email: str, password: str, address: str) -> int:
    body = {"email": email, "password": password}
    return APIClient().post(TOKEN_URL, body, format="json", HTTP_X_FORWARDED_FOR=address).status_code


def page_sign_in(email: str, password: str, address: str) -> int:
    return (
        Client()
        .post(reverse("attendee:sign_in"), {"email": email, "password": password}, HTTP_X_FORWARDED_FOR=address)
        .status_code
    )


def lock(email: str) -> None:
    # From other addresses than the attempts below, so that only the account's count is tested.
    for n in range(5):
        assert api_sign_in(email, "wrong guess", f"198.51.100.{n}") == 401
    assert api_sign_in(email, PASSWORD, "198.51.100.9") == 429


VARIANTS = [
    f"ai{LONG_S}ha.johnson@example.org",
    f"aisha.john{LONG_S}on@example.org",
    "AISHA.JOHNSON@EXAMPLE.ORG",
    full_width("aisha.johnson") + "@example.org",
    " aisha.johnson@example.org",
]


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("sign_in", [api_sign_in, page_sign_in], ids=["api", "phone page"])
def test_a_locked_account_stays_locked_under_every_spelling_that_reaches_it(aisha, variant, sign_in):
    lock(aisha.email)

    assert sign_in(variant, PASSWORD, "203.0.113.50") == 429


@pytest.mark.parametrize("variant", [f"a{DOTLESS_I}sha.johnson@example.org", f"aisha.johnson@example.org{LONG_S}"])
def test_a_spelling_that_is_another_address_reaches_no_account(aisha, variant):
    """PostgreSQL's UPPER() would have matched the dotless i to Aisha's row."""
    lock(aisha.email)

    assert api_sign_in(variant, PASSWORD, "203.0.113.51") in (400, 401)


def test_the_lock_counts_every_spelling_together(aisha):
    spellings = [aisha.email, *VARIANTS]
    statuses = [api_sign_in(spellings[n % len(spellings)], "wrong guess", f"198.51.100.{n}") for n in range(5)]
    assert statuses == [401] * 5
    assert api_sign_in(aisha.email, PASSWORD, "203.0.113.52") == 429


@pytest.mark.parametrize("variant", VARIANTS)
def test_any_spelling_of_an_address_signs_in_to_its_account(aisha, variant):
    assert api_sign_in(variant, PASSWORD, "203.0.113.53") == 201


@pytest.mark.parametrize(
    ("email", "field_error"),
    [
        (f"ai{LONG_S}ha.johnson@example.org", "A contact with this email already exists."),
        (full_width("aisha.johnson") + "@example.org", "A contact with this email already exists."),
        (f"a{DOTLESS_I}sha.johnson@example.org", "plain letters"),
    ],
)
def test_no_second_account_can_be_made_with_another_spelling(aisha, staff_api, staff_client, email, field_error):
    by_api = staff_api.post("/api/v1/contacts/", {"email": email}, format="json")
    by_page = staff_client.post(reverse("contacts:add"), {"email": email, "first_name": "Copy"})

    assert by_api.status_code == 400
    assert "email" in by_api.json()["errors"]
    assert by_page.status_code == 200
    assert field_error.split(".")[0] in by_page.content.decode().replace("&#x27;", "'")
    assert Contact.objects.count() == 1


STAFF_VARIANTS = [full_width("case.manager"), "Case.Manager", "CASE.MANAGER", f"ca{LONG_S}e.manager"]


@pytest.mark.parametrize("variant", STAFF_VARIANTS)
def test_a_locked_staff_account_stays_locked_under_every_spelling(variant):
    StaffUserFactory(username="case.manager")
    client = Client()
    for n in range(5):
        client.post(
            reverse("login"), {"username": "case.manager", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )

    response = client.post(
        reverse("login"), {"username": variant, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.54"
    )

    assert response.status_code == 429
