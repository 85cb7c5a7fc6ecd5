"""The OpenAPI document and the interactive docs, served by the application itself."""

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_is_public_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Verified Compliance API"
    assert "bearerAuth" in document["components"]["securitySchemes"]
    for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/me/consent/", "/api/v1/contacts/"):
        assert path in document["paths"]


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3")


def test_the_docs_load_their_scripts_and_styles_from_this_application(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any("swagger-ui" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), f"{asset} is not served by the application"
        assert not asset.startswith("//")


def test_the_docs_assets_are_served(client):
    page = client.get("/api/v1/docs/").content.decode()
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        response = client.get(asset)
        response.close()  # the file it streams; left open, it is a ResourceWarning later
        assert response.status_code == 200, asset


def served_document(api_client) -> dict:
    response = api_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_request_body_is_json_only(api_client):
    bodies = {
        name: list(operation["requestBody"]["content"])
        for name, operation in operations(served_document(api_client))
        if "requestBody" in operation
    }
    assert "POST /api/v1/contacts/" in bodies
    assert {name: types for name, types in bodies.items() if types != ["application/json"]} == {}


def test_every_error_answer_has_the_shared_error_body(api_client):
    document = served_document(api_client)
    error_answers = {
        f"{name} {status}": answer
        for name, operation in operations(document)
        for status, answer in operation["responses"].items()
        if int(status) >= 400
    }
    assert len(error_answers) > 100
    wrong = {
        name: answer.get("content")
        for name, answer in error_answers.items()
        if answer.get("content") != {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    }
    assert wrong == {}
    error = document["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert {"detail", "code", "errors"} <= set(error["properties"])


def test_the_answers_every_operation_can_give_are_documented(api_client):
    for name, operation in operations(served_document(api_client)):
        answers = operation["responses"]
        assert "503" in answers, name
        if operation.get("security") and {} not in operation["security"]:
            assert "401" in answers, name
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(answers), name
            assert "`parse_error`" in answers["400"]["description"], name


def test_the_token_endpoints_wrong_password_answer_is_documented_with_its_body(api_client):
    answer = served_document(api_client)["paths"]["/api/v1/auth/token/"]["post"]["responses"]["401"]
    assert answer["description"] == "Wrong email or password."
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
