"""Who may open which page: every page outside /api/ and /admin/, in two tables.

STAFF_PAGES lists each staff page with the permissions its @staff_view asks for, checked by
the assert_staff_only fixture (tests/conftest.py). EXPECTED lists every other page, the
attendee's and the public ones, with the answer each kind of visitor gets; PAGES says how to
ask. The last two tests walk compliance.urls, so that a new page without an access test fails.
Each page's module tests what the page does; the API's table is tests/test_api_permissions.py.
"""

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from attendance.models import Session, SessionStatus
from contacts.models import Contact
from contacts.setup_links import make_set_password_link
from mandates import court_report
from mandates import services as mandates
from mandates.models import CourtReport, Mandate
from meetings.models import Meeting, MeetingKind
from policies.models import Jurisdiction
from policies.services import publish
from tests.conftest import sign_in_attendee
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    """The objects the pages are about. `contact` is the attendee of the PAGES table, with an
    open session at `meeting`."""

    contact: Contact = field(default_factory=lambda: ContactFactory(consenting=True))
    meeting: Meeting = field(default_factory=MeetingFactory)
    inactive_meeting: Meeting = field(default_factory=lambda: MeetingFactory(is_active=False))
    # Without an open session, so that one may be opened for them at a destination.
    other_contact: Contact = field(default_factory=lambda: ContactFactory(consenting=True))
    jurisdiction: Jurisdiction = field(default_factory=lambda: Jurisdiction.objects.create(name="Drug Court"))
    kind: MeetingKind = field(default_factory=lambda: MeetingKind.objects.create(slug="aca", label="ACA"))
    inactive_kind: MeetingKind = field(
        default_factory=lambda: MeetingKind.objects.create(slug="old-kind", label="Old kind", is_active=False)
    )

    def __post_init__(self) -> None:
        self.session: Session = SessionFactory(contact=self.contact, meeting=self.meeting, status=SessionStatus.ACTIVE)
        publish(self.jurisdiction, {})
        keeper = StaffUserFactory()
        today = timezone.localdate()
        # Starting tomorrow, so that no period has passed and it may still be deleted.
        self.mandate: Mandate = mandates.create(
            self.contact, mandate_terms(today + dt.timedelta(days=1), today + dt.timedelta(days=28)), by=keeper
        )
        # Running since a month ago, with a report issued for it.
        self.running_mandate: Mandate = mandates.create(
            self.other_contact, mandate_terms(today - dt.timedelta(days=30), today + dt.timedelta(days=30)), by=keeper
        )
        self.report: CourtReport = court_report.issue(
            self.running_mandate, today - dt.timedelta(days=30), today, by=keeper
        )


def mandate_terms(starts_on: dt.date, ends_on: dt.date) -> mandates.Terms:
    return mandates.Terms(
        case_number="CR-2026-0042", required_count=3, period="week", starts_on=starts_on, ends_on=ends_on
    )


# --- Staff pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffPage:
    name: str
    permissions: tuple[str, ...]  # as its @staff_view lists them
    method: str = "get"
    args: Callable[[World], list] = lambda w: []
    data: dict | Callable[[World], dict] | None = None
    allowed_status: int = 200

    def url(self, world: World) -> str:
        return reverse(self.name, args=self.args(world))

    def body(self, world: World) -> dict | None:
        return self.data(world) if callable(self.data) else self.data


