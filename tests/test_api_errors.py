"""Every API error is JSON with `detail` and `code`, whichever layer raised it."""

import json
import logging
import re
from urllib.parse import urlencode

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.test import APIRequestFactory

from api.common import exception_handler
from contacts.models import Contact
from tests.factories import MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("exc", "status", "code"),
    [
        (Http404("No Contact matches the given query."), 404, "not_found"),
        (PermissionDenied(), 403, "permission_denied"),
    ],
)
def test_djangos_own_exceptions_get_a_status_and_a_code(exc, status, code):
    request = APIRequestFactory().get("/api/v1/")
    response = exception_handler(exc, {"request": request, "view": None})
    assert response.status_code == status
    assert response.data["code"] == code
    # Django's messages can name models and lookups; clients get DRF's generic wording.
    assert "Contact" not in response.data["detail"]


def test_an_unknown_route_under_the_api_is_a_404(api_client):
    assert api_client.get("/api/v1/no-such-thing/").status_code == 404


def test_a_body_over_the_upload_limit_is_a_json_413(api_client, attendee_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"email": "a" * 20_000 + "@example.org", "password": "x"})
    for client, url in [(api_client, "/api/v1/auth/token/"), (attendee_api, "/api/v1/sessions/")]:
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"


# --- JSON only, and JSON that breaks parsers ------------------------------------------------

README_CONTACT = {"email": "sam@example.org", "first_name": "Sam", "password": "a long passphrase"}


@pytest.fixture
def body_endpoints(api_client, staff_api, attendee_api, attendee):
    """(client, method, url) for every operation that reads a request body, as a caller it accepts."""
    session = SessionFactory(contact=attendee, meeting=MeetingFactory())
    contact, meeting = attendee.pk, session.meeting_id
    events = [(attendee_api, "post", f"/api/v1/sessions/{session.pk}/{action}/") for action in EVENT_ACTIONS]
    return [
        (api_client, "post", "/api/v1/auth/token/"),
        (attendee_api, "post", "/api/v1/me/consent/"),
        (staff_api, "post", "/api/v1/contacts/"),
        (staff_api, "patch", f"/api/v1/contacts/{contact}/"),
        (staff_api, "post", "/api/v1/meetings/"),
        (staff_api, "patch", f"/api/v1/meetings/{meeting}/"),
        (attendee_api, "post", "/api/v1/sessions/"),
        *events,
    ]


EVENT_ACTIONS = ("check-in", "check-out", "location", "end")


def send(client, method: str, url: str, body: bytes | str, content_type: str = "application/json"):
    """The body exactly as given, under exactly this Content-Type (none if empty)."""
    return client.generic(method.upper(), url, body, content_type=content_type)


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["detail"]
    return body


def test_the_readmes_contact_as_a_form_is_refused_not_stored_inactive(staff_api):
    # A form cannot say true: the contact used to be created with is_active false.
    response = staff_api.post("/api/v1/contacts/", README_CONTACT, format="multipart")
    assert_error(response, 415, "unsupported_media_type")
    response = send(staff_api, "post", "/api/v1/contacts/", urlencode(README_CONTACT), FORM)
    assert_error(response, 415, "unsupported_media_type")
    assert not Contact.objects.exists()


def test_the_readmes_contact_as_json_is_active(staff_api):
    response = send(staff_api, "post", "/api/v1/contacts/", json.dumps(README_CONTACT))
    assert response.status_code == 201, response.content
    assert response.json()["is_active"] is True
    assert Contact.objects.get(email="sam@example.org").is_active


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "content_type",
    [FORM, "multipart/form-data; boundary=x", "text/plain", "application/xml", "application/json-patch+json", ""],
)
def test_every_body_that_is_not_json_is_a_415(body_endpoints, content_type):
    for client, method, url in body_endpoints:
        response = send(client, method, url, '{"email": "a@example.org"}', content_type)
        assert_error(response, 415, "unsupported_media_type")


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", "no-such-charset"])
def test_json_in_another_charset_is_a_415(api_client, charset):
    response = send(api_client, "post", "/api/v1/auth/token/", "{}", f"application/json; charset={charset}")
    assert_error(response, 415, "unsupported_media_type")


def test_json_declared_as_utf8_is_read(api_client):
    response = send(api_client, "post", "/api/v1/auth/token/", "{}", "application/json; charset=UTF-8")
    assert_error(response, 400, "invalid")


HOSTILE_BODIES = {
    "1000 nested arrays": "[" * 1000 + "]" * 1000,
    "100000 nested arrays": "[" * 100_000 + "]" * 100_000,
    "1000 nested objects": '{"a":' * 1000 + "1" + "}" * 1000,
    "unclosed nesting": "[" * 5000,
    "33 nested arrays": "[" * 33 + "]" * 33,
    "deep inside a field": '{"email": ' + "[" * 40 + "]" * 40 + "}",
    "NaN": '{"lat": NaN}',
    "Infinity": '{"lat": Infinity}',
    "-Infinity": '{"lat": -Infinity}',
}


