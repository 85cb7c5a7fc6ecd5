"""Schema-driven fuzzing of the API: requests generated from the OpenAPI document the application
serves at /api/v1/schema/, as staff and as an attendee. No answer is a 5xx, and every answer is
one the document describes (status code, content type, headers, body).

Schemathesis reads the document and gives a Hypothesis strategy for each operation. Each
operation gets the same fixed number of examples, valid by the document or not (wrong types,
missing fields, values out of range, bodies that are not JSON), derived the same way on every
run (`derandomize`), so CI sends the same requests each time. The requests go straight to the
WSGI application in this process: no server, no network.

Random ids and credentials would only ever meet a 404 or a 401, so most generated values of
that kind are swapped for real ones (a meeting's id, the attendee's email and password, the
time now, the meetings' position). Every example starts from the same data: it runs in a
savepoint that is rolled back afterwards, with an empty cache, so that neither a revoked token
nor the sign-in and event limits (tested in their own modules) spoil the examples after it.

Checks: `not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
`response_headers_conformance`, `response_schema_conformance`. Left out on purpose:
`positive_data_acceptance` and `negative_data_rejection` (the API's rules go beyond what the
document can say: a well-formed UUID naming no meeting, or a `ts_client` a month old, is valid
by the document and rightly refused), and the checks that replay or chain requests
(`ignored_auth`, `missing_required_header`, `unsupported_method`, `use_after_free`,
`ensure_resource_availability`, `object_level_authorization`): who may call what is
test_api_permissions.py's job.
"""

import collections
import datetime as dt

import pytest
import schemathesis
from django.core import signals
from django.core.cache import cache
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from access.models import ApiToken
from attendance.models import SessionStatus
from mandates.services import Terms
from mandates.services import create as create_mandate
from meetings.models import MeetingKind
from policies.models import DEFAULT_JURISDICTION_ID
from tests.factories import (
    PORTLAND,
    ContactFactory,
    MeetingFactory,
    SessionEventFactory,
    SessionFactory,
    SuperUserFactory,
)

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 60

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

ATTENDEE_PASSWORD = "fuzzing is a long passphrase"
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


# --- The application, its data and who calls it -------------------------------------------------


@pytest.fixture
def wsgi_app():
    """The application as gunicorn runs it. As Django's test client does, requests leave the
    test's database connection open: closing it would end the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/",
        wsgi_app,
        config=schemathesis.Config(),  # not whatever schemathesis.toml might lie around
        headers={"Accept": "application/vnd.oai.openapi+json"},
    )


@pytest.fixture
def bearer(api_staff_user, attendee):
    """The Authorization header of the staff user (every API permission) or of the attendee."""

    def header(persona: str) -> dict[str, str]:
        if persona == "staff":
            _, raw = ApiToken.issue(user=api_staff_user, name="schema fuzz")
        else:
            _, raw = ApiToken.issue(contact=attendee)
        return {"Authorization": f"Bearer {raw}"}

    return header


def build_world(attendee) -> dict[str, list[str]]:
    """Meetings, contacts, sessions in every state with events; returns real values by name."""
    attendee.set_password(ATTENDEE_PASSWORD)
    attendee.save()
    meetings = [*MeetingFactory.create_batch(3), MeetingFactory(is_active=False)]
    others = ContactFactory.create_batch(3, consenting=True)
    # Hypothesis shrinks towards the first of each list: the attendee's open session first.
    sessions = [
        SessionFactory(contact=attendee, meeting=meetings[0], status=SessionStatus.ACTIVE),
        SessionFactory(contact=others[0], meeting=meetings[1], status=SessionStatus.CHECKED_IN),
        SessionFactory(contact=others[1], meeting=meetings[0], status=SessionStatus.ACTIVE),
        SessionFactory(contact=others[2], meeting=None, status=SessionStatus.COMPLETED),
        SessionFactory(contact=attendee, meeting=meetings[2], status=SessionStatus.COMPLETED),
    ]
    events = [SessionEventFactory(session=sessions[1]), SessionEventFactory(session=sessions[4])]
    # Court orders: the attendee's, one starting tomorrow (may be deleted) and one whose first
    # week has passed (may not), and another contact's limited to AA meetings.
    today = timezone.localdate()
    orders = [
        (attendee, Terms("CR-1", 3, "week", today + dt.timedelta(days=1), today + dt.timedelta(days=28))),
        (attendee, Terms("CR-2", 12, "rolling", today - dt.timedelta(days=10), today + dt.timedelta(days=50), 30)),
        (others[0], Terms("CR-3", 1, "month", today - dt.timedelta(days=40), today + dt.timedelta(days=40))),
    ]
    orders[2][1].kinds = [MeetingKind.objects.get(slug="aa")]
    mandates = [create_mandate(contact, terms, by=None) for contact, terms in orders]
    return {
        "contacts": [str(contact.pk) for contact in [attendee, *others]],
        "meetings": [str(meeting.pk) for meeting in meetings],
        "sessions": [str(session.pk) for session in sessions],
        "events": [str(event.pk) for event in events],
        "jurisdictions": [DEFAULT_JURISDICTION_ID],
        "mandates": [str(mandate.pk) for mandate in mandates],
        "qr_code": [meeting.qr_code for meeting in meetings],
        "email": [attendee.email],
        "password": [ATTENDEE_PASSWORD],
    }


def real_values(world: dict[str, list[str]], path: str) -> dict[str, list[str]]:
    """Real values for the path parameters, query parameters and fields of the operation at `path`."""
    values = {
        "contact_id": world["contacts"],
        "meeting_id": world["meetings"],
        "session_id": world["sessions"],
        "qr_code": world["qr_code"],
        "email": world["email"],
        "password": world["password"],
    }
    if "{id}" in path:
        values["id"] = world[path.split("/")[3]]  # /api/v1/<collection>/{id}/...
    return values


def swap(data: st.DataObject, what: str) -> bool:
    """Mostly: three times in four, and always as Hypothesis shrinks."""
    return data.draw(st.integers(0, 3), label=f"keep the generated {what}") < 3


def with_real_values(case, data: st.DataObject, values: dict[str, list[str]]) -> None:
    """Swap most of the case's generated ids, credentials, times and positions for real ones."""
    for container in (case.path_parameters, case.query, case.body):
        if not isinstance(container, dict):
            continue
        for name in sorted(container.keys() & values.keys()):
            if swap(data, name):
                container[name] = data.draw(st.sampled_from(values[name]), label=name)
        if "ts_client" in container and swap(data, "ts_client"):
            container["ts_client"] = (timezone.now() - dt.timedelta(seconds=5)).isoformat()
        # An event report has a time, and needs a position unless the GPS timed out, even when the
        # generator left both optional coordinates out.
        if container.keys() & {"lat", "lng", "ts_client"} and swap(data, "position"):
            container.update(lat=PORTLAND[0], lng=PORTLAND[1])


