"""Test settings: the real settings, with defaults that make a bare `pytest` work.

DATABASE_URL still comes from the environment, so the same suite runs on SQLite (the default)
and on PostgreSQL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else")
# The test client speaks plain HTTP; test_settings.py checks the HTTPS settings themselves.
os.environ.setdefault("HTTPS", "false")
# Required with DEBUG off; tests of links that follow the request unset it.
os.environ.setdefault("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

from compliance.settings import *  # noqa: F403

# The real hashers cost ~0.3 s per hash by design; tests hash thousands of times. The legacy
# bcrypt hasher stays so that legacy hashes still verify (and upgrade) here.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "contacts.hashers.LegacyBcryptPasswordHasher",
]

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Serve static files from the app directories as in development: tests never run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
