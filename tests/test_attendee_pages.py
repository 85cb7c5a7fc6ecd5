"""The attendee's pages behind a meeting's QR code: sign-in, consent, check-in and check-out."""

import datetime as dt
import uuid

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from contacts.models import ConsentChange
from tests.conftest import sign_in_attendee
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long enough attendee password"
# About 1.1 km north of the library: outside any meeting's 100 m radius.
FAR_AWAY = (PORTLAND[0] + 0.01, PORTLAND[1])


@pytest.fixture(autouse=True)
def fresh_cache():
    # The sign-in rate limit counts in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def meeting(db):
    return MeetingFactory()


@pytest.fixture
def contact(db):
    contact = ContactFactory(consenting=True)
    contact.set_password(PASSWORD)
    contact.save()
    return contact


@pytest.fixture
def attendee_client(client, contact):
    sign_in_attendee(client, contact)
    return client


def meeting_url(meeting) -> str:
    return reverse("attendee:meeting", args=[meeting.qr_code])


def position(lat=PORTLAND[0], lng=PORTLAND[1], accuracy=10.0, **overrides) -> dict:
    data = {
        "lat": lat,
        "lng": lng,
        "accuracy": accuracy,
        "ts_client": timezone.now().isoformat(),
        "event_id": str(uuid.uuid4()),
        "gps_timeout": "",
    }
    data.update(overrides)
    return data


def post_check_in(client, meeting, data=None):
    return client.post(reverse("attendee:check_in", args=[meeting.qr_code]), data or position())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- The meeting page -------------------------------------------------------------------------


def test_meeting_page_shows_the_meeting_and_a_sign_in_button(client, meeting):
    response = client.get(meeting_url(meeting))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert meeting.name in page
    assert meeting.address in page
    sign_in_link = f"{reverse('attendee:sign_in')}?next={meeting_url(meeting)}"
    assert sign_in_link in page
    assert "Sign in to check in" in page
    assert 'href="/meetings/' not in page  # no staff navigation


def test_meeting_page_answers_the_printed_address_without_a_slash(client, meeting):
    assert client.get(f"/q/{meeting.qr_code}").status_code == 200


def test_unknown_or_rotated_code_is_404_with_what_to_do(client, meeting):
    old = meeting.qr_code
    meeting.rotate_qr_code()
    for code in (old, "no-such-code"):
        response = client.get(f"/q/{code}/")
        assert response.status_code == 404
        assert b"case manager" in response.content
        assert meeting.name.encode() not in response.content


def test_inactive_meeting_is_410(client, meeting):
    meeting.is_active = False
    meeting.save()
    response = client.get(meeting_url(meeting))
    assert response.status_code == 410
    assert b"no longer" in response.content
    assert b"case manager" in response.content


def test_signed_in_without_consent_links_to_the_consent_page(client, meeting):
    contact = ContactFactory()
    sign_in_attendee(client, contact)
    response = client.get(meeting_url(meeting))
    assert f"{reverse('attendee:consent')}?next=" in response.content.decode()
    assert b"data-geolocate" not in response.content


def test_consenting_attendee_gets_the_check_in_button_with_script_and_noscript(attendee_client, meeting):
    page = attendee_client.get(meeting_url(meeting)).content.decode()
    assert reverse("attendee:check_in", args=[meeting.qr_code]) in page
    assert 'src="/static/js/checkin.js"' in page
    assert "<noscript>" in page
    assert "<script>" not in page  # no inline script
    assert 'name="csrfmiddlewaretoken"' in page


# --- Signing in -------------------------------------------------------------------------------


def test_sign_in_keeps_the_contact_in_its_own_session_key(client, contact, meeting):
    response = client.post(
        reverse("attendee:sign_in"),
        {"email": contact.email.upper(), "password": PASSWORD, "next": meeting_url(meeting)},
    )
    assert response.status_code == 302
    assert response["Location"] == meeting_url(meeting)
    assert client.session["attendee_contact_id"] == str(contact.pk)
    assert "_auth_user_id" not in client.session
    # An attendee is not a staff member.
    staff_page = client.get("/meetings/")
    assert staff_page.status_code == 302
    assert staff_page["Location"].startswith("/login/")


def test_sign_in_without_next_or_with_an_unsafe_one_goes_home(client, contact):
    for next_url in ("", "https://evil.example.com/", "//evil.example.com/"):
        response = client.post(
            reverse("attendee:sign_in"), {"email": contact.email, "password": PASSWORD, "next": next_url}
        )
        assert response["Location"] == reverse("attendee:home")


