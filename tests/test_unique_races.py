"""Requests racing on a unique value get the answer their serial twin would, never a 500.

Real concurrency: gunicorn with several worker processes serves a scratch database (SQLite or
PostgreSQL, as the suite runs), and each case sends its requests at the same instant from
threads. Every case is tried several times, because a race is lost only some of the time.
"""

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from access.models import ApiToken
from bench.servers import ROOT, gunicorn, production_environment
from contacts.models import Contact
from meetings.models import Meeting
from tests.factories import ContactFactory, MeetingFactory, SessionFactory, SuperUserFactory
from tests.legacy.databases import connected_to, scratch_database

pytestmark = pytest.mark.django_db(transaction=True)

TRIALS = 4
AT_ONCE = 4
CSRF_SECRET = "r" * 32  # an unmasked CSRF secret: the cookie and the form field carry the same


class Server:
    def __init__(self, base: str, database, blocker) -> None:
        self.base, self.database, self.blocker = base, database, blocker

    def make(self, build):
        """Run `build()` against the served database (factories, ORM) and return its result."""
        with connected_to(self.database, self.blocker):
            return build()

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, str]:
        request = urllib.request.Request(f"{self.base}{path}", data=body, headers=headers or {}, method=method)  # noqa: S310
        try:
            with NO_REDIRECTS.open(request, timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer under test (a saved form answers 302), not a page to fetch."""

    def redirect_request(self, *args, **kwargs) -> None:
        return None


NO_REDIRECTS = urllib.request.build_opener(KeepRedirects)


@pytest.fixture(scope="module")
def server(tmp_path_factory, django_db_blocker):
    # The admin's pages need their static files collected, as in production.
    static_root = tmp_path_factory.mktemp("races-static")
    with scratch_database("races", tmp_path_factory.mktemp("races")) as database:
        environment = {**production_environment(database.url), "STATIC_ROOT": str(static_root)}
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity=0"],
            cwd=ROOT,
            env=environment,
            check=True,
        )
        with connected_to(database, django_db_blocker):
            call_command("migrate", verbosity=0)
        served = gunicorn(
            "compliance.wsgi:application",
            database.url,
            "--workers",
            str(AT_ONCE),
            environment={"STATIC_ROOT": str(static_root)},
        )
        with served as (base, _):
            yield Server(base, database, django_db_blocker)


def at_once(*requests) -> list[tuple[int, str]]:
    """Send each request (a callable) from its own thread, released together."""
    start = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def run(index: int, request) -> None:
        start.wait()
        answers[index] = request()

    threads = [threading.Thread(target=run, args=(index, request)) for index, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return answers


def bearer(raw: str) -> dict:
    return {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def staff(server) -> dict:
    """A superuser's API headers and signed-in browser cookies on the served database."""

    def build():
        user = SuperUserFactory()
        _, raw = ApiToken.issue(user=user, name="races")
        browser = Client()
        browser.force_login(user)
        cookies = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        return {"api": bearer(raw), "cookies": f"{cookies}; {settings.CSRF_COOKIE_NAME}={CSRF_SECRET}"}

    return server.make(build)


def errors_of(body: str) -> dict:
    answer = json.loads(body)
    assert answer["code"] == "invalid", answer
    return answer["errors"]


@pytest.mark.parametrize("trial", range(TRIALS))
def test_contacts_created_at_once_with_one_email_make_one_contact_and_400s(server, staff, trial):
    email = f"dup{trial}@example.org"
    body = json.dumps({"email": email, "first_name": "Dup"}).encode()

    answers = at_once(*[lambda: server.send("POST", "/api/v1/contacts/", body, staff["api"])] * AT_ONCE)

    assert sorted(status for status, _ in answers) == [201] + [400] * (AT_ONCE - 1), answers
    for status, body in answers:
        if status == 400:
            assert "email" in errors_of(body)
    assert server.make(lambda: Contact.objects.filter(email=email).count()) == 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_contacts_given_one_ghl_id_at_once_one_is_refused_naming_the_field(server, staff, trial):
    first, second = server.make(lambda: [ContactFactory().pk, ContactFactory().pk])
    body = json.dumps({"ghl_contact_id": f"ghl-{trial}"}).encode()

    answers = at_once(
        lambda: server.send("PATCH", f"/api/v1/contacts/{first}/", body, staff["api"]),
        lambda: server.send("PATCH", f"/api/v1/contacts/{second}/", body, staff["api"]),
    )

    assert sorted(status for status, _ in answers) == [200, 400], answers
    refused = next(body for status, body in answers if status == 400)
    assert "ghl_contact_id" in errors_of(refused)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_meetings_created_at_once_with_one_qr_code_make_one_meeting(server, staff, trial):
    qr_code = f"same-code-{trial}"
    body = json.dumps(
        {
            "name": "Tuesday group",
            "address": "801 SW 10th Ave, Portland",
            "lat": 45.5,
            "lng": -122.6,
            "radius_meters": 100,
            "qr_code": qr_code,
        }
    ).encode()

    answers = at_once(*[lambda: server.send("POST", "/api/v1/meetings/", body, staff["api"])] * AT_ONCE)

    assert sorted(status for status, _ in answers) == [201] + [400] * (AT_ONCE - 1), answers
    for status, body in answers:
        if status == 400:
            assert "qr_code" in errors_of(body)
    assert server.make(lambda: Meeting.objects.filter(qr_code=qr_code).count()) == 1


def two_attendees_at_a_meeting(server) -> list[tuple[str, dict]]:
    def build():
        meeting = MeetingFactory()
        phones = []
        for _ in range(2):
            session = SessionFactory(meeting=meeting)
            _, raw = ApiToken.issue(contact=session.contact)
            phones.append((f"/api/v1/sessions/{session.pk}/check-in/", bearer(raw)))
        return meeting.lat, meeting.lng, phones

    return server.make(build)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_one_event_id_sent_on_two_sessions_at_once_is_stored_once_and_the_other_told(server, trial):
    lat, lng, phones = two_attendees_at_a_meeting(server)
    event_id = str(uuid.uuid4())
    body = json.dumps(
        {"id": event_id, "ts_client": timezone.now().isoformat(), "lat": lat, "lng": lng, "accuracy": 10}
    ).encode()

    answers = at_once(
        *[lambda url=url, headers=headers: server.send("POST", url, body, headers) for url, headers in phones]
    )

    assert sorted(status for status, _ in answers) == [201, 409], answers
    refused = json.loads(next(body for status, body in answers if status == 409))
    assert refused["code"] == "event_id_conflict"
    assert refused["event_id"] == event_id


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_check_in_sent_twice_at_once_is_stored_once_and_the_retry_gets_it(server, trial):
    lat, lng, phones = two_attendees_at_a_meeting(server)
    url, headers = phones[0]
    body = json.dumps(
        {"id": str(uuid.uuid4()), "ts_client": timezone.now().isoformat(), "lat": lat, "lng": lng, "accuracy": 10}
    ).encode()

    answers = at_once(*[lambda: server.send("POST", url, body, headers)] * 2)

    assert sorted(status for status, _ in answers) == [200, 201], answers
    assert json.loads(answers[0][1])["id"] == json.loads(answers[1][1])["id"]


def form_post(server, staff, path: str, fields: dict) -> tuple[int, str]:
    body = urlencode({**fields, "csrfmiddlewaretoken": CSRF_SECRET}).encode()
    headers = {"Cookie": staff["cookies"], "Content-Type": "application/x-www-form-urlencoded"}
    return server.send("POST", path, body, headers)


def submit_at_once(server, staff, path: str, fields: dict, error: str) -> None:
    """AT_ONCE submissions of one form: one is saved (302), the others see `error` (200)."""
    answers = at_once(*[lambda: form_post(server, staff, path, fields)] * AT_ONCE)

    assert Counter(status for status, _ in answers) == {302: 1, 200: AT_ONCE - 1}, answers
    assert all(error in page for status, page in answers if status == 200)


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_staff_contact_form_submitted_at_once_twice_shows_the_second_its_error(server, staff, trial):
    email = f"page{trial}@example.org"
    fields = {"first_name": "Page", "last_name": "Race", "email": email}

    submit_at_once(server, staff, "/contacts/add/", fields, "A contact with this email already exists.")

    assert server.make(lambda: Contact.objects.filter(email=email).count()) == 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_the_admin_add_form_submitted_at_once_twice_shows_the_second_its_error(server, staff, trial):
    email = f"admin{trial}@example.org"
    fields = {"email": email, "first_name": "Admin", "is_active": "on", "_save": "Save"}

    submit_at_once(server, staff, "/admin/contacts/contact/add/", fields, "already exists")

    assert server.make(lambda: Contact.objects.filter(email=email).count()) == 1


@pytest.mark.parametrize("trial", range(TRIALS))
def test_two_admins_adding_one_staff_username_at_once_get_one_account(server, staff, trial):
    from django.contrib.auth.models import User

    username = f"new.manager{trial}"
    fields = {
        "username": username,
        "usable_password": "true",
        "password1": "a long passphrase here",
        "password2": "a long passphrase here",
        "_save": "Save",
    }

    submit_at_once(server, staff, "/admin/auth/user/add/", fields, "already exists")

    assert server.make(lambda: User.objects.filter(username=username).count()) == 1
