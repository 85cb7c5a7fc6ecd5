"""Meeting kinds (issue 18): the staff-kept list, a meeting's kinds on the staff pages, in the
admin and over the API, and the demo's meetings. Who may open each page is in
tests/test_page_permissions.py (and the API's table in tests/test_api_permissions.py); the
boundaries that matter to kinds are checked here as well."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from demo.story import MEETINGS, demo_id
from meetings.models import Meeting, MeetingKind
from tests.factories import MeetingFactory, StaffUserFactory
from tests.test_page_permissions import MEETING_FORM

pytestmark = pytest.mark.django_db

STANDARD = {
    "aa": "Alcoholics Anonymous",
    "na": "Narcotics Anonymous",
    "smart": "SMART Recovery",
    "dui-class": "DUI education class",
    "anger-management": "Anger management",
    "other": "Other",
}
VIEW_KIND, ADD_KIND, CHANGE_KIND = (
    "meetings.view_meetingkind",
    "meetings.add_meetingkind",
    "meetings.change_meetingkind",
)
VIEW_MEETING, CHANGE_MEETING = "meetings.view_meeting", "meetings.change_meeting"


def kind(slug: str) -> MeetingKind:
    return MeetingKind.objects.get(slug=slug)


def retired(slug: str = "old-kind") -> MeetingKind:
    return MeetingKind.objects.create(slug=slug, label="Retired kind", is_active=False)


def tagged(*slugs: str, **fields) -> Meeting:
    meeting = MeetingFactory(**fields)
    meeting.kinds.set(MeetingKind.objects.filter(slug__in=slugs))
    return meeting


def signed_in(client, *permissions: str):
    client.force_login(StaffUserFactory(permissions=permissions))
    return client


# --- the model -----------------------------------------------------------------------------------


def test_the_migrations_create_the_standard_kinds_active():
    assert dict(MeetingKind.objects.values_list("slug", "label")) == STANDARD
    assert MeetingKind.objects.active().count() == len(STANDARD)


@pytest.mark.parametrize("slug", ["AA", "dui class", "dui_class", "-aa", "aa-", "dui--class", "", "ñ"])
def test_a_slug_is_lowercase_letters_digits_and_single_hyphens(slug):
    with pytest.raises(ValidationError) as refused:
        MeetingKind(slug=slug, label="Label").full_clean()
    assert "slug" in refused.value.message_dict


@pytest.mark.parametrize("slug", ["ca", "12-step", "dui-class-2"])
def test_good_slugs_are_accepted(slug):
    MeetingKind(slug=slug, label="Label").full_clean()


def test_a_slug_is_unique_in_the_model_and_the_database():
    with pytest.raises(ValidationError) as refused:
        MeetingKind(slug="aa", label="Again").full_clean()
    assert "slug" in refused.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingKind.objects.create(slug="aa", label="Again")


def test_the_database_refuses_an_upper_case_slug_written_around_the_model():
    with pytest.raises(IntegrityError), transaction.atomic():
        MeetingKind.objects.create(slug="Upper", label="Upper")


def test_kinds_and_meetings_are_never_deleted_from_under_each_other():
    meeting = tagged("aa")
    with pytest.raises(ProtectedError):
        kind("aa").delete()
    with pytest.raises(ProtectedError):
        meeting.delete()


def test_changes_to_a_kind_are_in_its_audit_trail():
    aa = kind("aa")
    aa.label = "AA"
    aa.save()
    aa.set_active(False)
    assert [record.history_type for record in aa.history.order_by("history_date")] == ["~", "~"]
    assert aa.history.first().is_active is False


def test_a_meeting_may_be_given_active_kinds_and_keeps_a_deactivated_one():
    old = retired()
    meeting = MeetingFactory()
    assert old not in MeetingKind.objects.assignable_to(meeting)
    meeting.kinds.add(old)
    assert old in MeetingKind.objects.assignable_to(meeting)
    assert old not in MeetingKind.objects.assignable_to(MeetingFactory())


# --- the kinds pages ----------------------------------------------------------------------------

KIND_PAGES = [
    ("meetings:kinds", (), VIEW_KIND),
    ("meetings:kind_create", (), ADD_KIND),
    ("meetings:kind_detail", ("pk",), VIEW_KIND),
    ("meetings:kind_edit", ("pk",), CHANGE_KIND),
    ("meetings:kind_deactivate", ("pk",), CHANGE_KIND),
]


@pytest.mark.parametrize(("name", "args", "permission"), KIND_PAGES)
def test_each_kinds_page_asks_for_its_permission(client, name, args, permission):
    url = reverse(name, args=[kind("aa").pk for _ in args])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert signed_in(client, VIEW_MEETING, CHANGE_MEETING).get(url).status_code == 403
    assert signed_in(client, permission).get(url).status_code == 200


def test_the_list_shows_every_kind_with_its_meetings(client):
    retired()
    tagged("aa")
    tagged("aa", "smart")
    page = signed_in(client, VIEW_KIND, VIEW_MEETING).get(reverse("meetings:kinds")).content.decode()
    for label in [*STANDARD.values(), "Retired kind"]:
        assert label in page
    assert "?kind=aa&amp;status=all" in page


def test_staff_add_a_kind(client):
    response = signed_in(client, ADD_KIND, VIEW_KIND).post(
        reverse("meetings:kind_create"), {"slug": "celebrate-recovery", "label": "Celebrate Recovery"}
    )
    added = kind("celebrate-recovery")
    assert response.status_code == 302
    assert response["Location"] == reverse("meetings:kind_detail", args=[added.pk])
    assert added.is_active
    assert added.label == "Celebrate Recovery"


def test_a_bad_or_taken_slug_is_refused_on_the_form(client):
    signed_in(client, ADD_KIND)
    for slug in ("Not A Slug", "aa"):
        response = client.post(reverse("meetings:kind_create"), {"slug": slug, "label": "X"})
        assert response.status_code == 200
        assert "slug" in response.context["form"].errors
    assert MeetingKind.objects.count() == len(STANDARD)


def test_editing_changes_the_label_but_never_the_slug(client):
    aa = kind("aa")
    signed_in(client, CHANGE_KIND).post(
        reverse("meetings:kind_edit", args=[aa.pk]), {"slug": "renamed", "label": "AA", "description": ""}
    )
    aa.refresh_from_db()
    assert (aa.slug, aa.label) == ("aa", "AA")


def test_deactivating_and_reactivating_a_kind(client):
    aa = kind("aa")
    meeting = tagged("aa")
    signed_in(client, CHANGE_KIND)
    assert client.post(reverse("meetings:kind_deactivate", args=[aa.pk])).status_code == 302
    aa.refresh_from_db()
    assert not aa.is_active
    assert list(meeting.kinds.all()) == [aa]  # the meeting keeps it
    assert client.get(reverse("meetings:kind_reactivate", args=[aa.pk])).status_code == 405
    client.post(reverse("meetings:kind_reactivate", args=[aa.pk]))
    aa.refresh_from_db()
    assert aa.is_active


def test_reactivating_needs_the_change_permission(client):
    old = retired()
    assert signed_in(client, VIEW_KIND).post(reverse("meetings:kind_reactivate", args=[old.pk])).status_code == 403
    old.refresh_from_db()
    assert not old.is_active


# --- a meeting's kinds on the staff pages -------------------------------------------------------


def test_the_meeting_form_offers_active_kinds_and_the_meetings_own(client):
    old = retired()
    other_old = retired("older-kind")
    meeting = tagged("aa")
    meeting.kinds.add(old)
    signed_in(client, CHANGE_MEETING)
    offered = set(client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"].fields["kinds"].queryset)
    assert kind("smart") in offered
    assert old in offered
    assert other_old not in offered


def test_the_meeting_form_sets_the_kinds(client):
    signed_in(client, "meetings.add_meeting")
    response = client.post(reverse("meetings:create"), {**MEETING_FORM, "kinds": [kind("smart").pk, kind("na").pk]})
    assert response.status_code == 302
    meeting = Meeting.objects.get(name=MEETING_FORM["name"])
    assert {k.slug for k in meeting.kinds.all()} == {"smart", "na"}


def test_a_blank_kinds_value_means_none(client):
    meeting = tagged("aa")
    signed_in(client, CHANGE_MEETING)
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), {**MEETING_FORM, "kinds": [""]})
    assert response.status_code == 302
    assert not meeting.kinds.exists()


def test_the_meeting_form_refuses_an_inactive_kind_the_meeting_does_not_have(client):
    signed_in(client, CHANGE_MEETING)
    meeting = MeetingFactory()
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), {**MEETING_FORM, "kinds": [retired().pk]})
    assert response.status_code == 200
    assert "kinds" in response.context["form"].errors


def test_the_meeting_page_and_list_show_the_kinds(client):
    meeting = tagged("dui-class", name="Tuesday class")
    signed_in(client, VIEW_MEETING)
    assert "DUI education class" in client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "DUI education class" in client.get(reverse("meetings:list")).content.decode()


def test_the_list_filters_by_kind(client):
    tagged("aa", name="Morning AA")
    tagged("na", name="Evening NA")
    tagged("aa", name="Old AA", is_active=False)
    signed_in(client, VIEW_MEETING)

    def names(query: dict) -> set[str]:
        return {m.name for m in client.get(reverse("meetings:list"), query).context["page_obj"]}

    assert names({"kind": "aa"}) == {"Morning AA"}
    assert names({"kind": "aa", "status": "all"}) == {"Morning AA", "Old AA"}
    assert names({"kind": "na"}) == {"Evening NA"}
    assert names({"kind": "no-such-kind"}) == set()


def test_the_filtered_list_runs_the_same_number_of_queries_for_2_and_40_meetings(client, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    signed_in(client, VIEW_MEETING)
    for _ in range(2):
        tagged("aa", "smart")
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("meetings:list"), {"kind": "aa"})
    for _ in range(38):
        tagged("aa", "smart")
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("meetings:list"), {"kind": "aa"})
    assert len(response.context["page_obj"]) == 40


def test_case_managers_read_kinds_but_do_not_keep_the_list(client):
    from django.contrib.auth.models import Group

    call_command("create_staff_groups", stdout=StringIO())
    user = StaffUserFactory()
    user.groups.add(Group.objects.get(name="Case managers"))
    client.force_login(user)
    assert client.get(reverse("meetings:kinds")).status_code == 200
    assert client.get(reverse("meetings:kind_edit", args=[kind("aa").pk])).status_code == 403


# --- the admin ----------------------------------------------------------------------------------


def test_the_admin_never_deletes_a_kind_and_shows_a_meetings_kinds(client, superuser):
    meeting = tagged("smart")
    client.force_login(superuser)
    assert client.get(reverse("admin:meetings_meetingkind_delete", args=[kind("aa").pk])).status_code == 403
    assert "SMART Recovery" in client.get(reverse("admin:meetings_meeting_changelist")).content.decode()
    form = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).context["adminform"].form
    assert list(form.initial["kind_choices"]) == [kind("smart")]


# --- the API ------------------------------------------------------------------------------------

MEETINGS_URL = "/api/v1/meetings/"
KINDS_URL = "/api/v1/meeting-kinds/"


def test_everyone_who_reads_meetings_reads_their_kinds(attendee_api, viewer_api):
    meeting = tagged("aa", "smart")
    for api in (attendee_api, viewer_api):
        assert sorted(api.get(f"{MEETINGS_URL}{meeting.pk}/").json()["kinds"]) == ["aa", "smart"]
        assert api.get(MEETINGS_URL).json()["results"][0]["kinds"] == ["aa", "smart"]  # by label


def test_staff_set_kinds_on_create_and_change(staff_api):
    body = {"name": "Group", "address": "1 Main St", "lat": 45.5, "lng": -122.6, "kinds": ["na", "aa"]}
    created = staff_api.post(MEETINGS_URL, body, format="json")
    assert created.status_code == 201, created.content
    meeting = Meeting.objects.get(pk=created.json()["id"])
    assert {k.slug for k in meeting.kinds.all()} == {"aa", "na"}

    changed = staff_api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"kinds": ["smart"]}, format="json")
    assert changed.status_code == 200
    assert changed.json()["kinds"] == ["smart"]
    assert staff_api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"name": "Renamed"}, format="json").json()["kinds"] == [
        "smart"
    ]
    assert staff_api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"kinds": []}, format="json").json()["kinds"] == []


@pytest.mark.parametrize("slug", ["no-such-kind", "old-kind", 7])
def test_an_unknown_or_inactive_kind_is_a_400_naming_kinds(staff_api, slug):
    retired()
    meeting = tagged("aa")
    response = staff_api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"kinds": [slug]}, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kinds"}
    assert [k.slug for k in meeting.kinds.all()] == ["aa"]


def test_a_meeting_keeps_a_kind_deactivated_since(staff_api):
    meeting = tagged("aa")
    kind("aa").set_active(False)
    response = staff_api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"kinds": ["aa", "na"]}, format="json")
    assert response.status_code == 200
    assert sorted(response.json()["kinds"]) == ["aa", "na"]


def test_attendees_and_viewers_may_not_set_kinds(attendee_api, viewer_api):
    meeting = tagged("aa")
    for api in (attendee_api, viewer_api):
        assert api.patch(f"{MEETINGS_URL}{meeting.pk}/", {"kinds": ["na"]}, format="json").status_code == 403
    assert [k.slug for k in meeting.kinds.all()] == ["aa"]


def test_the_list_filters_by_kind_over_the_api(attendee_api):
    tagged("aa", name="AA group")
    tagged("na", name="NA group")
    retired()
    assert [m["name"] for m in attendee_api.get(MEETINGS_URL, {"kind": "aa"}).json()["results"]] == ["AA group"]
    assert attendee_api.get(MEETINGS_URL, {"kind": "old-kind"}).json()["results"] == []
    refused = attendee_api.get(MEETINGS_URL, {"kind": "no-such-kind"})
    assert refused.status_code == 400
    assert set(refused.json()["errors"]) == {"kind"}


def test_the_filtered_api_list_runs_a_constant_number_of_queries(staff_api, django_assert_max_num_queries):
    from tests.test_api_meetings import LIST_QUERY_BOUND

    for _ in range(3):
        tagged("aa", "smart")
    with django_assert_max_num_queries(LIST_QUERY_BOUND + 1):  # the kind looked up
        assert staff_api.get(MEETINGS_URL, {"kind": "aa"}).json()["count"] == 3
    for _ in range(12):
        tagged("aa", "smart")
    with django_assert_max_num_queries(LIST_QUERY_BOUND + 1):
        assert len(staff_api.get(MEETINGS_URL, {"kind": "aa"}).json()["results"]) == 15


def test_the_kinds_endpoint_lists_active_kinds_for_attendees_and_staff(api_client, attendee_api, persona_client):
    retired()
    assert api_client.get(KINDS_URL).status_code == 401
    for api in (attendee_api, persona_client("staff_without_permissions")):
        response = api.get(KINDS_URL)
        assert response.status_code == 200
        results = response.json()["results"]
        assert {k["slug"] for k in results} == set(STANDARD)
        assert set(results[0]) == {"slug", "label", "description"}


# --- the demo -----------------------------------------------------------------------------------


def test_each_demo_meeting_has_its_kind():
    call_command("seed_demo", force=True, stdout=StringIO())
    expected = {
        "New Beginnings Recovery Group": ["aa"],
        "DUI Education Class": ["dui-class"],
        "Anger Management Group": ["anger-management"],
        "SMART Recovery Meeting": ["smart"],
        "Relapse Prevention Workshop": ["other"],
        "Serenity Group": ["na"],
        "Victim Impact Panel": ["other"],
    }
    found = {
        spec.name: [k.slug for k in Meeting.objects.get(pk=demo_id("meeting", spec.key)).kinds.all()]
        for spec in MEETINGS
    }
    assert found == expected