def test_wrong_password_and_unknown_email_get_the_same_message(client, contact):
    wrong = client.post(reverse("attendee:sign_in"), {"email": contact.email, "password": "nope"})
    unknown = client.post(reverse("attendee:sign_in"), {"email": "nobody@example.org", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()
    assert "Wrong email or password." in wrong.content.decode()
    assert "attendee_contact_id" not in client.session


def test_sign_in_and_out_leave_a_staff_sign_in_alone(client, contact):
    staff = StaffUserFactory()
    client.force_login(staff)
    client.post(reverse("attendee:sign_in"), {"email": contact.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(staff.pk)
    assert client.session["attendee_contact_id"] == str(contact.pk)
    response = client.post(reverse("attendee:sign_out"))
    assert response.status_code == 302
    assert "attendee_contact_id" not in client.session
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_sign_out_needs_post(attendee_client):
    assert attendee_client.get(reverse("attendee:sign_out")).status_code == 405
    assert "attendee_contact_id" in attendee_client.session


def test_sign_in_cycles_the_session_key(client, contact):
    client.get(reverse("attendee:sign_in"))
    session = client.session
    session["something"] = "kept"
    session.save()
    before = session.session_key
    client.post(reverse("attendee:sign_in"), {"email": contact.email, "password": PASSWORD})
    assert client.session.session_key != before
    assert client.session["something"] == "kept"


def test_sixth_failure_for_an_email_is_refused_with_retry_after(client, contact):
    url = reverse("attendee:sign_in")
    for _ in range(5):
        assert client.post(url, {"email": contact.email, "password": "nope"}).status_code == 200
    other_ip = Client(REMOTE_ADDR="10.0.0.2")
    response = other_ip.post(url, {"email": contact.email, "password": PASSWORD})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "attendee_contact_id" not in other_ip.session


def test_failures_from_one_address_are_limited_across_emails(client, contact):
    url = reverse("attendee:sign_in")
    for n in range(5):
        client.post(url, {"email": f"guess{n}@example.org", "password": "nope"})
    assert client.post(url, {"email": contact.email, "password": PASSWORD}).status_code == 429
    # Another address may still sign in with that email.
    assert Client(REMOTE_ADDR="10.0.0.3").post(url, {"email": contact.email, "password": PASSWORD}).status_code == 302


def test_a_successful_sign_in_does_not_reset_other_emails_counts(contact):
    url = reverse("attendee:sign_in")
    victim = ContactFactory(email="victim@example.org")
    for n in range(5):
        Client(REMOTE_ADDR=f"10.0.1.{n}").post(url, {"email": victim.email, "password": "nope"})
    assert Client(REMOTE_ADDR="10.0.2.1").post(url, {"email": contact.email, "password": PASSWORD}).status_code == 302
    assert Client(REMOTE_ADDR="10.0.2.2").post(url, {"email": victim.email, "password": "x"}).status_code == 429


# --- Consent ----------------------------------------------------------------------------------


def test_consent_page_explains_and_records_the_attendee_s_agreement(client, meeting):
    contact = ContactFactory()
    sign_in_attendee(client, contact)
    page = client.get(reverse("attendee:consent"), {"next": meeting_url(meeting)})
    assert page.status_code == 200
    text = page.content.decode()
    for words in ("What we collect", "When", "Who sees it", "How to stop", "I agree"):
        assert words in text
    response = client.post(reverse("attendee:consent"), {"next": meeting_url(meeting)})
    assert response["Location"] == meeting_url(meeting)
    contact.refresh_from_db()
    assert contact.consent_granted
    change = ConsentChange.objects.get(contact=contact)
    assert change.granted
    assert change.source == ConsentChange.Source.ATTENDEE


def test_withdrawing_consent(attendee_client, contact):
    assert attendee_client.get(reverse("attendee:withdraw_consent")).status_code == 200
    attendee_client.post(reverse("attendee:withdraw_consent"))
    contact.refresh_from_db()
    assert not contact.consent_granted
    change = ConsentChange.objects.get(contact=contact)
    assert not change.granted
    assert change.source == "attendee"


def test_consent_pages_need_a_signed_in_attendee(client):
    for url in (reverse("attendee:consent"), reverse("attendee:withdraw_consent")):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("attendee:sign_in"))
    assert not ConsentChange.objects.exists()


# --- Check-in and check-out -------------------------------------------------------------------


def test_check_in_inside_the_radius_is_verified(attendee_client, contact, meeting):
    response = post_check_in(attendee_client, meeting)
    assert response.status_code == 302
    assert response["Location"] == meeting_url(meeting)
    session = Session.objects.get(contact=contact)
    assert session.status == SessionStatus.CHECKED_IN
    assert session.meeting == meeting
    event = session.events.get()
    assert event.type == EventType.CHECK_IN
    assert event.location_flag == LocationFlag.GRANTED
    page = attendee_client.get(meeting_url(meeting))
    text = page.content.decode()
    assert "Verified" in text
    assert "Not verified" not in text
    assert "Checked in since" in text
    assert reverse("attendee:check_out", args=[meeting.qr_code]) in text


def test_check_in_outside_the_radius_is_not_verified(attendee_client, contact, meeting):
    response = post_check_in(attendee_client, meeting, position(*FAR_AWAY))
    session = Session.objects.get(contact=contact)
    assert session.status == SessionStatus.ACTIVE
    assert session.events.get().location_flag == LocationFlag.DENIED
    page = attendee_client.get(response["Location"])
    (message,) = messages_of(page)
    assert "Not verified" in message
    assert "Move closer" in message
    assert "1112 m" in message  # 0.01° of latitude


def test_gps_timeout_is_recorded_as_a_timeout(attendee_client, contact, meeting):
    post_check_in(attendee_client, meeting, position(lat="", lng="", accuracy="", gps_timeout="1"))
    event = SessionEvent.objects.get(session__contact=contact)
    assert event.location_flag == LocationFlag.TIMEOUT
    assert event.lat is None
    assert Session.objects.get(contact=contact).status == SessionStatus.ACTIVE


def test_a_repeated_post_stores_one_event_and_shows_the_same_result(attendee_client, contact, meeting):
    data = position()
    first = attendee_client.get(post_check_in(attendee_client, meeting, data)["Location"])
    second = attendee_client.get(post_check_in(attendee_client, meeting, data)["Location"])
    assert SessionEvent.objects.filter(session__contact=contact).count() == 1
    assert messages_of(first) == messages_of(second)


def test_check_out_completes_the_session(attendee_client, contact, meeting):
    post_check_in(attendee_client, meeting)
    data = position()
    response = attendee_client.post(reverse("attendee:check_out", args=[meeting.qr_code]), data)
    assert response.status_code == 302
    session = Session.objects.get(contact=contact)
    assert session.status == SessionStatus.COMPLETED
    assert session.events.filter(type=EventType.CHECK_OUT).count() == 1
    # A retry of the check-out after the session closed answers with the same event.
    attendee_client.post(reverse("attendee:check_out", args=[meeting.qr_code]), data)
    assert session.events.count() == 2


def test_check_out_without_a_check_in_here_stores_nothing(attendee_client, contact, meeting):
    response = attendee_client.post(reverse("attendee:check_out", args=[meeting.qr_code]), position())
    assert response.status_code == 302
    assert not Session.objects.filter(contact=contact).exists()


def test_without_consent_check_in_goes_to_the_consent_page_and_stores_nothing(client, meeting):
    contact = ContactFactory()
    sign_in_attendee(client, contact)
    response = post_check_in(client, meeting)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("attendee:consent"))
    assert not Session.objects.exists()
    assert not SessionEvent.objects.exists()


def test_signed_out_check_in_goes_to_sign_in_and_stores_nothing(client, meeting):
    response = post_check_in(client, meeting)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("attendee:sign_in"))
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "north"),
        ("lat", "91"),
        ("lng", "nan"),
        ("accuracy", "-1"),
        ("ts_client", "yesterday"),
        ("ts_client", "2026-11-25T18:00:00"),  # no offset
        ("event_id", "not-a-uuid"),
        ("event_id", str(uuid.uuid1())),
        ("lat", ""),
    ],
)
def test_malformed_hidden_fields_get_a_400_page(attendee_client, meeting, field, value):
    response = post_check_in(attendee_client, meeting, position(**{field: value}))
    assert response.status_code == 400
    assert b"Nothing was recorded" in response.content
    assert not Session.objects.exists()


