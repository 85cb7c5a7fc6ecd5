"""Contacts' passwords: Django's hashers, with the legacy system's raw bcrypt hashes upgraded."""

import bcrypt
import pytest
from django.contrib.auth.hashers import get_hasher, identify_hasher

from contacts.models import Contact
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def legacy_contact(password: bytes) -> Contact:
    # What the legacy system wrote: bcrypt's own output, no algorithm prefix.
    raw_hash = bcrypt.hashpw(password, bcrypt.gensalt(rounds=4)).decode()
    assert raw_hash.startswith("$2b$04$")
    return ContactFactory(password_hash=raw_hash)


def test_a_new_password_uses_the_default_hasher_and_verifies():
    contact = ContactFactory()
    contact.set_password("a long passphrase")
    contact.save()
    assert identify_hasher(contact.password_hash).algorithm == get_hasher("default").algorithm
    assert "a long passphrase" not in contact.password_hash
    assert contact.check_password("a long passphrase")
    assert not contact.check_password("A long passphrase")


def test_a_legacy_bcrypt_hash_verifies_and_is_upgraded_on_success():
    contact = legacy_contact(b"legacy secret")
    assert contact.check_password("legacy secret")
    contact.refresh_from_db()
    assert not contact.password_hash.startswith("$2b$")
    assert identify_hasher(contact.password_hash).algorithm == get_hasher("default").algorithm
    assert contact.check_password("legacy secret")


def test_a_wrong_password_against_a_legacy_hash_fails_and_changes_nothing():
    contact = legacy_contact(b"legacy secret")
    stored = contact.password_hash
    assert not contact.check_password("not it")
    contact.refresh_from_db()
    assert contact.password_hash == stored


def test_a_legacy_hash_of_a_long_password_verifies_as_the_legacy_library_did():
    # Old bcrypt releases silently used the first 72 bytes; bcrypt 5 refuses longer input.
    password = "correct horse battery staple " * 4
    contact = legacy_contact(password.encode()[:72])
    assert contact.check_password(password)


@pytest.mark.parametrize("stored", ["$2b$12$tooshort", "$2b$", "garbage", ""])
def test_a_malformed_stored_hash_verifies_nothing_and_does_not_crash(stored):
    contact = ContactFactory(password_hash=stored)
    assert not contact.check_password("anything")


@pytest.mark.parametrize(
    ("stored", "usable"),
    [(None, False), ("", False), ("!unusable", False), ("$2b$04$abcdefghijklmnopqrstuv", True)],
)
def test_has_usable_password(stored, usable):
    assert ContactFactory(password_hash=stored).has_usable_password() is usable


def test_a_contact_without_a_password_cannot_sign_in():
    contact = ContactFactory(password_hash=None)
    assert not contact.check_password("")
    contact.set_password(None)
    assert not contact.has_usable_password()


@pytest.mark.parametrize("variant", ["$2a$", "$2y$"])
def test_older_bcrypt_variants_verify_too(variant):
    raw_hash = bcrypt.hashpw(b"legacy secret", bcrypt.gensalt(rounds=4)).decode().replace("$2b$", variant, 1)
    contact = ContactFactory(password_hash=raw_hash)
    assert contact.check_password("legacy secret")
    contact.refresh_from_db()
    assert identify_hasher(contact.password_hash).algorithm == get_hasher("default").algorithm


def test_with_the_production_hashers_a_legacy_hash_is_upgraded_to_pbkdf2(settings):
    from compliance import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    contact = legacy_contact(b"legacy secret")
    assert contact.check_password("legacy secret")
    contact.refresh_from_db()
    assert contact.password_hash.startswith("pbkdf2_sha256$")
    assert contact.check_password("legacy secret")
