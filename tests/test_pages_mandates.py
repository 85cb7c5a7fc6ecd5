"""The staff pages for mandates (README: "Mandates and compliance"): the list with its filters
and caseload switch, a mandate's page, creating, changing, ending early and deleting one
through the services, the contact page's section, the dashboard's two panels, and who may do
what. Times are December 2026 in Portland, with the clock moved (time_machine)."""

import datetime as dt
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attendance.models import SessionStatus
from mandates import counting, services
from mandates.models import Mandate
from mandates.services import Terms
from meetings.models import MeetingKind
from policies.models import Jurisdiction
from tests.factories import ContactFactory, MeetingFactory, SessionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")
DASH = "\N{EN DASH}"
VIEW, ADD, CHANGE, DELETE = (
    "mandates.view_mandate",
    "mandates.add_mandate",
    "mandates.change_mandate",
    "mandates.delete_mandate",
)
MANAGER = (VIEW, ADD, CHANGE, DELETE, "contacts.view_contact", "mandates.add_courtreport")
READ_ONLY = (VIEW, "contacts.view_contact", "mandates.view_courtreport")


def pst(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=PACIFIC)


@pytest.fixture
def court():
    return Jurisdiction.objects.create(
        name="Multnomah County Circuit Court", kind="court", time_zone="America/Los_Angeles"
    )


@pytest.fixture
def manager():
    return StaffUserFactory(permissions=MANAGER, first_name="Maria", last_name="Lopez")


@pytest.fixture
def hope():
    meeting = MeetingFactory(name="Hope Group", time_zone="America/Los_Angeles", start_time=pst(1, 19))
    meeting.kinds.set([MeetingKind.objects.get(slug="aa")])
    return meeting


@pytest.fixture
def smart():
    meeting = MeetingFactory(name="SMART afternoons", time_zone="America/Los_Angeles", start_time=pst(1, 16))
    meeting.kinds.set([MeetingKind.objects.get(slug="smart")])
    return meeting


def order(contact, court, *, by=None, **terms) -> Mandate:
    values = {
        "case_number": "CR-2026-0012",
        "required_count": 3,
        "period": "week",
        "starts_on": dt.date(2026, 12, 1),
        "ends_on": dt.date(2026, 12, 28),
        "jurisdiction": court,
    } | terms
    return services.create(contact, Terms(**values), by=by)


def session(contact, meeting, day: int, *, outcome: str = "attended", reasons: str = "", hour: int = 19):
    """A closed session at `meeting` on `day` judged `outcome`, then the contact's mandates
    recounted (as attendance.signals.session_judged does)."""
    start = pst(day, hour)
    with time_machine.travel(start, tick=False):
        made = SessionFactory(
            contact=contact,
            meeting=meeting,
            status=SessionStatus.COMPLETED,
            outcome=outcome,
            outcome_reasons=reasons,
            occurrence_start=start,
            occurrence_end=start + dt.timedelta(hours=1),
        )
    for mandate in Mandate.objects.filter(contact=contact):
        counting.recount(mandate.pk)
    return made


