"""Who may call what: every API endpoint, for every persona, in one table.

This is the one place where the API's access rules are listed; each endpoint module tests
what the endpoint does. The personas (tests/conftest.py, persona_client):

- anonymous: no credentials;
- attendee: the attendee's token; the rows act on the attendee's own session and record;
- other_attendee: another attendee's token: the attendee's session is 404 to them, as if it
  did not exist;
- staff: a staff token with every API model permission;
- viewer: a staff token with the view permissions only;
- staff_without_permissions: a staff token without any model permission;
- non_staff_user: a user signed in by session who holds every API permission but is not staff.

Superusers, the only ones who create jurisdictions and publish policy versions, are checked in
tests/test_api_jurisdictions.py.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from attendance.models import Session, SessionEvent, SessionStatus
from contacts.models import Contact
from mandates import services as mandates
from mandates.models import Mandate, MandatePeriod
from mandates.services import Terms
from meetings.models import CancelledOccurrence, Meeting
from meetings.services import cancel_occurrence
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction, PolicyVersion
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

PERSONAS = (
    "anonymous",
    "attendee",
    "other_attendee",
    "staff",
    "viewer",
    "staff_without_permissions",
    "non_staff_user",
)
# The answer a refusal carries, by status.
REFUSAL_CODES = {401: "not_authenticated", 403: "permission_denied"}


@dataclass
class World:
    """The objects every row can point at."""

    attendee: Contact
    session_status: SessionStatus = SessionStatus.ACTIVE
    meeting: Meeting = field(default_factory=MeetingFactory)
    contact: Contact = field(default_factory=ContactFactory)  # has no session

    def __post_init__(self) -> None:
        self.session = SessionFactory(contact=self.attendee, meeting=self.meeting, status=self.session_status)
        self.event = SessionEventFactory(session=SessionFactory(meeting=self.meeting, status=SessionStatus.COMPLETED))
        # The meeting meets weekly; next week's occurrence is cancelled, the week after's is not.
        self.meeting.recurrence = "FREQ=WEEKLY"
        self.meeting.save(update_fields=["recurrence"])
        first = self.meeting.start_time.astimezone(self.meeting.zone).date()
        self.cancelled_date = first + dt.timedelta(weeks=1)
        self.next_date = first + dt.timedelta(weeks=2)
        cancel_occurrence(self.meeting, self.cancelled_date, "Venue closed")
        # The attendee's court order, starting tomorrow: no period has passed, so it may be deleted.
        tomorrow = timezone.localdate() + dt.timedelta(days=1)
        terms = Terms("CR-1", 3, "week", tomorrow, tomorrow + dt.timedelta(days=27))
        self.mandate = mandates.create(self.attendee, terms, by=None)
        self.mandate_start = tomorrow


def fix(world: World) -> dict:
    """A position report from the meeting's door."""
    return {"ts_client": timezone.now().isoformat(), "lat": world.meeting.lat, "lng": world.meeting.lng, "accuracy": 5}


def start_for_contact(world: World) -> dict:
    return {"meeting_id": world.meeting.id, "contact_id": world.contact.id}


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # under /api/v1/, formatted with the world: "sessions/{w.session.id}/"
    body: dict | Callable[[World], dict] | None = None
    session_status: SessionStatus = SessionStatus.ACTIVE  # the attendee's session's, beforehand
    content_type: str = "application/json"

    def url(self, world: World) -> str:
        return "/api/v1/" + self.path.format(w=world)

    def send(self, client, world: World):
        body = self.body(world) if callable(self.body) else self.body
        return getattr(client, self.method)(self.url(world), body, format="json")


