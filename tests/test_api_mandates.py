"""/api/v1/mandates/ and the compliance endpoints: staff keep court orders through
mandates.services and read how each is met (README: "Mandates and compliance"). Who may call
each endpoint, persona by persona, is in tests/test_api_permissions.py; here the boundaries
the model permissions draw between reading and writing, and what each endpoint answers."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from access.models import ApiToken
from mandates.models import Mandate
from mandates.queries import compliance_of, standings
from meetings.models import MeetingKind
from tests.conftest import bearer_client, staff_api_with
from tests.factories import ContactFactory, MeetingFactory, StaffUserFactory
from tests.test_mandate_month import attend, court, daily, hope, pst  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/mandates/"
MANDATE_PERMISSIONS = tuple(f"mandates.{action}_mandate" for action in ("view", "add", "change", "delete"))
MANDATE_FIELDS = {
    "id",
    "contact_id",
    "case_number",
    "jurisdiction_id",
    "jurisdiction_name",
    "required_count",
    "period",
    "rolling_days",
    "meeting_kinds",
    "meeting_ids",
    "starts_on",
    "ends_on",
    "notes",
    "requirement",
    "status",
    "current",
    "time_zone",
    "ended_on",
    "end_reason",
    "created_at",
    "updated_at",
}


@pytest.fixture
def keeper(db):
    """A case manager's integration: every mandate permission, and contacts to read."""
    return staff_api_with(*MANDATE_PERMISSIONS, "contacts.view_contact")


@pytest.fixture
def reader(db):
    return staff_api_with("mandates.view_mandate", "contacts.view_contact")


@pytest.fixture
def contact(db):
    return ContactFactory(consenting=True)


def body(contact, **terms) -> dict:
    today = timezone.localdate()
    values = {
        "contact_id": str(contact.pk),
        "case_number": "CR-2026-01234",
        "required_count": 3,
        "period": "week",
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=27)).isoformat(),
    }
    return values | terms


