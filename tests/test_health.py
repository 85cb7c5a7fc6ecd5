"""/health/ tells the proxy and monitoring whether this worker can serve, and nothing else."""

import psycopg
import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

pytestmark = pytest.mark.django_db


def test_healthy_is_200_for_anyone(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def database_down(execute, sql, params, many, context):
    raise OperationalError("connection failed") from psycopg.OperationalError("connection failed")


def test_a_database_outage_is_a_503_naming_it(client):
    with connection.execute_wrapper(database_down):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {"status": "unavailable", "database": "unreachable", "cache": "ok"}


def test_a_cache_outage_is_a_503_naming_it(client, failing_cache):
    failing_cache(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unreachable"}


def test_only_get(client):
    assert client.post("/health/").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_answered_where_everything_else_is_redirected(client):
    assert client.get("/health/").status_code == 200
    assert client.get("/login/").status_code == 301
