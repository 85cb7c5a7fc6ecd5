"""Phone numbers are validated and stored in E.164."""

import pytest
from django.core.exceptions import ValidationError

from contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("(503) 555-0123", "+15035550123"),  # a national number, read in PHONE_REGION (US)
        ("503.555.0123", "+15035550123"),
        ("+1 503 555 0123", "+15035550123"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_numbers_are_stored_in_e164(typed, stored):
    contact = Contact(email="phone@example.org", phone=typed)
    contact.full_clean()
    contact.save()
    contact.refresh_from_db()
    assert str(contact.phone) == stored
    assert Contact.objects.filter(phone=stored).exists()


@pytest.mark.parametrize("typed", ["12345", "not a phone", "+1 555"])
def test_invalid_numbers_are_refused_with_a_message(typed):
    contact = Contact(email="phone@example.org", phone=typed)
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "phone" in error.value.message_dict


@pytest.mark.parametrize("blank", [None, ""])
def test_phone_is_optional_and_missing_is_stored_as_null(blank):
    contact = Contact(email="nophone@example.org", phone=blank)
    contact.full_clean()
    contact.save()
    assert Contact.objects.get(pk=contact.pk).phone is None


@pytest.mark.parametrize("typed", ["not a phone", "12345"])
def test_every_write_path_refuses_an_invalid_number(typed):
    with pytest.raises(ValidationError):
        Contact.objects.create(email="raw@example.org", phone=typed)
    assert not Contact.objects.exists()


def test_a_number_with_an_extension_is_refused_rather_than_truncated():
    contact = Contact(email="ext@example.org", phone="+1 503 555 0123 ext. 42")
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "phone" in error.value.message_dict