def create(client, contact, **terms):
    response = client.post(LIST_URL, body(contact, **terms), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def refused(response, code: str, field: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    answer = response.json()
    if code == "invalid":
        assert answer["code"] == "invalid"
        assert field in answer["errors"], answer
    else:
        assert (answer["code"], answer["field"]) == (code, field), answer


# --- Creating ---------------------------------------------------------------------------------------


def test_create_gives_back_the_mandate_with_its_requirement_status_and_current_period(keeper, contact):
    aa = MeetingKind.objects.get(slug="aa")
    meeting = MeetingFactory()

    answer = create(keeper, contact, meeting_kinds=["aa"], meeting_ids=[str(meeting.pk)], notes="Judge Ruiz")

    assert set(answer) == MANDATE_FIELDS
    assert answer["requirement"] == "3 meetings per week"
    assert answer["status"] == "compliant"
    assert answer["current"]["start"] == timezone.localdate().isoformat()
    assert answer["current"]["end"] == (timezone.localdate() + dt.timedelta(days=6)).isoformat()
    assert (answer["current"]["required"], answer["current"]["attended"]) == (3, 0)
    assert answer["meeting_kinds"] == ["aa"]
    assert answer["meeting_ids"] == [str(meeting.pk)]
    assert (answer["ended_on"], answer["end_reason"], answer["notes"]) == (None, "", "Judge Ruiz")
    mandate = Mandate.objects.get(pk=answer["id"])
    assert list(mandate.meeting_kinds.all()) == [aa]
    assert mandate.periods.count() == 4
    assert mandate.history.exists()
    assert mandate.created_by.is_staff


def test_a_rolling_mandate_reads_in_words(keeper, contact):
    today = timezone.localdate()
    answer = create(
        keeper,
        contact,
        required_count=12,
        period="rolling",
        rolling_days=30,
        ends_on=(today + dt.timedelta(days=89)).isoformat(),
    )
    assert answer["requirement"] == "12 meetings in any 30 days"
    assert answer["rolling_days"] == 30


@pytest.mark.parametrize(
    ("terms", "code", "field"),
    [
        ({"period": "rolling"}, "rolling_days_required", "rolling_days"),
        ({"period": "rolling", "rolling_days": None}, "rolling_days_required", "rolling_days"),
        ({"period": "rolling", "rolling_days": 0}, "rolling_days_required", "rolling_days"),
        ({"period": "rolling", "rolling_days": 400}, "window_too_long", "rolling_days"),
        ({"rolling_days": 7}, "rolling_days_not_allowed", "rolling_days"),
        ({"ends_on": "2020-01-01"}, "invalid_dates", "ends_on"),
        ({"required_count": 0}, "invalid_count", "required_count"),
        ({"required_count": -3}, "invalid_count", "required_count"),
        ({"required_count": 10**12}, "invalid", "required_count"),
        ({"required_count": "three"}, "invalid", "required_count"),
        ({"case_number": "  "}, "invalid_case_number", "case_number"),
        ({"period": "fortnight"}, "invalid", "period"),
        ({"meeting_kinds": ["no-such-kind"]}, "invalid", "meeting_kinds"),
        ({"meeting_kinds": "aa"}, "invalid", "meeting_kinds"),
        ({"meeting_kinds": ["a\x00"]}, "invalid", "meeting_kinds"),
        ({"meeting_kinds": [7]}, "invalid", "meeting_kinds"),
        ({"case_number": "CR\x00"}, "invalid", "case_number"),
        ({"meeting_ids": ["00000000-0000-4000-8000-000000000000"]}, "invalid", "meeting_ids"),
        ({"meeting_ids": ["not-an-id"]}, "invalid", "meeting_ids"),
        ({"starts_on": "2026-02-30"}, "invalid", "starts_on"),
        ({"starts_on": "yesterday"}, "invalid", "starts_on"),
        ({"ends_on": "9999-12-31"}, "invalid", "ends_on"),
        ({"starts_on": "0001-01-01"}, "invalid", "starts_on"),
        ({"ends_on": "2099-01-01"}, "too_long", "ends_on"),
        ({"contact_id": "00000000-0000-4000-8000-000000000000"}, "invalid", "contact_id"),
        ({"jurisdiction_id": "00000000-0000-4000-8000-000000000000"}, "invalid", "jurisdiction_id"),
    ],
)
def test_a_bad_combination_is_a_400_naming_its_field(keeper, contact, terms, code, field):
    response = keeper.post(LIST_URL, body(contact, **terms), format="json")

    refused(response, code, field)
    assert not Mandate.objects.exists()


@pytest.mark.parametrize("missing", ["contact_id", "case_number", "required_count", "period", "starts_on", "ends_on"])
def test_each_required_field_is_named_when_left_out(keeper, contact, missing):
    values = body(contact)
    del values[missing]
    refused(keeper.post(LIST_URL, values, format="json"), "invalid", missing)


def test_an_inactive_kind_is_refused_for_a_new_mandate(keeper, contact):
    MeetingKind.objects.filter(slug="na").update(is_active=False)
    refused(keeper.post(LIST_URL, body(contact, meeting_kinds=["na"]), format="json"), "invalid", "meeting_kinds")


# --- Reading ----------------------------------------------------------------------------------------


def test_the_list_is_paginated_newest_first_in_a_fixed_number_of_queries(keeper, django_assert_max_num_queries):
    for offset in range(3):
        create(keeper, ContactFactory(), starts_on=(timezone.localdate() - dt.timedelta(days=offset)).isoformat())
    with django_assert_max_num_queries(9):
        first = keeper.get(LIST_URL, {"page_size": 2}).json()
    assert first["count"] == 3
    assert [m["starts_on"] for m in first["results"]] == sorted(
        (m["starts_on"] for m in first["results"]), reverse=True
    )
    assert len(first["results"]) == 2
    assert first["next"]

    for _ in range(10):
        create(keeper, ContactFactory(), meeting_kinds=["aa", "na"])
    with django_assert_max_num_queries(9):
        assert len(keeper.get(LIST_URL).json()["results"]) == 13


def test_filters_by_contact_case_number_and_case_manager(keeper, contact):
    manager = StaffUserFactory()
    mine = ContactFactory(case_manager=manager)
    a = create(keeper, contact, case_number="CR-1")
    b = create(keeper, mine, case_number="CR-2")

    def ids(**query):
        response = keeper.get(LIST_URL, query)
        assert response.status_code == 200, response.content
        return [m["id"] for m in response.json()["results"]]

    assert ids(contact=str(contact.pk)) == [a["id"]]
    assert ids(case_number="CR-2") == [b["id"]]
    assert ids(case_number="CR-3") == []
    assert ids(case_manager=str(manager.pk)) == [b["id"]]
    _, raw = ApiToken.issue(user=StaffUserFactory(permissions=["mandates.view_mandate"]), name="t")
    assert ids()
    assert bearer_client(raw).get(LIST_URL, {"case_manager": "me"}).json()["results"] == []


@pytest.mark.parametrize(("name", "value"), [("contact", "x"), ("status", "late"), ("case_manager", "someone")])
def test_a_malformed_filter_is_a_400_naming_it(keeper, name, value):
    refused(keeper.get(LIST_URL, {name: value}), "invalid", name)


def test_the_status_filter(keeper, hope, court):  # noqa: F811
    """Four contacts, one in each status on Friday 18 December 2026 at noon in Portland."""
    with time_machine.travel(pst(1, 8), tick=False):
        terms = {"jurisdiction_id": str(court.pk), "starts_on": "2026-12-01", "ends_on": "2026-12-28"}
        on_time, late, missed, done = (ContactFactory(consenting=True) for _ in range(4))
        made = {
            "compliant": create(keeper, on_time, **terms),
            "at_risk": create(keeper, late, **terms),
            "non_compliant": create(keeper, missed, **terms),
            "completed": create(keeper, done, **terms | {"ends_on": "2026-12-07", "required_count": 1}),
        }
    for day in (1, 2, 3, 8, 9, 10, 15, 16, 17):
        attend(on_time, hope, day)
    for day in (1, 2, 3, 8, 9, 10):
        attend(late, hope, day)
    for day in (1, 2, 3):
        attend(missed, hope, day)
    attend(done, hope, 2)

    with time_machine.travel(pst(18, 12), tick=False):
        for status, mandate in made.items():
            response = keeper.get(LIST_URL, {"status": status})
            assert [m["id"] for m in response.json()["results"]] == [mandate["id"]], status
            assert response.json()["results"][0]["status"] == status


def test_an_unknown_or_malformed_id_is_a_json_404(keeper):
    for pk in ("00000000-0000-4000-8000-000000000000", "nope"):
        for path in ("", "compliance/"):
            response = keeper.get(f"{LIST_URL}{pk}/{path}")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


# --- Permissions: reading is not writing ------------------------------------------------------------


def test_a_reader_reads_and_cannot_write(reader, keeper, contact):
    mandate = create(keeper, contact)
    url = f"{LIST_URL}{mandate['id']}/"

    assert reader.get(url).status_code == 200
    assert reader.get(f"{url}compliance/").status_code == 200
    assert reader.post(LIST_URL, body(contact), format="json").status_code == 403
    assert reader.patch(url, {"notes": "x"}, format="json").status_code == 403
    assert (
        reader.post(f"{url}end/", {"last_day": mandate["starts_on"], "reason": "x"}, format="json").status_code == 403
    )
    assert reader.delete(url).status_code == 403
    assert Mandate.objects.get().notes == ""


@pytest.mark.parametrize(
    ("permission", "allowed"),
    [("mandates.add_mandate", "create"), ("mandates.change_mandate", "change"), ("mandates.delete_mandate", "delete")],
)
def test_each_write_needs_its_own_permission(keeper, contact, permission, allowed):
    client = staff_api_with("mandates.view_mandate", permission)
    mandate = create(keeper, contact)
    url = f"{LIST_URL}{mandate['id']}/"
    answers = {
        "create": client.post(LIST_URL, body(ContactFactory()), format="json").status_code,
        "change": client.patch(url, {"notes": "x"}, format="json").status_code,
        "end": client.post(f"{url}end/", {"last_day": mandate["starts_on"], "reason": "Dismissed"}, format="json"),
    }
    answers["end"] = answers["end"].status_code
    answers["delete"] = client.delete(url).status_code
    expected = {"create": 201, "change": 200, "end": 200, "delete": 204}
    for name, code in answers.items():
        may = name == allowed or (name == "end" and allowed == "change")
        assert code == (expected[name] if may else 403), (name, code)


def test_staff_without_the_mandate_permissions_and_attendees_are_refused(contact, keeper, attendee_api):
    mandate = create(keeper, contact)
    for client, code in ((staff_api_with("contacts.view_contact"), 403), (attendee_api, 403)):
        assert client.get(LIST_URL).status_code == code
        assert client.get(f"{LIST_URL}{mandate['id']}/compliance/").status_code == code
        assert client.get(f"/api/v1/contacts/{contact.pk}/compliance/").status_code == code
    # Viewing a contact's compliance needs both view permissions.
    assert staff_api_with("mandates.view_mandate").get(f"/api/v1/contacts/{contact.pk}/compliance/").status_code == 403


def test_anonymous_is_401(api_client, keeper, contact):
    mandate = create(keeper, contact)
    for url in (LIST_URL, f"{LIST_URL}{mandate['id']}/compliance/", f"/api/v1/contacts/{contact.pk}/compliance/"):
        response = api_client.get(url)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


# --- Changing, ending, deleting ---------------------------------------------------------------------


def test_patch_changes_what_is_given_and_keeps_the_rest(keeper, contact):
    mandate = create(keeper, contact, meeting_kinds=["aa"], notes="first")
    url = f"{LIST_URL}{mandate['id']}/"

    answer = keeper.patch(url, {"required_count": 2, "period": "month"}, format="json").json()

    assert (answer["requirement"], answer["meeting_kinds"], answer["notes"]) == (
        "2 meetings per month",
        ["aa"],
        "first",
    )
    answer = keeper.patch(url, {"period": "rolling", "rolling_days": 10}, format="json").json()
    assert answer["requirement"] == "2 meetings in any 10 days"
    # Back to weeks: the window goes with the rolling period.
    answer = keeper.patch(url, {"period": "week", "meeting_kinds": []}, format="json").json()
    assert (answer["rolling_days"], answer["meeting_kinds"]) == (None, [])
    assert Mandate.objects.get().history.count() >= 4


def test_patch_refuses_what_the_rules_refuse_and_another_contact(keeper, contact):
    mandate = create(keeper, contact)
    url = f"{LIST_URL}{mandate['id']}/"
    refused(keeper.patch(url, {"required_count": 0}, format="json"), "invalid_count", "required_count")
    refused(keeper.patch(url, {"ends_on": "2000-01-01"}, format="json"), "invalid_dates", "ends_on")
    refused(keeper.patch(url, {"contact_id": str(ContactFactory().pk)}, format="json"), "invalid", "contact_id")
    assert keeper.patch(url, {"contact_id": str(contact.pk)}, format="json").status_code == 200
    assert keeper.put(url, body(contact), format="json").status_code == 405


def test_end_early_and_its_refusals(keeper, contact):
    mandate = create(keeper, contact)
    url = f"{LIST_URL}{mandate['id']}/end/"
    start = dt.date.fromisoformat(mandate["starts_on"])
    refused(keeper.post(url, {"last_day": str(start), "reason": " "}, format="json"), "reason_required", "reason")
    refused(keeper.post(url, {"last_day": "2000-01-01", "reason": "x"}, format="json"), "end_outside_dates", "last_day")
    refused(keeper.post(url, {"last_day": "someday", "reason": "x"}, format="json"), "invalid", "last_day")
    refused(keeper.post(url, {"reason": "x"}, format="json"), "invalid", "last_day")

    last_day = start + dt.timedelta(days=9)
    answer = keeper.post(url, {"last_day": str(last_day), "reason": "Case dismissed"}, format="json").json()

    assert (answer["ended_on"], answer["end_reason"]) == (str(last_day), "Case dismissed")
    assert Mandate.objects.get().periods.count() == 2
    refused(
        keeper.post(url, {"last_day": str(last_day), "reason": "again"}, format="json"), "already_ended", "last_day"
    )


def test_delete_before_any_period_passed_then_refused_with_409(keeper, contact):
    fresh = create(keeper, contact)
    assert keeper.delete(f"{LIST_URL}{fresh['id']}/").status_code == 204
    assert not Mandate.objects.exists()

    old = create(keeper, contact, starts_on=str(timezone.localdate() - dt.timedelta(days=20)))
    response = keeper.delete(f"{LIST_URL}{old['id']}/")

    assert response.status_code == 409
    assert response.json()["code"] == "period_passed"
    assert Mandate.objects.filter(pk=old["id"]).exists()


# --- Compliance -------------------------------------------------------------------------------------


def test_compliance_answers_each_period_with_its_sessions(keeper, hope, court):  # noqa: F811
    ana = ContactFactory(consenting=True)
    with time_machine.travel(pst(1, 8), tick=False):
        mandate = create(
            keeper,
            ana,
            jurisdiction_id=str(court.pk),
            starts_on="2026-12-01",
            ends_on="2026-12-28",
            meeting_kinds=["aa"],
        )
    sessions = [attend(ana, hope, day) for day in (1, 2, 8)]

    with time_machine.travel(pst(10, 12), tick=False):
        answer = keeper.get(f"{LIST_URL}{mandate['id']}/compliance/").json()

    # Week 1 ended with 2 of 3.
    assert answer["status"] == "non_compliant"
    assert answer["time_zone"] == "America/Los_Angeles"
    assert answer["requirement"] == "3 meetings per week"
    assert [(p["start"], p["end"], p["required"], p["attended"], p["status"]) for p in answer["periods"]] == [
        ("2026-12-01", "2026-12-07", 3, 2, "missed"),
        ("2026-12-08", "2026-12-14", 3, 1, "on_track"),
        ("2026-12-15", "2026-12-21", 3, 0, "upcoming"),
        ("2026-12-22", "2026-12-28", 3, 0, "upcoming"),
    ]
    assert answer["periods"][0]["session_ids"] == [str(s.pk) for s in sessions[:2]]
    assert answer["periods"][1]["session_ids"] == [str(sessions[2].pk)]
    assert answer["current"]["start"] == "2026-12-08"


def test_a_contacts_compliance_is_every_mandate_in_fixed_queries(keeper, hope, court, django_assert_max_num_queries):  # noqa: F811
    ana = ContactFactory(consenting=True)
    with time_machine.travel(pst(1, 8), tick=False):
        terms = {"jurisdiction_id": str(court.pk), "starts_on": "2026-12-01", "ends_on": "2026-12-28"}
        ids = [
            create(keeper, ana, **terms)["id"],
            create(keeper, ana, **terms | {"meeting_kinds": ["smart"], "case_number": "CR-2"})["id"],
            create(keeper, ana, **terms | {"period": "rolling", "rolling_days": 10, "case_number": "CR-3"})["id"],
        ]
    for day in (1, 2, 3, 9):
        attend(ana, hope, day)
    url = f"/api/v1/contacts/{ana.pk}/compliance/"

    with time_machine.travel(pst(12, 12), tick=False), django_assert_max_num_queries(10):
        answer = keeper.get(url).json()
    with time_machine.travel(pst(12, 12), tick=False):
        singles = [keeper.get(f"{LIST_URL}{pk}/compliance/").json() for pk in ids]

    assert answer["contact_id"] == str(ana.pk)
    assert sorted(answer["mandates"], key=lambda m: m["mandate_id"]) == sorted(singles, key=lambda m: m["mandate_id"])
    assert keeper.get(f"/api/v1/contacts/{ContactFactory().pk}/compliance/").json()["mandates"] == []
    assert keeper.get("/api/v1/contacts/00000000-0000-4000-8000-000000000000/compliance/").status_code == 404


def test_standings_agree_with_compliance_of(keeper, hope, court):  # noqa: F811
    """The bulk answer and the one-mandate answer are the same (mandates.queries.standings)."""
    ben = ContactFactory(consenting=True)
    with time_machine.travel(pst(1, 8), tick=False):
        terms = {"jurisdiction_id": str(court.pk), "starts_on": "2026-12-01", "ends_on": "2026-12-30"}
        create(keeper, ben, **terms | {"required_count": 12, "period": "rolling", "rolling_days": 30})
        create(keeper, ben, **terms | {"period": "month", "case_number": "CR-9"})
    for day in (1, 5, 9, 22):
        attend(ben, hope, day)
    mandates = list(Mandate.objects.prefetch_related("kind_links", "meeting_links").order_by("case_number"))
    for moment in (pst(3, 12), pst(20, 0), pst(31, 0)):
        for standing in standings(mandates, moment):
            single = compliance_of(standing.mandate, moment)
            assert standing.status == single.status
            assert [(p.number, p.status, [str(s) for s in p.session_ids]) for p in standing.periods] == [
                (p.number, p.status, [str(s) for s in p.session_ids]) for p in single.periods
            ]
            assert standing.current == single.current
