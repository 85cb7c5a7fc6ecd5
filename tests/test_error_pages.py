"""Errors outside a view's own handling: pages for people, JSON for API clients, never a trace."""

import pytest
from django.test import Client, override_settings

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
    assert "deliberate failure" not in body and "Traceback" not in body
    assert "deliberate failure" in caplog.text  # logged for us, not shown to them


@override_settings(ROOT_URLCONF="tests.crashing_urls")
def test_a_crash_under_the_api_is_json_without_details():
    response = Client(raise_request_exception=False).get("/api/v1/crash/")
    assert response.status_code == 500
    assert response.json() == {
        "detail": "Something went wrong on our side; it has been logged. Try again in a moment.",
        "code": "server_error",
    }
