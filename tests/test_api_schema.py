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
