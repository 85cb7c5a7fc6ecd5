"""Local times a clock change skips or repeats are refused, naming the field, wherever one is typed.

With the site, and the meetings typed here, in America/New_York (a meeting's times are read in
its own zone, found from its coordinates), 2026-03-08 02:30 does not exist (the clocks go from 02:00 to
03:00) and 2026-11-01 01:30 happens twice (02:00 back to 01:00). The API's fields and filters,
the staff meeting form and the admin refuse both with one message (core/timezones.py);
with a UTC offset, either is a plain instant.
"""

import datetime as dt
import zoneinfo

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from rest_framework import serializers

from core.timezones import LocalDateTimeField, LocalDateTimeFormField, LocalSplitDateTimeField
from meetings.models import Meeting
from tests.factories import MeetingFactory, SessionFactory
from tests.test_admin_meetings import meeting_form as admin_meeting_form
from tests.test_api_meetings import new_meeting
from tests.test_api_sessions import assert_refused, report, session_url
from tests.test_pages_meetings import meeting_form as staff_meeting_form

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
# Union Square, New York: a meeting here keeps New York's clock.
IN_NEW_YORK = {"lat": 40.7359, "lng": -73.9911}
IN_NEW_YORK_TYPED = {key: str(value) for key, value in IN_NEW_YORK.items()}
SKIPPED = (
    "2026-03-08 02:30 does not exist in America/New_York: the clocks go forward from 02:00 to 03:00 that day. "
    "Give another time, or the time with its UTC offset."
)
REPEATED = (
    "2026-11-01 01:30 happens twice in America/New_York: the clocks go back from 02:00 to 01:00 that day. "
    "Give the time with its UTC offset to say which (-04:00 for the first, -05:00 for the second), or another time."
)
# (date, time, message): the two times of the issue.
REFUSED = [
    pytest.param("2026-03-08", "02:30", SKIPPED, id="skipped"),
    pytest.param("2026-11-01", "01:30", REPEATED, id="repeated"),
]


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


# --- The rule, at the edges of both changes ------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "code"),
    [
        ("2026-03-08 01:59:59", None),
        ("2026-03-08 02:00", "nonexistent_time"),
        ("2026-03-08 02:59:59", "nonexistent_time"),
        ("2026-03-08 03:00", None),
        ("2026-11-01 00:59:59", None),
        ("2026-11-01 01:00", "ambiguous_time"),
        ("2026-11-01 01:59:59", "ambiguous_time"),
        ("2026-11-01 02:00", None),
    ],
)
def test_times_at_the_edges_of_a_change(local: str, code: str | None):
    from django.core.exceptions import ValidationError

    from core.timezones import aware_from_local

    naive = dt.datetime.fromisoformat(local)
    if code is None:
        assert aware_from_local(naive) == naive.replace(tzinfo=NEW_YORK)
    else:
        with pytest.raises(ValidationError) as refused:
            aware_from_local(naive)
        assert refused.value.code == code


def test_times_with_an_offset_are_taken_as_given():
    from core.timezones import aware_from_local

    given = dt.datetime(2026, 11, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert aware_from_local(given) is given


def test_the_message_names_the_change_in_a_half_hour_zone():
    from django.core.exceptions import ValidationError

    from core.timezones import aware_from_local

    with pytest.raises(ValidationError) as refused:
        aware_from_local(dt.datetime(2026, 4, 5, 1, 45), zoneinfo.ZoneInfo("Australia/Lord_Howe"))
    assert "the clocks go back from 02:00 to 01:30" in refused.value.messages[0]
    assert "+11:00 for the first, +10:30 for the second" in refused.value.messages[0]


# --- The meetings API ----------------------------------------------------------------------------


def assert_field_refused(response, field: str, message: str) -> None:
    assert response.status_code == 400, response.content
    assert response.json()["errors"] == {field: [message]}


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_api_create_refuses_the_time(staff_api, field, day, time, message):
    times = {"start_time": "2026-02-01T10:00:00", "end_time": "2026-12-01T10:00:00", field: f"{day}T{time}:00"}
    response = staff_api.post("/api/v1/meetings/", new_meeting(**times, **IN_NEW_YORK), format="json")
    assert_field_refused(response, field, message)
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_api_change_refuses_the_time(staff_api, field, day, time, message):
    meeting = MeetingFactory(start_time=None, end_time=None, **IN_NEW_YORK)
    response = staff_api.patch(f"/api/v1/meetings/{meeting.pk}/", {field: f"{day}T{time}"}, format="json")
    assert_field_refused(response, field, message)
    meeting.refresh_from_db()
    assert (meeting.start_time, meeting.end_time) == (None, None)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2026-11-01T01:30:00-04:00", dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC)),
        ("2026-11-01T01:30:00-05:00", dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC)),
        ("2026-03-08T07:30:00Z", dt.datetime(2026, 3, 8, 7, 30, tzinfo=dt.UTC)),
        ("2026-03-08T03:00:00", dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)),
        ("2026-03-08T01:59:00", dt.datetime(2026, 3, 8, 6, 59, tzinfo=dt.UTC)),
    ],
)
def test_api_takes_times_with_an_offset_and_unaffected_local_ones(staff_api, typed, stored):
    body = new_meeting(start_time=typed, end_time="2026-12-01T10:00:00-05:00", **IN_NEW_YORK)
    response = staff_api.post("/api/v1/meetings/", body, format="json")
    assert response.status_code == 201, response.content
    assert Meeting.objects.get().start_time == stored
    assert dt.datetime.fromisoformat(response.json()["start_time"]) == stored


