"""The issue's scripted month through the API: the five court orders of
tests/test_mandate_month.py created with POST /api/v1/mandates/, the same check-ins and
check-outs made with the clock moved, and each period's status and the mandate's read from
GET /api/v1/mandates/<id>/compliance/ (and, for all of a contact's, from the contact's)."""

import datetime as dt

import pytest
import time_machine

from attendance.models import Session
from tests.conftest import staff_api_with
from tests.factories import ContactFactory
from tests.test_mandate_month import attend, court, hope, pst, smart  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(db):
    return staff_api_with(
        *(f"mandates.{a}_mandate" for a in ("view", "add", "change", "delete")), "contacts.view_contact"
    )


@pytest.fixture
def order(api, court):  # noqa: F811
    """`order(contact, **terms)`: a mandate created over the API, 3 a week through December."""

    def create(contact, **terms) -> str:
        body = {
            "contact_id": str(contact.pk),
            "case_number": f"CR-2026-{str(contact.pk)[:4]}",
            "jurisdiction_id": str(court.pk),
            "required_count": 3,
            "period": "week",
            "starts_on": "2026-12-01",
            "ends_on": "2026-12-28",
        } | terms
        with time_machine.travel(pst(1, 0), tick=False):
            response = api.post("/api/v1/mandates/", body, format="json")
        assert response.status_code == 201, response.content
        return response.json()["id"]

    return create


def compliance(api, mandate_id: str, when: dt.datetime) -> dict:
    with time_machine.travel(when, tick=False):
        response = api.get(f"/api/v1/mandates/{mandate_id}/compliance/")
    assert response.status_code == 200, response.content
    return response.json()


def statuses(api, mandate_id: str, when: dt.datetime) -> tuple[str, list[tuple[int, int, str]]]:
    found = compliance(api, mandate_id, when)
    return found["status"], [(p["required"], p["attended"], p["status"]) for p in found["periods"]]


def test_met_every_week(api, order, hope):  # noqa: F811
    ana = ContactFactory(consenting=True)
    mandate = order(ana)
    for day in (1, 2, 3, 8, 9, 10, 15, 16, 17):
        attend(ana, hope, day)
    assert statuses(api, mandate, pst(18, 9)) == (
        "compliant",
        [(3, 3, "met"), (3, 3, "met"), (3, 3, "met"), (3, 0, "upcoming")],
    )
    for day in (22, 23, 24):
        attend(ana, hope, day)
    found = compliance(api, mandate, pst(29, 9))
    assert (found["status"], found["current"]) == ("completed", None)
    assert [(p["start"], p["end"], p["status"]) for p in found["periods"]] == [
        ("2026-12-01", "2026-12-07", "met"),
        ("2026-12-08", "2026-12-14", "met"),
        ("2026-12-15", "2026-12-21", "met"),
        ("2026-12-22", "2026-12-28", "met"),
    ]
    assert sum(len(p["session_ids"]) for p in found["periods"]) == 12


def test_behind_in_week_three_then_caught_up(api, order, hope):  # noqa: F811
    ben = ContactFactory(consenting=True)
    mandate = order(ben)
    for day in (1, 2, 3, 8, 9, 10):
        attend(ben, hope, day)
    assert statuses(api, mandate, pst(18, 12)) == (
        "at_risk",
        [(3, 3, "met"), (3, 3, "met"), (3, 0, "behind"), (3, 0, "upcoming")],
    )
    assert statuses(api, mandate, pst(17, 8) - dt.timedelta(seconds=1))[1][2] == (3, 0, "on_track")
    assert statuses(api, mandate, pst(17, 8))[1][2] == (3, 0, "behind")
    assert compliance(api, mandate, pst(18, 12))["current"]["status"] == "behind"
    for day in (19, 20, 21):
        attend(ben, hope, day)
    assert statuses(api, mandate, pst(22, 9)) == (
        "compliant",
        [(3, 3, "met"), (3, 3, "met"), (3, 3, "met"), (3, 0, "on_track")],
    )
    for day in (22, 23, 24):
        attend(ben, hope, day)
    assert statuses(api, mandate, pst(29, 0)) == ("completed", [(3, 3, "met")] * 4)


def test_missed_a_week_because_one_session_was_left_early(api, order, hope):  # noqa: F811
    cara = ContactFactory(consenting=True)
    mandate = order(cara)
    for day in (1, 2, 3, 8, 9, 15, 16, 17, 22, 23, 24):
        attend(cara, hope, day)
    early = attend(cara, hope, 10, leave_at=(19, 40))
    assert early.outcome == "partial"

    found = compliance(api, mandate, pst(29, 9))

    assert found["status"] == "non_compliant"
    assert [(p["attended"], p["status"]) for p in found["periods"]] == [
        (3, "met"),
        (2, "missed"),
        (3, "met"),
        (3, "met"),
    ]
    assert str(early.pk) not in found["periods"][1]["session_ids"]
    assert statuses(api, mandate, pst(15, 0) - dt.timedelta(microseconds=1))[0] == "compliant"
    assert statuses(api, mandate, pst(15, 0))[0] == "non_compliant"


def test_twelve_in_thirty_days_ends_non_compliant(api, order, hope):  # noqa: F811
    dan = ContactFactory(consenting=True)
    mandate = order(dan, required_count=12, period="rolling", rolling_days=30, ends_on="2026-12-30")
    for day in (1, 3, 5, 8, 10, 12, 15, 17, 19):
        attend(dan, hope, day)
    assert statuses(api, mandate, pst(20, 12)) == ("compliant", [(12, 9, "on_track")])
    attend(dan, hope, 22)
    found = compliance(api, mandate, pst(31, 0))
    assert (found["status"], [(p["required"], p["attended"], p["status"]) for p in found["periods"]]) == (
        "non_compliant",
        [(12, 10, "missed")],
    )
    assert (found["periods"][0]["start"], found["periods"][0]["end"]) == ("2026-12-01", "2026-12-30")


def test_a_mandate_for_aa_ignores_an_attended_smart_meeting(api, order, hope, smart):  # noqa: F811
    eve = ContactFactory(consenting=True)
    mandate = order(eve, required_count=2, meeting_kinds=["aa"], ends_on="2026-12-14")
    for day in (1, 3, 9):
        attend(eve, hope, day)
    smart_session = attend(eve, smart, 10)
    assert smart_session.outcome == "attended"

    found = compliance(api, mandate, pst(15, 9))

    assert found["status"] == "non_compliant"
    assert [(p["required"], p["attended"], p["status"]) for p in found["periods"]] == [(2, 2, "met"), (2, 1, "missed")]
    assert str(smart_session.pk) not in found["periods"][1]["session_ids"]
    # The contact's compliance says the same, for every mandate at once.
    with time_machine.travel(pst(15, 9), tick=False):
        everything = api.get(f"/api/v1/contacts/{eve.pk}/compliance/").json()
    assert everything["mandates"] == [found]
    assert Session.objects.filter(contact=eve, outcome="attended").count() == 4
