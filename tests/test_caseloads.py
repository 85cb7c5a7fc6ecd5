"""Caseloads (issue 18): a contact's case manager, and the lists that open on "my caseload"."""

import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.models import SessionStatus
from contacts.models import Contact
from core.history import changes_for
from tests.conftest import staff_api_with
from tests.factories import ContactFactory, SessionFactory, StaffUserFactory, UserFactory

pytestmark = pytest.mark.django_db

CONTACTS = reverse("contacts:list")
SESSIONS = reverse("attendance:sessions")
DASHBOARD = reverse("dashboard")
API = "/api/v1/contacts/"
VIEW, ADD, CHANGE = "contacts.view_contact", "contacts.add_contact", "contacts.change_contact"
PAGE_PERMISSIONS = (VIEW, ADD, CHANGE, "attendance.view_session", "meetings.view_meeting")


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def manager(db):
    return StaffUserFactory(username="mara", first_name="Mara", last_name="Lund", permissions=PAGE_PERMISSIONS)


@pytest.fixture
def colleague(db):
    return StaffUserFactory(username="cole", first_name="Cole", last_name="Brandt", permissions=PAGE_PERMISSIONS)


@pytest.fixture
def mine(manager):
    return ContactFactory(first_name="Mine", last_name="Onlyone", case_manager=manager, consent_granted=False)


@pytest.fixture
def theirs(colleague):
    return ContactFactory(first_name="Theirs", last_name="Other", case_manager=colleague, consent_granted=False)


def signed_in(client, user):
    client.force_login(user)
    return client


def names_listed(response) -> set[str]:
    return {contact.first_name for contact in response.context["page_obj"]}


# --- The rule: who may be assigned --------------------------------------------------------------


def test_an_active_staff_member_may_be_assigned(manager):
    contact = ContactFactory(case_manager=manager)
    contact.full_clean()
    assert manager.caseload.get() == contact


@pytest.mark.parametrize(
    "user_fields", [{"is_staff": False}, {"is_staff": True, "is_active": False}], ids=["not staff", "inactive"]
)
def test_only_active_staff_may_be_assigned(user_fields):
    user = UserFactory(**user_fields)
    contact = Contact(email="someone@example.org", case_manager=user)
    with pytest.raises(ValidationError) as raised:
        contact.full_clean(exclude=["password_hash"])
    assert list(raised.value.message_dict) == ["case_manager"]
    assert "active staff member" in raised.value.message_dict["case_manager"][0]


def test_a_case_manager_who_left_does_not_block_other_edits(manager):
    contact = ContactFactory(case_manager=manager)
    manager.is_active = False
    manager.save()
    contact = Contact.objects.get(pk=contact.pk)
    contact.notes = "Moved to the evening group."
    contact.full_clean(exclude=["password_hash"])  # unchanged assignment: not checked again


def test_a_case_manager_with_a_caseload_cannot_be_deleted(mine, manager):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        manager.delete()


# --- The staff pages: form, contact page, history ------------------------------------------------


def test_the_form_offers_active_staff_by_name(client, manager, colleague):
    UserFactory(username="not-staff", first_name="Nora", last_name="Public")
    StaffUserFactory(username="gone", first_name="Gina", last_name="Left", is_active=False)
    response = signed_in(client, manager).get(reverse("contacts:add"))
    choices = [label for _, label in response.context["form"].fields["case_manager"].choices]
    assert choices == ["(none)", "Cole Brandt", "Mara Lund"]
    assert "Case manager" in text(response)


def test_assigning_through_the_form_is_in_the_history_with_who_did_it(client, manager, colleague):
    contact = ContactFactory(first_name="Ann", last_name="Example", email="ann@example.org")
    data = {"first_name": "Ann", "last_name": "Example", "email": "ann@example.org", "phone": "", "notes": ""}
    signed_in(client, manager)
    response = client.post(reverse("contacts:edit", args=[contact.pk]), {**data, "case_manager": colleague.pk})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.case_manager == colleague
    client.post(reverse("contacts:edit", args=[contact.pk]), {**data, "case_manager": manager.pk})

    latest = changes_for(contact)[0]
    assert latest.who == "mara"
    assert [(item.field, item.old, item.new) for item in latest.fields] == [("case manager", "cole", "mara")]
    page = text(client.get(reverse("contacts:detail", args=[contact.pk])))
    assert "Case manager</dt><dd>Mara Lund" in page
    assert "case manager: cole → mara" in page


def test_the_form_refuses_someone_who_is_not_staff(client, manager):
    contact = ContactFactory()
    outsider = UserFactory()
    data = {"first_name": "A", "last_name": "B", "email": contact.email, "phone": "", "notes": ""}
    response = signed_in(client, manager).post(
        reverse("contacts:edit", args=[contact.pk]), {**data, "case_manager": outsider.pk}
    )
    assert response.status_code == 200
    assert "case_manager" in response.context["form"].errors
    contact.refresh_from_db()
    assert contact.case_manager is None


