"""Scan, sign in, consent, check in and out, in a real browser (Debian's Chromium, headless).

The phone is emulated: a 360 px wide page whose geolocation Playwright sets, or refuses.
"""

from pathlib import Path

import pytest

from attendance.models import EventType, LocationFlag, Session, SessionEvent, SessionStatus
from core.geo import offset_point
from tests.factories import ContactFactory, MeetingFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long passphrase for tests"
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def meeting(transactional_db):
    return MeetingFactory(name="Thursday group", lat=45.5193, lng=-122.6831, radius_meters=100)


@pytest.fixture
def attendee_with_password(transactional_db):
    contact = ContactFactory(email="sam@example.org", first_name="Sam", consenting=True)
    contact.set_password(PASSWORD)
    contact.save()
    return contact


@pytest.fixture
def phone(new_context):
    """`phone(at=..., accuracy=...)`: a phone-sized page; `at` is where its GPS says it is, None
    when location is refused."""

    def make(*, at: tuple[float, float] | None, accuracy: float = 10):
        if at is None:
            context = new_context(viewport=PHONE)
        else:
            context = new_context(
                viewport=PHONE,
                geolocation={"latitude": at[0], "longitude": at[1], "accuracy": accuracy},
                permissions=["geolocation"],
            )
        return context.new_page()

    return make


def scan_and_sign_in(page, live_server, meeting, email: str = "sam@example.org") -> None:
    page.goto(f"{live_server.url}/q/{meeting.qr_code}")
    page.get_by_text("Sign in to check in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"**/q/{meeting.qr_code}**")


def press(page, label: str) -> None:
    """Press the check-in or check-out button and wait for the answer page."""
    with page.expect_navigation():
        page.get_by_role("button", name=label).click()


def test_inside_the_radius_the_check_in_is_verified(phone, live_server, meeting, attendee_with_password):
    page = phone(at=(meeting.lat, meeting.lng))
    scan_and_sign_in(page, live_server, meeting)

    press(page, "Check in")

    assert "Verified" in page.content()
    session = Session.objects.get(contact=attendee_with_password)
    assert session.status == SessionStatus.CHECKED_IN
    (event,) = session.events.all()
    assert (event.type, event.location_flag) == (EventType.CHECK_IN, LocationFlag.GRANTED)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "checked-in-phone.png", full_page=True)


def test_outside_the_radius_the_page_says_not_verified(phone, live_server, meeting, attendee_with_password):
    page = phone(at=offset_point(meeting.lat, meeting.lng, north_m=500, east_m=0))
    scan_and_sign_in(page, live_server, meeting)

    press(page, "Check in")

    assert "Not verified" in page.content()
    event = SessionEvent.objects.get(session__contact=attendee_with_password)
    assert event.location_flag == LocationFlag.DENIED
    assert Session.objects.get(contact=attendee_with_password).status == SessionStatus.ACTIVE


def test_refused_location_permission_says_so_and_stores_nothing(phone, live_server, meeting, attendee_with_password):
    page = phone(at=None)
    scan_and_sign_in(page, live_server, meeting)

    page.get_by_role("button", name="Check in").click()

    status = page.locator("[data-geo-status]")
    status.filter(has_text="permission").wait_for()
    assert not SessionEvent.objects.exists()


def test_first_time_the_attendee_consents_then_checks_in(phone, live_server, meeting):
    contact = ContactFactory(email="new@example.org", consent_granted=False)
    contact.set_password(PASSWORD)
    contact.save()
    page = phone(at=(meeting.lat, meeting.lng))
    scan_and_sign_in(page, live_server, meeting, email="new@example.org")

    page.get_by_text("Read and agree").click()
    page.get_by_role("button", name="I agree").click()
    page.wait_for_url(f"**/q/{meeting.qr_code}**")
    press(page, "Check in")

    contact.refresh_from_db()
    assert contact.consent_granted is True
    assert contact.consent_changes.get().source == "attendee"
    assert SessionEvent.objects.get(session__contact=contact).location_flag == LocationFlag.GRANTED


def test_check_out_completes_the_session(phone, live_server, meeting, attendee_with_password):
    page = phone(at=(meeting.lat, meeting.lng))
    scan_and_sign_in(page, live_server, meeting)
    press(page, "Check in")

    press(page, "Check out")

    session = Session.objects.get(contact=attendee_with_password)
    assert (session.status, session.is_complete) == (SessionStatus.COMPLETED, True)
    assert [e.type for e in session.events.order_by("ts_server")] == [EventType.CHECK_IN, EventType.CHECK_OUT]
    # How it ended, as judged, and no button to check in again before the next meeting.
    end_state = page.locator(".end-state .status-line").inner_text()
    assert end_state.startswith("Checked out at ")
    assert end_state.endswith(f", {session.get_outcome_display().lower()}.")
    assert page.get_by_role("button", name="Check in").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "checked-out-phone.png", full_page=True)


def test_a_double_tap_stores_one_event(phone, live_server, meeting, attendee_with_password):
    page = phone(at=(meeting.lat, meeting.lng))
    scan_and_sign_in(page, live_server, meeting)

    with page.expect_navigation():
        page.get_by_role("button", name="Check in").dblclick()

    assert SessionEvent.objects.filter(session__contact=attendee_with_password).count() == 1
