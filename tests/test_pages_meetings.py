"""The staff meeting pages: list, create, edit, detail, deactivate, reactivate, new QR code."""

import datetime as dt
import html
import zoneinfo

import pytest
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from attendance.models import SessionStatus
from meetings.models import Meeting
from tests.factories import PORTLAND, MeetingFactory, SessionFactory

pytestmark = pytest.mark.django_db

LIST_URL = reverse("meetings:list")
CREATE_URL = reverse("meetings:create")
PACIFIC = zoneinfo.ZoneInfo("America/Los_Angeles")


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"meetings:{name}", args=[meeting.pk])


def text(response: HttpResponse) -> str:
    """The page as a person reads it: entities such as &amp; and &#x27; decoded."""
    return html.unescape(response.content.decode())


def meeting_form(**changes: str) -> dict[str, str]:
    """A valid form, as a browser posts it: datetime-local inputs send minutes, no time zone."""
    data = {
        "name": "Tuesday evening group",
        "description": "",
        "address": "801 SW 10th Ave, Portland, OR 97205",
        "lat": str(PORTLAND[0]),
        "lng": str(PORTLAND[1]),
        "radius_meters": "150",
        "start_time": "2026-11-24T18:00",
        "end_time": "2026-11-24T19:30",
    }
    return {**data, **changes}


@pytest.fixture
def pacific(settings):
    settings.TIME_ZONE = "America/Los_Angeles"


@pytest.fixture
def viewer_client(client, staff_user_with):
    """A read-only staff member."""
    client.force_login(staff_user_with("meetings.view_meeting"))
    return client


# --- Access (who may open what: tests/test_page_permissions.py) --------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("edit", meeting_form(name="Changed")),
        ("deactivate", {}),
        ("reactivate", {}),
        ("rotate_qr", {}),
    ],
)
def test_each_change_is_one_history_record_and_only_rotation_replaces_the_code(staff_client, name, data):
    meeting = MeetingFactory(is_active=name != "reactivate")
    before = meeting.qr_code

    assert staff_client.post(url(name, meeting), data).status_code == 302

    meeting.refresh_from_db()
    assert meeting.history.count() == 2
    assert (meeting.qr_code != before) == (name == "rotate_qr")


def test_an_unknown_meeting_is_404(staff_client):
    assert staff_client.get(reverse("meetings:detail", args=["no-such-meeting"])).status_code == 404


def test_reactivating_by_get_is_refused(staff_client):
    meeting = MeetingFactory(is_active=False)

    assert staff_client.get(url("reactivate", meeting)).status_code == 405
    meeting.refresh_from_db()
    assert not meeting.is_active


def test_read_only_staff_see_no_buttons_that_change_anything(viewer_client):
    meeting = MeetingFactory()

    listing = text(viewer_client.get(LIST_URL))
    detail = text(viewer_client.get(url("detail", meeting)))

    assert CREATE_URL not in listing
    for name in ("edit", "deactivate", "rotate_qr"):
        assert url(name, meeting) not in detail
    assert url("poster", meeting) in detail
    assert url("qr_png", meeting) in detail


# --- List -------------------------------------------------------------------------------------


def test_list_shows_each_meeting_with_its_facts(staff_client, pacific):
    start = dt.datetime(2026, 11, 24, 18, 0, tzinfo=PACIFIC)
    meeting = MeetingFactory(
        name="Tuesday evening group",
        address="1 Main St, Salem",
        radius_meters=75,
        start_time=start,
        end_time=start + dt.timedelta(hours=1, minutes=30),
    )

    page = text(staff_client.get(LIST_URL))

    assert "Tuesday evening group" in page
    assert url("detail", meeting) in page
    assert "1 Main St, Salem" in page
    assert "Tue 24 Nov 2026, 6:00\N{EN DASH}7:30 pm PST" in page  # meetings.wording
    assert "75 m" in page
    assert "Active" in page


def test_list_shows_active_meetings_unless_asked_otherwise(staff_client):
    MeetingFactory(name="Still running")
    MeetingFactory(name="Moved away", is_active=False)

    default = text(staff_client.get(LIST_URL))
    inactive = text(staff_client.get(LIST_URL, {"status": "inactive"}))
    every = text(staff_client.get(LIST_URL, {"status": "all"}))

    assert "Still running" in default
    assert "Moved away" not in default
    assert "Moved away" in inactive
    assert "Still running" not in inactive
    assert "Still running" in every
    assert "Moved away" in every