SESSION = "sessions/{w.session.id}/"
EVENT = "events/{w.event.id}/"
FLAG = {"location_flag": "granted"}
MANDATE = "mandates/{w.mandate.id}/"
REQUESTS = {
    "revoke own token": Request("delete", "auth/token/"),
    "me": Request("get", "me/"),
    "consent": Request("post", "me/consent/", {"granted": True}),
    # The attendee asks about their own record: being its subject grants nothing here.
    "contacts list": Request("get", "contacts/"),
    "contact create": Request("post", "contacts/", {"email": "new@example.org"}),
    "contact detail": Request("get", "contacts/{w.attendee.id}/"),
    "contact update": Request("patch", "contacts/{w.attendee.id}/", {"notes": "x"}),
    "contact deactivate": Request("delete", "contacts/{w.attendee.id}/"),
    "meetings list": Request("get", "meetings/"),
    "meetings nearby": Request("get", "meetings/?lat={w.meeting.lat}&lng={w.meeting.lng}"),
    "meeting detail": Request("get", "meetings/{w.meeting.id}/"),
    "meeting by QR code": Request("get", "meetings/qr/{w.meeting.qr_code}/"),
    "meeting create": Request("post", "meetings/", {"name": "New", "address": "1 Main St", "lat": 45.5, "lng": -122.6}),
    "meeting update": Request("patch", "meetings/{w.meeting.id}/", {"name": "Renamed"}),
    "meeting deactivate": Request("delete", "meetings/{w.meeting.id}/"),
    "meeting rotate QR": Request("post", "meetings/{w.meeting.id}/rotate-qr/"),
    "meeting occurrences": Request("get", "meetings/{w.meeting.id}/occurrences/"),
    "occurrence cancel": Request(
        "post", "meetings/{w.meeting.id}/cancellations/", lambda w: {"date": w.next_date, "reason": "Venue closed"}
    ),
    "occurrence restore": Request("delete", "meetings/{w.meeting.id}/cancellations/{w.cancelled_date}/"),
    "sessions list": Request("get", "sessions/"),
    "session start": Request("post", "sessions/", lambda w: {"meeting_id": w.meeting.id}),
    "session start for a contact": Request("post", "sessions/", start_for_contact),
    "active session": Request("get", "sessions/active/"),
    "active session of a contact": Request("get", "sessions/active/?contact_id={w.attendee.id}"),
    "session detail": Request("get", SESSION),
    "check-in": Request("post", SESSION + "check-in/", fix),
    "check-out before check-in": Request("post", SESSION + "check-out/", fix),
    "check-out": Request("post", SESSION + "check-out/", fix, session_status=SessionStatus.CHECKED_IN),
    "location": Request("post", SESSION + "location/", fix),
    "end": Request("post", SESSION + "end/", fix),
    "session post": Request("post", SESSION, {}),
    "session replace": Request("put", SESSION, {"status": "ended"}),
    "session update": Request("patch", SESSION, {"status": "ended"}),
    "session delete": Request("delete", SESSION),
    "events list": Request("get", "events/"),
    "event detail": Request("get", EVENT),
    "event create": Request("post", "events/", FLAG),
    "events delete": Request("delete", "events/"),
    "event replace": Request("put", EVENT, FLAG),
    "event update": Request("patch", EVENT, FLAG),
    "event delete": Request("delete", EVENT),
    "meeting kinds list": Request("get", "meeting-kinds/"),
    "jurisdictions list": Request("get", "jurisdictions/"),
    "jurisdiction detail": Request("get", f"jurisdictions/{DEFAULT_JURISDICTION_ID}/"),
    "jurisdiction create": Request("post", "jurisdictions/", {"name": "Multnomah County Circuit Court"}),
    "policy version publish": Request("post", f"jurisdictions/{DEFAULT_JURISDICTION_ID}/versions/", {"notes": "x"}),
    "mandates list": Request("get", "mandates/"),
    "mandate create": Request(
        "post",
        "mandates/",
        lambda w: {
            "contact_id": w.contact.id,
            "case_number": "CR-2",
            "required_count": 1,
            "period": "whole",
            "starts_on": w.mandate_start,
            "ends_on": w.mandate_start,
        },
    ),
    "mandate detail": Request("get", MANDATE),
    "mandate update": Request("patch", MANDATE, {"notes": "x"}),
    "mandate end": Request("post", MANDATE + "end/", lambda w: {"last_day": w.mandate_start, "reason": "Dismissed"}),
    "mandate delete": Request("delete", MANDATE),
    "mandate compliance": Request("get", MANDATE + "compliance/"),
    "contact compliance": Request("get", "contacts/{w.attendee.id}/compliance/"),
    "my mandates": Request("get", "me/mandates/"),
    "schema": Request("get", "schema/", content_type="application/vnd.oai.openapi; charset=utf-8"),
}

