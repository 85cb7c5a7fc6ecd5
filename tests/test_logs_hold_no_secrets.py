"""No password, token or session cookie ever reaches the log.

The end-to-end test runs the production server (gunicorn, production settings, every logger at
DEBUG) and does what puts secrets on the wire: staff and attendee sign-ins, right and wrong, up
to a lockout; API calls with good and bad bearer tokens; a set-password link used, then used
again. Then it reads everything the server wrote.
"""

import http.cookiejar
import json
import re
import runpy
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.core.management import call_command
from gunicorn.config import Config

from bench.servers import ROOT, gunicorn, production_environment
from contacts.setup_links import make_set_password_link
from core.logs import REDACTED, redact
from tests.factories import ContactFactory, SuperUserFactory
from tests.legacy.databases import connected_to, scratch_database

STAFF_PASSWORD = "staff passphrase 7f3a9c"
WRONG_PASSWORD = "wrong passphrase 51be0d"
ATTENDEE_PASSWORD = "attendee passphrase 2d8e4b"
NEW_PASSWORD = "chosen passphrase 9a6c1f"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("WARNING django.request: Gone: /contacts/set-password/MTIz.abc:1tX9:Zq-x_y/", "MTIz.abc:1tX9:Zq-x_y"),
        ("Authorization: Bearer q1w2e3r4t5y6u7i8o9p0-_abc", "q1w2e3r4t5y6u7i8o9p0-_abc"),
        ("Cookie: csrftoken=abc123; sessionid=s3ss10nvalue", "s3ss10nvalue"),
        ("Cookie: csrftoken=abc123; sessionid=s3ss10nvalue", "abc123"),
        ("POST body username=chief&password=hunter2hunter2&next=/", "hunter2hunter2"),
        ("ValueError: bad value new_password1=correct-horse", "correct-horse"),
        ("GET /x/?token=t0k3nvalue&page=2", "t0k3nvalue"),
        ("SECRET_KEY=abcdefabcdef", "abcdefabcdef"),
        ("""ValueError: {'email': 'sam@example.org', 'password': 'it\\'s a secret'}""", "secret"),
        ('body {"token": "t0k3n-in-json", "id": 3}', "t0k3n-in-json"),
        ('password="quoted passphrase"', "quoted passphrase"),
        ("Authorization: Basic c2FtOmh1bnRlcjJodW50ZXIy", "c2FtOmh1bnRlcjJodW50ZXIy"),
    ],
)
def test_secrets_are_redacted_from_a_line(line, secret):
    assert secret not in redact(line)
    assert REDACTED in redact(line)


@pytest.mark.parametrize(
    "line",
    [
        "WARNING access.limits: Sign-in locked out for up to 900 s after 5 failures: scope=staff address:abc",
        "Not Found: /api/v1/sessions/123/",
        "Unauthorized: No valid bearer token.",
        "session=8c1f8a52-8f0b-4d1e-9a57-0b7d9c2b9a11 status=checked_in",
        "cache_key=throttle_events monkey=1 email=sam@example.org",
        '{"detail": "Invalid token.", "code": "authentication_failed"}',
    ],
)
def test_ordinary_lines_are_left_alone(line):
    assert redact(line) == line


