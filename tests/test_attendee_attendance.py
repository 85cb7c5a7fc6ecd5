"""The meeting page and the attendee's home with the time rules of attendance (issue 17): when
check-in opens, the refusals outside that window, the end state after checking out, and no
Check in button until the next meeting's check-in opens. The clock is moved with time-machine.

The meeting: Tuesdays 7:00-8:30 pm in Portland (PST in December), under the default policy
(check-in opens 30 minutes before the start, on time until 10 minutes after it, a stay of 75%).
"""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from attendance import services
from attendance.models import RefusedAttempt, Session, SessionEvent, SessionStatus
from meetings.services import cancel_occurrence
from tests.conftest import sign_in_attendee
from tests.factories import PORTLAND, ContactFactory, MeetingFactory, SessionFactory, StaffUserFactory

PORTLAND_ZONE = ZoneInfo("America/Los_Angeles")
FAR_AWAY = (PORTLAND[0] + 0.5, PORTLAND[1])  # about 56 km north


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    """A moment in December 2026 on the wall clock in Portland (PST)."""
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=PORTLAND_ZONE)


FIRST_MEETING = at(1, 19)  # Tuesday 1 December 2026, 7:00 pm PST


def tuesday_meeting():
    """Tuesdays 7:00-8:30 pm in Portland from 1 Dec 2026, scheduled a week before."""
    with time_machine.travel(FIRST_MEETING - dt.timedelta(days=7), tick=False):
        return MeetingFactory(
            name="Tuesday group",
            start_time=FIRST_MEETING,
            end_time=FIRST_MEETING + dt.timedelta(minutes=90),
            time_zone="America/Los_Angeles",
            recurrence="FREQ=WEEKLY;BYDAY=TU",
        )


def position(lat=PORTLAND[0], lng=PORTLAND[1], accuracy=10.0) -> dict:
    return {
        "lat": lat,
        "lng": lng,
        "accuracy": accuracy,
        "ts_client": timezone.now().isoformat(),
        "event_id": str(uuid.uuid4()),
        "gps_timeout": "",
    }


def check_in(client, meeting, data=None):
    return client.post(reverse("attendee:check_in", args=[meeting.qr_code]), data or position())


def check_out(client, meeting, data=None):
    return client.post(reverse("attendee:check_out", args=[meeting.qr_code]), data or position())


def page_of(client, meeting) -> str:
    page = client.get(reverse("attendee:meeting", args=[meeting.qr_code])).content.decode()
    assert ">My sessions</a>" in page, "not signed in"
    return page


def check_in_button(meeting) -> str:
    return f'action="{reverse("attendee:check_in", args=[meeting.qr_code])}"'


def attend(client, meeting, arrive: dt.datetime, leave: dt.datetime, leave_from=PORTLAND) -> Session:
    """Check in at `arrive` and out at `leave` (from `leave_from`), through the page."""
    with time_machine.travel(arrive, tick=False):
        assert check_in(client, meeting).status_code == 302
        page_of(client, meeting)  # where the browser goes next, and sees the check-in's verdict
    with time_machine.travel(leave, tick=False):
        assert check_out(client, meeting, position(*leave_from)).status_code == 302
    return Session.objects.get(meeting=meeting, occurrence_start=arrive.replace(hour=19, minute=0))


@pytest.fixture
def meeting(db):
    return tuesday_meeting()


@pytest.fixture
def contact(db):
    return ContactFactory(consenting=True)


@pytest.fixture
def attendee(client, contact, settings):
    # Signed in once, for the weeks these tests move the clock through.
    settings.SESSION_COOKIE_AGE = 60 * 24 * 3600
    sign_in_attendee(client, contact)
    return client


# --- Before, after and without the check-in window ------------------------------------------