@pytest.mark.parametrize("name", HOSTILE_BODIES)
def test_hostile_json_is_a_parse_error_and_no_traceback(body_endpoints, caplog, name):
    for client, method, url in body_endpoints:
        body = assert_error(send(client, method, url, HOSTILE_BODIES[name]), 400, "parse_error")
        if "nest" in name:
            assert "nested more than 32 levels deep" in body["detail"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_nesting_up_to_32_levels_is_parsed(api_client):
    # 32 levels reach the view, which refuses the body for what it says, not for its shape.
    body = '{"email": ' + "[" * 31 + "]" * 31 + ', "password": "x"}'
    assert_error(send(api_client, "post", "/api/v1/auth/token/", body), 400, "invalid")


INVALID_UTF8 = {
    "overlong slash": b'{"email": "\xc0\xaf@example.org"}',
    "overlong NUL": b'{"email": "\xc0\x80"}',
    "encoded surrogate": b'{"email": "\xed\xa0\x80"}',
    "stray continuation byte": b'{"email": "\x80"}',
    "truncated sequence": b'{"email": "\xe2\x82"}',
    "latin-1": '{"email": "zoë@example.org"}'.encode("latin-1"),
    "past U+10FFFF": b'{"email": "\xf4\x90\x80\x80"}',
}


@pytest.mark.parametrize("name", INVALID_UTF8)
def test_bytes_that_are_not_utf8_are_a_parse_error(body_endpoints, caplog, name):
    for client, method, url in body_endpoints:
        body = assert_error(send(client, method, url, INVALID_UTF8[name]), 400, "parse_error")
        assert "not valid UTF-8" in body["detail"]
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ('{"email": "\\ud800@example.org", "password": "x"}', {"email"}),
        ('{"email": "a@example.org", "password": "\\udfff"}', {"password"}),
        ('{"email": ["\\udc00"]}', {"email"}),
        ('{"\\ud800": 1}', {"non_field_errors"}),
        ('["\\ud800"]', {"non_field_errors"}),
        ('"\\ud83d"', {"non_field_errors"}),
    ],
)
def test_a_lone_surrogate_is_invalid_naming_its_field(body_endpoints, caplog, raw, errors):
    for client, method, url in body_endpoints:
        body = assert_error(send(client, method, url, raw), 400, "invalid")
        assert set(body["errors"]) == errors
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_a_surrogate_pair_is_one_character_and_accepted(api_client):
    # "\ud83d\ude00" is U+1F600, written as JSON escapes: text, not a lone surrogate.
    raw = '{"email": "\\ud83d\\ude00@example.org", "password": "x"}'
    response = send(api_client, "post", "/api/v1/auth/token/", raw)
    assert response.status_code in (400, 401), response.content
    assert "surrogate" not in response.content.decode()


def test_an_empty_body_is_an_empty_object(attendee_api):
    response = attendee_api.post("/api/v1/me/consent/")
    body = assert_error(response, 400, "invalid")
    assert "granted" in body["errors"]


def test_the_browsable_api_offers_its_raw_json_form_only(client, api_staff_user):
    client.force_login(api_staff_user)
    page = client.get("/api/v1/contacts/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert re.findall(r"<option[^>]*>([^<]*)", html) == ["application/json"]
    assert "x-www-form-urlencoded" not in html


@pytest.mark.parametrize(
    ("detail", "errors"),
    [
        ({"email": ["Enter a valid email address."]}, {"email": ["Enter a valid email address."]}),
        (["Null characters are not allowed."], {"non_field_errors": ["Null characters are not allowed."]}),
        ("One message.", {"non_field_errors": ["One message."]}),
        ({"notes": {"0": ["Not a string."]}}, {"notes.0": ["Not a string."]}),
        ({"items": [{}, {"lat": ["Too far north."]}]}, {"items.1.lat": ["Too far north."]}),
    ],
)
def test_every_validation_answer_names_fields_with_lists_of_messages(detail, errors):
    request = APIRequestFactory().get("/api/v1/")
    response = exception_handler(ValidationError(detail), {"request": request, "view": None})
    assert response.status_code == 400
    assert response.data == {"detail": "Invalid input.", "code": "invalid", "errors": errors}


def test_a_search_with_a_nul_is_invalid_with_errors_by_field(staff_api):
    # DRF raises this one with a bare list: it used to be the answer's `errors` as it was.
    body = assert_error(staff_api.get("/api/v1/contacts/", {"search": "\x00"}), 400, "invalid")
    assert body["errors"]
    assert all(isinstance(field, str) and isinstance(messages, list) for field, messages in body["errors"].items())
    assert all(isinstance(message, str) for messages in body["errors"].values() for message in messages)