@pytest.mark.parametrize("query", ["evening", "EVENING", "Salem"])
def test_list_search_matches_name_or_address(staff_client, query):
    MeetingFactory(name="Tuesday evening group", address="1 Main St, Salem")
    MeetingFactory(name="Morning class", address="801 SW 10th Ave, Portland")

    page = text(staff_client.get(LIST_URL, {"q": query}))

    assert "Tuesday evening group" in page
    assert "Morning class" not in page
    # The search box keeps what was typed.
    assert f'value="{query}"' in page


def test_list_is_paginated_by_50_and_page_links_keep_the_filters(staff_client):
    start = timezone.now()
    for n in range(51):
        MeetingFactory(name=f"Group {n:02d}", start_time=start - dt.timedelta(days=n), end_time=None)

    first = staff_client.get(LIST_URL, {"q": "Group"})
    second = staff_client.get(LIST_URL, {"q": "Group", "page": 2})

    # Latest first: the oldest meeting is alone on page 2.
    assert len(first.context["page_obj"]) == 50
    assert [m.name for m in second.context["page_obj"]] == ["Group 50"]
    assert "?q=Group&amp;page=2" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_list_runs_the_same_number_of_queries_for_10_and_200_meetings(staff_client, django_assert_max_num_queries):
    # The page of meetings, its count, their cancellations (for the schedule in words) and kinds
    # at once, and the kinds offered by the filter.
    MeetingFactory.create_batch(10)
    with django_assert_max_num_queries(9):
        assert staff_client.get(LIST_URL).status_code == 200

    MeetingFactory.create_batch(190)
    with django_assert_max_num_queries(9):
        response = staff_client.get(LIST_URL)
    assert len(response.context["page_obj"]) == 50


def test_empty_list_says_how_to_create_a_meeting(staff_client):
    page = text(staff_client.get(LIST_URL))

    assert "No active meetings yet." in page
    assert f'href="{CREATE_URL}"' in page


def test_empty_list_without_the_add_permission_says_whom_to_ask(viewer_client):
    page = text(viewer_client.get(LIST_URL))

    assert "Ask a colleague who may create meetings" in page
    assert CREATE_URL not in page


def test_a_search_without_results_offers_to_clear_it(staff_client):
    MeetingFactory(name="Morning class")

    page = text(staff_client.get(LIST_URL, {"q": "nothing like it"}))

    assert "No meetings match “nothing like it”." in page
    assert "Clear the search" in page


# --- Create and edit --------------------------------------------------------------------------


def test_create_saves_the_meeting_with_its_creator_and_local_times(client, staff_user_with, pacific):
    user = staff_user_with("meetings.view_meeting", "meetings.add_meeting")
    client.force_login(user)

    response = client.post(CREATE_URL, meeting_form(), follow=True)

    meeting = Meeting.objects.get()
    assert response.redirect_chain == [(url("detail", meeting), 302)]
    assert "Meeting “Tuesday evening group” created." in text(response)
    assert meeting.created_by == str(user.pk)
    assert meeting.is_active
    assert meeting.qr_code
    # 18:00 in Portland in November is 02:00 UTC the next day.
    assert meeting.start_time == dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC)
    assert meeting.end_time == dt.datetime(2026, 11, 25, 3, 30, tzinfo=dt.UTC)


def test_form_uses_phone_friendly_date_inputs_labelled_with_the_time_zone(staff_client, pacific):
    page = text(staff_client.get(CREATE_URL))

    assert 'type="datetime-local" name="start_time"' in page
    assert 'type="datetime-local" name="end_time"' in page
    assert "Local time at the meeting." in page
    assert 'list="time-zones"' in page
    for field in ("name", "address", "lat", "lng", "radius_meters", "start_time", "end_time"):
        assert f'<label for="id_{field}">' in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lat": "91"}, "Latitude must be between -90 and 90."),
        ({"lng": "-181"}, "Longitude must be between -180 and 180."),
        ({"radius_meters": "0"}, "The check-in radius must be more than 0 and at most 10,000 metres."),
        ({"end_time": "2026-11-24T17:00"}, "The meeting must end after it starts."),
        ({"start_time": "tomorrow"}, "Enter a valid date/time."),
        ({"name": ""}, "This field is required."),
    ],
)
def test_create_shows_errors_and_keeps_the_input(staff_client, changes, message):
    response = staff_client.post(CREATE_URL, meeting_form(**changes))

    assert response.status_code == 200
    page = text(response)
    assert message in page
    assert "Please correct the fields marked below." in page
    for field, value in changes.items():
        if value:
            assert f'name="{field}" value="{value}"' in page
    # Everything else typed is still there.
    assert 'value="801 SW 10th Ave, Portland, OR 97205"' in page
    assert not Meeting.objects.exists()