def test_the_form_keeps_a_case_manager_who_has_left(client, manager, colleague):
    contact = ContactFactory(case_manager=colleague)
    colleague.is_active = False
    colleague.save()
    data = {"first_name": "A", "last_name": "B", "email": contact.email, "phone": "", "notes": "x"}
    response = signed_in(client, manager).post(
        reverse("contacts:edit", args=[contact.pk]), {**data, "case_manager": colleague.pk}
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.case_manager == colleague
    assert contact.notes == "x"


# --- The lists: "my caseload" first, a switch to everyone's --------------------------------------


@pytest.mark.parametrize("url", [CONTACTS, SESSIONS], ids=["contacts", "sessions"])
def test_a_list_opens_on_my_caseload_and_switches_to_everyones(client, manager, mine, theirs, url):
    for contact in (mine, theirs):
        SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
    signed_in(client, manager)

    def listed(response) -> set[str]:
        if url == CONTACTS:
            return names_listed(response)
        return {session.contact.first_name for session in response.context["page_obj"]}

    default = client.get(url)
    assert listed(default) == {"Mine"}
    assert 'Showing <strong data-caseload="mine">My caseload</strong>' in text(default)
    assert 'href="?caseload=all"' in text(default)

    everyone = client.get(url, {"caseload": "all"})
    assert listed(everyone) == {"Mine", "Theirs"}
    assert 'data-caseload="all">Everyone\'s' in text(everyone)
    # The filter form keeps the choice when it is submitted.
    assert '<input type="hidden" name="caseload" value="all">' in text(everyone)

    assert listed(client.get(url, {"caseload": "mine"})) == {"Mine"}
    assert listed(client.get(url, {"caseload": "nonsense"})) == {"Mine"}


@pytest.mark.parametrize("url", [CONTACTS, SESSIONS], ids=["contacts", "sessions"])
def test_staff_without_a_caseload_see_everyones(client, mine, theirs, url):
    for contact in (mine, theirs):
        SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
    newcomer = StaffUserFactory(permissions=PAGE_PERMISSIONS)
    response = signed_in(client, newcomer).get(url)
    assert response.context["caseload"].mine is False
    assert response.context["page_obj"].paginator.count == 2
    assert "no contacts are assigned to you" in text(response)
    # Asked for explicitly, "mine" is empty rather than everyone's.
    assert signed_in(client, newcomer).get(url, {"caseload": "mine"}).context["page_obj"].paginator.count == 0


def test_the_sessions_of_one_contact_show_whoevers_they_are(client, manager, mine, theirs):
    SessionFactory(contact=theirs, status=SessionStatus.COMPLETED)
    response = signed_in(client, manager).get(SESSIONS, {"contact": theirs.pk})
    assert response.context["page_obj"].paginator.count == 1


def test_pagination_keeps_the_choice(client, manager, colleague):
    ContactFactory.create_batch(51, case_manager=colleague)
    ContactFactory(case_manager=manager)
    response = signed_in(client, manager).get(CONTACTS, {"caseload": "all"})
    assert 'href="?caseload=all&amp;page=2"' in response.content.decode()


@pytest.mark.parametrize("count", [3, 30])
def test_my_caseload_takes_a_constant_number_of_queries(client, manager, count, django_assert_max_num_queries):
    for contact in ContactFactory.create_batch(count, case_manager=manager):
        SessionFactory(contact=contact, status=SessionStatus.COMPLETED)
    signed_in(client, manager)
    # Session, user, permissions, whether the user has a caseload, the count, the ids, the rows.
    with django_assert_max_num_queries(8):
        assert client.get(CONTACTS).context["page_obj"].paginator.count == count
    with django_assert_max_num_queries(10):
        assert client.get(SESSIONS).context["page_obj"].paginator.count == count


# --- The dashboard -------------------------------------------------------------------------------


def test_the_dashboard_opens_on_my_caseload(client, manager, mine, theirs):
    SessionFactory(contact=mine)
    SessionFactory(contact=theirs)
    signed_in(client, manager)
    overview = client.get(DASHBOARD).context["overview"]
    assert [contact.first_name for contact in overview.without_consent] == ["Mine"]
    assert [session.contact.first_name for session in overview.open_sessions] == ["Mine"]
    assert overview.open_session_count == 1
    assert all("caseload=mine" in row.week_query for row in overview.outcomes)

    everyone = client.get(DASHBOARD, {"caseload": "all"})
    overview = everyone.context["overview"]
    assert {contact.first_name for contact in overview.without_consent} == {"Mine", "Theirs"}
    assert overview.open_session_count == 2
    assert all("caseload=all" in row.week_query for row in overview.outcomes)
    assert 'data-caseload="all"' in text(everyone)


def test_the_dashboard_of_staff_without_a_caseload_is_everyones(client, mine, theirs):
    response = signed_in(client, StaffUserFactory(permissions=PAGE_PERMISSIONS)).get(DASHBOARD)
    assert response.context["overview"].without_consent_count == 2


def test_the_dashboard_asks_nothing_about_caseloads_of_those_who_see_no_contacts(client, mine):
    response = signed_in(client, StaffUserFactory(permissions=("meetings.view_meeting",))).get(DASHBOARD)
    assert response.context["caseload"] is None
    assert "caseload-switch" not in text(response)


# --- Who may see and assign ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [CONTACTS, SESSIONS, DASHBOARD])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url, {"caseload": "all"})
    assert response.status_code == 302
    assert "login" in response["Location"]


@pytest.mark.parametrize("url", [CONTACTS, SESSIONS])
def test_staff_without_the_permission_are_refused(client, url):
    response = signed_in(client, StaffUserFactory(permissions=("meetings.view_meeting",))).get(url)
    assert response.status_code == 403


def test_staff_who_may_only_view_cannot_open_the_form(client, mine):
    viewer = StaffUserFactory(permissions=(VIEW,))
    signed_in(client, viewer)
    assert client.get(CONTACTS).status_code == 200
    assert client.get(reverse("contacts:edit", args=[mine.pk])).status_code == 403
    assert client.post(reverse("contacts:edit", args=[mine.pk]), {"case_manager": viewer.pk}).status_code == 403


# --- The API -------------------------------------------------------------------------------------


def test_the_api_shows_the_case_manager(manager, mine):
    body = staff_api_with(VIEW).get(f"{API}{mine.pk}/").json()
    assert body["case_manager_id"] == manager.pk
    assert body["case_manager_name"] == "Mara Lund"


def test_the_api_assigns_and_unassigns(manager, colleague, mine):
    api = staff_api_with(VIEW, CHANGE)
    response = api.patch(f"{API}{mine.pk}/", {"case_manager_id": colleague.pk}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["case_manager_name"] == "Cole Brandt"
    assert api.patch(f"{API}{mine.pk}/", {"case_manager_id": None}, format="json").json()["case_manager_id"] is None
    mine.refresh_from_db()
    assert mine.case_manager is None
    assert [record.case_manager_id for record in mine.history.order_by("history_id")][-2:] == [colleague.pk, None]


@pytest.mark.parametrize("who", ["not staff", "inactive staff", "no such user", "a string"])
def test_the_api_refuses_anyone_but_active_staff_naming_the_field(mine, who):
    value = {
        "not staff": lambda: UserFactory().pk,
        "inactive staff": lambda: StaffUserFactory(is_active=False).pk,
        "no such user": lambda: 987654,
        "a string": lambda: "mara",
    }[who]()
    response = staff_api_with(VIEW, CHANGE).patch(f"{API}{mine.pk}/", {"case_manager_id": value}, format="json")
    assert response.status_code == 400
    assert "case_manager_id" in str(response.json())


def test_assigning_on_create_needs_the_change_permission(manager):
    new = {"email": "new@example.org", "case_manager_id": manager.pk}
    assert staff_api_with(VIEW, ADD).post(API, new, format="json").status_code == 403
    response = staff_api_with(VIEW, ADD, CHANGE).post(API, new, format="json")
    assert response.status_code == 201
    assert response.json()["case_manager_id"] == manager.pk


def test_a_viewer_cannot_assign(manager, mine):
    response = staff_api_with(VIEW).patch(f"{API}{mine.pk}/", {"case_manager_id": manager.pk}, format="json")
    assert response.status_code == 403


def test_the_api_filters_by_case_manager(manager, colleague, mine, theirs):
    from access.models import ApiToken
    from tests.conftest import bearer_client

    _, raw = ApiToken.issue(user=manager, name="tests")
    api = bearer_client(raw)

    def emails(query: dict) -> set[str]:
        response = api.get(API, query)
        assert response.status_code == 200, response.json()
        return {row["email"] for row in response.json()["results"]}

    assert emails({"case_manager": "me"}) == {mine.email}
    assert emails({"case_manager": colleague.pk}) == {theirs.email}
    assert emails({}) == {mine.email, theirs.email}


@pytest.mark.parametrize("value", ["someone", "-1", "1.5", "٣", "99999999999"])
def test_a_bad_case_manager_filter_is_a_400_naming_it(staff_api, value):
    response = staff_api.get(API, {"case_manager": value})
    assert response.status_code == 400
    assert "case_manager" in str(response.json())


def test_the_api_list_reads_case_managers_in_the_same_queries(staff_api, manager, django_assert_max_num_queries):
    ContactFactory.create_batch(3, case_manager=manager)
    with django_assert_max_num_queries(20) as few:
        staff_api.get(API)
    ContactFactory.create_batch(12, case_manager=StaffUserFactory())
    with django_assert_max_num_queries(len(few)):
        staff_api.get(API)


def test_an_attendee_sees_no_staff_ids(attendee_api, attendee, manager):
    attendee.case_manager = manager
    attendee.save()
    body = attendee_api.get("/api/v1/me/").json()
    assert not {key for key in body if key.startswith("case_manager")}
    assert str(manager.pk) not in {str(value) for value in body.values()}
