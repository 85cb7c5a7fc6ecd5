"""Verification of the password hashes written by the legacy system."""

import bcrypt
from django.contrib.auth.hashers import BCryptPasswordHasher

LEGACY_BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")


def as_django_encoded(stored: str | None) -> str | None:
    """Give a raw legacy bcrypt hash (`$2b$12$...`) the algorithm prefix Django dispatches on.

    Anything else (a Django hash, an unusable-password marker, None) is returned unchanged.
    """
    if stored and stored.startswith(LEGACY_BCRYPT_PREFIXES):
        return f"{LegacyBcryptPasswordHasher.algorithm}${stored}"
    return stored


class LegacyBcryptPasswordHasher(BCryptPasswordHasher):
    """Verifies raw bcrypt hashes; never used to create one.

    The legacy system hashed the raw password with bcrypt, which only ever read its first
    72 bytes. bcrypt 5 refuses longer input instead of truncating, so verification truncates
    as the legacy library did. It is never the default hasher, so Django re-hashes with the
    default on the next successful sign-in (Contact.check_password passes it a setter).
    """

    algorithm = "legacy_bcrypt"

    def verify(self, password: str, encoded: str) -> bool:
        _, data = encoded.split("$", 1)
        try:
            return bcrypt.checkpw(password.encode()[:72], data.encode("ascii"))
        except ValueError:  # a malformed stored hash verifies nothing
            return False
