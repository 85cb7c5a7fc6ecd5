"""Who may call what: every API endpoint, for every persona, in one table.

Each endpoint module tests its own rules in depth; this table is the cross-check that nothing
is open that should not be. `other_attendee` acts on the attendee's session and gets 404, as
if it did not exist.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from attendance.models import SessionStatus
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "attendee", "other_attendee", "staff")


@dataclass
class World:
    """The objects every row can point at."""

    attendee: object
    meeting: object = field(default_factory=MeetingFactory)
    contact: object = field(default_factory=ContactFactory)

    def __post_init__(self) -> None:
        self.session = SessionFactory(contact=self.attendee, meeting=self.meeting, status=SessionStatus.ACTIVE)
        self.event = SessionEventFactory(session=SessionFactory(meeting=self.meeting, status=SessionStatus.COMPLETED))


def fix(world: World) -> dict:
    return {"ts_client": timezone.now().isoformat(), "lat": world.meeting.lat, "lng": world.meeting.lng, "accuracy": 5}


@dataclass(frozen=True)
class Endpoint:
    method: str
    url: Callable[[World], str]
    expected: tuple[int, int, int, int]  # anonymous, attendee, other_attendee, staff
    body: Callable[[World], dict] | None = None

    def call(self, client, world: World):
        body = self.body(world) if self.body else None
        return getattr(client, self.method)(self.url(world), body, format="json")


V1 = "/api/v1"
ENDPOINTS = {
    "revoke own token": Endpoint("delete", lambda w: f"{V1}/auth/token/", (401, 204, 204, 204)),
    "me": Endpoint("get", lambda w: f"{V1}/me/", (401, 200, 200, 403)),
    "consent": Endpoint("post", lambda w: f"{V1}/me/consent/", (401, 200, 200, 403), lambda w: {"granted": True}),
    "contacts list": Endpoint("get", lambda w: f"{V1}/contacts/", (401, 403, 403, 200)),
    "contacts create": Endpoint(
        "post", lambda w: f"{V1}/contacts/", (401, 403, 403, 201), lambda w: {"email": "new@example.org"}
    ),
    "contact detail": Endpoint("get", lambda w: f"{V1}/contacts/{w.contact.id}/", (401, 403, 403, 200)),
    "contact update": Endpoint(
        "patch", lambda w: f"{V1}/contacts/{w.contact.id}/", (401, 403, 403, 200), lambda w: {"notes": "x"}
    ),
    "contact deactivate": Endpoint("delete", lambda w: f"{V1}/contacts/{w.contact.id}/", (401, 403, 403, 204)),
    "meetings list": Endpoint("get", lambda w: f"{V1}/meetings/", (401, 200, 200, 200)),
    "meetings nearby": Endpoint(
        "get", lambda w: f"{V1}/meetings/?lat={w.meeting.lat}&lng={w.meeting.lng}", (401, 200, 200, 200)
    ),
    "meeting detail": Endpoint("get", lambda w: f"{V1}/meetings/{w.meeting.id}/", (401, 200, 200, 200)),
    "meeting by QR code": Endpoint("get", lambda w: f"{V1}/meetings/qr/{w.meeting.qr_code}/", (401, 200, 200, 200)),
    "meeting create": Endpoint(
        "post",
        lambda w: f"{V1}/meetings/",
        (401, 403, 403, 201),
        lambda w: {"name": "New", "address": "1 Main St", "lat": 45.5, "lng": -122.6},
    ),
    "meeting update": Endpoint(
        "patch", lambda w: f"{V1}/meetings/{w.meeting.id}/", (401, 403, 403, 200), lambda w: {"name": "Renamed"}
    ),
    "meeting deactivate": Endpoint("delete", lambda w: f"{V1}/meetings/{w.meeting.id}/", (401, 403, 403, 204)),
    "meeting rotate QR": Endpoint("post", lambda w: f"{V1}/meetings/{w.meeting.id}/rotate-qr/", (401, 403, 403, 200)),
    "sessions list": Endpoint("get", lambda w: f"{V1}/sessions/", (401, 200, 200, 200)),
    # The attendee already has an open session (409); staff must say for whom (400).
    "session start": Endpoint(
        "post", lambda w: f"{V1}/sessions/", (401, 409, 201, 400), lambda w: {"meeting_id": w.meeting.id}
    ),
    "active session": Endpoint("get", lambda w: f"{V1}/sessions/active/", (401, 200, 404, 400)),
    "session detail": Endpoint("get", lambda w: f"{V1}/sessions/{w.session.id}/", (401, 200, 404, 200)),
    "check-in": Endpoint("post", lambda w: f"{V1}/sessions/{w.session.id}/check-in/", (401, 201, 404, 201), fix),
    # The session is not checked in yet: the attendee and staff reach the rule, not a wall.
    "check-out": Endpoint("post", lambda w: f"{V1}/sessions/{w.session.id}/check-out/", (401, 409, 404, 409), fix),
    "location": Endpoint("post", lambda w: f"{V1}/sessions/{w.session.id}/location/", (401, 201, 404, 201), fix),
    "end": Endpoint("post", lambda w: f"{V1}/sessions/{w.session.id}/end/", (401, 201, 404, 201), fix),
    "session update": Endpoint(
        "patch", lambda w: f"{V1}/sessions/{w.session.id}/", (401, 405, 405, 405), lambda w: {"status": "ended"}
    ),
    "session delete": Endpoint("delete", lambda w: f"{V1}/sessions/{w.session.id}/", (401, 405, 405, 405)),
    "events list": Endpoint("get", lambda w: f"{V1}/events/", (401, 403, 403, 200)),
    "event detail": Endpoint("get", lambda w: f"{V1}/events/{w.event.id}/", (401, 403, 403, 200)),
    "event delete": Endpoint("delete", lambda w: f"{V1}/events/{w.event.id}/", (401, 403, 403, 405)),
    "schema": Endpoint("get", lambda w: f"{V1}/schema/", (200, 200, 200, 200)),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ENDPOINTS)
def test_who_may_call_what(name, persona, persona_client, attendee):
    endpoint = ENDPOINTS[name]
    world = World(attendee=attendee)
    response = endpoint.call(persona_client(persona), world)
    expected = endpoint.expected[PERSONAS.index(persona)]
    assert response.status_code == expected, f"{name} as {persona}: {response.content[:300]!r}"
    if response.status_code >= 400:
        assert set(response.json()) >= {"detail", "code"}


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
    """A new endpoint must be added above, so that its permissions are checked too."""
    from django.urls import resolve

    world = World(attendee=attendee)
    covered = {resolve(endpoint.url(world).split("?")[0]).url_name for endpoint in ENDPOINTS.values()}
    # The token endpoint's POST (sign-in) is public by design and has its own tests; the docs
    # page is public and has its own test.
    assert api_route_names() - covered - {"docs"} == set()