@pytest.mark.django_db
def test_before_the_window_the_page_says_when_check_in_opens(attendee, meeting):
    with time_machine.travel(at(1, 18, 10), tick=False):
        page = page_of(attendee, meeting)

    assert "Check-in opens at 6:30 pm PST." in page
    assert check_in_button(meeting) in page


@pytest.mark.django_db
def test_once_the_window_is_open_the_page_says_nothing_about_it(attendee, meeting):
    with time_machine.travel(at(1, 18, 30), tick=False):
        page = page_of(attendee, meeting)

    assert "Check-in opens" not in page
    assert check_in_button(meeting) in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("moment", "cancel", "words"),
    [
        (at(1, 18, 10), False, "Check-in opens at 6:30 pm PST."),
        (at(1, 21, 0), False, "Today&#x27;s meeting ended at 8:30 pm PST; check-in is closed."),
        (at(2, 19, 0), False, "This meeting does not meet today; nothing was recorded."),
        (at(1, 19, 0), True, "Today&#x27;s meeting is cancelled; nothing was recorded."),
    ],
    ids=["check_in_not_open", "check_in_closed", "no_occurrence", "cancelled"],
)
def test_a_check_in_outside_the_window_is_refused_on_the_meeting_page(attendee, meeting, moment, cancel, words):
    if cancel:
        cancel_occurrence(meeting, moment.date(), "Venue closed")
    with time_machine.travel(moment, tick=False):
        response = check_in(attendee, meeting)

    assert response.status_code == 409
    page = response.content.decode()
    assert page.count(words) == 1
    assert "You are not checked in." in page
    assert meeting.name in page
    assert not Session.objects.exists()
    assert not SessionEvent.objects.exists()


@pytest.mark.django_db
def test_a_check_in_before_the_window_is_kept_as_a_refused_attempt(client):
    meeting = tuesday_meeting()
    contact = ContactFactory(consenting=True)
    sign_in_attendee(client, contact)
    data = position()
    with time_machine.travel(at(1, 18, 10), tick=False):
        data = position()
        response = check_in(client, meeting, data)

    assert response.status_code == 409
    assert "Check-in opens at 6:30 pm PST." in response.content.decode()
    attempt = RefusedAttempt.objects.get()
    assert (attempt.contact, attempt.meeting, attempt.session, attempt.code) == (
        contact,
        meeting,
        None,
        "check_in_not_open",
    )
    assert attempt.event_id == data["event_id"]
    assert attempt.ts_server == at(1, 18, 10)
    assert attempt.detail == "Check-in opens at 6:30 pm PST."
    assert not Session.objects.exists()
    assert not SessionEvent.objects.exists()
    # The attempt is evidence for staff: the attendee's pages do not list it.
    assert "check_in_not_open" not in client.get(reverse("attendee:home")).content.decode()


# --- While checked in -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_late_check_in_says_arrived_late(attendee, meeting):
    with time_machine.travel(at(1, 19, 20), tick=False):
        check_in(attendee, meeting)
        page = page_of(attendee, meeting)

    assert "Checked in since 1 Dec 2026 19:20 PST: arrived late." in page


@pytest.mark.django_db
def test_an_on_time_check_in_says_nothing_more(attendee, meeting):
    with time_machine.travel(at(1, 19, 10), tick=False):
        check_in(attendee, meeting)
        page = page_of(attendee, meeting)

    assert "Checked in since 1 Dec 2026 19:10 PST." in page
    assert "late" not in page


# --- After checking out -----------------------------------------------------------------------


@pytest.mark.django_db
def test_after_checking_out_the_page_shows_the_end_state_and_when_to_come_back(attendee, meeting):
    session = attend(attendee, meeting, at(1, 19, 2), at(1, 20, 31))

    assert (session.status, session.outcome, session.reasons) == (SessionStatus.COMPLETED, "attended", [])
    with time_machine.travel(at(1, 20, 35), tick=False):
        page = page_of(attendee, meeting)

    assert "Checked out at 8:31 pm PST: 1 h 28 min of 1 h 30 min, attended." in page
    assert "Next meeting: Tue 8 Dec, check-in opens at 6:30 pm PST." in page
    assert check_in_button(meeting) not in page
    assert 'name="event_id"' not in page


