"""The API as an integrator's generated client sees it.

A Python client is generated from the served OpenAPI document with openapi-python-client (pinned
in requirements-dev.txt; it runs offline), every module of it is imported, and the README's
walk-through ("Walk-through with curl") and three refusals run through it against a live
server. The client raises on any status the document does not list, and parses every error body
with the document's Error schema: what the document promises is what the API does.
"""

import datetime as dt
import importlib
import json
import pkgutil
import subprocess
import sys
import uuid
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from access.models import ApiToken
from attendance.models import SessionStatus
from tests.factories import ContactFactory, MeetingFactory, SessionFactory

PACKAGE = "vc_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")
# What the generator is told beyond the document: names, and no formatting hooks (they would
# run ruff over the generated code, which the test does not need).
GENERATOR_OPTIONS = ("--meta", "none", "--output-path", PACKAGE)  # the package alone, no pyproject.toml
GENERATOR_CONFIG = f"project_name_override: vc-client\npackage_name_override: {PACKAGE}\npost_hooks: []\n"

# The README's walk-through: a meeting in Portland, a phone across the street, then at the door.
MEETING = {
    "name": "Tuesday evening group",
    "address": "1120 SW 5th Ave, Portland, OR",
    "lat": 45.5193,
    "lng": -122.6831,
}
ACROSS_THE_STREET = {"lat": 45.5223, "lng": -122.6831, "accuracy": 12}
AT_THE_DOOR = {"lat": 45.5193, "lng": -122.6830, "accuracy": 8}
ON_THE_WAY_OUT = {"lat": 45.5194, "lng": -122.6831, "accuracy": 9}
PASSWORD = "a long passphrase"


@pytest.fixture(scope="module")
def document(live_server, django_db_blocker) -> dict:
    # Outside any test: the live server's request_started handler still checks its connection.
    with django_db_blocker.unblock():
        answer = httpx.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=30)
    assert answer.status_code == 200
    return answer.json()


