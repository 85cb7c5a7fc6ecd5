"""Five failed sign-ins per account or per address in 15 minutes, on every sign-in; then 429."""

import logging

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from rest_framework.test import APIClient

from access.limits import MAX_FAILURES, WINDOW_SECONDS, client_address
from tests.factories import ContactFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
TOKEN_URL = "/api/v1/auth/token/"


def staff_sign_in(client, username: str, password: str, address: str = "198.51.100.7"):
    return client.post(reverse("login"), {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=address)


def api_sign_in(email: str, password: str, address: str = "198.51.100.7"):
    return APIClient().post(
        TOKEN_URL, {"email": email, "password": password}, format="json", HTTP_X_FORWARDED_FOR=address
    )


def test_staff_sign_in_locks_after_five_failures_even_with_the_right_password(client, caplog):
    StaffUserFactory(username="case.manager")
    with caplog.at_level(logging.WARNING, logger="access.limits"):
        for _ in range(MAX_FAILURES):
            assert staff_sign_in(client, "case.manager", "wrong").status_code == 200

    locked = staff_sign_in(client, "case.manager", PASSWORD)

    assert locked.status_code == 429
    assert 0 < int(locked["Retry-After"]) <= WINDOW_SECONDS
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # The lockout is logged, with the address but neither the username nor a password.
    assert "locked out" in caplog.text
    assert "198.51.100.7" in caplog.text
    assert "case.manager" not in caplog.text
    assert "wrong" not in caplog.text


def test_a_successful_staff_sign_in_forgives_the_accounts_failures(client):
    StaffUserFactory(username="case.manager")
    for _ in range(MAX_FAILURES - 1):
        staff_sign_in(client, "case.manager", "wrong")
    assert staff_sign_in(client, "case.manager", PASSWORD).status_code == 302
    client.logout()
    for _ in range(MAX_FAILURES - 1):
        staff_sign_in(client, "case.manager", "wrong", address="198.51.100.8")
    assert staff_sign_in(client, "case.manager", PASSWORD, address="198.51.100.8").status_code == 302


def test_one_address_guessing_many_accounts_is_stopped(client):
    for number in range(MAX_FAILURES):
        staff_sign_in(client, f"someone{number}", "wrong")
    assert staff_sign_in(client, "someone-else", "wrong").status_code == 429
    # Another address is not affected.
    assert staff_sign_in(client, "someone-else", "wrong", address="203.0.113.9").status_code == 200


def test_the_api_token_endpoint_answers_429_json_with_retry_after():
    contact = ContactFactory(email="ann@example.org")
    contact.set_password(PASSWORD)
    contact.save()
    for _ in range(MAX_FAILURES):
        assert api_sign_in("ann@example.org", "wrong").status_code == 401

    locked = api_sign_in("ann@example.org", PASSWORD)

    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert 0 < int(locked["Retry-After"]) <= WINDOW_SECONDS


def test_the_phone_page_and_the_api_share_one_count_per_account(client):
    contact = ContactFactory(email="ann@example.org")
    contact.set_password(PASSWORD)
    contact.save()
    for _ in range(3):
        wrong = {"email": "ann@example.org", "password": "wrong"}
        client.post(reverse("attendee:sign_in"), wrong, HTTP_X_FORWARDED_FOR="1.2.3.4")
    for _ in range(MAX_FAILURES - 3):
        api_sign_in("ANN@example.org", "wrong", address="5.6.7.8")

    assert api_sign_in("ann@example.org", PASSWORD, address="9.9.9.9").status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.5", "203.0.113.5"),  # from the proxy: the client it names
        ("127.0.0.1", "6.6.6.6, 203.0.113.5", "203.0.113.5"),  # the proxy's own addition, not the client's claim
        ("198.51.100.1", "203.0.113.5", "198.51.100.1"),  # not from a trusted proxy: ignored
        ("127.0.0.1", "", "127.0.0.1"),
    ],
)
def test_the_client_address_trusts_x_forwarded_for_only_from_the_proxy(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected


@override_settings(TRUSTED_PROXIES=[])
def test_without_trusted_proxies_the_connection_address_counts():
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_address(request) == "127.0.0.1"
