"""Every API error is JSON with `detail` and `code`, whichever layer raised it."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework.test import APIRequestFactory

from compliance.api import exception_handler

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