# The answer to each request, by persona, in the order of PERSONAS (other: other_attendee,
# bare: staff_without_permissions).
# fmt: off
EXPECTED = {
    #                               anon      other       viewer      non-staff
    #                                    attendee   staff       bare
    "revoke own token":            (401, 204, 204,  204,  204,  204,  403),
    "me":                          (401, 200, 200,  403,  403,  403,  403),
    "consent":                     (401, 200, 200,  403,  403,  403,  403),
    "contacts list":               (401, 403, 403,  200,  200,  403,  403),
    "contact create":              (401, 403, 403,  201,  403,  403,  403),
    "contact detail":              (401, 403, 403,  200,  200,  403,  403),
    "contact update":              (401, 403, 403,  200,  403,  403,  403),
    "contact deactivate":          (401, 403, 403,  204,  403,  403,  403),
    "meetings list":               (401, 200, 200,  200,  200,  403,  403),
    "meetings nearby":             (401, 200, 200,  200,  200,  403,  403),
    "meeting detail":              (401, 200, 200,  200,  200,  403,  403),
    "meeting by QR code":          (401, 200, 200,  200,  200,  403,  403),
    "meeting create":              (401, 403, 403,  201,  403,  403,  403),
    "meeting update":              (401, 403, 403,  200,  403,  403,  403),
    "meeting deactivate":          (401, 403, 403,  204,  403,  403,  403),
    "meeting rotate QR":           (401, 403, 403,  200,  403,  403,  403),
    "meeting occurrences":         (401, 200, 200,  200,  200,  403,  403),
    # Cancelling and restoring an occurrence change the meeting: the change permission.
    "occurrence cancel":           (401, 403, 403,  201,  403,  403,  403),
    "occurrence restore":          (401, 403, 403,  204,  403,  403,  403),
    "sessions list":               (401, 200, 200,  200,  200,  403,  403),
    # The attendee already has an open session (409); staff must say for whom (400).
    "session start":               (401, 409, 201,  400,  403,  403,  403),
    # Attendees start sessions for themselves only (400).
    "session start for a contact": (401, 400, 400,  201,  403,  403,  403),
    # Staff must say whose session they ask for (400).
    "active session":              (401, 200, 404,  400,  400,  403,  403),
    "active session of a contact": (401, 200, 404,  200,  200,  403,  403),
    "session detail":              (401, 200, 404,  200,  200,  403,  403),
    "check-in":                    (401, 201, 404,  201,  403,  403,  403),
    # The attendee and staff reach the rule (409), not a wall.
    "check-out before check-in":   (401, 409, 404,  409,  403,  403,  403),
    "check-out":                   (401, 201, 404,  201,  403,  403,  403),
    "location":                    (401, 201, 404,  201,  403,  403,  403),
    "end":                         (401, 201, 404,  201,  403,  403,  403),
    # A session changes by its events only: no other writes, not even by staff.
    "session post":                (401, 405, 405,  405,  403,  403,  403),
    "session replace":             (401, 405, 405,  405,  403,  403,  403),
    "session update":              (401, 405, 405,  405,  403,  403,  403),
    "session delete":              (401, 405, 405,  405,  403,  403,  403),
    "events list":                 (401, 403, 403,  200,  200,  403,  403),
    "event detail":                (401, 403, 403,  200,  200,  403,  403),
    # Evidence is never written, changed or deleted over the API, not even by staff.
    "event create":                (401, 403, 403,  405,  403,  403,  403),
    "events delete":               (401, 403, 403,  405,  403,  403,  403),
    "event replace":               (401, 403, 403,  405,  403,  403,  403),
    "event update":                (401, 403, 403,  405,  403,  403,  403),
    "event delete":                (401, 403, 403,  405,  403,  403,  403),
    # The vocabulary of a meeting's `kinds`: for every attendee and staff member.
    "meeting kinds list":          (401, 200, 200,  200,  200,  200,  403),
    # Every staff member reads the rules; only superusers write them (403 for everyone here).
    "jurisdictions list":          (401, 403, 403,  200,  200,  200,  403),
    "jurisdiction detail":         (401, 403, 403,  200,  200,  200,  403),
    "jurisdiction create":         (401, 403, 403,  403,  403,  403,  403),
    "policy version publish":      (401, 403, 403,  403,  403,  403,  403),
    # Court orders: staff with the mandates model permissions; the attendee reads their own
    # progress at me/mandates/ only.
    "mandates list":               (401, 403, 403,  200,  200,  403,  403),
    "mandate create":              (401, 403, 403,  201,  403,  403,  403),
    "mandate detail":              (401, 403, 403,  200,  200,  403,  403),
    "mandate update":              (401, 403, 403,  200,  403,  403,  403),
    # Ending early changes the mandate: the change permission.
    "mandate end":                 (401, 403, 403,  200,  403,  403,  403),
    "mandate delete":              (401, 403, 403,  204,  403,  403,  403),
    "mandate compliance":          (401, 403, 403,  200,  200,  403,  403),
    "contact compliance":          (401, 403, 403,  200,  200,  403,  403),
    "my mandates":                 (401, 200, 200,  403,  403,  403,  403),
    "schema":                      (200, 200, 200,  200,  200,  200,  200),
}
# fmt: on


