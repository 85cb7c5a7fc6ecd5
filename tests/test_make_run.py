"""`make run`: where it serves (HOST, PORT), what it says when it cannot, and what it prints."""

import os
import re
import shutil
import socket
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from operations.devserver import port_problem

BASE_DIR = Path(__file__).resolve().parent.parent


def make_dry_run(*arguments: str, **variables: str) -> str:
    """The commands `make run` would run, without running them (make -n)."""
    environment = {key: value for key, value in os.environ.items() if key not in {"HOST", "PORT"}}
    result = subprocess.run(
        [MAKE, "--no-print-directory", "-n", "run", *arguments],
        cwd=BASE_DIR,
        env={**environment, **variables},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout


MAKE = shutil.which("make")
needs_make = pytest.mark.skipif(MAKE is None, reason="make is not installed")


@needs_make
def test_by_default_it_serves_on_127_0_0_1_port_8000():
    commands = make_dry_run()

    assert "devserver 127.0.0.1 8000" in commands
    assert "manage.py ensure_staff_login --site-url http://127.0.0.1:8000" in commands
    assert commands.rstrip().endswith("manage.py runserver 127.0.0.1:8000")


@needs_make
def test_the_schedule_window_is_built_after_the_demo_data_and_before_serving():
    commands = make_dry_run()

    # seed_demo's meetings repeat: "meetings today" reads the window refresh_schedule builds.
    assert commands.index("manage.py seed_demo\n") < commands.index("manage.py refresh_schedule\n")
    assert commands.index("manage.py refresh_schedule\n") < commands.index("manage.py runserver")


@needs_make
@pytest.mark.parametrize(
    ("arguments", "variables"),
    [(("PORT=8001", "HOST=127.0.0.2"), {}), ((), {"PORT": "8001", "HOST": "127.0.0.2"})],
    ids=["make run PORT=8001", "PORT=8001 make run"],
)
def test_port_and_host_come_from_the_command_line_or_the_environment(arguments, variables):
    commands = make_dry_run(*arguments, **variables)

    # The port is checked first, before a minute of migrations and demo data.
    assert commands.index("-m operations.devserver 127.0.0.2 8001\n") < commands.index("manage.py")
    assert "ensure_staff_login --site-url http://127.0.0.2:8001" in commands
    assert commands.rstrip().endswith("manage.py runserver 127.0.0.2:8001")


@needs_make
def test_listening_on_every_interface_prints_an_address_a_browser_opens():
    commands = make_dry_run("HOST=0.0.0.0")

    assert "ensure_staff_login --site-url http://127.0.0.1:8000" in commands
    assert commands.rstrip().endswith("manage.py runserver 0.0.0.0:8000")


@pytest.fixture
def taken_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_a_taken_port_is_named_with_the_way_to_choose_another(taken_port):
    result = subprocess.run(
        [sys.executable, "-m", "operations.devserver", "127.0.0.1", str(taken_port)],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 1
    assert f"Port {taken_port} on 127.0.0.1 is already in use" in result.stderr
    assert f"make run PORT={taken_port + 1}" in result.stderr


def test_a_free_port_passes():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]

    assert port_problem("127.0.0.1", str(free)) is None


@pytest.mark.parametrize("port", ["abc", "0", "65536", "-1", ""])
def test_a_port_that_is_not_one_says_what_is_expected(port):
    assert port_problem("127.0.0.1", port).startswith("PORT must be a number from 1 to 65535")


def test_a_host_that_is_not_this_machines_says_so():
    assert "is not an address of this machine" in port_problem("no-such-host.invalid", "8000")


# --- What it prints -----------------------------------------------------------------------------


def staff_login(settings, *arguments: str) -> list[str]:
    output = StringIO()
    call_command("ensure_staff_login", *arguments, stdout=output)
    return output.getvalue().splitlines()


@pytest.mark.django_db
def test_it_prints_the_staff_site_first_then_the_admin_on_the_served_port(settings):
    settings.PUBLIC_BASE_URL = ""

    lines = staff_login(settings, "--site-url", "http://127.0.0.1:8001")

    assert lines[:2] == ["Staff site: http://127.0.0.1:8001/", "Admin:      http://127.0.0.1:8001/admin/"]


@pytest.mark.django_db
def test_a_public_base_url_is_printed_instead_of_the_served_address(settings):
    settings.PUBLIC_BASE_URL = "https://attend.example.org"

    lines = staff_login(settings, "--site-url", "http://127.0.0.1:8001")

    assert lines[:2] == ["Staff site: https://attend.example.org/", "Admin:      https://attend.example.org/admin/"]


@pytest.mark.django_db
@pytest.mark.parametrize("second_run", [False, True])
def test_the_password_hint_names_the_interpreter_that_has_django(settings, second_run):
    if second_run:
        staff_login(settings)

    (hint,) = [line for line in staff_login(settings) if "changepassword" in line]

    python = re.fullmatch(r"To (?:change it|set a new password): (\S+) manage\.py changepassword admin", hint)[1]
    # Typed in the project's directory, it is this interpreter: .venv/bin/python after make setup.
    assert (BASE_DIR / python).samefile(sys.executable)
    if Path(sys.executable).is_relative_to(BASE_DIR):
        assert not Path(python).is_absolute()