@pytest.mark.django_db
def test_no_check_in_button_until_the_next_meetings_check_in_opens(attendee, meeting):
    attend(attendee, meeting, at(1, 19, 0), at(1, 20, 30))

    for moment in (at(1, 20, 45), at(2, 12, 0), at(8, 18, 29)):
        with time_machine.travel(moment, tick=False):
            page = page_of(attendee, meeting)
        assert check_in_button(meeting) not in page, moment
        assert "Checked out at 8:30 pm PST on Tue 1 Dec" in page or moment.day == 1, moment

    with time_machine.travel(at(8, 18, 30), tick=False):
        page = page_of(attendee, meeting)
    assert check_in_button(meeting) in page
    assert "Checked out" not in page


@pytest.mark.django_db
def test_the_next_meeting_skips_a_cancelled_one(attendee, meeting):
    cancel_occurrence(meeting, dt.date(2026, 12, 8), "Holiday")
    attend(attendee, meeting, at(1, 19, 0), at(1, 20, 30))

    with time_machine.travel(at(1, 20, 45), tick=False):
        page = page_of(attendee, meeting)

    assert "Next meeting: Tue 15 Dec, check-in opens at 6:30 pm PST." in page


@pytest.mark.django_db
def test_a_late_arrival_ends_partly_attended_with_its_reason(attendee, meeting):
    attend(attendee, meeting, at(1, 19, 20), at(1, 20, 31))

    with time_machine.travel(at(1, 20, 35), tick=False):
        page = page_of(attendee, meeting)

    assert "Checked out at 8:31 pm PST: 1 h 10 min of 1 h 30 min, partly attended." in page
    assert '<ul class="reasons"><li>Arrived late</li></ul>' in page


@pytest.mark.django_db
def test_leaving_early_gives_both_reasons(attendee, meeting):
    attend(attendee, meeting, at(1, 19, 0), at(1, 19, 45))

    with time_machine.travel(at(1, 19, 50), tick=False):
        page = page_of(attendee, meeting)

    assert "Checked out at 7:45 pm PST: 45 min of 1 h 30 min, partly attended." in page
    # Not the check-out position's verdict alone, which would say "Verified".
    assert "Verified" not in page.replace("Verified Compliance", "")
    assert "<li>Left early</li><li>Stayed less than the minimum</li>" in page
    assert check_in_button(meeting) not in page


@pytest.mark.django_db
def test_a_check_out_away_from_the_meeting_is_not_verified(attendee, meeting):
    attend(attendee, meeting, at(1, 19, 0), at(1, 20, 31), leave_from=FAR_AWAY)

    with time_machine.travel(at(1, 20, 35), tick=False):
        page = page_of(attendee, meeting)

    assert "Checked out at 8:31 pm PST: 1 h 30 min of 1 h 30 min, partly attended." in page
    assert '<ul class="reasons"><li>Check-out not verified</li></ul>' in page


@pytest.mark.django_db
def test_a_session_closed_automatically_says_so(attendee, contact, meeting):
    with time_machine.travel(at(1, 19, 0), tick=False):
        check_in(attendee, meeting)
    session = Session.objects.get()
    with time_machine.travel(at(1, 22, 35), tick=False):
        assert services.close_if_stale(session.pk) is not None
        page = page_of(attendee, meeting)

    assert "Session ended at 10:35 pm PST: partly attended." in page
    assert '<ul class="reasons"><li>No check-out</li></ul>' in page
    assert "Next meeting: Tue 8 Dec, check-in opens at 6:30 pm PST." in page


