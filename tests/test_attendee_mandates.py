"""The attendee's court orders on their phone: the home page and GET /api/v1/me/mandates/ say
the same thing in plain words ("This week: 2 of 3 meetings. Next: Thursday 7:00 pm PST, Hope
Group"), from mandates.progress. December 2026 in Portland, as in tests/test_mandate_month.py."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from access.models import ApiToken
from mandates import services as mandates
from mandates.services import Terms
from meetings.models import MeetingKind
from meetings.services import cancel_occurrence
from tests.conftest import bearer_client, sign_in_attendee
from tests.factories import ContactFactory, MeetingFactory, StaffUserFactory
from tests.test_mandate_month import PORTLAND, attend, court, hope, pst, smart  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

URL = "/api/v1/me/mandates/"
FIELDS = {
    "id",
    "case_number",
    "requirement",
    "starts_on",
    "ends_on",
    "status",
    "status_words",
    "current",
    "summary",
    "next_meeting",
}


@pytest.fixture
def thursdays(db):
    """Hope Group on Thursdays, 7:00-8:30 pm, from Thursday 3 December."""
    meeting = MeetingFactory(
        name="Hope Group",
        lat=PORTLAND[0],
        lng=PORTLAND[1],
        time_zone="America/Los_Angeles",
        start_time=pst(3, 19),
        end_time=pst(3, 20, 30),
        recurrence="FREQ=WEEKLY",
    )
    meeting.kinds.set([MeetingKind.objects.get(slug="aa")])
    return meeting


@pytest.fixture
def ana(db):
    return ContactFactory(consenting=True, first_name="Ana")


def order(contact, court, **terms):  # noqa: F811
    values = {"case_number": "CR-2026-01234", "required_count": 3, "period": "week", "jurisdiction": court}
    values |= {"starts_on": dt.date(2026, 12, 1), "ends_on": dt.date(2026, 12, 28)} | terms
    with time_machine.travel(pst(1, 0), tick=False):
        return mandates.create(contact, Terms(**values), by=StaffUserFactory())


def mine(contact, when: dt.datetime) -> list[dict]:
    client = bearer_client(ApiToken.issue(contact=contact)[1])
    with time_machine.travel(when, tick=False):
        response = client.get(URL)
    assert response.status_code == 200, response.content
    return response.json()


def home(client, contact, when: dt.datetime) -> str:
    with time_machine.travel(when, tick=False):
        sign_in_attendee(client, contact)
        response = client.get(reverse("attendee:home"))
    assert response.status_code == 200
    return " ".join(response.content.decode().split())


# --- GET /api/v1/me/mandates/ ----------------------------------------------------------------------


def test_the_attendee_reads_progress_and_the_next_meeting(ana, court, thursdays):  # noqa: F811
    mandate = order(ana, court, meetings=[thursdays], required_count=1)

    [answer] = mine(ana, pst(1, 10))

    assert set(answer) == FIELDS
    assert answer["id"] == str(mandate.pk)
    assert (answer["case_number"], answer["requirement"]) == ("CR-2026-01234", "1 meeting per week")
    assert (answer["status"], answer["status_words"]) == ("compliant", "You are on track.")
    assert answer["current"] == {
        "start": "2026-12-01",
        "end": "2026-12-07",
        "required": 1,
        "attended": 0,
        "status": "on_track",
    }
    assert answer["summary"] == "This week: 0 of 1 meeting."
    assert answer["next_meeting"] == {
        "name": "Hope Group",
        "starts_at": "2026-12-03T19:00:00-08:00",
        "label": "Thursday 7:00 pm PST",
    }


def test_the_next_meeting_today_tomorrow_and_next_week(ana, court, thursdays):  # noqa: F811
    order(ana, court, meetings=[thursdays])
    assert mine(ana, pst(3, 9))[0]["next_meeting"]["label"] == "Today 7:00 pm PST"
    assert mine(ana, pst(2, 9))[0]["next_meeting"]["label"] == "Tomorrow 7:00 pm PST"
    # Started: the next one is a week on.
    assert mine(ana, pst(3, 19, 5))[0]["next_meeting"]["label"] == "Thursday 10 December 7:00 pm PST"
    # A cancelled occurrence is not offered.
    cancel_occurrence(thursdays, dt.date(2026, 12, 10), "Venue closed")
    assert mine(ana, pst(3, 19, 5))[0]["next_meeting"]["starts_at"] == "2026-12-17T19:00:00-08:00"


def test_the_next_meeting_of_an_aa_order_is_an_aa_meeting_the_attendee_knows(ana, court, hope, smart):  # noqa: F811
    order(ana, court, kinds=[MeetingKind.objects.get(slug="aa")])
    attend(ana, smart, 1)
    # The attendee has been to SMART only: no AA meeting is known to them yet.
    assert mine(ana, pst(2, 9))[0]["next_meeting"] is None
    assert mine(ana, pst(2, 9))[0]["summary"] == "This week: 0 of 3 meetings."
    attend(ana, hope, 2)

    [answer] = mine(ana, pst(3, 9))

    # SMART meets at 4 pm, earlier, but does not count for this order.
    assert answer["next_meeting"]["name"] == "Hope Group"
    assert answer["next_meeting"]["label"] == "Today 7:00 pm PST"
    assert answer["summary"] == "This week: 1 of 3 meetings."


def test_the_words_for_each_kind_of_period(ana, court, hope):  # noqa: F811
    attend(ana, hope, 1)
    order(ana, court, case_number="W")
    order(ana, court, case_number="M", period="month", ends_on=dt.date(2027, 2, 28))
    order(ana, court, case_number="S", period="whole", required_count=20)
    order(ana, court, case_number="R", period="rolling", rolling_days=10, required_count=4)

    def summaries(when):
        return {m["case_number"]: m["summary"] for m in mine(ana, when)}

    assert summaries(pst(1, 21)) == {
        "W": "This week: 1 of 3 meetings.",
        "M": "This month: 1 of 3 meetings.",
        "S": "So far: 1 of 20 meetings.",
        "R": "So far: 1 of 4 meetings.",
    }
    # From the 11th, a rolling order's window is the last 10 days (2-11 December).
    assert summaries(pst(11, 21))["R"] == "In the last 10 days: 0 of 4 meetings."


def test_standing_in_plain_words(ana, court, hope):  # noqa: F811
    order(ana, court, ends_on=dt.date(2026, 12, 21))
    for day in (1, 2, 3, 8):
        attend(ana, hope, day)

    def standing(when):
        [found] = mine(ana, when)
        return found["status"], found["status_words"]

    assert standing(pst(3, 21)) == ("compliant", "You have met this week's requirement.")
    assert standing(pst(9, 9)) == ("compliant", "You are on track.")
    assert standing(pst(13, 12)) == (
        "at_risk",
        "You need 2 more meetings by Monday 14 December to meet this week's requirement.",
    )
    assert standing(pst(15, 9)) == (
        "non_compliant",
        "An earlier period did not reach the requirement. Your case manager can tell you what happens next.",
    )


def test_upcoming_orders_are_listed_and_finished_ones_are_not(ana, court):  # noqa: F811
    order(ana, court, case_number="Later", starts_on=dt.date(2027, 1, 5), ends_on=dt.date(2027, 2, 1))
    order(ana, court, case_number="Over", starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 7))

    [later] = mine(ana, pst(10, 9))

    assert later["case_number"] == "Later"
    assert (later["summary"], later["status_words"], later["current"]) == (
        "Starts Tuesday 5 January.",
        "Not started yet.",
        None,
    )


def test_each_attendee_sees_only_their_own(ana, court):  # noqa: F811
    order(ana, court)
    other = ContactFactory(consenting=True)
    order(other, court, case_number="THEIRS")
    assert [m["case_number"] for m in mine(ana, pst(2, 9))] == ["CR-2026-01234"]
    assert mine(ContactFactory(), pst(2, 9)) == []


def test_only_attendees(api_client, staff_api):
    assert api_client.get(URL).status_code == 401
    response = staff_api.get(URL)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_fixed_number_of_queries(ana, court, hope, smart, django_assert_max_num_queries):  # noqa: F811
    for day in (1, 2):
        attend(ana, hope, day)
        attend(ana, smart, day)
    aa = MeetingKind.objects.get(slug="aa")
    for number in range(6):
        order(
            ana,
            court,
            case_number=f"CR-{number}",
            kinds=[aa] if number % 2 else [],
            meetings=[hope] if number > 3 else [],
        )
    client = bearer_client(ApiToken.issue(contact=ana)[1])
    with time_machine.travel(pst(3, 9), tick=False), django_assert_max_num_queries(12):
        assert len(client.get(URL).json()) == 6


# --- The home page ----------------------------------------------------------------------------------


def test_the_home_page_says_how_each_order_stands(client, ana, court, thursdays, hope):  # noqa: F811
    order(ana, court, meetings=[thursdays])
    attend(ana, thursdays, 3)

    page = home(client, ana, pst(4, 9))

    assert "Your court order" in page
    assert "CR-2026-01234: 3 meetings per week" in page
    assert "This week: 1 of 3 meetings. Next: Thursday 7:00 pm PST, Hope Group" in page
    assert "You are on track." in page


def test_the_home_page_without_orders_says_nothing_of_them(client, ana):
    page = home(client, ana, pst(4, 9))
    assert "court order" not in page
