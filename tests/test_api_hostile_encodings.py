"""The schema fuzz's hostile cousin: every operation of the served OpenAPI document, with
hostile path parameters (NUL, a UTF-8-encoded lone surrogate, an overlong encoding, bytes that
are not UTF-8) and hostile JSON bodies (NUL in every string field, lone surrogate escapes,
invalid UTF-8, deep nesting), as staff and as an attendee. Every answer is a 4xx (or a 2xx)
that the document lists for the operation, and nothing is logged at ERROR.

Schemathesis (tests/test_api_schema_fuzz.py) generates well-encoded requests only: it cannot put
a byte that is not UTF-8 in a path, nor send JSON that its own encoder would refuse.
"""

import json

import pytest
from django.test import Client

from access.models import ApiToken
from tests.factories import SessionFactory

pytestmark = pytest.mark.django_db

HOSTILE_PATH_VALUES = ["%00", "a%00b", "%ED%A0%80", "%C0%80", "%FF%FE", "9" * 40, "x" * 1000]
HOSTILE_BODIES = {
    "deep arrays": b"[" * 1000 + b"]" * 1000,
    "deep objects": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "lone surrogate escape": b'{"email": "\\ud800@example.org", "name": "\\udfff", "notes": "\\ud83d"}',
    "invalid UTF-8": b'{"email": "\xc0\x80@example.org", "name": "\xff\xfe"}',
    "NaN": b'{"lat": NaN, "lng": Infinity, "radius_meters": -Infinity}',
}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return response.json()


def operations(document: dict):
    for template, methods in document["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                yield template, method, operation


@pytest.fixture
def callers(api_staff_user, attendee) -> dict[str, dict]:
    SessionFactory(contact=attendee)
    return {
        "staff": {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=api_staff_user)[1]}"},
        "attendee": {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(contact=attendee)[1]}"},
    }


def send(method: str, path: str, headers: dict, body: bytes | None = None):
    client = Client()
    if body is None:
        return getattr(client, method)(path, **headers)
    return getattr(client, method)(path, body, content_type="application/json", **headers)


def string_fields(operation: dict, document: dict) -> list[str]:
    """The string properties of the operation's JSON body, if it has one."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return [name for name, field in schema.get("properties", {}).items() if field.get("type") == "string"]


@pytest.mark.parametrize("value", HOSTILE_PATH_VALUES)
def test_hostile_path_parameters_get_a_documented_4xx(document, callers, no_errors_logged, value):
    failures = []
    tried = 0
    for template, method, operation in operations(document):
        if "{" not in template:
            continue
        path = template
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                path = path.replace(f"{{{parameter['name']}}}", value)
        for persona, headers in callers.items():
            body = b"{}" if method in {"post", "patch", "put"} else None
            response = send(method, path, headers, body)
            tried += 1
            if response.status_code >= 500 or str(response.status_code) not in operation["responses"]:
                failures.append((persona, method, template, response.status_code))
    assert tried > 20
    assert failures == []


@pytest.mark.parametrize("kind", HOSTILE_BODIES)
def test_hostile_json_bodies_get_a_documented_400(document, callers, no_errors_logged, kind):
    failures = []
    for template, method, operation in operations(document):
        if "requestBody" not in operation or "{" in template:
            continue
        for persona, headers in callers.items():
            response = send(method, template, headers, HOSTILE_BODIES[kind])
            if response.status_code >= 500 or str(response.status_code) not in operation["responses"]:
                failures.append((persona, method, template, response.status_code))
    assert failures == []


@pytest.mark.parametrize(
    "text", ["a\x00b", "a\ud800b", "\udfff"], ids=["NUL", "lone high surrogate", "lone low surrogate"]
)
def test_a_hostile_character_in_any_string_field_gets_a_documented_answer(document, callers, no_errors_logged, text):
    failures = []
    for template, method, operation in operations(document):
        fields = string_fields(operation, document)
        if not fields or "{" in template:
            continue
        body = json.dumps({field: text for field in fields}).encode()
        for persona, headers in callers.items():
            response = send(method, template, headers, body)
            if response.status_code >= 500 or str(response.status_code) not in operation["responses"]:
                failures.append((persona, method, template, response.status_code))
    assert failures == []


def test_the_reviews_deep_json_is_a_400_without_a_token(no_errors_logged):
    response = Client().post("/api/v1/auth/token/", b"[" * 1000 + b"]" * 1000, content_type="application/json")

    assert response.status_code == 400


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb", "\x00"])
def test_a_hostile_character_in_a_stored_free_text_field_is_a_400(staff_api, attendee, no_errors_logged, text):
    """Reaches the save, unlike the bodies above that other fields refuse first."""
    body = json.dumps({"notes": text, "first_name": text}).encode()

    response = staff_api.generic("PATCH", f"/api/v1/contacts/{attendee.pk}/", body, content_type="application/json")

    assert response.status_code == 400
    attendee.refresh_from_db()
    assert attendee.notes != text
