"""The staff contact pages: list, add, edit, detail, deactivate, reactivate, consent on paper."""

import datetime as dt
import html

import pytest
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, RefusedAttempt, SessionStatus
from attendance.services import judge_unjudged
from contacts.models import ConsentChange, Contact
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:list")
ADD_URL = reverse("contacts:add")
VIEW, ADD, CHANGE = "contacts.view_contact", "contacts.add_contact", "contacts.change_contact"


def url(name: str, contact: Contact) -> str:
    return reverse(f"contacts:{name}", args=[contact.pk])


def text(response: HttpResponse) -> str:
    """The page as a person reads it: entities such as &amp; and &#x27; decoded."""
    return html.unescape(response.content.decode())


def contact_form(**changes: str) -> dict[str, str]:
    data = {
        "first_name": "Ann",
        "last_name": "Example",
        "email": "ann@example.org",
        "phone": "(503) 555-0142",
        "ghl_contact_id": "",
        "notes": "",
    }
    return {**data, **changes}


def messages_of(response: HttpResponse) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.fixture
def contact(db):
    return ContactFactory(first_name="Ann", last_name="Example", email="ann@example.org", phone="+15035550142")


@pytest.fixture
def staff_user(staff_user_with):
    return staff_user_with(VIEW, ADD, CHANGE, "attendance.view_session", username="officer")


@pytest.fixture
def staff(client, staff_user):
    client.force_login(staff_user)
    return client


# --- Access (who may open what: tests/test_page_permissions.py) --------------------------------


@pytest.mark.parametrize("name", ["reactivate", "create_set_password_link"])
def test_state_changes_refuse_get(staff, contact, name):
    assert staff.get(url(name, contact)).status_code == 405


def test_a_read_only_role_sees_no_buttons_that_change_anything(client, staff_user_with, contact):
    client.force_login(staff_user_with(VIEW))
    page = text(client.get(url("detail", contact)))
    for name in ("edit", "deactivate", "grant_consent", "create_set_password_link"):
        assert url(name, contact) not in page
    assert "Add a contact" not in text(client.get(LIST_URL))


# --- List -------------------------------------------------------------------------------------


def test_list_shows_each_contact_with_consent_and_sessions(staff, contact):
    meeting = MeetingFactory()
    SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
    SessionFactory(contact=contact, meeting=meeting)
    ContactFactory(first_name="Bo", last_name="Other", consenting=True)

    response = staff.get(LIST_URL)

    page = text(response)
    assert "Ann Example" in page
    assert "ann@example.org" in page
    assert "(503) 555-0142" in page  # national: the site's region (tests/test_phone_display.py)
    ann, bo = sorted(response.context["page_obj"], key=lambda c: c.first_name)
    assert (ann.session_count, bo.session_count) == (2, 0)
    assert ann.last_session_at is not None
    assert bo.last_session_at is None
    assert page.count("No consent") == 1
    assert page.count("Consent given") == 1


def test_list_shows_active_contacts_unless_asked(staff):
    ContactFactory(first_name="Active")
    ContactFactory(first_name="Gone", is_active=False)

    def names(**query: str) -> set[str]:
        return {contact.first_name for contact in staff.get(LIST_URL, query).context["page_obj"]}

    assert names() == {"Active"}
    assert names(active="no") == {"Gone"}
    assert names(active="all") == {"Active", "Gone"}
    assert names(active="nonsense") == {"Active"}


def test_list_filters_by_consent(staff):
    ContactFactory(first_name="Yes", consenting=True)
    ContactFactory(first_name="No")

    def names(**query: str) -> set[str]:
        return {contact.first_name for contact in staff.get(LIST_URL, query).context["page_obj"]}

    assert names(consent="yes") == {"Yes"}
    assert names(consent="no") == {"No"}
    assert names(consent="all") == names() == {"Yes", "No"}


@pytest.mark.parametrize(
    "query", ["ann", "EXAMPLE", "Ann Example", "ann@example", "(503) 555-0142", "+1 503 555 0142", "5550142"]
)
def test_list_search_by_name_email_or_phone(staff, contact, query):
    ContactFactory(first_name="Bo", last_name="Other", email="bo@other.net", phone="+15035550199")
    found = list(staff.get(LIST_URL, {"q": query}).context["page_obj"])
    assert found == [contact]


def test_list_is_paginated_and_keeps_the_filters(staff):
    ContactFactory.create_batch(60, consenting=True)
    ContactFactory.create_batch(3)

    first = staff.get(LIST_URL, {"consent": "yes"})
    assert len(first.context["page_obj"]) == 50
    assert "?consent=yes&amp;page=2" in first.content.decode()
    second = staff.get(LIST_URL, {"consent": "yes", "page": 2})
    assert len(second.context["page_obj"]) == 10
    assert staff.get(LIST_URL, {"consent": "yes", "page": 99}).context["page_obj"].number == 2