def text(response) -> str:
    """The page's text with tags removed and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- The list --------------------------------------------------------------------------------


def test_the_list_opens_on_my_caseload_with_the_switch(client, manager, court):
    mine = ContactFactory(first_name="Ana", case_manager=manager)
    other = ContactFactory(first_name="Ben")
    order(mine, court, case_number="CR-MINE")
    order(other, court, case_number="CR-OTHER")
    client.force_login(manager)

    with time_machine.travel(pst(3, 12), tick=False):
        page = text(client.get(reverse("mandates:list")))
        everyone = text(client.get(reverse("mandates:list"), {"caseload": "all"}))

    assert "My caseload" in page
    assert "CR-MINE" in page
    assert "CR-OTHER" not in page
    assert "CR-MINE" in everyone
    assert "CR-OTHER" in everyone


def test_the_list_shows_each_mandate_in_words(client, manager, court, hope):
    ana = ContactFactory(first_name="Ana", last_name="Diaz", case_manager=manager)
    mandate = order(ana, court)
    session(ana, hope, 1)
    session(ana, hope, 2)
    client.force_login(manager)

    # Thursday 3 December at noon: 2 of 3 in the first week, on track.
    with time_machine.travel(pst(3, 12), tick=False):
        page = text(client.get(reverse("mandates:list")))

    assert "Ana Diaz" in page
    assert "CR-2026-0012" in page
    assert "Multnomah County Circuit Court" in page
    assert "3 meetings per week" in page
    assert "2 of 3 this week, on track" in page
    assert "Compliant" in page
    assert reverse("mandates:detail", args=[mandate.pk]) in client.get(reverse("mandates:list")).content.decode()


@pytest.fixture
def four_states(court, hope, manager):
    """At noon on Friday 11 December: Ana compliant (met week 1, 2 of 3 in week 2), Ben at risk
    (met week 1, none in week 2), Cleo non-compliant (missed week 1), Dev completed (a one-week
    order met)."""
    ana, ben, cleo, dev = (
        ContactFactory(first_name=name, case_manager=manager) for name in ("Ana", "Ben", "Cleo", "Dev")
    )
    order(ana, court, case_number="CR-ANA")
    order(ben, court, case_number="CR-BEN")
    order(cleo, court, case_number="CR-CLEO")
    order(dev, court, case_number="CR-DEV", ends_on=dt.date(2026, 12, 7))
    for day in (1, 2, 3, 8, 9):
        session(ana, hope, day)
    for day in (1, 2, 3):
        session(ben, hope, day)
        session(dev, hope, day)
    session(cleo, hope, 1)
    return pst(11, 12)


@pytest.mark.parametrize(
    ("status", "shown"),
    [
        ("compliant", {"CR-ANA"}),
        ("at_risk", {"CR-BEN"}),
        ("non_compliant", {"CR-CLEO"}),
        ("completed", {"CR-DEV"}),
        ("", {"CR-ANA", "CR-BEN", "CR-CLEO", "CR-DEV"}),
    ],
)
def test_the_status_filter(client, manager, four_states, status, shown):
    client.force_login(manager)
    with time_machine.travel(four_states, tick=False):
        page = text(client.get(reverse("mandates:list"), {"status": status}))
    assert {name for name in ("CR-ANA", "CR-BEN", "CR-CLEO", "CR-DEV") if name in page} == shown


def test_the_other_filters(client, manager, court, hope):
    other_manager = StaffUserFactory(first_name="Omar")
    ana = ContactFactory(case_manager=manager)
    ben = ContactFactory(case_manager=other_manager)
    order(ana, court, case_number="CR-AA", kinds=[MeetingKind.objects.get(slug="aa")])
    order(ben, court, case_number="CR-SOON", ends_on=dt.date(2026, 12, 14))
    order(ana, court, case_number="DUI-77", starts_on=dt.date(2026, 11, 1), ends_on=dt.date(2027, 3, 1))
    client.force_login(manager)

    def listed(**query) -> set[str]:
        with time_machine.travel(pst(3, 12), tick=False):
            page = text(client.get(reverse("mandates:list"), {"caseload": "all", **query}))
        return {name for name in ("CR-AA", "CR-SOON", "DUI-77") if name in page}

    assert listed(kind="aa") == {"CR-AA"}
    assert listed(kind="no-such-kind") == set()
    assert listed(case_manager=other_manager.pk) == {"CR-SOON"}
    assert listed(case_manager=999999) == set()
    # 28 December is 25 days away on the 3rd, 14 December 11 days.
    assert listed(ending_soon="yes") == {"CR-SOON"}
    assert listed(q="dui") == {"DUI-77"}
    assert listed(contact=ana.pk) == {"CR-AA", "DUI-77"}
    assert listed(status="nonsense") == {"CR-AA", "CR-SOON", "DUI-77"}


def test_a_contacts_list_opens_on_everyone_s(client, manager, court):
    """From a contact's page: their mandates, whoever manages them."""
    ben = ContactFactory(first_name="Ben")
    order(ben, court, case_number="CR-BEN")
    client.force_login(manager)
    page = text(client.get(reverse("mandates:list"), {"contact": ben.pk}))
    assert "CR-BEN" in page
    assert f"Mandates of {ben}" in page


