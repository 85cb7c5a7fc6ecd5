"""/health/ tells the proxy and monitoring whether this worker can serve, and monitoring whether
the schedule window is current, and nothing else."""

import datetime as dt

import psycopg
import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from meetings.schedule import DAYS_AFTER, refresh

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def schedule_refreshed():
    """As on a site whose daily refresh_schedule runs."""
    refresh()


def test_healthy_is_200_for_anyone(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "schedule": "ok"}
    assert "no-cache" in response["Cache-Control"]


def database_down(execute, sql, params, many, context):
    raise OperationalError("connection failed") from psycopg.OperationalError("connection failed")


def test_a_database_outage_is_a_503_naming_it(client):
    with connection.execute_wrapper(database_down):
        response = client.get("/health/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert response.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "cache": "ok",
        "schedule": "unknown",
    }


def test_a_cache_outage_is_a_503_naming_it(client, failing_cache):
    failing_cache(RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused."))
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "unreachable", "schedule": "ok"}


def test_only_get(client):
    assert client.post("/health/").status_code == 405


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_answered_where_everything_else_is_redirected(client):
    assert client.get("/health/").status_code == 200
    assert client.get("/login/").status_code == 301


def test_a_schedule_window_left_behind_is_reported_stale_with_what_to_run_but_still_serves(client):
    later = timezone.now() + dt.timedelta(days=DAYS_AFTER - 1)
    with time_machine.travel(later, tick=False):
        response = client.get("/health/")

    assert response.status_code == 200  # every worker alike: not a reason to leave the rotation
    body = response.json()
    assert (body["status"], body["schedule"]) == ("ok", "stale")
    assert "manage.py refresh_schedule" in body["schedule_detail"]
    assert "daily" in body["schedule_detail"]


def test_a_schedule_never_built_is_stale(client):
    from meetings.models import ScheduleWindow

    ScheduleWindow.objects.all().delete()

    assert client.get("/health/").json()["schedule"] == "stale"


def test_refreshing_makes_it_current_again(client):
    later = timezone.now() + dt.timedelta(days=DAYS_AFTER)
    with time_machine.travel(later, tick=False):
        assert client.get("/health/").json()["schedule"] == "stale"
        refresh()
        body = client.get("/health/").json()

    assert body["schedule"] == "ok"
    assert "schedule_detail" not in body