@pytest.mark.parametrize("contacts", [10, 200])
@pytest.mark.parametrize("query", [{}, {"q": "example"}, {"q": "503 555"}])
def test_list_runs_a_constant_number_of_queries(staff, django_assert_max_num_queries, contacts, query):
    meeting = MeetingFactory()
    for contact in ContactFactory.create_batch(contacts):
        SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
        SessionFactory(contact=contact, meeting=meeting)
    # Session and user, permissions; whether the user has a caseload (issue 18's "my caseload"
    # default); count, the page's ids, its rows (a search: ids, rows).
    with django_assert_max_num_queries(8):
        response = staff.get(LIST_URL, query)
    page = response.context["page_obj"]
    assert page.paginator.count == contacts
    assert [contact.session_count for contact in page] == [2] * min(contacts, 50)


def test_search_results_are_paginated_in_order_and_keep_the_search(staff):
    ContactFactory.create_batch(60, last_name="Smith")
    ContactFactory.create_batch(5, last_name="Jones")

    first = staff.get(LIST_URL, {"q": "smith"})
    second = staff.get(LIST_URL, {"q": "smith", "page": 2})

    found = [*first.context["page_obj"], *second.context["page_obj"]]
    assert len(found) == 60
    assert {contact.last_name for contact in found} == {"Smith"}
    assert found == list(Contact.objects.filter(last_name="Smith"))  # the list's order: last, first name
    assert "?q=smith&amp;page=2" in first.content.decode()
    assert "60 contacts" in text(first)


def test_a_search_matching_too_many_asks_for_more(staff, monkeypatch):
    from staff.views import contacts as views

    monkeypatch.setattr(views, "MAX_SEARCH_RESULTS", 5)
    ContactFactory.create_batch(6, last_name="Smith")

    response = staff.get(LIST_URL, {"q": "smith"})

    assert len(response.context["page_obj"]) == 5
    assert "More than 5 contacts match" in text(response)


def test_empty_list_says_what_to_do(staff):
    page = text(staff.get(LIST_URL))
    assert "No active contacts yet." in page
    assert ADD_URL in page


def test_empty_search_offers_to_clear_it(staff, contact):
    page = text(staff.get(LIST_URL, {"q": "nobody"}))
    assert "No contacts match these filters." in page
    assert f'href="{LIST_URL}"' in page


# --- Add and edit -----------------------------------------------------------------------------


def test_add_a_contact(staff, staff_user):
    response = staff.post(ADD_URL, contact_form(email="Ann@Example.ORG"), follow=True)

    contact = Contact.objects.get()
    assert response.redirect_chain == [(url("detail", contact), 302)]
    assert messages_of(response) == ["Contact Ann Example added."]
    assert contact.email == "ann@example.org"
    assert str(contact.phone) == "+15035550142"
    assert (contact.ghl_contact_id, contact.notes, contact.is_active) == (None, None, True)
    created = contact.history.get()
    assert created.history_user == staff_user


def test_two_contacts_without_a_gohighlevel_id_do_not_collide(staff):
    staff.post(ADD_URL, contact_form())
    staff.post(ADD_URL, contact_form(email="bo@example.org"))
    assert Contact.objects.filter(ghl_contact_id=None).count() == 2


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        ({"phone": "not a phone"}, "phone", "Enter a phone number with its country code"),
        ({"phone": "555"}, "phone", "Enter a phone number with its country code"),
        ({"email": ""}, "email", "This field is required."),
        ({"email": "ann at example"}, "email", "Enter a valid email address."),
    ],
)
def test_add_refuses_bad_input_and_keeps_it(staff, changes, field, error):
    data = contact_form(**changes)
    response = staff.post(ADD_URL, data)

    assert response.status_code == 200
    assert error in text(response)
    assert list(response.context["form"].errors) == [field]
    for name in ("first_name", "last_name", "email", "phone"):
        if data[name]:
            assert f'value="{html.escape(data[name])}"' in response.content.decode()
    assert not Contact.objects.exists()


def test_add_refuses_an_email_that_exists_in_another_case(staff, contact):
    response = staff.post(ADD_URL, contact_form(email="ANN@example.org", first_name="Annie"))

    assert response.status_code == 200
    assert response.context["form"].errors == {"email": ["A contact with this email already exists."]}
    assert 'value="Annie"' in response.content.decode()
    assert Contact.objects.count() == 1


