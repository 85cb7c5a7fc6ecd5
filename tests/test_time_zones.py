"""Each meeting's own time zone: found offline from its coordinates, kept when staff set it, and
used to show every time that belongs to the meeting or its sessions, with the zone's
abbreviation on each time."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, SessionStatus
from core.templatetags.staff import clock, when
from core.zones import validate_time_zone, zone_at, zone_or_site
from meetings.models import Meeting
from tests.factories import ContactFactory, MeetingFactory, SessionEventFactory, SessionFactory, UserFactory

pytestmark = pytest.mark.django_db

BOSTON = (42.3601, -71.0589)
HONOLULU = (21.3069, -157.8583)
PACIFIC_OCEAN = (30.0, -140.0)


@pytest.mark.parametrize(
    ("point", "zone"),
    [
        ((45.5152, -122.6784), "America/Los_Angeles"),  # Portland
        (BOSTON, "America/New_York"),
        (HONOLULU, "Pacific/Honolulu"),
        # Either side of the antimeridian: Fiji's east, Alaska's Aleutians (west longitudes),
        # Chukotka (east longitudes).
        ((-16.78, 179.33), "Pacific/Fiji"),
        ((51.88, -176.65), "America/Adak"),
        ((64.73, 177.51), "Asia/Anadyr"),
        (PACIFIC_OCEAN, None),  # at sea: only a nautical zone, which no meeting's clock follows
        ((0.0, 0.0), None),  # "null island", a legacy placeholder
    ],
)
def test_the_zone_is_found_from_the_coordinates_offline(point, zone):
    assert zone_at(*point) == zone


def test_at_sea_the_sites_zone_is_used(settings):
    settings.TIME_ZONE = "America/Chicago"
    assert zone_or_site(*PACIFIC_OCEAN) == "America/Chicago"


def test_a_meeting_saved_without_a_zone_gets_the_one_at_its_place():
    assert MeetingFactory(lat=BOSTON[0], lng=BOSTON[1]).time_zone == "America/New_York"


def test_a_zone_staff_chose_is_kept():
    meeting = MeetingFactory(lat=BOSTON[0], lng=BOSTON[1], time_zone="America/Toronto")
    meeting.refresh_from_db()
    assert meeting.time_zone == "America/Toronto"


@pytest.mark.parametrize("name", ["PST", "America/Portland", "Mars/Olympus_Mons", "utc+1"])
def test_a_name_outside_the_iana_database_is_refused(name):
    with pytest.raises(ValidationError, match="IANA"):
        validate_time_zone(name)


# --- Shown with the zone ------------------------------------------------------------------------


def test_the_repeated_hour_reads_with_two_abbreviations():
    """1 November 2026 in New York: 01:30 happens twice, first in EDT, then in EST."""
    first = dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)
    second = dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)
    assert when(first, "America/New_York") == "1 Nov 2026 01:30 EDT"
    assert when(second, "America/New_York") == "1 Nov 2026 01:30 EST"
    assert clock(second, "America/New_York") == "01:30 EST"


def test_a_time_without_a_place_is_in_the_sites_zone(settings):
    settings.TIME_ZONE = "America/Denver"
    assert when(dt.datetime(2026, 7, 1, 18, 0, tzinfo=dt.UTC)) == "1 Jul 2026 12:00 MDT"


@pytest.fixture
def boston_meeting():
    # 19:00 in Boston on 3 December 2026 (EST, UTC-5).
    start = dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC)
    return MeetingFactory(
        name="Back Bay group", lat=BOSTON[0], lng=BOSTON[1], start_time=start, end_time=start + dt.timedelta(hours=1)
    )


def test_staff_pages_show_the_meetings_local_times(client, boston_meeting):
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting",)))
    detail = client.get(reverse("meetings:detail", args=[boston_meeting.pk])).content.decode()
    listing = client.get(reverse("meetings:list")).content.decode()
    assert "3 Dec 2026 19:00 EST" in detail
    assert "America/New_York" in detail
    assert "Thu 3 Dec 2026, 7:00" in listing
    assert " pm EST" in listing


def test_the_poster_and_the_attendees_page_show_local_times(client, boston_meeting):
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting",)))
    poster = client.get(reverse("meetings:poster", args=[boston_meeting.pk])).content.decode()
    phone = client.get(reverse("attendee:meeting", args=[boston_meeting.qr_code])).content.decode()
    for page in (poster, phone):
        assert "Thu 3 Dec 2026, 7:00" in page
        assert " pm EST" in page


def test_session_pages_and_the_report_show_the_meetings_local_times(client, boston_meeting):
    session = SessionFactory(meeting=boston_meeting, status=SessionStatus.CHECKED_IN)
    checked_in = dt.datetime(2026, 12, 4, 0, 2, tzinfo=dt.UTC)  # 19:02 in Boston
    SessionEventFactory(session=session, type=EventType.CHECK_IN, ts_server=checked_in, ts_client=checked_in)
    client.force_login(UserFactory(is_staff=True, permissions=("attendance.view_session", "contacts.view_contact")))
    detail = client.get(reverse("attendance:session", args=[session.pk])).content.decode()
    listing = client.get(reverse("attendance:sessions")).content.decode()
    report = client.get(
        reverse("attendance:report"), {"contact": session.contact_id, "start": "2026-11-01", "end": "2026-12-31"}
    ).content.decode()
    for page in (detail, listing, report):
        assert "3 Dec 2026 19:02 EST" in page


def test_a_session_without_a_meeting_shows_the_zone_of_its_destination():
    session = SessionFactory(meeting=None, dest_lat=HONOLULU[0], dest_lng=HONOLULU[1])
    assert session.time_zone == "Pacific/Honolulu"


def test_the_dashboards_meetings_today_show_local_clock_times(client):
    now = timezone.now()
    meeting = MeetingFactory(lat=BOSTON[0], lng=BOSTON[1], start_time=now.replace(minute=0, second=0, microsecond=0))
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting",)))
    page = client.get(reverse("dashboard")).content.decode()
    assert clock(meeting.start_time, "America/New_York") in page


# --- Changed by staff --------------------------------------------------------------------------


def test_moving_a_meeting_on_the_staff_form_finds_the_new_places_zone(client):
    meeting = MeetingFactory()
    assert meeting.time_zone == "America/Los_Angeles"
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.change_meeting")))
    form = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(lat=str(BOSTON[0]), lng=str(BOSTON[1]), start_time="", end_time="")
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    assert meeting.time_zone == "America/New_York"


def test_the_api_refuses_an_unknown_zone_naming_the_field(staff_api):
    response = staff_api.post(
        "/api/v1/meetings/",
        {"name": "x", "address": "1 Main St", "lat": BOSTON[0], "lng": BOSTON[1], "time_zone": "EDT"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["time_zone"]


def test_the_api_reads_naive_times_in_the_meetings_zone(staff_api):
    response = staff_api.post(
        "/api/v1/meetings/",
        {"name": "x", "address": "1 Main St", "lat": BOSTON[0], "lng": BOSTON[1], "start_time": "2026-12-03T19:00"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["time_zone"] == "America/New_York"
    assert Meeting.objects.get().start_time == dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC)


def test_moving_a_meeting_through_the_api_finds_the_new_places_zone(staff_api):
    meeting = MeetingFactory()
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {"lat": HONOLULU[0], "lng": HONOLULU[1]})
    assert response.json()["time_zone"] == "Pacific/Honolulu"


# --- The data migration --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_meetings_saved_before_zones_get_the_one_at_their_place(settings, capsys):
    settings.TIME_ZONE = "America/Chicago"
    executor = MigrationExecutor(connection)
    executor.migrate([("meetings", "0005_time_zone")])
    with connection.cursor() as cursor:
        for pk, lat, lng in [("m-boston", *BOSTON), ("m-sea", *PACIFIC_OCEAN)]:
            cursor.execute(
                "INSERT INTO meetings (id, name, address, lat, lng, radius_meters, is_active, time_zone, created_at, "
                "updated_at) VALUES (%s, %s, 'x', %s, %s, 100, %s, '', %s, %s)",
                [pk, pk, lat, lng, True, timezone.now(), timezone.now()],
            )
        # Its audit trail's first record, written when it was created (in Honolulu, then moved).
        cursor.execute(
            "INSERT INTO meetings_historicalmeeting (id, name, address, lat, lng, radius_meters, time_zone, "
            "is_active, created_at, updated_at, history_date, history_type) "
            "VALUES ('m-boston', 'm-boston', 'x', %s, %s, 100, '', %s, %s, %s, %s, '+')",
            [*HONOLULU, True, timezone.now(), timezone.now(), timezone.now()],
        )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([("meetings", "0006_time_zones_from_coordinates")])

    zones = dict(Meeting.objects.values_list("pk", "time_zone"))
    assert zones == {"m-boston": "America/New_York", "m-sea": "America/Chicago"}
    # Each record of the audit trail gets the zone of its own coordinates: no change is
    # attributed to whoever edits the meeting next.
    assert list(Meeting.history.filter(id="m-boston").values_list("time_zone", flat=True)) == ["Pacific/Honolulu"]
    output = capsys.readouterr().out
    assert "America/New_York: 1" in output
    assert "m-sea" in output  # the one left with the site's zone is listed
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


# --- Times typed with a change are read in the zone the meeting will have -----------------------

CHICAGO = (41.8837, -87.6289)


def test_api_a_kept_staff_zone_reads_the_times(staff_api):
    meeting = MeetingFactory(lat=BOSTON[0], lng=BOSTON[1], time_zone="America/Chicago", start_time=None, end_time=None)
    body = {"lat": BOSTON[0], "lng": BOSTON[1], "start_time": "2026-12-03T19:00"}
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert meeting.time_zone == "America/Chicago"
    assert when(meeting.start_time, meeting.time_zone) == "3 Dec 2026 19:00 CST"


def test_api_a_moved_meeting_reads_the_times_in_its_new_zone(staff_api):
    meeting = MeetingFactory(lat=CHICAGO[0], lng=CHICAGO[1], start_time=None, end_time=None)
    body = {"lat": BOSTON[0], "lng": BOSTON[1], "start_time": "2026-12-03T19:00"}
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    meeting.refresh_from_db()
    assert when(meeting.start_time, meeting.time_zone) == "3 Dec 2026 19:00 EST"


def test_api_coordinates_sent_as_text_give_the_zone_for_the_times(staff_api):
    body = {"name": "x", "address": "1 Main St", "lat": str(BOSTON[0]), "lng": str(BOSTON[1])}
    response = staff_api.post("/api/v1/meetings/", {**body, "start_time": "2026-12-03T19:00"}, format="json")
    assert response.status_code == 201, response.content
    meeting = Meeting.objects.get()
    assert when(meeting.start_time, meeting.time_zone) == "3 Dec 2026 19:00 EST"


def test_form_a_moved_meeting_reads_the_times_in_its_new_zone(client):
    meeting = MeetingFactory(lat=CHICAGO[0], lng=CHICAGO[1], start_time=None, end_time=None)
    client.force_login(UserFactory(is_staff=True, permissions=("meetings.view_meeting", "meetings.change_meeting")))
    form = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(lat=str(BOSTON[0]), lng=str(BOSTON[1]), start_time="2026-12-03T18:00")
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    meeting.refresh_from_db()
    assert when(meeting.start_time, meeting.time_zone) == "3 Dec 2026 18:00 EST"


def test_the_phone_pages_answer_gives_the_meetings_local_time(client):
    seven_pm_in_boston = dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC)
    meeting = MeetingFactory(
        lat=BOSTON[0], lng=BOSTON[1], start_time=seven_pm_in_boston, end_time=seven_pm_in_boston + dt.timedelta(hours=1)
    )
    contact = ContactFactory(consenting=True)
    with time_machine.travel(dt.datetime(2026, 12, 4, 0, 2, tzinfo=dt.UTC), tick=False):
        browser = client.session
        browser["attendee_contact_id"] = str(contact.pk)
        browser["attendee_signed_in_at"] = timezone.now().timestamp()
        browser.save()
        data = {"lat": BOSTON[0], "lng": BOSTON[1], "accuracy": 8, "ts_client": timezone.now().isoformat()}
        response = client.post(
            reverse("attendee:check_in", args=[meeting.qr_code]), {**data, "event_id": str(uuid.uuid4())}, follow=True
        )
    message = " ".join(str(m) for m in response.context["messages"])
    assert "Check-in recorded at 3 Dec 2026 19:02 EST" in message


def test_a_reports_days_are_the_days_at_each_place():
    from attendance.reports import Period, build_report

    honolulu = MeetingFactory(lat=21.3069, lng=-157.8583)
    boston = MeetingFactory(lat=BOSTON[0], lng=BOSTON[1])
    contact = ContactFactory(consenting=True)
    # 23:30 on 31 March in Honolulu is 09:30 UTC on 1 April; 00:30 on 1 April in Boston is 04:30 UTC.
    late_in_march = SessionFactory(
        contact=contact,
        meeting=honolulu,
        status=SessionStatus.COMPLETED,
        created_at=dt.datetime(2026, 4, 1, 9, 30, tzinfo=dt.UTC),
    )
    early_in_april = SessionFactory(
        contact=contact,
        meeting=boston,
        status=SessionStatus.COMPLETED,
        created_at=dt.datetime(2026, 4, 1, 4, 30, tzinfo=dt.UTC),
    )
    march = build_report(contact, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), "staff")
    april = build_report(contact, Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30)), "staff")
    assert [row.session_id for row in march.rows] == [late_in_march.pk]
    assert [row.session_id for row in april.rows] == [early_in_april.pk]