def test_a_client_time_far_in_the_future_is_a_message_not_an_error(attendee_client, contact, meeting):
    data = position(ts_client=(timezone.now() + dt.timedelta(days=2)).isoformat())
    response = post_check_in(attendee_client, meeting, data)
    page = attendee_client.get(response["Location"])
    assert "phone's clock" in " ".join(messages_of(page))
    assert not SessionEvent.objects.exists()
    assert not Session.objects.exists()


def test_a_phone_clock_far_east_of_utc_is_recorded(attendee_client, contact, meeting):
    """+19:40 is a valid ISO 8601 offset that PostgreSQL refuses to store: it is stored in UTC."""
    sent = timezone.now().astimezone(dt.timezone(dt.timedelta(hours=19, minutes=40))).replace(microsecond=0)
    response = post_check_in(attendee_client, meeting, position(ts_client=sent.isoformat()))
    assert response.status_code == 302
    assert SessionEvent.objects.get().ts_client == sent


def test_an_event_id_used_by_someone_else_stores_nothing(attendee_client, contact, meeting):
    data = position()
    other = Client()
    sign_in_attendee(other, ContactFactory(consenting=True))
    post_check_in(other, meeting, data)
    response = post_check_in(attendee_client, meeting, data)
    assert response.status_code == 302
    assert "try again" in " ".join(messages_of(attendee_client.get(response["Location"])))
    assert not Session.objects.filter(contact=contact).exists()