def test_edit_a_contact(staff, staff_user, contact):
    response = staff.post(
        url("edit", contact), contact_form(email="ANN@example.org", phone="+44 20 7946 0958"), follow=True
    )

    assert response.redirect_chain == [(url("detail", contact), 302)]
    assert messages_of(response) == ["Changes to Ann Example saved."]
    contact.refresh_from_db()
    assert str(contact.phone) == "+442079460958"
    changes = text(response).split('id="history-heading"')[1]
    assert "phone: (503) 555-0142 → +44 20 7946 0958" in changes
    assert "notes" not in changes


def test_edit_refuses_another_contacts_email(staff, contact):
    other = ContactFactory(email="bo@example.org")
    response = staff.post(url("edit", other), contact_form(email="Ann@example.org"))
    assert response.context["form"].errors == {"email": ["A contact with this email already exists."]}
    other.refresh_from_db()
    assert other.email == "bo@example.org"


def test_edit_form_shows_the_current_values(staff, contact):
    page = staff.get(url("edit", contact)).content.decode()
    assert 'value="ann@example.org"' in page
    assert 'type="tel"' in page


# --- Deactivate and reactivate ----------------------------------------------------------------


def test_deactivate_asks_first_then_deactivates(staff, staff_user, contact):
    confirm = text(staff.get(url("deactivate", contact)))
    assert "Deactivate Ann Example?" in confirm
    contact.refresh_from_db()
    assert contact.is_active

    response = staff.post(url("deactivate", contact), follow=True)

    contact.refresh_from_db()
    assert not contact.is_active
    assert messages_of(response) == ["Ann Example deactivated: they can no longer sign in or check in."]
    assert contact.history.first().history_user == staff_user
    assert url("reactivate", contact) in text(response)


def test_reactivate(staff, contact):
    contact.is_active = False
    contact.save()

    response = staff.post(url("reactivate", contact), follow=True)

    contact.refresh_from_db()
    assert contact.is_active
    assert messages_of(response) == ["Ann Example reactivated."]


@pytest.mark.parametrize("method", ["get", "post"])
def test_deactivating_an_inactive_contact_says_so_and_changes_nothing(staff, contact, method):
    """As for meetings (staff.views.activation): no second audit record, no new end of the
    contact's sign-ins."""
    contact.set_active(False)
    contact.refresh_from_db()
    ended_at, records = contact.credentials_changed_at, contact.history.count()

    response = getattr(staff, method)(url("deactivate", contact), follow=True)

    contact.refresh_from_db()
    assert messages_of(response) == ["Ann Example is already inactive."]
    assert (contact.credentials_changed_at, contact.history.count()) == (ended_at, records)


def test_reactivating_an_active_contact_says_so(staff, contact):
    response = staff.post(url("reactivate", contact), follow=True)
    assert messages_of(response) == ["Ann Example is already active."]
    assert contact.history.count() == 1


# --- Consent recorded by staff ----------------------------------------------------------------


def test_paper_consent_needs_a_note(staff, contact):
    response = staff.post(url("grant_consent", contact), {"note": "  "})

    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["This field is required."]}
    contact.refresh_from_db()
    assert not contact.consent_granted
    assert not ConsentChange.objects.exists()


def test_record_paper_consent(staff, staff_user, contact):
    response = staff.post(url("grant_consent", contact), {"note": "Signed form in the case file"}, follow=True)

    assert response.redirect_chain == [(url("detail", contact), 302)]
    assert messages_of(response) == ["Consent given on paper recorded for Ann Example."]
    contact.refresh_from_db()
    assert contact.consent_granted
    change = contact.consent_changes.get()
    assert (change.granted, change.source, change.recorded_by, change.note) == (
        True,
        ConsentChange.Source.STAFF,
        staff_user,
        "Signed form in the case file",
    )
    page = text(response)
    assert "Recorded by staff (paper form)" in page
    assert "Signed form in the case file" in page


def test_withdraw_consent_without_a_note(staff, staff_user, contact):
    contact.record_consent(True)

    response = staff.post(url("withdraw_consent", contact), {"note": ""}, follow=True)

    assert messages_of(response) == ["Consent withdrawn for Ann Example."]
    contact.refresh_from_db()
    assert not contact.consent_granted
    withdrawn, granted = contact.consent_changes.all()
    assert (withdrawn.granted, withdrawn.recorded_by, withdrawn.source) == (False, staff_user, "staff")
    assert (granted.granted, granted.recorded_by, granted.source) == (True, None, "attendee")
    history = response.context["consent_changes"]
    assert [change.granted for change in history] == [False, True]
    page = text(response)
    assert "Withdrawn" in page
    assert "The attendee" in page
    assert "officer" in page