VIEW_CONTACT, ADD_CONTACT, CHANGE_CONTACT = "contacts.view_contact", "contacts.add_contact", "contacts.change_contact"
VIEW_MEETING, ADD_MEETING, CHANGE_MEETING = "meetings.view_meeting", "meetings.add_meeting", "meetings.change_meeting"
VIEW_SESSION, CHANGE_SESSION = "attendance.view_session", "attendance.change_session"
VIEW_EVENT = "attendance.view_sessionevent"
VIEW_JURISDICTION, ADD_JURISDICTION = "policies.view_jurisdiction", "policies.add_jurisdiction"
CHANGE_JURISDICTION, PUBLISH = "policies.change_jurisdiction", "policies.add_policyversion"
OPEN_AT_DESTINATION = (VIEW_CONTACT, VIEW_SESSION, CHANGE_SESSION)
VIEW_MANDATE, ADD_MANDATE = "mandates.view_mandate", "mandates.add_mandate"
CHANGE_MANDATE, DELETE_MANDATE = "mandates.change_mandate", "mandates.delete_mandate"
ISSUE_REPORT, VIEW_REPORT = "mandates.add_courtreport", "mandates.view_courtreport"
VIEW_KIND, ADD_KIND, CHANGE_KIND = (
    "meetings.view_meetingkind",
    "meetings.add_meetingkind",
    "meetings.change_meetingkind",
)


# The arguments of a page's URL.
def contact(w: World) -> list:
    return [w.contact.pk]


def meeting(w: World) -> list:
    return [w.meeting.pk]


def meeting_day(w: World) -> str:
    """The local date of the meeting's (first) occurrence, which a cancellation names."""
    return w.meeting.start_time.astimezone(w.meeting.zone).date().isoformat()


def kind(w: World) -> list:
    return [w.kind.pk]


def jurisdiction(w: World) -> list:
    return [w.jurisdiction.pk]


def other_contact(w: World) -> list:
    return [w.other_contact.pk]


def mandate(w: World) -> list:
    return [w.mandate.pk]


def running_mandate(w: World) -> list:
    return [w.running_mandate.pk]


def report(w: World) -> list:
    return [w.report.number]


def mandate_form(w: World) -> dict:
    """A valid mandate form for the world's contact, as a browser posts it."""
    today = timezone.localdate()
    return {
        "case_number": "CR-2026-0099",
        "jurisdiction": w.jurisdiction.pk,
        "required_count": "2",
        "period": "week",
        "starts_on": (today + dt.timedelta(days=2)).isoformat(),
        "ends_on": (today + dt.timedelta(days=30)).isoformat(),
    }


# A destination staff approve, as the contact page's form posts it.
DESTINATION_FORM = {
    "dest_name": "Cascadia Behavioral Health",
    "dest_address": "847 NE 19th Ave, Portland, OR 97232",
    "lat": "45.52891",
    "lng": "-122.64668",
}


def session(w: World) -> list:
    return [w.session.pk]


def qr_code(w: World) -> list:
    return [w.meeting.qr_code]


# A valid meeting form, as a browser posts it.
MEETING_FORM = {
    "name": "Tuesday evening group",
    "description": "",
    "address": "801 SW 10th Ave, Portland, OR 97205",
    "lat": str(PORTLAND[0]),
    "lng": str(PORTLAND[1]),
    "radius_meters": "150",
    "start_time": "2026-11-24T18:00",
    "end_time": "2026-11-24T19:30",
}