def test_an_open_session_elsewhere_is_offered_to_be_ended_first(attendee_client, contact, meeting):
    elsewhere = SessionFactory(contact=contact)
    response = post_check_in(attendee_client, meeting)
    assert response.status_code == 409
    end_url = reverse("attendee:end_session", args=[elsewhere.pk])
    assert end_url in response.content.decode()
    assert not SessionEvent.objects.exists()

    ended = attendee_client.post(end_url, {"next": meeting_url(meeting)})
    assert ended["Location"] == meeting_url(meeting)
    elsewhere.refresh_from_db()
    assert elsewhere.status == SessionStatus.ENDED
    assert elsewhere.events.get().notes == "Ended by the attendee to start another session"

    post_check_in(attendee_client, meeting)
    assert Session.objects.get(contact=contact, meeting=meeting).status == SessionStatus.CHECKED_IN


def test_another_attendee_cannot_end_someone_else_s_session(attendee_client):
    someone_else = SessionFactory()
    response = attendee_client.post(reverse("attendee:end_session", args=[someone_else.pk]))
    assert response.status_code == 404
    someone_else.refresh_from_db()
    assert someone_else.status == SessionStatus.ACTIVE


def test_ending_a_session_needs_a_signed_in_attendee(client):
    session = SessionFactory()
    response = client.post(reverse("attendee:end_session", args=[session.pk]))
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == SessionStatus.ACTIVE


@pytest.mark.parametrize(
    ("url_name", "args"),
    [
        ("attendee:check_in", True),
        ("attendee:check_out", True),
        ("attendee:sign_in", False),
        ("attendee:sign_out", False),
        ("attendee:consent", False),
    ],
)
def test_every_post_needs_the_csrf_token(contact, meeting, url_name, args):
    client = Client(enforce_csrf_checks=True)
    sign_in_attendee(client, contact)
    url = reverse(url_name, args=[meeting.qr_code] if args else [])
    assert client.post(url, position()).status_code == 403
    assert not SessionEvent.objects.exists()


def test_check_in_and_out_need_post(attendee_client, meeting):
    for name in ("attendee:check_in", "attendee:check_out"):
        assert attendee_client.get(reverse(name, args=[meeting.qr_code])).status_code == 405


def test_check_in_at_an_inactive_meeting_is_410(attendee_client, meeting):
    meeting.is_active = False
    meeting.save()
    assert post_check_in(attendee_client, meeting).status_code == 410
    assert not Session.objects.exists()


# --- Home -------------------------------------------------------------------------------------


def test_home_lists_the_attendee_s_own_recent_sessions(
    attendee_client, contact, meeting, django_assert_max_num_queries
):
    post_check_in(attendee_client, meeting)
    SessionFactory(status=SessionStatus.COMPLETED)  # someone else's
    with django_assert_max_num_queries(6):
        response = attendee_client.get(reverse("attendee:home"))
    assert response.status_code == 200
    sessions = list(response.context["sessions"])
    assert [s.contact_id for s in sessions] == [contact.pk]
    assert sessions[0].check_in_at is not None
    assert sessions[0].check_out_at is None
    assert reverse("attendee:sign_out") in response.content.decode()


def test_a_deactivated_contact_is_signed_out(client, meeting):
    contact = ContactFactory(consenting=True, is_active=False)
    sign_in_attendee(client, contact)
    assert client.get(reverse("attendee:home")).status_code == 302