def stored() -> list[list[dict]]:
    """Every row an endpoint could change."""
    models = (
        Contact,
        Meeting,
        CancelledOccurrence,
        Session,
        SessionEvent,
        Jurisdiction,
        PolicyVersion,
        Mandate,
        MandatePeriod,
    )
    return [list(model.objects.order_by("pk").values()) for model in models]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", EXPECTED)
def test_who_may_call_what(name, persona, persona_client, attendee):
    request = REQUESTS[name]
    world = World(attendee=attendee, session_status=request.session_status)
    client = persona_client(persona)
    before = stored()

    response = request.send(client, world)

    expected = EXPECTED[name][PERSONAS.index(persona)]
    assert response.status_code == expected, f"{name} as {persona}: {response.content[:300]!r}"
    if response.content:
        assert response["Content-Type"] == request.content_type
    if response.status_code >= 400:
        body = response.json()
        assert set(body) >= {"detail", "code"}
        if response.status_code in REFUSAL_CODES:
            assert body["code"] == REFUSAL_CODES[response.status_code]
        assert stored() == before, "a refused request changed something"
    if response.status_code == 401:
        # RFC 9110: a 401 names the scheme to use.
        assert response["WWW-Authenticate"].startswith("Bearer")


def api_route_names() -> set[str]:
    from django.urls import URLPattern, URLResolver

    from api import urls as api_urls

    def walk(patterns) -> set[str]:
        names = set()
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                names |= walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.add(pattern.name)
        return names

    return walk(api_urls.urlpatterns)


def test_every_api_route_is_in_the_table(attendee):
    """A new endpoint must be added to REQUESTS and EXPECTED, so that its permissions are checked too."""
    from django.urls import resolve

    assert set(REQUESTS) == set(EXPECTED)
    world = World(attendee=attendee)
    covered = {resolve(request.url(world).split("?")[0]).url_name for request in REQUESTS.values()}
    # The token endpoint's POST (sign-in) is public by design and has its own tests; the docs
    # page is public and has its own test.
    assert api_route_names() - covered - {"docs"} == set()