def test_edit_shows_the_stored_times_in_the_site_time_zone(staff_client, pacific):
    meeting = MeetingFactory(
        start_time=dt.datetime(2026, 11, 25, 2, 0, tzinfo=dt.UTC),
        end_time=dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC),
    )

    page = text(staff_client.get(url("edit", meeting)))

    assert 'name="start_time" value="2026-11-24T18:00"' in page
    assert 'name="end_time" value="2026-11-24T19:00"' in page


def test_edit_saves_shows_a_message_and_records_who_changed_what(client, staff_user_with):
    user = staff_user_with("meetings.view_meeting", "meetings.change_meeting", username="casey")
    client.force_login(user)
    meeting = MeetingFactory(name="Old name")
    form = meeting_form(name="New name", radius_meters="250")

    response = client.post(url("edit", meeting), form, follow=True)

    meeting.refresh_from_db()
    assert meeting.name == "New name"
    assert meeting.radius_meters == 250
    assert response.redirect_chain == [(url("detail", meeting), 302)]
    page = text(response)
    assert "Changes to “New name” saved." in page
    # The audit trail on the page: who, and from what to what.
    history = page.split('id="history-heading"')[1]
    assert "casey" in history
    assert "name: Old name → New name" in history
    assert "check-in radius (m): 100.0 → 250.0" in history


def test_edit_shows_errors_and_changes_nothing(staff_client):
    meeting = MeetingFactory(name="Kept")

    response = staff_client.post(url("edit", meeting), meeting_form(name="Changed", lat="91"))

    assert response.status_code == 200
    assert "Latitude must be between -90 and 90." in text(response)
    assert 'value="Changed"' in text(response)
    meeting.refresh_from_db()
    assert meeting.name == "Kept"


def test_saving_an_unchanged_form_changes_nothing_not_even_seconds(staff_client):
    # Created through the API with seconds, which the minute-precision picker cannot show.
    start = dt.datetime(2026, 11, 25, 2, 0, 30, tzinfo=dt.UTC)
    meeting = MeetingFactory(start_time=start, end_time=start + dt.timedelta(hours=1))
    form = staff_client.get(url("edit", meeting)).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data["start_time"] = form["start_time"].as_widget().split('value="')[1].split('"')[0]
    data["end_time"] = form["end_time"].as_widget().split('value="')[1].split('"')[0]

    response = staff_client.post(url("edit", meeting), data, follow=True)

    assert "Nothing was changed." in text(response)
    meeting.refresh_from_db()
    assert meeting.start_time == start
    assert meeting.history.count() == 1


def test_changing_another_field_keeps_the_seconds_of_untouched_times(staff_client):
    start = dt.datetime(2026, 11, 25, 2, 0, 30, tzinfo=dt.UTC)
    meeting = MeetingFactory(start_time=start, end_time=start + dt.timedelta(hours=1))

    # As the form shows them: in the meeting's zone (Portland, 8 hours behind UTC in November).
    staff_client.post(
        url("edit", meeting), meeting_form(start_time="2026-11-24T18:00", end_time="2026-11-24T19:00", name="Renamed")
    )

    meeting.refresh_from_db()
    assert meeting.name == "Renamed"
    assert meeting.start_time == start


# --- Deactivate, reactivate, new QR code ------------------------------------------------------


def test_deactivation_asks_first_then_deactivates(client, staff_user_with):
    client.force_login(staff_user_with("meetings.view_meeting", "meetings.change_meeting", username="casey"))
    meeting = MeetingFactory(name="Tuesday group")

    confirm = client.get(url("deactivate", meeting))
    meeting.refresh_from_db()
    assert meeting.is_active
    assert "Deactivate “Tuesday group”?" in text(confirm)
    assert 'method="post"' in text(confirm)

    response = client.post(url("deactivate", meeting), follow=True)

    meeting.refresh_from_db()
    assert not meeting.is_active
    page = text(response)
    assert "“Tuesday group” deactivated" in page
    assert "This meeting is inactive" in page
    assert "is active: yes → no" in page.split('id="history-heading"')[1]


def test_deactivating_an_inactive_meeting_says_so(staff_client):
    meeting = MeetingFactory(is_active=False)

    response = staff_client.get(url("deactivate", meeting), follow=True)

    assert "is already inactive" in text(response)
    assert meeting.history.count() == 1


def test_reactivation_makes_the_meeting_active_again(staff_client):
    meeting = MeetingFactory(name="Tuesday group", is_active=False)

    response = staff_client.post(url("reactivate", meeting), follow=True)

    meeting.refresh_from_db()
    assert meeting.is_active
    assert response.redirect_chain == [(url("detail", meeting), 302)]
    assert "“Tuesday group” is active again" in text(response)


