"""What every admin page shares: who may open it, what its changelist costs, what search finds."""

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from factory.django import DjangoModelFactory

from tests.factories import (
    ApiTokenFactory,
    ContactFactory,
    LegacyAdoptionFactory,
    MeetingFactory,
    SessionEventFactory,
    SessionFactory,
    SignInRecordFactory,
)

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class AdminPage:
    """One admin URL; `factory` builds the object an object page is about."""

    url_name: str
    factory: type[DjangoModelFactory] | None = None
    superuser_status: int = 200

    def url(self) -> str:
        args = [self.factory().pk] if self.factory else []
        return reverse(f"admin:{self.url_name}", args=args)

    def __str__(self) -> str:
        return self.url_name


PAGES = [
    AdminPage("contacts_contact_changelist"),
    AdminPage("contacts_contact_add"),
    AdminPage("contacts_contact_change", ContactFactory),
    AdminPage("contacts_contact_delete", ContactFactory, superuser_status=403),
    AdminPage("meetings_meeting_changelist"),
    AdminPage("meetings_meeting_add"),
    AdminPage("meetings_meeting_change", MeetingFactory),
    AdminPage("meetings_meeting_delete", MeetingFactory, superuser_status=403),
    AdminPage("attendance_session_changelist"),
    AdminPage("attendance_session_add", superuser_status=403),
    AdminPage("attendance_session_change", SessionFactory),
    AdminPage("attendance_session_delete", SessionFactory, superuser_status=403),
    AdminPage("attendance_sessionevent_changelist"),
    AdminPage("attendance_sessionevent_add", superuser_status=403),
    AdminPage("attendance_sessionevent_change", SessionEventFactory),  # view-only, see test_admin_events
    AdminPage("attendance_sessionevent_delete", SessionEventFactory, superuser_status=403),
    AdminPage("access_apitoken_changelist"),
    AdminPage("access_apitoken_add", superuser_status=403),  # issued by sign-in or the command only
    AdminPage("access_apitoken_change", ApiTokenFactory),
    AdminPage("access_apitoken_delete", ApiTokenFactory, superuser_status=403),
    # Written once by adopt_legacy_schema; readable, never changed.
    # Sign-in records: written by the sign-in signals only.
    AdminPage("access_signinrecord_changelist"),
    AdminPage("access_signinrecord_add", superuser_status=403),
    AdminPage("access_signinrecord_change", SignInRecordFactory),
    AdminPage("access_signinrecord_delete", SignInRecordFactory, superuser_status=403),
    AdminPage("legacy_legacyadoption_changelist"),
    AdminPage("legacy_legacyadoption_add", superuser_status=403),
    AdminPage("legacy_legacyadoption_change", LegacyAdoptionFactory),
    AdminPage("legacy_legacyadoption_delete", LegacyAdoptionFactory, superuser_status=403),
]


@pytest.mark.parametrize("page", PAGES, ids=str)
@pytest.mark.parametrize("persona", ["anonymous", "staff_user", "superuser"])
def test_admin_page_access(client, request, page: AdminPage, persona: str):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    url = page.url()

    response = client.get(url)

    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('admin:login')}?next={url}"
    elif persona == "staff_user":  # signed in to the admin, but holds no model permission
        assert response.status_code == 403
    else:
        assert response.status_code == page.superuser_status


CHANGELISTS = [
    pytest.param("contacts_contact_changelist", ContactFactory, id="contacts"),
    pytest.param("meetings_meeting_changelist", MeetingFactory, id="meetings"),
    # Each session and event gets its own contact and meeting: the worst case for N+1.
    pytest.param("attendance_session_changelist", SessionFactory, id="sessions"),
    pytest.param("attendance_sessionevent_changelist", SessionEventFactory, id="events"),
]


@pytest.mark.parametrize(("url_name", "factory"), CHANGELISTS)
def test_changelist_queries_do_not_grow_with_rows(
    client, superuser, django_assert_num_queries, django_assert_max_num_queries, url_name, factory
):
    client.force_login(superuser)
    url = reverse(f"admin:{url_name}")
    factory.create_batch(2)
    client.get(url)  # fills per-process caches (content types, session), which are not per row

    # At most 9: meetings' kinds are loaded once for the page, and once for the kinds filter.
    with CaptureQueriesContext(connection) as two_rows, django_assert_max_num_queries(9):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 2

    factory.create_batch(8)
    with django_assert_num_queries(len(two_rows)):
        response = client.get(url)
    assert len(response.context["cl"].result_list) == 10