@pytest.mark.django_db
def test_a_check_in_never_verified_ends_not_verified(attendee, contact, meeting):
    with time_machine.travel(at(1, 19, 0), tick=False):
        check_in(attendee, meeting, position(*FAR_AWAY))
    session = Session.objects.get()
    with time_machine.travel(at(1, 19, 5), tick=False):
        services.end_session_by_staff(session.pk, reason="Left the building", staff_member=StaffUserFactory())
        page = page_of(attendee, meeting)

    assert "Session ended at 7:05 pm PST: not verified." in page
    assert '<ul class="reasons"><li>No verified check-in</li></ul>' in page


# --- Home -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_home_lists_each_session_with_its_outcome_in_words(attendee, contact, meeting):
    attend(attendee, meeting, at(1, 19, 2), at(1, 20, 31))
    attend(attendee, meeting, at(8, 19, 20), at(8, 20, 31))
    with time_machine.travel(at(15, 19, 0), tick=False):
        check_in(attendee, meeting)
        page_of(attendee, meeting)
        page = attendee.get(reverse("attendee:home")).content.decode()

    assert page.count("<strong>Attended: 1 h 28 min of 1 h 30 min</strong>") == 1
    assert page.count("<strong>Partly attended: 1 h 10 min of 1 h 30 min</strong>") == 1
    assert page.count("<li>Arrived late</li>") == 1
    assert page.count("<strong>In progress</strong>") == 1
    assert "at the place" in page
    # Whether a session counts is its outcome: no position badge says "Verified".
    assert "Verified" not in page.replace("Verified Compliance", "")


@pytest.mark.django_db
def test_home_shows_no_staff_notes(attendee, contact, meeting):
    with time_machine.travel(at(1, 19, 0), tick=False):
        check_in(attendee, meeting)
    session = Session.objects.get()
    with time_machine.travel(at(1, 19, 30), tick=False):
        services.end_session_by_staff(
            session.pk, reason="Case note: spoke to probation", staff_member=StaffUserFactory()
        )
        page = attendee.get(reverse("attendee:home")).content.decode()

    assert "<strong>Partly attended</strong>" in page
    assert "<li>No check-out</li>" in page
    assert "probation" not in page
    assert "Ended by staff" not in page


@pytest.mark.django_db
def test_a_session_closed_without_its_closing_event_still_shows_how_it_ended(attendee, contact, meeting):
    """Sessions adopted from the legacy system can be completed with no check-out event."""
    with time_machine.travel(at(1, 20, 45), tick=False):
        SessionFactory(contact=contact, meeting=meeting, status=SessionStatus.COMPLETED, outcome="not_verified")
        page = page_of(attendee, meeting)

    assert "Checked out: not verified." in page
    assert check_in_button(meeting) not in page


# --- Found in review: the button follows what the service takes ------------------------------------


@pytest.mark.django_db
def test_after_staff_end_a_session_during_the_window_the_attendee_may_check_in_again(attendee, contact, meeting):
    with time_machine.travel(at(1, 18, 55), tick=False):
        check_in(attendee, meeting, position(lat=PORTLAND[0] + 0.01))  # too far: not verified
        services.end_session_by_staff(
            Session.objects.get().pk, reason="Opened by mistake", staff_member=StaffUserFactory()
        )
    with time_machine.travel(at(1, 19, 0), tick=False):
        assert check_in_button(meeting) in page_of(attendee, meeting)
        assert check_in(attendee, meeting).status_code == 302
    assert Session.objects.filter(contact=contact).count() == 2


@pytest.mark.django_db
def test_a_meeting_made_drop_in_after_a_check_out_takes_check_ins_the_next_day(attendee, meeting):
    attend(attendee, meeting, at(1, 18, 55), at(1, 20, 30))
    meeting.start_time = meeting.end_time = None
    meeting.recurrence = ""
    meeting.save()
    with time_machine.travel(at(15, 12, 0), tick=False):
        assert check_in_button(meeting) in page_of(attendee, meeting)
        assert check_in(attendee, meeting).status_code == 302
