"""Settings come from the environment and fail loudly at start-up when they cannot be trusted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.PUBLIC_BASE_URL or '-', s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'],"
    " s.TIME_ZONE)"
)


# The test run's own settings must not leak into a fresh interpreter (conftest.py sets
# DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, tests/settings.py HTTPS=false).
TEST_RUN_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "CACHE_URL",
    "PUBLIC_BASE_URL",
    "TIME_ZONE",
    "ALLOWED_HOSTS",
    "HTTPS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def run_fresh(arguments: list[str], **variables: str) -> subprocess.CompletedProcess:
    """Run Python with the real settings and exactly these variables set."""
    environment = {key: value for key, value in os.environ.items() if key not in TEST_RUN_VARIABLES}
    # A developer's own .env must not fill in what the test leaves out.
    environment.update({"ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "compliance.settings", **variables})
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def start(**variables: str) -> subprocess.CompletedProcess:
    """Import the real settings in a fresh interpreter with exactly these variables set."""
    return run_fresh(["-c", PRINT_SETTINGS], **variables)


def test_without_debug_a_missing_secret_key_stops_start_up_with_a_clear_message():
    result = start(DEBUG="false")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr


def test_without_debug_a_missing_public_base_url_stops_start_up_with_a_clear_message():
    # Posters printed with a guessed origin (the old default, http://127.0.0.1:8000) never work.
    result = start(DEBUG="false", SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ImproperlyConfigured: PUBLIC_BASE_URL is not set" in result.stderr


def test_debug_is_off_unless_asked_for():
    result = start(SECRET_KEY="x" * 50, PUBLIC_BASE_URL="https://attend.example.org")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"


def test_with_debug_on_a_development_key_is_used():
    result = start(DEBUG="true")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_defaults_are_the_embedded_database_and_local_memory_cache():
    result = start(DEBUG="true")
    _, base_url, engine, cache, time_zone = result.stdout.split()
    # Unset: links follow the address each page is served on (core/links.py).
    assert base_url == "-"
    assert engine == "django.db.backends.sqlite3"
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
    assert time_zone == "UTC"


def test_postgresql_redis_and_the_public_url_come_from_the_environment():
    result = start(
        DEBUG="true",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/compliance",
        CACHE_URL="redis://127.0.0.1:6379/0",
        PUBLIC_BASE_URL="https://attend.example.org/",
        TIME_ZONE="America/Los_Angeles",
    )
    assert result.returncode == 0, result.stderr
    _, base_url, engine, cache, time_zone = result.stdout.split()
    assert base_url == "https://attend.example.org"
    assert engine == "django.db.backends.postgresql"
    assert cache.endswith("RedisCache")
    assert time_zone == "America/Los_Angeles"


PRINT_DATABASE = (
    "import django; django.setup(); from django.conf import settings as s; d = s.DATABASES['default'];"
    "print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'], d['OPTIONS']['connect_timeout'],"
    " d['OPTIONS']['tcp_user_timeout'], d['OPTIONS']['keepalives_idle'])"
)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, "60 True 5 15000 30"),
        ({"DB_CONN_MAX_AGE": "0", "DB_CONNECT_TIMEOUT": "2", "DB_TCP_TIMEOUT": "7"}, "0 True 2 7000 30"),
    ],
)
def test_postgresql_connections_persist_are_checked_and_give_up_in_seconds(variables, expected):
    result = run_fresh(
        ["-c", PRINT_DATABASE], DEBUG="true", DATABASE_URL="postgres://postgres@127.0.0.1:5432/compliance", **variables
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


@pytest.mark.parametrize("url", ["attend.example.org", "ftp://example.org", "https://"])
def test_a_public_base_url_that_is_not_absolute_http_stops_start_up(url):
    result = start(DEBUG="true", PUBLIC_BASE_URL=url)
    assert result.returncode != 0
    assert "PUBLIC_BASE_URL must be an absolute http(s) URL" in result.stderr


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"DEBUG": "true", "PHONE_REGION": "XX"}, "PHONE_REGION must be a two-letter region code"),
        ({"DEBUG": "true", "DATABASE_URL": "mysqlx://nowhere/db"}, "DATABASE_URL"),
    ],
)
def test_a_bad_value_stops_start_up_with_a_clear_message(variables, message):
    result = start(**variables)
    assert result.returncode != 0
    assert message in result.stderr


def test_an_empty_database_url_means_the_embedded_database():
    result = start(DEBUG="true", DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "django.db.backends.sqlite3"


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k8Jx2-production-like-key-for-the-deploy-check-qZ7vN4pR9sT1wY6bC3dF5gH0mL",
    "ALLOWED_HOSTS": "attend.example.org",
    "PUBLIC_BASE_URL": "https://attend.example.org",
}


def manage(*arguments: str, **variables: str) -> subprocess.CompletedProcess:
    return run_fresh(["manage.py", *arguments], **variables)


def test_the_production_configuration_passes_djangos_deployment_checks():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_the_deployment_checks_say_what_is_missing():
    # HTTPS=false is for loopback servers only; the deploy check must not call that production-ready.
    result = manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="false", **PRODUCTION)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stdout + result.stderr