def test_a_new_qr_code_is_made_after_confirmation_and_old_posters_are_said_to_stop_working(staff_client):
    meeting = MeetingFactory()
    old = meeting.qr_code

    confirm = staff_client.get(url("rotate_qr", meeting))
    meeting.refresh_from_db()
    assert meeting.qr_code == old
    assert "stops working" in text(confirm)

    response = staff_client.post(url("rotate_qr", meeting), follow=True)

    meeting.refresh_from_db()
    assert meeting.qr_code != old
    assert "Posters printed before now no longer work" in text(response)


def test_a_new_qr_code_shows_in_the_audit_trail(client, staff_user_with):
    client.force_login(staff_user_with("meetings.view_meeting", "meetings.change_meeting", username="casey"))
    meeting = MeetingFactory()

    response = client.post(url("rotate_qr", meeting), follow=True)

    history = text(response).split('id="history-heading"')[1]
    assert "QR code identifier" in history


def test_a_meeting_without_a_qr_code_offers_to_make_one(staff_client):
    meeting = MeetingFactory(qr_code=None)

    page = text(staff_client.get(url("detail", meeting)))

    assert "This meeting has no QR code yet." in page
    assert url("rotate_qr", meeting) in page
    assert staff_client.get(url("poster", meeting)).status_code == 404
    assert staff_client.get(url("qr_png", meeting)).status_code == 404

    staff_client.post(url("rotate_qr", meeting))
    meeting.refresh_from_db()
    assert meeting.qr_code


# --- Detail -----------------------------------------------------------------------------------


def test_detail_shows_the_facts_and_a_map_link(staff_client, pacific):
    start = dt.datetime(2026, 11, 24, 18, 0, tzinfo=PACIFIC)
    meeting = MeetingFactory(
        address="801 SW 10th Ave, Portland, OR 97205",
        lat=45.51934,
        lng=-122.68307,
        radius_meters=120,
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
    )

    page = text(staff_client.get(url("detail", meeting)))

    assert "801 SW 10th Ave, Portland, OR 97205" in page
    assert "45.51934, -122.68307" in page
    assert "https://www.openstreetmap.org/?mlat=45.519340&mlon=-122.683070#map=18/45.519340/-122.683070" in page
    assert "120 m" in page
    assert "24 Nov 2026 18:00 PST to 19:00 PST" in page
    assert meeting.checkin_url() in page
    # The QR code is drawn in the page itself, not fetched from anywhere.
    assert "<svg" in page
    assert "<img" not in page


def test_detail_lists_the_latest_20_sessions_with_contact_and_status(staff_client):
    meeting = MeetingFactory()
    now = timezone.now()
    for n in range(25):
        SessionFactory(
            meeting=meeting,
            contact__first_name=f"Person{n:02d}",
            contact__last_name="Example",
            status=SessionStatus.COMPLETED,
            created_at=now - dt.timedelta(hours=n),
        )
    SessionFactory(meeting=MeetingFactory(), contact__first_name="Elsewhere")

    page = text(staff_client.get(url("detail", meeting)))

    assert "The latest 20 of 25." in page
    assert "Person00 Example" in page
    assert "Person19 Example" in page
    assert "Person20 Example" not in page
    assert "Elsewhere" not in page
    assert "Completed (checked out)" in page


def test_detail_without_sessions_says_where_they_come_from(staff_client):
    page = text(staff_client.get(url("detail", MeetingFactory())))

    assert "No one has started a session at this meeting yet." in page


def test_detail_runs_the_same_number_of_queries_for_1_and_20_sessions(staff_client, django_assert_max_num_queries):
    # One more than before issue 18: the meeting's kinds, prefetched with it.
    meeting = MeetingFactory()
    SessionFactory(meeting=meeting, status=SessionStatus.ENDED)
    with django_assert_max_num_queries(10):
        staff_client.get(url("detail", meeting))

    for _ in range(24):
        SessionFactory(meeting=meeting, status=SessionStatus.ENDED)
    with django_assert_max_num_queries(10):
        staff_client.get(url("detail", meeting))


def test_sessions_link_to_their_session_page(staff_client):
    session = SessionFactory()

    page = text(staff_client.get(url("detail", session.meeting)))

    assert f'<a href="/attendance/{session.pk}/">View</a>' in page


def test_who_attended_is_shown_only_to_those_who_may_see_sessions(client, staff_user_with):
    from tests.factories import ContactFactory, SessionFactory

    meeting = MeetingFactory()
    SessionFactory(meeting=meeting, contact=ContactFactory(first_name="Zelda"))
    client.force_login(staff_user_with("meetings.view_meeting"))
    assert "Zelda" not in text(client.get(url("detail", meeting)))
    client.force_login(staff_user_with("meetings.view_meeting", "attendance.view_session"))
    assert "Zelda" in text(client.get(url("detail", meeting)))