class Browser:
    """urllib with cookies: a person at the site, or a phone app at the API."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def send(self, method: str, path: str, data: dict | None = None, *, json_body: bool = False, token: str = ""):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = None
        if data is not None:
            if json_body:
                body, headers["Content-Type"] = json.dumps(data).encode(), "application/json"
            else:
                body = urllib.parse.urlencode(data).encode()
            headers["Referer"] = self.base + path
        request = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)  # noqa: S310
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def cookie(self, name: str) -> str:
        return next(cookie.value for cookie in self.cookies if cookie.name == name)

    def form_post(self, path: str, data: dict) -> int:
        """GET the form (for its CSRF cookie and token), then POST it."""
        self.send("GET", path)
        status, _ = self.send("POST", path, {**data, "csrfmiddlewaretoken": self.cookie("csrftoken")})
        return status


@pytest.mark.django_db(transaction=True)
def test_the_server_logs_no_secret(tmp_path, django_db_blocker, settings):
    # Passwords hashed as production hashes them (the tests' fast hasher is not in its list).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    log = tmp_path / "server.log"
    # The production server serves the static files collectstatic gathered (whitenoise's manifest).
    static = {"STATIC_ROOT": str(tmp_path / "static"), "LOG_LEVEL": "DEBUG"}
    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env={**production_environment("sqlite:///unused"), **static},
        capture_output=True,
        text=True,
        check=False,
    )
    assert collected.returncode == 0, collected.stderr
    with scratch_database("logs", tmp_path) as database:
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
            staff = SuperUserFactory(username="chief")
            staff.set_password(STAFF_PASSWORD)
            staff.save()
            contact = ContactFactory(email="sam@example.org", consenting=True)
            contact.set_password(ATTENDEE_PASSWORD)
            contact.save()
            newcomer = ContactFactory(email="new@example.org")
            link = make_set_password_link(newcomer)
        # One worker: its own memory holds the sign-in counts, so the lockouts happen without Redis.
        with gunicorn("compliance.wsgi:application", database.url, "--workers", "1", environment=static, log=log) as (
            base,
            _,
        ):
            # Signed in first: the wrong attempts at the end lock this address out.
            staff_browser = Browser(base)
            staff_browser.form_post("/login/", {"username": "chief", "password": STAFF_PASSWORD})
            staff_session = staff_browser.cookie("sessionid")
            assert staff_browser.send("GET", "/meetings/")[0] == 200
            assert staff_browser.send("GET", "/meetings/no-such-meeting/")[0] == 404

            page = Browser(base)
            page.form_post("/attendee/sign-in/", {"email": "sam@example.org", "password": ATTENDEE_PASSWORD})
            attendee_session = page.cookie("sessionid")
            assert page.send("GET", "/attendee/sessions/nope/end/")[0] >= 400

            phone = Browser(base)
            status, body = phone.send(
                "POST",
                "/api/v1/auth/token/",
                {"email": "sam@example.org", "password": ATTENDEE_PASSWORD},
                json_body=True,
            )
            assert status == 201, body
            raw_token = json.loads(body)["token"]
            assert phone.send("GET", "/api/v1/me/", token=raw_token)[0] == 200
            assert phone.send("GET", "/api/v1/sessions/nope/", token=raw_token)[0] == 404
            assert phone.send("GET", "/api/v1/me/", token=raw_token[::-1])[0] == 401

            link_path = urllib.parse.urlparse(link.url).path
            setter = Browser(base)
            assert setter.form_post(link_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}) == 200
            assert setter.send("GET", link_path)[0] == 410  # spent: logged as "Gone: <path>"

            for _ in range(6):  # the sixth is locked out
                Browser(base).form_post("/login/", {"username": "chief", "password": WRONG_PASSWORD})
                phone.send(
                    "POST",
                    "/api/v1/auth/token/",
                    {"email": "sam@example.org", "password": WRONG_PASSWORD},
                    json_body=True,
                )

        written = log.read_text()

    secrets = {
        "staff password": STAFF_PASSWORD,
        "wrong password": WRONG_PASSWORD,
        "attendee password": ATTENDEE_PASSWORD,
        "chosen password": NEW_PASSWORD,
        "API token": raw_token,
        "staff session cookie": staff_session,
        "attendee session cookie": attendee_session,
        "set-password token": link.token,
    }
    leaked = [name for name, secret in secrets.items() if secret in written]
    assert leaked == [], leaked
    # The log is there and speaks of these requests: the lockouts, refusals and the spent link.
    assert len(re.findall(r"Sign-in locked out", written)) >= 2, written[-3000:]
    assert "Unauthorized: /api/v1/me/" in written
    assert f"Gone: /contacts/set-password/{REDACTED}/" in written


def test_gunicorns_own_log_is_redacted(capfd):
    """What gunicorn writes when it aborts a request: the request line, token included."""
    config = Config()
    for name, value in runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    log = config.logger_class(config)

    log.error("Error handling request GET /contacts/set-password/MTIz.abc:1tX9:Zq-x_y/")

    written = capfd.readouterr().err
    assert f"Error handling request GET /contacts/set-password/{REDACTED}/" in written
    assert "Zq-x_y" not in written