def test_the_dashboard_panels_link_to_the_list_filtered(client, manager, four_states):
    client.force_login(manager)
    with time_machine.travel(four_states, tick=False):
        behind = text(client.get(reverse("mandates:list"), {"attention": "behind"}))
        missed = text(client.get(reverse("mandates:list"), {"attention": "missed_last"}))
    assert "CR-BEN" in behind
    assert "CR-ANA" not in behind
    assert "CR-CLEO" in missed
    assert "CR-BEN" not in missed


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_runs_a_fixed_number_of_queries(rows, client, manager, court, hope, django_assert_max_num_queries):
    kind = MeetingKind.objects.get(slug="aa")
    for n in range(rows):
        contact = ContactFactory(case_manager=manager)
        order(contact, court, case_number=f"CR-{n:04}", kinds=[kind], meetings=[hope])
    client.force_login(manager)
    with time_machine.travel(pst(3, 12), tick=False):
        client.get(reverse("mandates:list"))  # the permissions, cached on the user
        with django_assert_max_num_queries(15) as captured:
            response = client.get(reverse("mandates:list"), {"status": "at_risk", "kind": "aa", "caseload": "mine"})
    assert response.status_code == 200
    assert text(response).count("3 meetings per week") == rows
    # Not one more query per row.
    assert len(captured) <= 15


def test_the_list_pages(client, manager, court):
    from staff.views.mandates import PAGE_SIZE

    contact = ContactFactory(case_manager=manager)
    for n in range(PAGE_SIZE + 1):
        order(contact, court, case_number=f"CR-{n:04}")
    client.force_login(manager)
    first = text(client.get(reverse("mandates:list")))
    second = text(client.get(reverse("mandates:list"), {"page": 2}))
    assert f"{PAGE_SIZE + 1} mandates" in first
    assert "Page 1 of 2" in first
    assert "Page 2 of 2" in second


# --- A mandate's page ------------------------------------------------------------------------


def test_the_mandate_page(client, manager, court, hope, smart):
    ana = ContactFactory(first_name="Ana", case_manager=manager)
    mandate = order(ana, court, kinds=[MeetingKind.objects.get(slug="aa")], notes="Judge Ortiz, 1 Dec.", by=manager)
    counted = [session(ana, hope, day) for day in (1, 2)]
    at_smart = session(ana, smart, 2, hour=16)
    left_early = session(ana, hope, 3, outcome="partial", reasons="left_early")
    client.force_login(manager)

    with time_machine.travel(pst(3, 21), tick=False):
        response = client.get(reverse("mandates:detail", args=[mandate.pk]))
    page, html = text(response), response.content.decode()

    assert "Mandate CR-2026-0012" in page
    assert "Multnomah County Circuit Court" in page
    assert "3 meetings per week" in page
    assert "Alcoholics Anonymous meetings" in page
    assert "America/Los_Angeles" in page
    assert "Judge Ortiz, 1 Dec." in page
    assert "2 of 3 this week, on track" in page
    # Four weeks, the first running.
    assert f"Tue 1 Dec {DASH} Mon 7 Dec 2026" in page
    assert f"Tue 22 Dec {DASH} Mon 28 Dec 2026" in page
    for made in counted:
        assert reverse("attendance:session", args=[made.pk]) in html
    assert re.search(rf'data-why="{at_smart.pk}">\s*Not a qualifying meeting', html)
    assert re.search(rf'data-why="{left_early.pk}">\s*Not attended: partly attended', html)
    assert "Left early" in page
    assert "History" in page
    assert "Created" in page
    for name in ("edit", "end", "delete", "report"):
        assert reverse(f"mandates:{name}", args=[mandate.pk]) in html


def test_a_rolling_mandate_shows_its_worst_window_and_the_running_one(client, manager, court, hope):
    ana = ContactFactory(case_manager=manager)
    mandate = order(ana, court, period="rolling", required_count=2, rolling_days=7, ends_on=dt.date(2026, 12, 20))
    session(ana, hope, 9)
    session(ana, hope, 10)
    client.force_login(manager)
    with time_machine.travel(pst(11, 12), tick=False):
        page = text(client.get(reverse("mandates:detail", args=[mandate.pk])))
    assert "2 meetings in any 7 days" in page
    assert "Worst window" in page
    assert "Missed" in page
    assert "Running now" in page
    assert "The worst window is shown, with the one running now." in page