# --- The fuzz -----------------------------------------------------------------------------------


def fuzz(operation, values: dict[str, list[str]], authorization: dict[str, str]) -> collections.Counter:
    """Send the operation its examples and check every answer; count the answers by status."""
    statuses = collections.Counter()
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @FUZZ
    @given(case=cases, data=st.data())
    def send(case, data):
        with_real_values(case, data, values)
        cache.clear()
        with transaction.atomic():
            try:
                response = case.call(headers=authorization)
            finally:
                transaction.set_rollback(True)
        case.validate_response(response, checks=CHECKS, headers=authorization)
        statuses[response.status_code] += 1

    send()
    return statuses


@pytest.mark.parametrize("persona", ["staff", "attendee"])
def test_every_answer_is_one_the_schema_describes(persona, subtests, api_schema, bearer, attendee):
    values_by_name = build_world(attendee)
    authorization = bearer(persona)
    statuses: dict[str, collections.Counter] = {}

    for result in api_schema.get_all_operations():
        operation = result.ok()
        statuses[operation.label] = collections.Counter()
        with subtests.test(msg=operation.label):
            statuses[operation.label] = fuzz(operation, real_values(values_by_name, operation.path), authorization)

    # Not a vacuous pass: every operation was called, with the persona's token, and most of
    # them did what was asked at least once (staff: 23 of 26, attendee: 13 when written).
    assert len(statuses) >= 26, sorted(statuses)
    assert all(sum(counts.values()) >= 10 for counts in statuses.values()), statuses
    succeeded = {label for label, counts in statuses.items() if any(200 <= status < 300 for status in counts)}
    assert {"staff": "GET /api/v1/contacts/", "attendee": "GET /api/v1/me/"}[persona] in succeeded, statuses
    assert len(succeeded) >= {"staff": 20, "attendee": 12}[persona], statuses


def test_superusers_writing_policies_get_answers_the_schema_describes(subtests, api_schema, attendee):
    """Only superusers reach the bodies of POST /jurisdictions/ and .../versions/ (durations in
    seconds, distances, effective times): every answer to them is a documented one too."""
    values_by_name = build_world(attendee)
    _, raw = ApiToken.issue(user=SuperUserFactory(username="fuzz-root"), name="schema fuzz")
    statuses: dict[str, collections.Counter] = {}
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not operation.path.startswith("/api/v1/jurisdictions/"):
            continue
        with subtests.test(msg=operation.label):
            values = real_values(values_by_name, operation.path)
            statuses[operation.label] = fuzz(operation, values, {"Authorization": f"Bearer {raw}"})
    assert len(statuses) == 4, sorted(statuses)
    assert all(any(200 <= status < 300 for status in counts) for counts in statuses.values()), statuses


