"""Errors outside a view's own handling: pages for people, JSON for API clients, never a trace."""

import sqlite3

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, override_settings
from redis.exceptions import AuthenticationError as RedisAuthenticationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from core.outages import is_outage
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_our_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We could not find this page" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


def test_an_unknown_api_address_is_json(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found.", "code": "not_found"}


def test_a_staff_page_without_permission_is_our_403_page(client):
    client.force_login(StaffUserFactory())
    response = client.get("/meetings/")
    assert response.status_code == 403
    assert "You are not allowed to see this page" in response.content.decode()


@override_settings(ALLOWED_HOSTS=["testserver"])
def test_a_bad_host_is_our_400_page_or_json(client):
    page = client.get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    assert "This request could not be understood" in page.content.decode()
    api = client.get("/api/v1/meetings/", HTTP_HOST="evil.example")
    assert api.status_code == 400
    assert api.json()["code"] == "bad_request"


@override_settings(ROOT_URLCONF="tests.crashing_urls")
def test_a_crash_is_our_500_page_without_details(caplog):
    response = Client(raise_request_exception=False).get("/crash/")
    body = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "deliberate failure" not in body
    assert "Traceback" not in body
    assert "deliberate failure" in caplog.text  # logged for us, not shown to them


@override_settings(ROOT_URLCONF="tests.crashing_urls")
def test_a_crash_under_the_api_is_json_without_details():
    response = Client(raise_request_exception=False).get("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side; it has been logged. Try again in a moment.",
        "code": "server_error",
    }


def database_down(execute, sql, params, many, context):
    """What every query meets while PostgreSQL restarts (psycopg's error, wrapped by Django)."""
    raise OperationalError("terminating connection due to administrator command") from psycopg.errors.AdminShutdown()


def missing_table(execute, sql, params, many, context):
    """A deploy that forgot `migrate`, on SQLite: an OperationalError too, but no outage."""
    raise OperationalError("no such table: contacts") from sqlite3.OperationalError("no such table: contacts")


@pytest.mark.parametrize("url", ["/api/v1/me/", "/api/v1/meetings/", "/api/v1/events/"])
def test_an_api_request_during_a_database_outage_is_a_503_to_retry(url, attendee_api):
    attendee_api.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        response = attendee_api.get(url)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "detail": "The service cannot reach its database right now; try again shortly.",
        "code": "service_unavailable",
    }


def test_a_page_during_a_database_outage_is_our_503_page(client):
    client.force_login(StaffUserFactory())
    client.raise_request_exception = False
    with connection.execute_wrapper(database_down):
        response = client.get("/meetings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    body = response.content.decode()
    assert "Unavailable for a moment" in body
    assert "shutting down" not in body


def test_an_unreachable_shared_cache_is_a_503_too(api_client, failing_cache):
    # The sign-in limit reads its counts from the cache before checking the password.
    failing_cache(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    api_client.raise_request_exception = False
    response = api_client.post("/api/v1/auth/token/", {"email": "sam@example.org", "password": "x" * 12})
    assert response.status_code == 503
    assert response.json()["code"] == "service_unavailable"


def test_a_database_error_that_is_no_outage_is_a_500_not_a_503(attendee_api):
    """Retrying would not help: a 503 would tell phones to try again for ever."""
    attendee_api.raise_request_exception = False
    with connection.execute_wrapper(missing_table):
        response = attendee_api.get("/api/v1/me/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert "Retry-After" not in response


def wrapped(cause: Exception) -> OperationalError:
    """The error Django raises for `cause`, as its database wrapper does."""
    error = OperationalError(str(cause))
    error.__cause__ = cause
    return error


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (wrapped(psycopg.OperationalError("connection failed: Connection refused")), True),
        (wrapped(psycopg.errors.lookup("08006")("server closed the connection unexpectedly")), True),
        (wrapped(psycopg.errors.AdminShutdown()), True),
        (wrapped(psycopg.errors.CannotConnectNow("the database system is starting up")), True),
        (wrapped(psycopg.errors.TooManyConnections()), True),
        (wrapped(sqlite3.OperationalError("database is locked")), True),
        (InterfaceError("connection already closed"), True),
        (RedisConnectionError("Error 111 connecting to 127.0.0.1:6379"), True),
        (RedisTimeoutError("Timeout reading from socket"), True),
        (wrapped(sqlite3.OperationalError("no such table: contacts")), False),
        (wrapped(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")), False),
        (wrapped(psycopg.errors.LockNotAvailable()), False),
        (RedisAuthenticationError("invalid password"), False),
        (ValueError("a bug"), False),
    ],
    ids=lambda value: value if isinstance(value, bool) else type(getattr(value, "__cause__", None) or value).__name__,
)
def test_only_connection_failures_are_outages(error, outage):
    assert is_outage(error) is outage


@override_settings(ROOT_URLCONF="tests.crashing_urls")
def test_other_database_errors_are_still_500s():
    """Only an outage says "retry": a bug that breaks a query is a 500, logged."""
    response = Client(raise_request_exception=False).get("/api/v1/integrity/")
    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