def test_a_reviewer_reads_without_links_to_change(client, court):
    reviewer = StaffUserFactory(permissions=READ_ONLY)
    mandate = order(ContactFactory(), court)
    client.force_login(reviewer)
    html = client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
    for name in ("edit", "end", "delete", "report"):
        assert reverse(f"mandates:{name}", args=[mandate.pk]) not in html
    for name in ("edit", "end", "delete"):
        assert client.get(reverse(f"mandates:{name}", args=[mandate.pk])).status_code == 403
    assert client.get(reverse("mandates:create"), {"contact": mandate.contact_id}).status_code == 403


def test_an_unknown_mandate_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("mandates:detail", args=["nope"])).status_code == 404


# --- Who may open what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "permissions", "method"),
    [
        ("mandates:list", (VIEW,), "get"),
        ("mandates:detail", (VIEW,), "get"),
        ("mandates:create", (VIEW, ADD), "get"),
        ("mandates:edit", (VIEW, CHANGE), "get"),
        ("mandates:end", (VIEW, CHANGE), "get"),
        ("mandates:delete", (VIEW, DELETE), "get"),
        ("mandates:edit", (VIEW, CHANGE), "post"),
        ("mandates:end", (VIEW, CHANGE), "post"),
        ("mandates:delete", (VIEW, DELETE), "post"),
    ],
)
def test_every_page_checks_its_permissions(name, permissions, method, assert_staff_only, court):
    mandate = order(ContactFactory(), court)
    if name == "mandates:list":
        url = reverse(name)
    elif name == "mandates:create":
        url = f"{reverse(name)}?contact={mandate.contact_id}"
    else:
        url = reverse(name, args=[mandate.pk])
    # Posts with nothing: the form again (200), never a change; a delete is allowed (302).
    allowed = 302 if (name, method) == ("mandates:delete", "post") else 200
    assert_staff_only(url, *permissions, method=method, allowed_status=allowed)


# --- Create, change, end early, delete ---------------------------------------------------------


def terms_form(court, **changes) -> dict:
    return {
        "case_number": "CR-2026-0099",
        "jurisdiction": court.pk,
        "required_count": "3",
        "period": "week",
        "rolling_days": "",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-28",
        "notes": "",
    } | changes


def test_create_from_the_contact_page(client, manager, court, hope):
    ana = ContactFactory(first_name="Ana", case_manager=manager)
    client.force_login(manager)
    contact_page = client.get(reverse("contacts:detail", args=[ana.pk])).content.decode()
    url = f"{reverse('mandates:create')}?contact={ana.pk}"
    assert url in contact_page

    aa = MeetingKind.objects.get(slug="aa")
    response = client.post(url, terms_form(court, kinds=[aa.pk], meetings=[hope.pk]))

    mandate = Mandate.objects.get(case_number="CR-2026-0099")
    assert response.status_code == 302
    assert response["Location"] == reverse("mandates:detail", args=[mandate.pk])
    assert mandate.contact == ana
    assert mandate.created_by == manager
    assert mandate.jurisdiction == court
    assert list(mandate.meeting_kinds.all()) == [aa]
    assert list(mandate.meetings.all()) == [hope]
    assert mandate.periods.count() == 4


