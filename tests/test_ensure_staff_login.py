"""`manage.py ensure_staff_login`: a staff login for the demo, never a fixed or reset password."""

import logging
import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from tests.factories import SuperUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("local_site")]

User = get_user_model()
PASSWORD_LINE = re.compile(r"^\s*Password:\s+(\S+)\s*$", re.MULTILINE)


@pytest.fixture
def local_site():
    with override_settings(PUBLIC_BASE_URL="http://127.0.0.1:8000"):
        yield


def run(*args: str) -> str:
    output = StringIO()
    call_command("ensure_staff_login", *args, stdout=output)
    return output.getvalue()


def printed_password(output: str) -> str:
    match = PASSWORD_LINE.search(output)
    assert match, output
    return match[1]


def test_without_a_superuser_it_creates_one_whose_printed_password_signs_in():
    output = run()

    user = User.objects.get()
    assert (user.username, user.is_superuser, user.is_staff, user.is_active) == ("admin", True, True, True)
    password = printed_password(output)
    assert len(password) >= 16
    assert authenticate(username="admin", password=password) == user
    assert "http://127.0.0.1:8000/admin/" in output
    assert output.count(password) == 1


def test_each_new_superuser_gets_a_different_password():
    first = printed_password(run("--username", "first"))
    User.objects.all().delete()

    second = printed_password(run("--username", "second"))

    assert first != second


def test_a_second_run_keeps_the_password_and_does_not_print_it():
    password = printed_password(run())

    output = run()

    assert PASSWORD_LINE.search(output) is None
    assert password not in output
    assert authenticate(username="admin", password=password) is not None
    assert "python manage.py changepassword admin" in output
    assert User.objects.count() == 1


def test_with_a_superuser_under_another_name_it_creates_none(superuser):
    output = run()

    assert list(User.objects.values_list("username", flat=True)) == ["root"]
    assert "root" in output
    assert "python manage.py changepassword root" in output
    assert PASSWORD_LINE.search(output) is None
    assert authenticate(username="root", password="correct horse battery staple") is not None


def test_every_existing_superuser_is_named():
    SuperUserFactory(username="alice")
    SuperUserFactory(username="bob")

    output = run()

    assert "alice, bob" in output
    assert User.objects.count() == 2


def test_an_inactive_superuser_does_not_count_as_a_login():
    SuperUserFactory(username="former", is_active=False)

    output = run()

    assert authenticate(username="admin", password=printed_password(output)) is not None


def test_username_and_email_can_be_chosen():
    output = run("--username", "ops", "--email", "ops@staff.example.org")

    user = User.objects.get(is_superuser=True)
    assert (user.username, user.email) == ("ops", "ops@staff.example.org")
    assert authenticate(username="ops", password=printed_password(output)) == user


def test_an_ordinary_user_with_that_username_is_neither_promoted_nor_changed(staff_user):
    with pytest.raises(CommandError, match="not an active superuser"):
        run("--username", "staff")

    staff_user.refresh_from_db()
    assert not staff_user.is_superuser
    assert authenticate(username="staff", password="correct horse battery staple") == staff_user
    assert User.objects.count() == 1


def test_an_invalid_username_is_refused_and_nothing_is_created():
    with pytest.raises(CommandError, match="username"):
        run("--username", "not a valid name!")

    assert not User.objects.exists()


def test_the_password_never_reaches_the_logs(caplog):
    caplog.set_level(logging.DEBUG)

    password = printed_password(run())

    assert password not in caplog.text