# --- What the fuzz found: answers the document did not list -------------------------------------


@pytest.mark.parametrize(
    ("persona", "method", "path", "query", "body", "status"),
    [
        ("staff", "POST", "/api/v1/auth/token/", None, {"email": "not an email", "password": "x"}, 400),
        ("staff", "GET", "/api/v1/contacts/", {"page": "99"}, None, 404),
        ("staff", "GET", "/api/v1/contacts/", {"search": "\x00"}, None, 400),
        ("staff", "POST", "/api/v1/contacts/", None, {"email": "not an email"}, 400),
        ("staff", "GET", "/api/v1/contacts/{id}/", None, None, 404),
        ("staff", "PATCH", "/api/v1/contacts/{id}/", None, {"phone": "not a phone"}, 404),
        ("staff", "DELETE", "/api/v1/contacts/{id}/", None, None, 404),
        ("staff", "GET", "/api/v1/me/", None, None, 403),
        ("staff", "POST", "/api/v1/me/consent/", None, {"granted": True}, 403),
        ("staff", "GET", "/api/v1/sessions/", {"page": "99"}, None, 404),
        ("staff", "GET", "/api/v1/events/", {"page": "99"}, None, 404),
        ("attendee", "GET", "/api/v1/contacts/", None, None, 403),
        ("attendee", "POST", "/api/v1/contacts/", None, {"email": "sam@example.org"}, 403),
        ("attendee", "PATCH", "/api/v1/contacts/{id}/", None, {}, 403),
        ("attendee", "POST", "/api/v1/me/consent/", None, {"granted": "perhaps"}, 400),
        ("attendee", "POST", "/api/v1/meetings/", None, {"name": "Mine"}, 403),
        ("attendee", "PATCH", "/api/v1/meetings/{id}/", None, {}, 403),
        ("attendee", "DELETE", "/api/v1/meetings/{id}/", None, None, 403),
        ("attendee", "POST", "/api/v1/meetings/{id}/rotate-qr/", None, None, 403),
    ],
)
def test_refusals_are_documented(api_schema, bearer, persona, method, path, query, body, status):
    kwargs = {"path_parameters": {"id": NO_SUCH_ID}} if "{id}" in path else {}
    if body is not None:
        kwargs.update(body=body, media_type="application/json")
    case = api_schema[path][method].Case(query=query, **kwargs)

    response = case.call_and_validate(headers=bearer(persona), checks=CHECKS)

    assert response.status_code == status


def test_revoking_without_a_token_is_a_documented_401(api_schema):
    case = api_schema["/api/v1/auth/token/"]["DELETE"].Case()
    assert case.call_and_validate(checks=CHECKS).status_code == 401


@pytest.mark.parametrize(
    ("path", "name"), [("/api/v1/sessions/", "created_after"), ("/api/v1/events/", "ts_server_before")]
)
def test_a_time_filter_with_any_utc_offset_is_answered(api_schema, bearer, path, name):
    """Found by this fuzz: PostgreSQL refuses offsets beyond +-15:59, so filters hand it UTC."""
    case = api_schema[path]["GET"].Case(query={name: "2026-11-25T10:00:00+19:40"})
    assert case.call_and_validate(headers=bearer("staff"), checks=CHECKS).status_code == 200


def test_a_page_past_the_last_is_a_documented_404(api_schema, bearer):
    """Found by this fuzz: the meetings list did not document it."""
    case = api_schema["/api/v1/meetings/"]["GET"].Case(query={"page": "99"})
    assert case.call_and_validate(headers=bearer("staff"), checks=CHECKS).status_code == 404


def test_without_a_token_every_operation_answers_a_documented_401(api_schema):
    """Except signing in itself: the schema promises a 401 wherever a token is required."""
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.label == "POST /api/v1/auth/token/":
            continue
        placeholders = {"id": NO_SUCH_ID, "qr_code": NO_SUCH_ID, "date": "2026-03-10"}
        parameters = {name: value for name, value in placeholders.items() if f"{{{name}}}" in operation.path}
        case = operation.Case(path_parameters=parameters)
        for token in (None, "not-a-token"):
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            assert response.status_code == 401, (operation.label, token)


def test_every_operation_documents_the_503_of_an_outage(api_schema):
    """What tests/test_production_load.py sees while PostgreSQL restarts is in the document."""
    for result in api_schema.get_all_operations():
        responses = result.ok().definition.raw["responses"]
        assert responses["503"]["headers"]["Retry-After"], result.ok().label