def test_create_without_a_contact_is_400(client, manager):
    client.force_login(manager)
    assert client.get(reverse("mandates:create")).status_code == 400
    assert client.get(reverse("mandates:create"), {"contact": "nobody"}).status_code == 400


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"required_count": "0"}, "required_count", "At least one meeting must be required."),
        ({"ends_on": "2026-11-01"}, "ends_on", "The mandate cannot end before it starts."),
        ({"period": "rolling"}, "rolling_days", "A rolling requirement needs its number of days."),
        ({"rolling_days": "30"}, "rolling_days", "Days apply only to a rolling requirement."),
        ({"period": "rolling", "rolling_days": "60"}, "rolling_days", "is longer than the mandate"),
        ({"case_number": "   "}, "case_number", ""),
        ({"period": "fortnight"}, "period", "Select a valid choice."),
        ({"starts_on": "someday"}, "starts_on", "Enter a valid date."),
    ],
)
def test_refused_terms_are_shown_on_their_field(client, manager, court, changes, field, message):
    ana = ContactFactory()
    client.force_login(manager)
    response = client.post(f"{reverse('mandates:create')}?contact={ana.pk}", terms_form(court, **changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert message in " ".join(response.context["form"].errors[field])
    assert not Mandate.objects.exists()


def test_edit_changes_the_terms_and_recounts(client, manager, court, hope):
    ana = ContactFactory(case_manager=manager)
    mandate = order(ana, court)
    session(ana, hope, 1)
    session(ana, hope, 2)
    client.force_login(manager)
    url = reverse("mandates:edit", args=[mandate.pk])
    form = client.get(url).context["form"]
    assert form["case_number"].value() == "CR-2026-0012"

    with time_machine.travel(pst(3, 12), tick=False):
        response = client.post(url, terms_form(court, case_number="CR-2026-0012", required_count="2"))
        page = text(client.get(reverse("mandates:detail", args=[mandate.pk])))

    assert response.status_code == 302
    mandate.refresh_from_db()
    assert mandate.required_count == 2
    assert "2 of 2 this week, met" in page
    assert "required count" in page.lower() or "meetings required" in page.lower()  # the history


def test_edit_refusal_names_the_field(client, manager, court):
    mandate = order(ContactFactory(), court)
    client.force_login(manager)
    response = client.post(reverse("mandates:edit", args=[mandate.pk]), terms_form(court, required_count="0"))
    assert "required_count" in response.context["form"].errors
    mandate.refresh_from_db()
    assert mandate.required_count == 3


def test_end_early(client, manager, court, hope):
    ana = ContactFactory(case_manager=manager)
    mandate = order(ana, court)
    client.force_login(manager)
    url = reverse("mandates:end", args=[mandate.pk])

    with time_machine.travel(pst(10, 12), tick=False):
        missing_reason = client.post(url, {"ended_on": "2026-12-10", "reason": ""})
        outside = client.post(url, {"ended_on": "2027-01-10", "reason": "Dismissed"})
        done = client.post(url, {"ended_on": "2026-12-10", "reason": "Case dismissed on 10 December."})
        page = text(client.get(reverse("mandates:detail", args=[mandate.pk])))
        again = client.post(url, {"ended_on": "2026-12-11", "reason": "Twice"})

    assert "reason" in missing_reason.context["form"].errors
    assert "The last day must be between 2026-12-01 and 2026-12-28." in outside.context["form"].errors["ended_on"]
    assert done.status_code == 302
    mandate.refresh_from_db()
    assert mandate.ended_on == dt.date(2026, 12, 10)
    assert mandate.ended_by == manager
    assert "Case dismissed on 10 December." in page
    assert "Ended early" in page
    assert "This mandate has already ended early." in again.context["form"].errors["ended_on"]


def test_delete_before_any_period_passed(client, manager, court):
    ana = ContactFactory()
    mandate = order(ana, court)
    client.force_login(manager)
    with time_machine.travel(pst(3, 12), tick=False):
        assert (
            reverse("mandates:delete", args=[mandate.pk])
            in client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
        )
        response = client.post(reverse("mandates:delete", args=[mandate.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("contacts:detail", args=[ana.pk])
    assert not Mandate.objects.exists()


def test_delete_is_refused_once_a_period_passed(client, manager, court):
    mandate = order(ContactFactory(), court)
    client.force_login(manager)
    with time_machine.travel(pst(9, 12), tick=False):
        detail = client.get(reverse("mandates:detail", args=[mandate.pk])).content.decode()
        page = client.get(reverse("mandates:delete", args=[mandate.pk]))
        refused = client.post(reverse("mandates:delete", args=[mandate.pk]))
    assert reverse("mandates:delete", args=[mandate.pk]) not in detail
    assert "cannot be deleted" in text(page)
    assert reverse("mandates:end", args=[mandate.pk]) in page.content.decode()
    assert refused.status_code == 409
    assert Mandate.objects.filter(pk=mandate.pk).exists()


# --- The contact page and the dashboard -----------------------------------------------------------


def test_the_contact_page_says_where_each_mandate_stands(client, manager, court, hope):
    ana = ContactFactory(first_name="Ana", case_manager=manager)
    first = order(ana, court)
    order(ana, court, case_number="DUI-77", required_count=1, period="month", ends_on=dt.date(2026, 12, 31))
    session(ana, hope, 1)
    session(ana, hope, 2)
    client.force_login(manager)
    with time_machine.travel(pst(3, 12), tick=False):
        response = client.get(reverse("contacts:detail", args=[ana.pk]))
    page = text(response)
    assert "CR-2026-0012 : 2 of 3 this week, on track" in page
    assert "DUI-77 : 2 of 1 this month, met" in page
    assert reverse("mandates:detail", args=[first.pk]) in response.content.decode()


def test_the_contact_page_s_section_needs_the_permission(client, court):
    ana = ContactFactory()
    order(ana, court)
    client.force_login(StaffUserFactory(permissions=["contacts.view_contact"]))
    page = text(client.get(reverse("contacts:detail", args=[ana.pk])))
    assert "CR-2026-0012" not in page
    assert "Mandates" not in page


def test_the_contact_page_s_section_costs_the_same_whatever_the_number(client, manager, court):
    ana = ContactFactory(case_manager=manager)
    order(ana, court, case_number="CR-0")
    client.force_login(manager)
    url = reverse("contacts:detail", args=[ana.pk])
    client.get(url)  # the permissions, cached on the user
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(1, 8):
        order(ana, court, case_number=f"CR-{n}")
    with CaptureQueriesContext(connection) as eight:
        page = text(client.get(url))
    assert "CR-7" in page
    assert len(eight) == len(one)


def test_the_dashboard_panels(client, manager, four_states):
    client.force_login(manager)
    with time_machine.travel(four_states, tick=False):
        response = client.get(reverse("dashboard"))
    page, html = text(response), response.content.decode()
    # Cleo, who missed week 1, is behind in week 2 too.
    assert re.search(r"Behind this week 2 ", page)
    assert "Ben" in page
    assert "CR-BEN : 0 of 3 this week, behind" in page
    assert re.search(r"Missed last period 1 ", page)
    assert "CR-CLEO : 1 of 3 in the period ending 7 Dec 2026" in page
    assert f"{reverse('mandates:list')}?attention=behind&amp;caseload=mine" in html
    assert f"{reverse('mandates:list')}?attention=missed_last&amp;caseload=mine" in html


def test_the_dashboard_panels_honour_the_caseload(client, court, hope, four_states):
    other = StaffUserFactory(permissions=MANAGER)
    ContactFactory(case_manager=other)  # so that "my caseload" is theirs
    client.force_login(other)
    with time_machine.travel(four_states, tick=False):
        mine = text(client.get(reverse("dashboard")))
        everyone = text(client.get(reverse("dashboard"), {"caseload": "all"}))
    assert "Behind this week 0 " in mine
    assert "No mandate in your caseload is behind." in mine
    assert "Behind this week 2 " in everyone
    assert "Missed last period 1 " in everyone


def test_the_dashboard_panels_need_the_permission(client, four_states):
    client.force_login(StaffUserFactory(permissions=["contacts.view_contact"]))
    with time_machine.travel(four_states, tick=False):
        page = text(client.get(reverse("dashboard")))
    assert "Behind this week" not in page


def test_the_navigation_links_mandates_for_those_who_may_see_them(client, manager):
    client.force_login(manager)
    assert f'<a href="{reverse("mandates:list")}"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(StaffUserFactory(permissions=["contacts.view_contact"]))
    assert f'<a href="{reverse("mandates:list")}"' not in client.get(reverse("dashboard")).content.decode()


@pytest.mark.parametrize("rows", [2, 14])
def test_the_dashboard_s_queries_do_not_grow_with_mandates(rows, client, court, hope, django_assert_max_num_queries):
    """The dashboard's bound (tests/test_dashboard.py: 17) plus the two panels' six queries: a
    count and a list each, the running periods of the mandates shown, and the missed ones' last
    periods."""
    user = StaffUserFactory(
        permissions=("meetings.view_meeting", "contacts.view_contact", "attendance.view_session", VIEW)
    )
    for n in range(rows):
        contact = ContactFactory(case_manager=user)
        order(contact, court, case_number=f"CR-{n}")
    client.force_login(user)
    with time_machine.travel(pst(11, 12), tick=False), django_assert_max_num_queries(23):
        page = text(client.get(reverse("dashboard")))
    assert f"Behind this week {rows} " in page
    assert f"Missed last period {rows} " in page
