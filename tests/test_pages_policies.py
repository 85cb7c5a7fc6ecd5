"""The staff policy pages: jurisdictions, their versions in words, publishing a new version,
adding and editing a jurisdiction; and the jurisdiction a meeting follows. Who may open each
page: tests/test_page_permissions.py."""

import datetime as dt
import html
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from meetings.models import Meeting
from policies.models import DEFAULT_JURISDICTION_ID, Jurisdiction, PolicyVersion
from policies.services import publish
from tests.factories import PORTLAND, MeetingFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("policies:list")
CREATE_URL = reverse("policies:create")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
EVERY_PERMISSION = (
    "policies.view_jurisdiction",
    "policies.add_jurisdiction",
    "policies.change_jurisdiction",
    "policies.add_policyversion",
)
# The page, the user, the jurisdictions with their version in force (one query), the navigation.
LIST_QUERY_BOUND = 8


def url(name: str, jurisdiction: Jurisdiction) -> str:
    return reverse(f"policies:{name}", args=[jurisdiction.pk])


def text_of(response) -> str:
    """The page as a person reads it: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


@pytest.fixture
def officer(client, staff_user_with):
    user = staff_user_with(*EVERY_PERMISSION, username="olga", first_name="Olga", last_name="Ortiz")
    client.force_login(user)
    return user


@pytest.fixture
def court(settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    court = Jurisdiction.objects.create(name="Multnomah County Drug Court", kind="court")
    publish(court, {"min_stay_percent": 90}, notes="Court order 2026-14.")
    return court


def publish_form(jurisdiction: Jurisdiction, client, **changes: str) -> dict[str, str]:
    """The publish form as the page fills it in, with `changes`."""
    form = client.get(url("publish", jurisdiction)).context["form"]
    data = {name: "" if value is None else str(value) for name, value in form.initial.items()}
    data["check_out_must_be_verified"] = "on" if form.initial.get("check_out_must_be_verified") else ""
    return {**data, "effective_from": "", "notes": "", **changes}


# --- The list --------------------------------------------------------------------------------------


def test_the_list_shows_each_jurisdiction_with_its_version_in_force(client, officer, court):
    Jurisdiction.objects.create(name="New program", kind="program")
    page = text_of(client.get(LIST_URL))
    # In force since 1970 UTC, on the site's clock.
    assert "Default policy Default Other Version 1 31 Dec 1969 16:00 PST" in page
    assert "Multnomah County Drug Court Court Version 1" in page
    assert "New program Program None yet" in page


def test_a_version_taking_effect_later_is_not_in_force_yet(client, officer, court):
    publish(court, {"min_stay_percent": 80}, effective_from=timezone.now() + dt.timedelta(days=3))
    (row,) = [j for j in client.get(LIST_URL).context["jurisdictions"] if j.pk == court.pk]
    assert (row.in_force_number, row.version_count) == (1, 2)


@pytest.mark.parametrize("count", [5, 40])
def test_the_list_takes_a_constant_number_of_queries(client, officer, django_assert_max_num_queries, count):
    for n in range(count):
        publish(Jurisdiction.objects.create(name=f"Court {n}"), {})
    with django_assert_max_num_queries(LIST_QUERY_BOUND):
        response = client.get(LIST_URL)
    assert len(response.context["jurisdictions"]) == count + 1


def test_the_navigation_links_the_policies_for_those_who_may_see_them(client, staff_user_with):
    client.force_login(staff_user_with("policies.view_jurisdiction"))
    assert f'href="{LIST_URL}"' in client.get(reverse("dashboard")).content.decode()
    client.force_login(staff_user_with("meetings.view_meeting"))
    assert f'href="{LIST_URL}"' not in client.get(reverse("dashboard")).content.decode()


# --- The detail: every version, every rule, in words -----------------------------------------------


def test_every_rule_of_every_version_in_words(client, officer, court):
    publish(
        court,
        {"close_after_end": dt.timedelta(hours=2, minutes=30), "check_out_must_be_verified": False},
        effective_from=timezone.now() + dt.timedelta(days=2),
        published_by=officer,
        notes="From the new year.",
    )
    response = client.get(url("detail", court))
    page = text_of(response)
    assert [version.number for version in response.context["versions"]] == [2, 1]
    assert "Version 2 Takes effect later" in page
    assert "Version 1 In force" in page
    assert "Check-in opens before the start 30 min Check-in opens this long before" in page
    assert "On time until after the start 10 min" in page
    assert "Minimum stay (% of the scheduled time) 90%" in page
    assert "Open sessions close this long after the end 2 h 30 min" in page
    assert "Open sessions close this long after the end 2 h A session" in page  # version 1
    assert "The check-out must be verified No" in page
    assert "The check-out must be verified Yes" in page
    assert "Radius without a meeting (m) 100 m" in page
    assert "by Olga Ortiz" in page
    assert "(by the system)" in page
    assert "From the new year." in page
    assert "Court order 2026-14." in page


def test_the_detail_shows_times_in_the_sites_zone(client, officer, settings):
    settings.TIME_ZONE = "America/Los_Angeles"
    with time_machine.travel(dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        court = Jurisdiction.objects.create(name="Summer court")
        publish(court, {}, effective_from=dt.datetime(2026, 7, 4, 16, 0, tzinfo=dt.UTC))
        page = text_of(client.get(url("detail", court)))
    assert "Takes effect 4 Jul 2026 09:00 PDT" in page


def test_a_jurisdiction_without_versions_says_its_meetings_cannot_take_check_ins(client, officer):
    empty = Jurisdiction.objects.create(name="New program")
    page = text_of(client.get(url("detail", empty)))
    assert "No version yet" in page
    assert "cannot take check-ins" in page
    assert "Publish the first one" in page


def test_actions_are_offered_to_those_who_may_use_them(client, staff_user_with, court):
    client.force_login(staff_user_with("policies.view_jurisdiction"))
    page = client.get(url("detail", court)).content.decode()
    assert url("publish", court) not in page
    assert url("edit", court) not in page
    client.force_login(staff_user_with(*EVERY_PERMISSION))
    page = client.get(url("detail", court)).content.decode()
    assert url("publish", court) in page
    assert url("edit", court) in page


def test_an_unknown_jurisdiction_is_a_404(client, officer):
    assert client.get(reverse("policies:detail", args=["nope"])).status_code == 404


# --- Publishing --------------------------------------------------------------------------------------


def test_the_form_is_prefilled_with_the_latest_versions_rules(client, officer, court):
    form = client.get(url("publish", court)).context["form"]
    assert form.initial["min_stay_percent"] == 90
    assert form.initial["check_in_opens_before"] == 30  # minutes
    assert form.initial["close_after_end"] == 120
    assert form.initial["default_radius_m"] == 100.0
    assert form.initial["check_out_must_be_verified"] is True


def test_publishing_now_keeps_the_rules_not_changed(client, officer, court):
    data = publish_form(court, client, on_time_after_start="5", notes="Stricter from today.")
    response = client.post(url("publish", court), data)
    assert response.status_code == 302
    assert response["Location"] == url("detail", court)
    version = court.versions.get(number=2)
    assert version.on_time_after_start == dt.timedelta(minutes=5)
    assert version.min_stay_percent == 90
    assert version.published_by == officer
    assert version.notes == "Stricter from today."
    assert abs(version.effective_from - timezone.now()) < dt.timedelta(minutes=1)
    assert "Version 2 of “Multnomah County Drug Court” published." in text_of(client.get(response["Location"]))


def test_a_later_local_time_is_read_on_the_sites_clock(client, officer, court):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(url("publish", court), publish_form(court, client, effective_from="2027-01-15T09:00"))
    assert response.status_code == 302
    assert court.versions.get(number=2).effective_from == dt.datetime(2027, 1, 15, 9, 0, tzinfo=LA)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2027-03-14T02:30", "2027-03-14 02:30 does not exist in America/Los_Angeles"),
        ("2027-11-07T01:30", "2027-11-07 01:30 happens twice in America/Los_Angeles"),
        ("2027-02-30T10:00", "Enter a valid date/time."),
    ],
)
def test_a_local_time_that_does_not_exist_or_is_ambiguous_is_refused(client, officer, court, typed, message):
    with time_machine.travel(dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), tick=False):
        response = client.post(url("publish", court), publish_form(court, client, effective_from=typed))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors["effective_from"])
    assert court.versions.count() == 1


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        # The service's refusals (policies.services.PolicyError), on the field they name.
        ({"effective_from": "2020-01-01T09:00"}, "effective_from", "A new version takes effect now or later"),
        ({"default_radius_m": "0"}, "default_radius_m", "Give a distance above 0 and up to 10,000 m."),
        ({"max_accuracy_m": "20000"}, "max_accuracy_m", "Give a distance above 0 and up to 10,000 m."),
        # The form's own: whole minutes within the service's 7 days, a share of 1 to 100.
        ({"close_after_end": "-5"}, "close_after_end", "Ensure this value is greater than or equal to 0."),
        ({"close_after_end": "99999999999999"}, "close_after_end", "Ensure this value is less than or equal to"),
        ({"min_stay_percent": "150"}, "min_stay_percent", "Ensure this value is less than or equal to 100."),
        ({"on_time_after_start": "ten"}, "on_time_after_start", "Enter a whole number."),
        ({"default_radius_m": "nan"}, "default_radius_m", "Enter a number."),
        ({"check_in_opens_before": ""}, "check_in_opens_before", "This field is required."),
    ],
)
def test_a_refused_version_names_the_field_and_publishes_nothing(client, officer, court, changes, field, message):
    response = client.post(url("publish", court), publish_form(court, client, **changes))
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field]), response.context["form"].errors
    assert "Nothing was published" in text_of(response)
    assert court.versions.count() == 1


def test_a_version_must_take_effect_after_one_already_scheduled(client, officer, court):
    later = timezone.localtime(timezone.now() + dt.timedelta(days=10))
    publish(court, {}, effective_from=later)
    earlier = (later - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url("publish", court), publish_form(court, client, effective_from=earlier))
    assert "a new version must take effect after it" in response.context["form"].errors["effective_from"][0]
    assert court.versions.count() == 2


def test_the_first_version_of_a_new_jurisdiction(client, officer):
    empty = Jurisdiction.objects.create(name="New program")
    data = {
        "check_in_opens_before": "15",
        "on_time_after_start": "5",
        "check_out_from_before_end": "5",
        "min_stay_percent": "100",
        "min_stay_without_times": "45",
        "check_out_must_be_verified": "on",
        "max_send_delay": "10",
        "close_after_end": "60",
        "default_radius_m": "80",
        "max_accuracy_m": "50",
    }
    assert client.post(url("publish", empty), data).status_code == 302
    version = empty.versions.get()
    assert (version.number, version.check_in_opens_before, version.default_radius_m) == (
        1,
        dt.timedelta(minutes=15),
        80.0,
    )


def test_publishing_answers_only_get_and_post(client, officer, court):
    assert client.put(url("publish", court)).status_code == 405


# --- Adding and editing a jurisdiction ---------------------------------------------------------------


def test_adding_a_jurisdiction_leads_to_its_first_version(client, officer):
    response = client.post(CREATE_URL, {"name": "Probation, District 3", "kind": "probation", "description": ""})
    jurisdiction = Jurisdiction.objects.get(name="Probation, District 3")
    assert response["Location"] == url("detail", jurisdiction)
    assert "Publish its first version" in text_of(client.get(response["Location"]))


def test_a_name_already_taken_is_refused_on_the_name(client, officer, court):
    response = client.post(CREATE_URL, {"name": court.name, "kind": "court"})
    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    response = client.post(CREATE_URL, {"name": "X", "kind": "tribunal"})
    assert "kind" in response.context["form"].errors


def test_editing_a_jurisdiction_changes_its_name_not_its_versions(client, officer, court):
    response = client.post(url("edit", court), {"name": "Drug Court", "kind": "court", "description": "Room 3"})
    assert response.status_code == 302
    court.refresh_from_db()
    assert (court.name, court.description) == ("Drug Court", "Room 3")
    assert court.versions.count() == 1
    page = text_of(client.get(url("detail", court)))
    assert "Changed" in page  # the audit trail


# --- Meetings follow a jurisdiction ----------------------------------------------------------------


def meeting_form(**changes: str) -> dict[str, str]:
    return {
        "name": "Tuesday evening group",
        "description": "",
        "address": "801 SW 10th Ave, Portland, OR 97205",
        "lat": str(PORTLAND[0]),
        "lng": str(PORTLAND[1]),
        "radius_meters": "150",
        "start_time": "2026-11-24T18:00",
        "end_time": "2026-11-24T19:30",
        **changes,
    }


def test_a_new_meeting_follows_the_jurisdiction_chosen(client, staff_user_with, court):
    client.force_login(staff_user_with("meetings.add_meeting", "meetings.view_meeting"))
    form = client.get(reverse("meetings:create")).context["form"]
    assert form.initial["jurisdiction"] == DEFAULT_JURISDICTION_ID
    Jurisdiction.objects.create(name="Closed program", is_active=False)
    assert [j.name for j in form.fields["jurisdiction"].queryset] == ["Default policy", "Multnomah County Drug Court"]
    client.post(reverse("meetings:create"), meeting_form(jurisdiction=court.pk))
    assert Meeting.objects.get(name="Tuesday evening group").jurisdiction == court


def test_a_meeting_form_without_the_field_keeps_the_meetings_jurisdiction(client, staff_user_with, court):
    client.force_login(staff_user_with("meetings.add_meeting", "meetings.change_meeting", "meetings.view_meeting"))
    client.post(reverse("meetings:create"), meeting_form())
    meeting = Meeting.objects.get(name="Tuesday evening group")
    assert meeting.jurisdiction_id == DEFAULT_JURISDICTION_ID
    Meeting.objects.filter(pk=meeting.pk).update(jurisdiction=court)
    client.post(reverse("meetings:edit", args=[meeting.pk]), meeting_form(name="Renamed"))
    meeting.refresh_from_db()
    assert (meeting.name, meeting.jurisdiction) == ("Renamed", court)


def test_an_unknown_jurisdiction_is_refused_on_its_field(client, staff_user_with):
    client.force_login(staff_user_with("meetings.add_meeting", "meetings.view_meeting"))
    response = client.post(reverse("meetings:create"), meeting_form(jurisdiction="not-a-jurisdiction"))
    assert response.status_code == 200
    assert "jurisdiction" in response.context["form"].errors
    assert not Meeting.objects.exists()


def test_the_meeting_page_names_its_jurisdiction(client, staff_user_with, court):
    meeting = MeetingFactory(jurisdiction=court)
    client.force_login(staff_user_with("meetings.view_meeting", "policies.view_jurisdiction"))
    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert f'<a href="{url("detail", court)}">Multnomah County Drug Court</a>' in page
    client.force_login(staff_user_with("meetings.view_meeting"))
    page = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Multnomah County Drug Court" in page
    assert url("detail", court) not in page


def test_versions_are_never_changed_by_the_pages(client, officer, court):
    before = list(PolicyVersion.objects.order_by("pk").values())
    client.post(url("edit", court), {"name": "Drug Court", "kind": "court"})
    client.post(url("publish", court), publish_form(court, client, default_radius_m="0"))
    assert list(PolicyVersion.objects.order_by("pk").values()) == before