@dataclass(frozen=True)
class SearchCase:
    url_name: str
    make_target: Callable[[], tuple[object, str]]  # the row to find, and a term that finds it
    other: type[DjangoModelFactory]


def _contact_by_phone():
    contact = ContactFactory(phone="+12065550123")
    return contact, "2065550123"


def _contact_by_ghl_id():
    contact = ContactFactory(ghl_contact_id="ghl-7fq2")
    return contact, "ghl-7fq2"


def _meeting_by_qr_code():
    meeting = MeetingFactory()
    return meeting, meeting.qr_code


def _session_by_contact_email():
    session = SessionFactory(contact__email="casey.jones@example.net")
    return session, "casey.jones@"


def _session_by_id():
    session = SessionFactory()
    return session, session.pk


def _event_by_session_id():
    event = SessionEventFactory()
    return event, event.session_id


def _event_by_contact_email():
    event = SessionEventFactory(session__contact__email="pat.doe@example.net")
    return event, "pat.doe@example.net"


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(SearchCase("contacts_contact_changelist", _contact_by_phone, ContactFactory), id="contact-phone"),
        pytest.param(SearchCase("contacts_contact_changelist", _contact_by_ghl_id, ContactFactory), id="contact-ghl"),
        pytest.param(SearchCase("meetings_meeting_changelist", _meeting_by_qr_code, MeetingFactory), id="meeting-qr"),
        pytest.param(
            SearchCase("attendance_session_changelist", _session_by_contact_email, SessionFactory), id="session-email"
        ),
        pytest.param(SearchCase("attendance_session_changelist", _session_by_id, SessionFactory), id="session-id"),
        pytest.param(
            SearchCase("attendance_sessionevent_changelist", _event_by_session_id, SessionEventFactory),
            id="event-session-id",
        ),
        pytest.param(
            SearchCase("attendance_sessionevent_changelist", _event_by_contact_email, SessionEventFactory),
            id="event-email",
        ),
    ],
)
def test_changelist_search_finds_only_the_matching_row(client, superuser, case: SearchCase):
    target, term = case.make_target()
    case.other.create_batch(2)
    client.force_login(superuser)

    response = client.get(reverse(f"admin:{case.url_name}"), {"q": term})

    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [target.pk]


@dataclass(frozen=True)
class RelatedListCase:
    """A page linking to the list of the records that point at its object."""

    page_url_name: str
    changelist_url_name: str
    make: Callable[[], tuple[object, object]]  # (the page's object, the one record pointing at it)


def _contact_and_session():
    session = SessionFactory()
    return session.contact, session


def _meeting_and_session():
    session = SessionFactory()
    return session.meeting, session


def _session_and_event():
    event = SessionEventFactory()
    return event.session, event


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            RelatedListCase("contacts_contact_change", "attendance_session_changelist", _contact_and_session),
            id="contact-sessions",
        ),
        pytest.param(
            RelatedListCase("meetings_meeting_change", "attendance_session_changelist", _meeting_and_session),
            id="meeting-sessions",
        ),
        pytest.param(
            RelatedListCase("attendance_session_change", "attendance_sessionevent_changelist", _session_and_event),
            id="session-events",
        ),
    ],
)
def test_change_page_links_to_a_list_of_its_related_records(client, superuser, case: RelatedListCase):
    owner, related = case.make()
    case.make()  # records of someone else, which the list must leave out
    client.force_login(superuser)
    page = client.get(reverse(f"admin:{case.page_url_name}", args=[owner.pk]))
    changelist_url = reverse(f"admin:{case.changelist_url_name}")
    link = re.search(rf'href="({re.escape(changelist_url)}\?[^"]+)"', page.text)
    assert link, "the change page has no link to the related records"

    response = client.get(html.unescape(link.group(1)))

    assert response.status_code == 200
    assert [obj.pk for obj in response.context["cl"].result_list] == [related.pk]
