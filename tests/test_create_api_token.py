"""`manage.py create_api_token`: a staff integration's token, printed once and stored as a digest."""

import datetime as dt
import hashlib
import logging
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from access.models import ApiToken
from tests.conftest import bearer_client
from tests.factories import StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACTS_URL = "/api/v1/contacts/"


def run(*args: str) -> str:
    output = StringIO()
    call_command("create_api_token", *args, stdout=output)
    return output.getvalue()


def printed_token(output: str) -> str:
    return output.rstrip("\n").splitlines()[-1]


def test_it_prints_the_token_alone_on_the_last_line_and_says_it_is_shown_once(api_staff_user):
    output = run("api-staff", "--name", "CRM integration")

    raw = printed_token(output)
    assert raw == raw.strip()
    assert " " not in raw
    assert len(raw) >= 40
    assert output.count(raw) == 1
    token = ApiToken.objects.get()
    assert (token.user, token.contact, token.name) == (api_staff_user, None, "CRM integration")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert token.prefix in output
    assert "only" in output


def test_the_printed_token_authenticates_as_that_staff_user(api_staff_user):
    raw = printed_token(run("api-staff"))

    response = bearer_client(raw).get(CONTACTS_URL)

    assert response.status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_the_token_is_stored_only_as_its_digest_and_never_logged(api_staff_user, caplog):
    caplog.set_level(logging.DEBUG)

    raw = printed_token(run("api-staff"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_tokens")
        cells = [cell for row in cursor.fetchall() for cell in row]
    assert not [cell for cell in cells if isinstance(cell, str) and raw in cell]
    assert raw not in caplog.text


def test_each_run_issues_a_new_token_and_earlier_ones_keep_working(api_staff_user):
    first, second = printed_token(run("api-staff")), printed_token(run("api-staff"))

    assert first != second
    assert bearer_client(first).get(CONTACTS_URL).status_code == 200
    assert bearer_client(second).get(CONTACTS_URL).status_code == 200


def test_without_expires_days_the_token_does_not_expire(api_staff_user):
    output = run("api-staff")

    assert ApiToken.objects.get().expires_at is None
    assert "Expires: never" in output


def test_expires_days_sets_the_expiry_and_the_token_stops_working_then(api_staff_user):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        raw = printed_token(run("api-staff", "--expires-days", "7"))

    assert ApiToken.objects.get().expires_at == now + dt.timedelta(days=7)
    with time_machine.travel(now + dt.timedelta(days=7, seconds=1), tick=False):
        assert bearer_client(raw).get(CONTACTS_URL).status_code == 401


@pytest.mark.parametrize("days", ["0", "-3", "seven", "1.5"])
def test_expires_days_must_be_a_positive_whole_number(api_staff_user, days: str):
    with pytest.raises(CommandError, match="expires-days"):
        run("api-staff", "--expires-days", days)

    assert not ApiToken.objects.exists()


@pytest.mark.parametrize(
    ("user_factory", "message"),
    [
        (None, "no user named"),
        (lambda: UserFactory(username="someone"), "not staff"),
        (lambda: StaffUserFactory(username="someone", is_active=False), "inactive"),
        (lambda: UserFactory(username="someone", is_active=False), "inactive"),
    ],
    ids=["unknown", "not-staff", "inactive-staff", "inactive-non-staff"],
)
def test_it_refuses_anyone_but_an_active_staff_user(user_factory, message: str):
    if user_factory:
        user_factory()

    with pytest.raises(CommandError, match=message):
        run("someone")

    assert not ApiToken.objects.exists()


def test_a_name_longer_than_the_column_is_refused(api_staff_user):
    with pytest.raises(CommandError, match="--name"):
        run("api-staff", "--name", "x" * 101)

    assert not ApiToken.objects.exists()


def test_the_username_is_required():
    with pytest.raises(CommandError, match="username"):
        run()