# --- Detail -----------------------------------------------------------------------------------


def known_attendance(contact: Contact) -> None:
    """Three sessions: one completed and verified, one ended after a denial and a GPS timeout,
    one still open after a denial; plus a verified check-out, which is not a check-in."""
    meeting = MeetingFactory(name="Tuesday group")
    completed = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED)
    SessionEventFactory(session=completed)
    SessionEventFactory(session=completed, type=EventType.CHECK_OUT)
    ended = SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.ENDED)
    SessionEventFactory(session=ended, location_flag=LocationFlag.DENIED)
    SessionEventFactory(session=ended, timed_out=True)
    open_session = SessionFactory(contact=contact, meeting=None, dest_name="Probation office")
    SessionEventFactory(session=open_session, location_flag=LocationFlag.DENIED)
    # Someone else's attendance never counts.
    SessionEventFactory()
    # Written outside the services, as legacy rows are: judged afterwards, as adoption does.
    judge_unjudged()


def test_detail_shows_attendance_totals(staff, contact):
    known_attendance(contact)

    response = staff.get(url("detail", contact))

    # Sessions by their stored outcome: the completed one checked out at once (partly attended,
    # never "verified"), the ended one never checked in at the place, the third still open.
    assert response.context["totals"] == {"sessions": 3, "attended": 0, "partial": 1, "not_verified": 1, "open": 1}
    page = text(response)
    assert "Tuesday group" in page
    assert "Probation office" in page
    assert "Completed (checked out)" in page


def test_detail_links_sessions_when_their_page_exists(staff, contact):
    session = SessionFactory(contact=contact)
    try:
        session_url = reverse("attendance:session", args=[session.pk])
    except NoReverseMatch:  # the attendance pages are not there yet: plain text, no broken link
        session_url = None
    page = staff.get(url("detail", contact)).content.decode()
    if session_url:
        assert f'href="{session_url}"' in page


@pytest.mark.parametrize("sessions", [1, 30])
def test_detail_runs_a_constant_number_of_queries(staff, contact, django_assert_max_num_queries, sessions):
    meeting = MeetingFactory()
    for _ in range(sessions):
        SessionEventFactory(session=SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED))
    contact.record_consent(True)
    with django_assert_max_num_queries(10):
        response = staff.get(url("detail", contact))
    assert len(response.context["sessions"]) == min(sessions, 20)
    assert response.context["totals"]["sessions"] == sessions
    if sessions > 20:
        assert "The latest 20 of 30 sessions." in text(response)


def test_detail_without_sessions_says_how_they_come(staff, contact):
    page = text(staff.get(url("detail", contact)))
    assert "No sessions yet." in page
    assert "No consent recorded yet." in page


def test_a_contacts_only_role_sees_no_attendance(client, staff_user_with, contact):
    known_attendance(contact)
    client.force_login(staff_user_with(VIEW))
    response = client.get(url("detail", contact))
    assert "totals" not in response.context
    assert "Tuesday group" not in text(response)


def test_detail_shows_the_audit_trail(staff, contact):
    staff.post(url("edit", contact), contact_form(first_name="Annie"))
    page = text(staff.get(url("detail", contact)))
    assert "first name: Ann → Annie" in page
    assert "officer" in page


def test_detail_dates_use_the_site_format(staff, contact, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    contact.created_at = dt.datetime(2026, 11, 25, 22, 5, tzinfo=dt.UTC)
    contact.save()
    assert "25 Nov 2026 14:05 PST" in text(staff.get(url("detail", contact)))


def test_unknown_contact_is_404(staff):
    assert staff.get(reverse("contacts:detail", args=["no-such-contact"])).status_code == 404


def test_detail_lists_refused_attempts_those_that_opened_no_session_too(staff, contact):
    meeting = MeetingFactory(name="Thursday group")
    RefusedAttempt.objects.create(
        contact=contact,
        meeting=meeting,
        type=EventType.CHECK_IN,
        code="check_in_not_open",
        detail="Check-in opens at 6:30 pm PST.",
        ts_client=timezone.now(),
        lat=45.5,
        lng=-122.6,
        accuracy=12,
    )
    RefusedAttempt.objects.create(  # someone else's
        contact=ContactFactory(), type=EventType.CHECK_IN, code="no_occurrence", detail="x", ts_client=timezone.now()
    )

    response = staff.get(url("detail", contact))

    assert [attempt.code for attempt in response.context["refused_attempts"]] == ["check_in_not_open"]
    page = text(response)
    assert "Check-in opens at 6:30 pm PST." in page
    assert "Thursday group" in page