def test_a_phone_time_without_offset_is_still_refused_for_that(attendee_api, attendee):
    """ts_client needs a UTC offset whatever the time: no local reading, no DST message."""
    session = SessionFactory(contact=attendee, meeting=MeetingFactory())
    response = attendee_api.post(session_url(session, "check-in"), report(ts_client="2026-03-08T02:30:00"))
    assert_refused(response, 400, "ts_client_without_offset")


# --- The API's query filters ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/sessions/", "created_after"),
        ("/api/v1/sessions/", "created_before"),
        ("/api/v1/events/", "ts_server_after"),
        ("/api/v1/events/", "ts_server_before"),
    ],
)
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_api_filters_refuse_the_time(staff_api, url, parameter, day, time, message):
    assert_field_refused(staff_api.get(url, {parameter: f"{day}T{time}:00"}), parameter, message)


def test_api_filters_take_the_time_with_an_offset(staff_api):
    SessionFactory(created_at=dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC))  # 01:00 EST, the second 01:00
    after_first = staff_api.get("/api/v1/sessions/", {"created_after": "2026-11-01T01:30:00-04:00"})
    after_second = staff_api.get("/api/v1/sessions/", {"created_after": "2026-11-01T01:30:00-05:00"})
    assert len(after_first.json()["results"]) == 1
    assert after_second.json()["results"] == []


# --- The staff meeting pages ---------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_staff_form_refuses_the_time(staff_client, field, day, time, message):
    times = {"start_time": "2026-02-01T10:00", "end_time": "2026-12-01T10:00", field: f"{day}T{time}"}
    response = staff_client.post(reverse("meetings:create"), staff_meeting_form(**times, **IN_NEW_YORK_TYPED))
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [message]}
    assert not Meeting.objects.exists()

    meeting = MeetingFactory(name="Kept", **IN_NEW_YORK)
    response = staff_client.post(
        reverse("meetings:edit", args=[meeting.pk]), staff_meeting_form(**times, **IN_NEW_YORK_TYPED)
    )
    assert response.context["form"].errors == {field: [message]}
    assert Meeting.objects.get(pk=meeting.pk).name == "Kept"


def test_staff_form_takes_the_minute_after_the_gap(staff_client):
    times = {"start_time": "2026-03-08T03:00", "end_time": "2026-03-08T04:00"}
    assert (
        staff_client.post(reverse("meetings:create"), staff_meeting_form(**times, **IN_NEW_YORK_TYPED)).status_code
        == 302
    )
    assert Meeting.objects.get().start_time == dt.datetime(2026, 3, 8, 7, 0, tzinfo=dt.UTC)