@pytest.fixture(scope="module")
def client_package(document, tmp_path_factory) -> ModuleType:
    """The generated package, imported from a fresh directory."""
    where = tmp_path_factory.mktemp("generated")
    (where / "schema.json").write_text(json.dumps(document))
    (where / "config.yaml").write_text(GENERATOR_CONFIG)
    generated = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--config", "config.yaml", *GENERATOR_OPTIONS],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    # The generator skips what it cannot express, with a warning, rather than failing.
    assert "Warning" not in output, output
    sys.path.insert(0, str(where))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def generated(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def test_every_generated_module_imports_and_every_operation_has_one(client_package, document):
    modules = [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(client_package.__path__, prefix=f"{PACKAGE}.")
    ]
    endpoints = {module.__name__.rsplit(".", 1)[1] for module in modules if hasattr(module, "sync_detailed")}
    operation_ids = {op["operationId"] for ops in document["paths"].values() for op in ops.values()}
    assert endpoints == operation_ids


@pytest.fixture
def clients(client_package, live_server, transactional_db, api_staff_user):
    """(anonymous client, staff client): both raise on a status the document does not list."""
    client = generated("client")
    _, staff_token = ApiToken.issue(user=api_staff_user, name="walk-through")
    options = {"base_url": live_server.url, "raise_on_unexpected_status": True}
    anonymous, staff = client.Client(**options), client.AuthenticatedClient(token=staff_token, **options)
    # Closed afterwards: an open connection is a ResourceWarning, which fails the suite.
    with anonymous, staff:
        yield anonymous, staff


@pytest.fixture
def attendee_client(live_server):
    """`attendee_client(token)`: a client holding an attendee's token, closed after the test."""
    made = []

    def make(token: str):
        phone = generated("client").AuthenticatedClient(
            base_url=live_server.url, token=token, raise_on_unexpected_status=True
        )
        made.append(phone)
        return phone

    yield make
    for phone in made:
        phone.__exit__(None, None, None)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def report(position: dict, **fields):
    return generated("models").EventReportRequest(ts_client=now(), **position, **fields)


def call(operation: str, *args, **kwargs):
    """`operation` (e.g. "sessions.sessions_create") through the generated client: its answer."""
    return generated(f"api.{operation}").sync_detailed(*args, **kwargs)


def test_the_readmes_walk_through(clients, attendee_client):
    models = generated("models")
    anonymous, staff = clients

    # Staff create a meeting and an attendee with a password.
    meeting = call("meetings.meetings_create", client=staff, body=models.StaffMeetingRequest(**MEETING))
    assert meeting.status_code == 201
    body = models.ContactRequest(email="sam@example.org", first_name="Sam", password=PASSWORD)
    contact = call("contacts.contacts_create", client=staff, body=body)
    assert contact.status_code == 201
    assert contact.parsed.is_active is True

    # The attendee signs in, consents, and finds the meeting near where they stand.
    signed_in = call(
        "auth.auth_token_create",
        client=anonymous,
        body=models.CredentialsRequest(email="sam@example.org", password=PASSWORD),
    )
    assert signed_in.status_code == 201
    assert signed_in.parsed.contact.email == "sam@example.org"
    phone = attendee_client(signed_in.parsed.token)
    consent = call("me.me_consent_create", client=phone, body=models.ConsentRequest(granted=True))
    assert consent.parsed.consent_granted is True
    nearby = call("meetings.meetings_list", client=phone, lat=45.5193, lng=-122.6831, radius_km=1)
    assert [found.id for found in nearby.parsed.results] == [meeting.parsed.id]

    # A session; a check-in from across the street is denied and stored, the session stays active.
    started = call(
        "sessions.sessions_create",
        client=phone,
        body=models.SessionStartRequest(meeting_id=nearby.parsed.results[0].id),
    )
    assert started.status_code == 201
    session_id = str(started.parsed.id)
    denied = call("sessions.sessions_check_in_create", session_id, client=phone, body=report(ACROSS_THE_STREET))
    assert denied.status_code == 201
    assert denied.parsed.location_flag == models.LocationFlag.DENIED
    assert denied.parsed.session_status == models.SessionStatus.ACTIVE

    # From the door: granted. The same request again (same id) is the same event, answered 200.
    event_id = uuid.uuid4()
    at_the_door = report(AT_THE_DOOR, id=event_id)
    granted = call("sessions.sessions_check_in_create", session_id, client=phone, body=at_the_door)
    assert granted.status_code == 201
    assert granted.parsed.location_flag == models.LocationFlag.GRANTED
    assert granted.parsed.session_status == models.SessionStatus.CHECKED_IN
    retried = call("sessions.sessions_check_in_create", session_id, client=phone, body=at_the_door)
    assert retried.status_code == 200
    assert retried.parsed.id == granted.parsed.id == event_id

    checked_out = call("sessions.sessions_check_out_create", session_id, client=phone, body=report(ON_THE_WAY_OUT))
    assert checked_out.status_code == 201
    assert checked_out.parsed.session_status == models.SessionStatus.COMPLETED

    # The attendee reads the session back, oldest event first; staff see every event.
    detail = call("sessions.sessions_retrieve", session_id, client=phone)
    assert detail.parsed.status == models.SessionStatus.COMPLETED
    assert [event.type_ for event in detail.parsed.events] == [
        models.EventType.CHECK_IN,
        models.EventType.CHECK_IN,
        models.EventType.CHECK_OUT,
    ]
    events = call("events.events_list", client=staff, session_id=uuid.UUID(session_id))
    assert events.parsed.count == 3


def test_a_wrong_password_is_a_401_with_its_error_body(clients):
    anonymous, _ = clients
    contact = ContactFactory(email="sam@example.org")
    contact.set_password(PASSWORD)
    contact.save()
    body = generated("models").CredentialsRequest(email="sam@example.org", password="not the passphrase")
    answer = call("auth.auth_token_create", client=anonymous, body=body)
    assert answer.status_code == 401
    assert isinstance(answer.parsed, generated("models").Error)
    assert answer.parsed.code == "invalid_credentials"
    assert answer.parsed.detail


def test_an_invalid_transition_is_a_409_naming_the_sessions_status(clients, attendee_client):
    models = generated("models")
    attendee = ContactFactory(consenting=True)
    session = SessionFactory(contact=attendee, meeting=MeetingFactory(), status=SessionStatus.COMPLETED)
    _, token = ApiToken.issue(contact=attendee)
    phone = attendee_client(token)
    answer = call("sessions.sessions_check_in_create", str(session.pk), client=phone, body=report(AT_THE_DOOR))
    assert answer.status_code == 409
    assert isinstance(answer.parsed, models.Error)
    assert answer.parsed.code == "invalid_transition"
    assert answer.parsed.status == models.SessionStatus.COMPLETED


def test_a_validation_error_is_a_400_naming_each_field(clients):
    models = generated("models")
    _, staff = clients
    body = models.ContactRequest(email="not an address", first_name="Sam", password=PASSWORD)
    answer = call("contacts.contacts_create", client=staff, body=body)
    assert answer.status_code == 400
    assert isinstance(answer.parsed, models.Error)
    assert answer.parsed.code == "invalid"
    assert list(answer.parsed.errors.additional_properties) == ["email"]
    assert answer.parsed.errors["email"]