# A POST that the page answers with its form again (200) had invalid or incomplete input.
STAFF_PAGES = [
    StaffPage("dashboard", ()),
    StaffPage("contacts:list", (VIEW_CONTACT,)),
    StaffPage("contacts:add", (ADD_CONTACT,)),
    StaffPage("contacts:add", (ADD_CONTACT,), "post", data={"email": ""}),
    StaffPage("contacts:detail", (VIEW_CONTACT,), args=contact),
    StaffPage("contacts:edit", (CHANGE_CONTACT,), args=contact),
    StaffPage("contacts:edit", (CHANGE_CONTACT,), "post", args=contact),
    StaffPage("contacts:deactivate", (CHANGE_CONTACT,), args=contact),
    StaffPage("contacts:deactivate", (CHANGE_CONTACT,), "post", args=contact, allowed_status=302),
    StaffPage("contacts:reactivate", (CHANGE_CONTACT,), "post", args=contact, allowed_status=302),
    StaffPage("contacts:grant_consent", (CHANGE_CONTACT,), args=contact),
    StaffPage("contacts:grant_consent", (CHANGE_CONTACT,), "post", args=contact),
    StaffPage("contacts:withdraw_consent", (CHANGE_CONTACT,), args=contact),
    StaffPage("contacts:withdraw_consent", (CHANGE_CONTACT,), "post", args=contact, allowed_status=302),
    StaffPage("contacts:create_set_password_link", (CHANGE_CONTACT,), "post", args=contact),
    StaffPage("contacts:open_session", OPEN_AT_DESTINATION, args=other_contact),
    StaffPage("contacts:open_session", OPEN_AT_DESTINATION, "post", args=other_contact, data={"lat": "x"}),
    StaffPage(
        "contacts:open_session",
        OPEN_AT_DESTINATION,
        "post",
        args=other_contact,
        data=DESTINATION_FORM,
        allowed_status=302,
    ),
    StaffPage("meetings:list", (VIEW_MEETING,)),
    StaffPage("meetings:create", (ADD_MEETING,)),
    StaffPage("meetings:create", (ADD_MEETING,), "post", data=MEETING_FORM, allowed_status=302),
    StaffPage("meetings:detail", (VIEW_MEETING,), args=meeting),
    StaffPage("meetings:edit", (CHANGE_MEETING,), args=meeting),
    StaffPage("meetings:edit", (CHANGE_MEETING,), "post", args=meeting, data=MEETING_FORM, allowed_status=302),
    StaffPage("meetings:deactivate", (CHANGE_MEETING,), args=meeting),
    StaffPage("meetings:deactivate", (CHANGE_MEETING,), "post", args=meeting, allowed_status=302),
    StaffPage(
        "meetings:reactivate", (CHANGE_MEETING,), "post", args=lambda w: [w.inactive_meeting.pk], allowed_status=302
    ),
    StaffPage("meetings:rotate_qr", (CHANGE_MEETING,), args=meeting),
    StaffPage("meetings:rotate_qr", (CHANGE_MEETING,), "post", args=meeting, allowed_status=302),
    StaffPage("meetings:qr_svg", (VIEW_MEETING,), args=meeting),
    StaffPage("meetings:qr_png", (VIEW_MEETING,), args=meeting),
    StaffPage("meetings:poster", (VIEW_MEETING,), args=meeting),
    StaffPage("meetings:cancel_occurrence", (CHANGE_MEETING,), args=lambda w: [*meeting(w), meeting_day(w)]),
    StaffPage(
        "meetings:cancel_occurrence",
        (CHANGE_MEETING,),
        "post",
        args=lambda w: [*meeting(w), meeting_day(w)],
        data={"reason": "Venue closed"},
        allowed_status=302,
    ),
    StaffPage(
        "meetings:restore_occurrence",
        (CHANGE_MEETING,),
        "post",
        args=lambda w: [*meeting(w), meeting_day(w)],
        allowed_status=302,
    ),
    StaffPage("meetings:calendar", (VIEW_MEETING,), args=meeting),
    StaffPage("meetings:kinds", (VIEW_KIND,)),
    StaffPage("meetings:kind_create", (ADD_KIND,)),
    StaffPage("meetings:kind_create", (ADD_KIND,), "post", data={"slug": "Not A Slug"}),
    StaffPage("meetings:kind_create", (ADD_KIND,), "post", data={"slug": "cma", "label": "CMA"}, allowed_status=302),
    StaffPage("meetings:kind_detail", (VIEW_KIND,), args=kind),
    StaffPage("meetings:kind_edit", (CHANGE_KIND,), args=kind),
    StaffPage("meetings:kind_edit", (CHANGE_KIND,), "post", args=kind, data={"label": "ACA"}, allowed_status=302),
    StaffPage("meetings:kind_deactivate", (CHANGE_KIND,), args=kind),
    StaffPage("meetings:kind_deactivate", (CHANGE_KIND,), "post", args=kind, allowed_status=302),
    StaffPage(
        "meetings:kind_reactivate", (CHANGE_KIND,), "post", args=lambda w: [w.inactive_kind.pk], allowed_status=302
    ),
    StaffPage("attendance:sessions", (VIEW_SESSION,)),
    StaffPage("attendance:session", (VIEW_SESSION,), args=session),
    StaffPage("attendance:end", (CHANGE_SESSION,), args=session),
    StaffPage("attendance:end", (CHANGE_SESSION,), "post", args=session, data={"reason": "Left"}, allowed_status=302),
    StaffPage("attendance:report", (VIEW_SESSION, VIEW_CONTACT)),
    StaffPage(
        "attendance:report_csv",
        (VIEW_SESSION, VIEW_CONTACT),
        data=lambda w: {"contact": w.contact.pk, "start": "2026-03-01", "end": "2026-03-07"},
    ),
    StaffPage("attendance:events_csv", (VIEW_SESSION, VIEW_EVENT)),
    StaffPage("policies:list", (VIEW_JURISDICTION,)),
    StaffPage("policies:detail", (VIEW_JURISDICTION,), args=jurisdiction),
    StaffPage("policies:create", (VIEW_JURISDICTION, ADD_JURISDICTION)),
    StaffPage(
        "policies:create",
        (VIEW_JURISDICTION, ADD_JURISDICTION),
        "post",
        data={"name": "Probation", "kind": "probation"},
        allowed_status=302,
    ),
    StaffPage("policies:edit", (VIEW_JURISDICTION, CHANGE_JURISDICTION), args=jurisdiction),
    StaffPage(
        "policies:edit",
        (VIEW_JURISDICTION, CHANGE_JURISDICTION),
        "post",
        args=jurisdiction,
        data={"name": "Drug Court of Multnomah County", "kind": "court"},
        allowed_status=302,
    ),
    StaffPage("policies:publish", (VIEW_JURISDICTION, PUBLISH), args=jurisdiction),
    # Incomplete: the form again, nothing published.
    StaffPage("policies:publish", (VIEW_JURISDICTION, PUBLISH), "post", args=jurisdiction, data={"notes": "x"}),
    StaffPage("mandates:list", (VIEW_MANDATE,)),
    StaffPage("mandates:detail", (VIEW_MANDATE,), args=mandate),
    # Without a contact to give it to, the request is malformed.
    StaffPage("mandates:create", (VIEW_MANDATE, ADD_MANDATE), allowed_status=400),
    StaffPage("mandates:create", (VIEW_MANDATE, ADD_MANDATE), data=lambda w: {"contact": w.contact.pk}),
    StaffPage("mandates:edit", (VIEW_MANDATE, CHANGE_MANDATE), args=mandate),
    StaffPage(
        "mandates:edit", (VIEW_MANDATE, CHANGE_MANDATE), "post", args=mandate, data=mandate_form, allowed_status=302
    ),
    StaffPage("mandates:end", (VIEW_MANDATE, CHANGE_MANDATE), args=running_mandate),
    StaffPage(
        "mandates:end",
        (VIEW_MANDATE, CHANGE_MANDATE),
        "post",
        args=running_mandate,
        data={"ended_on": timezone.localdate().isoformat(), "reason": "Case transferred"},
        allowed_status=302,
    ),
    StaffPage("mandates:delete", (VIEW_MANDATE, DELETE_MANDATE), args=mandate),
    StaffPage("mandates:delete", (VIEW_MANDATE, DELETE_MANDATE), "post", args=mandate, allowed_status=302),
    StaffPage("mandates:report", (VIEW_MANDATE, ISSUE_REPORT), args=running_mandate),
    StaffPage(
        "mandates:issue_report",
        (VIEW_MANDATE, ISSUE_REPORT),
        "post",
        args=running_mandate,
        data=lambda w: {"covers_from": w.running_mandate.starts_on.isoformat(), "covers_to": timezone.localdate()},
        allowed_status=302,
    ),
    StaffPage("mandates:report_detail", (VIEW_REPORT,), args=report),
    StaffPage("mandates:report_pdf", (VIEW_REPORT,), args=report),
    StaffPage("mandates:report_csv", (VIEW_REPORT,), args=report),
]