# --- The admin -----------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["start_time", "end_time"])
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_admin_refuses_the_time(client, superuser, field, day, time, message):
    client.force_login(superuser)
    times = {
        "start_time_0": "2026-02-01",
        "start_time_1": "10:00:00",
        "end_time_0": "2026-12-01",
        "end_time_1": "10:00:00",
        f"{field}_0": day,
        f"{field}_1": f"{time}:00",
    }
    response = client.post(reverse("admin:meetings_meeting_add"), admin_meeting_form(**times))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {field: [message]}
    assert not Meeting.objects.exists()

    meeting = MeetingFactory(name="Kept")
    response = client.post(reverse("admin:meetings_meeting_change", args=[meeting.pk]), admin_meeting_form(**times))
    assert response.context["adminform"].form.errors == {field: [message]}
    assert Meeting.objects.get(pk=meeting.pk).name == "Kept"


# --- Every input of a time goes through the rule -------------------------------------------------


def all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *all_subclasses(sub)]
    return found


OUR_APPS = ("access.", "attendance.", "compliance.", "contacts.", "meetings.")
# Answers, never read from a request: their times are written by the server.
RESPONSE_ONLY = {"api.access.TokenSerializer"}


def test_every_api_time_field_is_read_as_a_local_time_or_needs_an_offset():
    import api.urls  # noqa: F401 (imports every API module)
    from api.attendance import ClientDateTimeField

    unchecked = []
    for serializer in all_subclasses(serializers.Serializer):
        name = f"{serializer.__module__}.{serializer.__qualname__}"
        if not serializer.__module__.startswith(OUR_APPS) or name in RESPONSE_ONLY:
            continue
        for field_name, field in serializer().fields.items():
            writable_time = isinstance(field, serializers.DateTimeField) and not field.read_only
            if writable_time and not isinstance(field, LocalDateTimeField | ClientDateTimeField):
                unchecked.append(f"{name}.{field_name}")
    assert unchecked == []


def test_every_api_time_filter_is_read_as_a_local_time():
    import django_filters

    import api.urls  # noqa: F401 (imports every API module)

    unchecked = []
    for filterset in all_subclasses(django_filters.FilterSet):
        if not filterset.__module__.startswith(OUR_APPS):
            continue
        for name, field in filterset().form.fields.items():
            if isinstance(field, forms.DateTimeField) and not isinstance(field, LocalDateTimeFormField):
                unchecked.append(f"{filterset.__name__}.{name}")
    assert unchecked == []


def test_every_admin_time_input_is_read_as_a_local_time(superuser):
    request = RequestFactory().get("/")
    request.user = superuser
    unchecked = []
    for model, model_admin in admin.site._registry.items():
        if not model.__module__.startswith(OUR_APPS):
            continue  # Django's user admin keeps Django's own refusal, in Django's words
        if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
            continue  # read-only: every field is shown as text
        for name, field in model_admin.get_form(request)().fields.items():
            is_time = isinstance(field, forms.DateTimeField | forms.SplitDateTimeField)
            if is_time and not isinstance(field, LocalSplitDateTimeField | LocalDateTimeFormField):
                unchecked.append(f"{model.__name__}.{name}")
    assert unchecked == []


def admins_with_time_lookups() -> list:
    """Our admins whose list allows URL lookups on a date-time field (their date hierarchy)."""
    return [
        pytest.param(model_admin, id=model.__name__)
        for model, model_admin in admin.site._registry.items()
        if model.__module__.startswith(OUR_APPS) and model_admin.date_hierarchy
    ]


@pytest.mark.parametrize("model_admin", admins_with_time_lookups())
@pytest.mark.parametrize(("day", "time", "message"), REFUSED)
def test_admin_lists_refuse_the_time_in_a_lookup(client, superuser, model_admin, day, time, message):
    client.force_login(superuser)
    opts = model_admin.model._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    lookup = f"{model_admin.date_hierarchy}__gte"

    response = client.get(url, {lookup: f"{day} {time}", "q": "kept"}, follow=True)

    assert response.redirect_chain == [(f"{url}?q=kept", 302)]
    assert [str(shown) for shown in response.context["messages"]] == [f"{lookup}: {message}"]


def test_admin_lists_take_a_time_lookup_with_an_offset(client, superuser):
    client.force_login(superuser)
    MeetingFactory(start_time=dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC))  # the second 01:00
    url = reverse("admin:meetings_meeting_changelist")
    first = client.get(url, {"start_time__gte": "2026-11-01T01:30:00-04:00"})
    second = client.get(url, {"start_time__gte": "2026-11-01T01:30:00-05:00"})
    assert len(first.context["cl"].result_list) == 1
    assert len(second.context["cl"].result_list) == 0