@pytest.mark.parametrize("staff_page", STAFF_PAGES, ids=[f"{page.name} {page.method}" for page in STAFF_PAGES])
def test_staff_pages(staff_page, assert_staff_only, client):
    # Not `page`: pytest-playwright's fixture of that name would make this a browser test.
    world = World()
    url, body = staff_page.url(world), staff_page.body(world)

    assert_staff_only(
        url, *staff_page.permissions, method=staff_page.method, data=body, allowed_status=staff_page.allowed_status
    )

    # An attendee's sign-in is not a staff sign-in.
    client.logout()
    sign_in_attendee(client, world.contact)
    response = getattr(client, staff_page.method)(url, body or {})
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


# --- Every other page: the attendee's, and public ones --------------------------------------------


@dataclass(frozen=True)
class Redirect:
    """A redirect to this path (whatever its query, such as ?next=), formatted with the world."""

    path: str

    def check(self, response, world: World) -> None:
        assert response.status_code == 302, response.status_code
        assert urlsplit(response["Location"]).path == self.path.format(w=world)


@dataclass(frozen=True)
class Page:
    method: str
    args: Callable[[World], list] = lambda w: []
    data: Callable[[World], dict] | None = None


def position(world: World) -> dict:
    """What the check-in page's script posts from the meeting's door."""
    return {
        "lat": world.meeting.lat,
        "lng": world.meeting.lng,
        "accuracy": 10,
        "ts_client": (timezone.now() - dt.timedelta(seconds=2)).isoformat(),
        "event_id": str(uuid.uuid4()),
        "gps_timeout": "",
    }


PAGES = {
    "login": Page("get"),
    "logout": Page("post"),
    "password_change": Page("get"),
    "password_change_done": Page("get"),
    "health": Page("get"),
    "favicon": Page("get"),
    "attendee:sign_in": Page("get"),
    "attendee:sign_out": Page("post"),
    "attendee:set_password": Page("get", lambda w: [make_set_password_link(w.contact).token]),
    "attendee:set_password_done": Page("get"),
    "attendee:meeting": Page("get", qr_code),
    "attendee:meeting_as_printed": Page("get", qr_code),
    "attendee:meeting_calendar": Page("get", meeting),
    "attendee:check_in": Page("post", qr_code, position),
    "attendee:check_out": Page("post", qr_code, position),
    "attendee:home": Page("get"),
    "attendee:consent": Page("get"),
    "attendee:withdraw_consent": Page("get"),
    "attendee:end_session": Page("post", session),
    "attendee:verify": Page("get"),
    "attendee:verify_report": Page("get", report),
}

SIGN_IN = Redirect("/attendee/sign-in/")
STAFF_SIGN_IN = Redirect("/login/")
MEETING_PAGE = Redirect("/q/{w.meeting.qr_code}/")
HOME = Redirect("/attendee/")
ICON = Redirect("/static/favicon.ico")
# The answer for a visitor who is signed in nowhere, an attendee signed in on the attendee's
# sign-in page, and a staff member signed in at /login/ (and not as an attendee).
# fmt: off
EXPECTED = {
    #                               anonymous      attendee       staff
    # Public: anyone may open these. A set-password link's token is its own credential; anyone
    # may see the meeting behind a QR code; a staff member who is signed in already is sent on.
    "login":                       (200,           200,           Redirect("/")),
    "health":                      (200,           200,           200),
    "favicon":                     (ICON,          ICON,          ICON),
    "attendee:sign_in":            (200,           200,           200),
    "attendee:set_password":       (200,           200,           200),
    "attendee:set_password_done":  (200,           200,           200),
    "attendee:meeting":            (200,           200,           200),
    "attendee:meeting_as_printed": (200,           200,           200),
    # An active meeting's calendar: its public part, by the meeting's id (not its QR code).
    "attendee:meeting_calendar":   (200,           200,           200),
    # Whether a court report was issued: for a clerk holding the paper, without an account.
    "attendee:verify":             (200,           200,           200),
    "attendee:verify_report":      (200,           200,           200),
    # For a signed-in staff member (signing out always ends at the sign-in page).
    "logout":                      (STAFF_SIGN_IN, STAFF_SIGN_IN, STAFF_SIGN_IN),
    "password_change":             (STAFF_SIGN_IN, STAFF_SIGN_IN, 200),
    "password_change_done":        (STAFF_SIGN_IN, STAFF_SIGN_IN, 200),
    # For a signed-in attendee; a check-in or check-out ends on the meeting's page.
    "attendee:sign_out":           (SIGN_IN,       SIGN_IN,       SIGN_IN),
    "attendee:home":               (SIGN_IN,       200,           SIGN_IN),
    "attendee:consent":            (SIGN_IN,       200,           SIGN_IN),
    "attendee:withdraw_consent":   (SIGN_IN,       200,           SIGN_IN),
    "attendee:check_in":           (SIGN_IN,       MEETING_PAGE,  SIGN_IN),
    "attendee:check_out":          (SIGN_IN,       MEETING_PAGE,  SIGN_IN),
    "attendee:end_session":        (SIGN_IN,       HOME,          SIGN_IN),
}
# fmt: on
VISITORS = ("anonymous", "attendee", "staff")


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("name", EXPECTED)
def test_attendee_and_public_pages(name, visitor, client, api_staff_user):
    page = PAGES[name]
    world = World()
    if visitor == "attendee":
        sign_in_attendee(client, world.contact)
    elif visitor == "staff":
        client.force_login(api_staff_user)

    response = getattr(client, page.method)(reverse(name, args=page.args(world)), page.data(world) if page.data else {})

    expected = EXPECTED[name][VISITORS.index(visitor)]
    if isinstance(expected, Redirect):
        expected.check(response, world)
    else:
        assert response.status_code == expected


# --- Every page is in a table -------------------------------------------------------------------

STAFF_NAMESPACES = {"contacts", "meetings", "attendance", "policies", "mandates"}


def site_route_names() -> set[str]:
    """The name of every URL pattern outside /api/ and /admin/ ("contacts:list", "login"); an
    unnamed one by its route, so that it fails the tests below too."""
    from compliance import urls

    def walk(patterns, namespace: str | None) -> set[str]:
        names = set()
        for pattern in patterns:
            route = str(pattern.pattern)
            if route.startswith(("api/", "admin/")):
                continue
            if isinstance(pattern, URLResolver):
                names |= walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                name = pattern.name or f"unnamed: {route}"
                names.add(f"{namespace}:{name}" if namespace else name)
        return names

    return walk(urls.urlpatterns, None)


def test_every_staff_route_is_in_the_table():
    """A new staff page must be added to STAFF_PAGES, so that its permissions are checked too."""
    staff_routes = {name for name in site_route_names() if name.partition(":")[0] in STAFF_NAMESPACES}
    assert staff_routes - {page.name for page in STAFF_PAGES} == set()


def test_every_attendee_route_is_in_the_table():
    """Every other page (the attendee's, and the top-level ones) must be in PAGES and EXPECTED,
    or be a staff page in STAFF_PAGES, as the dashboard is."""
    assert set(PAGES) == set(EXPECTED)
    routes = site_route_names() - {page.name for page in STAFF_PAGES}
    assert routes - set(PAGES) == set()
